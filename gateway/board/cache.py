"""The board's cache: rendered pages kept until the public record changes.

A public board is read far more often than it changes, so each gateway keeps the responses it
rendered (body and headers, 200 only: never an error page) and serves them again without
asking the publication service or rendering anything. Nothing is kept for a fixed time: a
page is kept until the record it shows changes.

**Invalidation.** The publication service keeps a change log of its record
(``changes_after`` RPC, ``services/publication/record.py``): each change names the commune and,
where it has them, its province and year, and whether the lists and counts or the list of years
changed. While something is cached, a green thread of the gateway (``BoardCache``) asks for the
changes after the last one it saw every ``BOARD_CACHE_POLL_SECONDS`` and forgets the pages they
concern, by tag:

| tag | forgotten when | pages |
|---|---|---|
| ``xa:<commune>`` | anything of the commune changes | the commune's page and exports |
| ``goi:<province>:<year>`` | anything of a commune-year of the province changes | the verification bundle |
| ``tinh:<province>:<year>`` | a line of the lists changes (status, score, decision, publication) | the province's page and exports; search filtered by both |
| ``tinh:<province>``, ``nam:<year>``, ``tim`` | the same | search filtered by province only, by year only (and the national overview), unfiltered |
| ``years`` | a commune-year becomes public | the search page, the national overview, the ``years`` answer |

Everything is forgotten when the service says so (a published criteria set, a rebuild), when
its log is another one (``epoch``), or when the gateway fell too far behind.

**It cannot silently go stale.** A kept page is served only while the last successful poll
was sent less than ``BOARD_CACHE_MAX_LAG_SECONDS`` ago; when polling fails (the service or the
broker is down, a poll is slow) the cache is bypassed: every request is rendered from fresh
answers (or gets the 503 page) until a poll succeeds again, which also brings every change
missed meanwhile. A page rendered while a poll was forgetting what it shows is not kept: each
request takes a ``ticket`` before reading, and ``put`` refuses a page when anything it
depends on was forgotten since. Entries also expire after ``BOARD_CACHE_SECONDS`` (0 turns
the cache off) as a last bound, and the cache is bounded by ``BOARD_CACHE_ENTRIES`` and
``BOARD_CACHE_BYTES`` (least recently used first out). When nobody has asked for a page for
``IDLE_SECONDS``, everything is dropped and polling stops (not while the publication service
is unavailable: the kept pages are then the board's fallback).

**Stale, and saying so.** When the publication service does not answer (a poll missed its
deadline or found it not running, or a page's own call failed with 503: its breaker open, its
bulkhead full, its deadline passed), a kept page is better than an error page: ``stale`` gives
it back, whatever its age, with the time its data was last known to be current (the last
successful poll, or when it was rendered if later). The board serves it with a notice on the
page and ``X-Cache: stale`` / ``X-Stale-Since`` headers (gateway/board/__init__.py), never as
if it were fresh. A page nobody kept still gets the 503 page. Once a poll succeeds again, the
changes missed meanwhile are applied as usual before anything is served as a hit.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug.wrappers import Response

from kernel import clock as vietnam_clock

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 600.0
DEFAULT_MAX_ENTRIES = 2000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_POLL_SECONDS = 0.1
DEFAULT_MAX_LAG = 0.5
IDLE_SECONDS = 60.0
FORGOTTEN_KEPT = 256  # invalidations remembered for checking tickets
CACHE_HEADER = "X-Cache"
STALE_SINCE_HEADER = "X-Stale-Since"
# Where base.html lets a notice in: a kept page served stale says so at the top of its content.
NOTICE_MARKER = b"<!-- board-notice -->"
ENTRY_OVERHEAD = 512  # bytes counted per entry on top of its body
ALL = "*"
COMPRESSIBLE = ("text/html", "text/csv", "application/json")
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 5


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered 200 response as kept: body, headers (without per-request ones), ETag, and
    the body gzipped when it is text worth compressing (served to clients that accept gzip:
    every browser; a board page shrinks four to ten times)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    gzipped: bytes | None = None

    @classmethod
    def of(cls, response: Response) -> Page:
        body = response.get_data()
        headers = tuple((k, v) for k, v in response.headers.items()
                        if k.lower() not in ("content-length", "etag", "content-encoding",
                                             CACHE_HEADER.lower()))
        gzipped = None
        if len(body) >= GZIP_MIN_BYTES and response.mimetype in COMPRESSIBLE:
            gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            headers += (("Vary", "Accept-Encoding"),)
        return cls(response.status_code, body, headers, etag_of(body), gzipped)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + ENTRY_OVERHEAD

    def response(self, request, state: str | None) -> Response:
        """A new response for one request: gzipped when the client accepts it, 304 when it
        already has this version (each encoding has its own ETag)."""
        zipped = self.gzipped is not None and request is not None and _accepts_gzip(request)
        etag = self.etag + "-gz" if zipped else self.etag
        if request is not None and etag in request.if_none_match:
            response = Response(status=304)
            for key, value in self.headers:
                if key.lower() in ("cache-control", "content-security-policy", "vary",
                                   "x-content-type-options"):
                    response.headers[key] = value
        else:
            response = Response(self.gzipped if zipped else self.body, status=self.status,
                                headers=list(self.headers))
            if zipped:
                response.headers["Content-Encoding"] = "gzip"
        response.set_etag(etag)
        if state:
            response.headers[CACHE_HEADER] = state
        return response

    def stale_response(self, since: datetime, notice: bytes | None = None) -> Response:
        """The kept page served while its data cannot be checked: ``notice`` (HTML) put at
        the top of an HTML page's content, and for every kind of page ``X-Cache: stale`` and
        ``X-Stale-Since`` (when the data was last known current, ISO 8601 in Vietnam's time).
        Without an ETag and uncompressed: a browser must not keep it as the current version,
        and it is served only while the service is away."""
        body = self.body
        if notice is not None and NOTICE_MARKER in body:
            body = body.replace(NOTICE_MARKER, notice, 1)
        response = Response(body, status=self.status,
                            headers=[(k, v) for k, v in self.headers if k.lower() != "vary"])
        response.headers[CACHE_HEADER] = "stale"
        response.headers[STALE_SINCE_HEADER] = since.isoformat(timespec="seconds")
        return response


def _accepts_gzip(request) -> bool:
    header = request.headers.get("Accept-Encoding", "")
    return "gzip" in header and request.accept_encodings["gzip"] > 0


def etag_of(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


@dataclass(slots=True)
class _Entry:
    value: object
    tags: frozenset
    size: int
    stored_at: float
    rendered_at: datetime  # wall time, for saying how old a stale page is


def change_tags(change: dict) -> set[str] | str:
    """The tags one change of the record's log makes the cache forget (ALL: everything)."""
    if change.get("everything"):
        return ALL
    commune, province, year = (change.get("commune_code"), change.get("province_code"),
                               change.get("year"))
    tags = set()
    if commune:
        tags.add(f"xa:{commune}")
    if province and year is not None:
        tags.add(f"goi:{province}:{year}")
    if change.get("lists"):
        if not province or year is None:
            return ALL  # a line of the lists changed and we do not know where: unsure
        tags |= {f"tinh:{province}:{year}", f"tinh:{province}", f"nam:{year}", "tim"}
    if change.get("years"):
        tags.add("years")
    if not tags:
        return ALL
    return tags


class PageCache:
    """Pages (or small answers) by key, each with the tags of what it shows.

    Not thread-safe, and need not be: the gateway's green threads never yield inside it.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_age: float = DEFAULT_MAX_AGE, max_lag: float = DEFAULT_MAX_LAG,
                 clock=time.monotonic, wall_clock=vietnam_clock.now):
        self.max_entries, self.max_bytes = int(max_entries), int(max_bytes)
        self.max_age, self.max_lag = float(max_age), float(max_lag)
        self.enabled = self.max_entries > 0 and self.max_bytes > 0 and self.max_age > 0
        self.max_entry_bytes = self.max_bytes // 8
        self.clock, self.wall_clock = clock, wall_clock
        self._entries: OrderedDict = OrderedDict()
        self._by_tag: dict[str, set] = {}
        self.bytes = 0
        self.position: tuple[str, int] | None = None  # (epoch, seq) of the last change seen
        self.synced_at: float | None = None  # when the last successful poll was sent
        self.generation = 0  # counts forgettings
        self._forgotten: deque = deque(maxlen=FORGOTTEN_KEPT)  # (generation, tags or ALL)
        self.last_used: float | None = None
        self.failure: str | None = None
        self.unavailable = False  # the failure is the publication service not answering
        self.confirmed_at: datetime | None = None  # wall time of the last successful poll
        self.stats = {"hit": 0, "miss": 0, "bypass": 0, "stored": 0, "refused": 0,
                      "evicted": 0, "forgotten": 0, "stale": 0}

    def __len__(self) -> int:
        return len(self._entries)

    # -- readers ------------------------------------------------------------------------------
    def serving(self, now: float | None = None) -> bool:
        """Whether kept pages may be served: a poll sent less than ``max_lag`` ago succeeded."""
        if not self.enabled or self.synced_at is None:
            return False
        return (self.clock() if now is None else now) - self.synced_at <= self.max_lag

    def get(self, key) -> tuple[object | None, str | None]:
        """(value, state): the kept value and "hit", or None and "miss" / "bypass" (the cache
        may not serve now) / None (the cache is off)."""
        if not self.enabled:
            return None, None
        now = self.clock()
        self.last_used = now
        if not self.serving(now):
            self.stats["bypass"] += 1
            return None, "bypass"
        entry = self._entries.get(key)
        if entry is None or now - entry.stored_at > self.max_age:
            if entry is not None:
                self._remove(key)
            self.stats["miss"] += 1
            return None, "miss"
        self._entries.move_to_end(key)
        self.stats["hit"] += 1
        return entry.value, "hit"

    def stale(self, key) -> tuple[object | None, datetime | None]:
        """(value, since): the kept value whatever its age, with when its data was last known
        to be current; (None, None) when nothing is kept under ``key``. Only for serving while
        the publication service does not answer, and saying so."""
        entry = self._entries.get(key)
        if entry is None:
            return None, None
        self.stats["stale"] += 1
        since = entry.rendered_at
        if self.confirmed_at is not None and self.confirmed_at > since:
            since = self.confirmed_at
        return entry.value, since

    def ticket(self) -> int | None:
        """Taken before a page's data is read; ``put`` needs it. None: nothing may be kept
        (the cache is off, or the change log's position is not known yet)."""
        if not self.enabled or self.position is None:
            return None
        return self.generation

    def put(self, key, ticket: int | None, tags, value, size: int) -> bool:
        """Keep ``value`` unless something it depends on was forgotten since ``ticket``."""
        if ticket is None or not self.enabled or size > self.max_entry_bytes:
            self.stats["refused"] += 1
            return False
        tags = frozenset(tags)
        if ticket != self.generation:
            if ticket < self.generation - len(self._forgotten):
                self.stats["refused"] += 1
                return False  # forgotten too long ago to tell
            for generation, forgotten in self._forgotten:
                if generation > ticket and (forgotten == ALL or forgotten & tags):
                    self.stats["refused"] += 1
                    return False
        if key in self._entries:
            self._remove(key)
        self._entries[key] = _Entry(value, tags, size, self.clock(), self.wall_clock())
        self.bytes += size
        for tag in tags:
            self._by_tag.setdefault(tag, set()).add(key)
        self.stats["stored"] += 1
        while self._entries and (len(self._entries) > self.max_entries
                                 or self.bytes > self.max_bytes):
            self._remove(next(iter(self._entries)))
            self.stats["evicted"] += 1
        return True

    # -- the poller ---------------------------------------------------------------------------
    def wants_poll(self, now: float | None = None) -> bool:
        """Poll while pages are kept and asked for, or to learn the log's position."""
        if not self.enabled or self.last_used is None:
            return False
        now = self.clock() if now is None else now
        if now - self.last_used > IDLE_SECONDS and not self.unavailable:
            if self._entries:
                log.info("board cache idle for %d s: dropping %d pages", IDLE_SECONDS,
                         len(self._entries))
                self.clear()
            return False
        return bool(self._entries) or self.position is None or self.failure is not None

    def apply(self, answer: dict, sent_at: float) -> None:
        """A successful poll (sent at ``sent_at``): forget what changed, advance the position."""
        epoch, head = answer["epoch"], int(answer["head"])
        if (self.position is None or self.position[0] != epoch or not answer.get("complete")):
            self.forget(ALL)
        else:
            tags: set = set()
            for change in answer.get("changes", ()):
                found = change_tags(change)
                if found == ALL:
                    tags = ALL
                    break
                tags |= found
            if tags:
                self.forget(tags)
        self.position = (epoch, head)
        if self.failure is not None:
            log.info("board cache: the publication service answers again; serving kept pages")
        self.failure, self.unavailable = None, False
        self.synced_at = sent_at
        self.confirmed_at = self.wall_clock() - timedelta(seconds=max(0.0,
                                                                      self.clock() - sent_at))

    def failed(self, error: str, unavailable: bool = False) -> None:
        """A poll failed: stop serving hits until one succeeds (kept pages wait; the next
        successful poll brings every change missed meanwhile, or makes the cache forget
        everything). ``unavailable``: the service did not answer at all, so the board serves
        kept pages as stale ones rather than wait for it."""
        if self.failure is None:
            log.warning("board cache: polling the publication service failed (%s); bypassing "
                        "the cache until it answers", error)
        self.failure, self.unavailable = error, unavailable
        self.synced_at = None

    def report(self) -> dict:
        """What /health shows of the board: ``fresh`` (kept pages served, in step with the
        record), ``stale`` (the publication service does not answer: kept pages are served with
        a notice), ``bypass`` (the change log cannot be read: every page rendered anew),
        ``idle`` (no page asked for lately, or not in step yet), ``off``."""
        if not self.enabled:
            status = "off"
        elif self.failure is not None:
            status = "stale" if self.unavailable else "bypass"
        else:
            status = "fresh" if self.serving() else "idle"
        return {"status": status, "pages": len(self._entries), "bytes": self.bytes,
                "confirmed_at": (None if self.confirmed_at is None
                                 else self.confirmed_at.isoformat(timespec="seconds")),
                "served_stale": self.stats["stale"]}

    def forget(self, tags) -> int:
        """Drop the entries with any of ``tags`` (ALL: every entry); returns how many."""
        self.generation += 1
        self._forgotten.append((self.generation, ALL if tags == ALL else frozenset(tags)))
        if tags == ALL:
            count = len(self._entries)
            self.clear()
        else:
            count = 0
            for tag in tags:
                for key in list(self._by_tag.get(tag, ())):
                    self._remove(key)
                    count += 1
        self.stats["forgotten"] += count
        return count

    def clear(self) -> None:
        self._entries.clear()
        self._by_tag.clear()
        self.bytes = 0

    def _remove(self, key) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.bytes -= entry.size
        for tag in entry.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]
