"""The board's page cache (gateway/board/cache.py).

First the cache itself (plain Python, a clock of our own); then the gateway with its cache on
against a real nameko service named "publication" on the real broker: the fixture service of
test_board_pages, plus a change log the test writes to (the real service's log is covered by
tests/publication/test_change_log.py and, end to end, by test_board_live.py)."""

import gzip
import time
from datetime import datetime, timedelta

import pytest
from nameko.rpc import rpc
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import board
from gateway.board import html
from gateway.board.cache import ALL, Page, PageCache, change_tags
from tests.gateway import peers
from tests.gateway.conftest import start_gateway
from tests.gateway.test_board_pages import BA_DINH, DONG_QUANG, BoardPublicationPeer

pytestmark = pytest.mark.broker


# -- the cache on its own -----------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def synced(cache, clock, changes=(), epoch="e1", complete=True):
    """One successful poll, as the gateway's poller would apply it."""
    head = (cache.position[1] if cache.position else 0) + len(changes)
    cache.apply({"epoch": epoch, "head": head, "complete": complete, "changes": list(changes)},
                clock())


def change(commune, province="01", year=2025, lists=False, years=False):
    return {"commune_code": commune, "province_code": province, "year": year, "lists": lists,
            "years": years, "everything": False}


def new_cache(**kwargs):
    clock = Clock()
    cache = PageCache(clock=clock, **kwargs)
    synced(cache, clock)  # the first poll learns the log's position
    return cache, clock


def put(cache, key, tags, size=100):
    return cache.put(key, cache.ticket(), tags, f"page {key}", size)


def test_change_tags_name_what_a_change_touches():
    assert change_tags(change("00004")) == {"xa:00004", "goi:01:2025"}
    assert change_tags(change("00004", lists=True, years=True)) == {
        "xa:00004", "goi:01:2025", "tinh:01:2025", "tinh:01", "nam:2025", "tim", "years"}
    assert change_tags({"commune_code": "00004", "lists": False, "years": False,
                        "everything": False}) == {"xa:00004"}  # a survey result
    assert change_tags({"everything": True}) == ALL
    # a line of the lists changed but we are not told where: forget everything
    assert change_tags({"commune_code": "00004", "lists": True}) == ALL
    assert change_tags({}) == ALL


def test_pages_are_kept_until_a_change_concerns_them():
    cache, clock = new_cache()
    assert put(cache, "a", {"xa:00004"}) and put(cache, "b", {"xa:00070"})
    assert put(cache, "search", {"tim", "years"})
    assert cache.get("a") == ("page a", "hit")
    synced(cache, clock, [change("00004")])  # not a change of the lists
    assert cache.get("a") == (None, "miss")
    assert cache.get("b") == ("page b", "hit") and cache.get("search")[1] == "hit"
    synced(cache, clock, [change("00070", lists=True)])
    assert cache.get("b")[1] == "miss" and cache.get("search")[1] == "miss"
    assert len(cache) == 0 and cache.bytes == 0


def test_a_page_read_before_a_change_it_shows_is_not_kept():
    cache, clock = new_cache()
    ticket = cache.ticket()  # the request starts reading...
    synced(cache, clock, [change("00004")])  # ...the poller forgets the commune meanwhile
    assert not cache.put("a", ticket, {"xa:00004"}, "stale page", 100)
    assert cache.put("b", ticket, {"xa:00070"}, "page b", 100)  # not concerned: kept
    assert cache.get("a")[1] == "miss" and cache.get("b")[1] == "hit"
    # before the first poll nothing may be kept: the log's position is not known
    assert PageCache(clock=Clock()).ticket() is None


def test_nothing_is_served_while_polls_fail_or_lag():
    cache, clock = new_cache(max_lag=0.5)
    put(cache, "a", {"xa:00004"})
    assert cache.get("a")[1] == "hit"
    cache.failed("ServiceUnavailable: the publication service did not answer")
    assert cache.get("a") == (None, "bypass")
    synced(cache, clock)  # answers again: what changed meanwhile comes with it
    assert cache.get("a")[1] == "hit"
    clock.now += 0.6  # no successful poll for longer than max_lag
    assert cache.get("a") == (None, "bypass")
    synced(cache, clock)
    assert cache.get("a")[1] == "hit"


class WallClock:
    """Vietnam's wall time, moved along with a Clock."""

    def __init__(self, clock):
        from kernel.clock import VIETNAM

        self.clock, self.start = clock, datetime(2026, 2, 6, 14, 30, tzinfo=VIETNAM)

    def __call__(self):
        return self.start + timedelta(seconds=self.clock.now - 1000.0)


def test_kept_pages_stand_in_while_the_service_does_not_answer():
    clock = Clock()
    cache = PageCache(clock=clock, wall_clock=WallClock(clock), max_age=100)
    synced(cache, clock)  # 14:30:00
    put(cache, "a", {"xa:00004"})
    clock.now += 90
    synced(cache, clock)  # 14:31:30: "a" is still what the record shows
    assert cache.get("a")[1] == "hit" and cache.report()["status"] == "fresh"
    cache.failed("ServiceUnavailable: no answer", unavailable=True)
    clock.now += 3600  # an hour's outage: older than max_age, and nobody asked for a minute
    assert cache.wants_poll() and len(cache) == 1  # kept, and polled until the service returns
    assert cache.get("a") == (None, "bypass")  # never served as current
    value, since = cache.stale("a")
    assert value == "page a" and since.strftime("%H:%M:%S") == "14:31:30"
    assert cache.stale("b") == (None, None)  # nothing kept: the 503 page
    report = cache.report()
    assert report["status"] == "stale" and report["pages"] == 1
    assert report["confirmed_at"] == "2026-02-06T14:31:30+07:00"
    assert report["served_stale"] == 1
    synced(cache, clock, [change("00004")])  # back, and "a" changed meanwhile
    assert cache.stale("a") == (None, None) and cache.report()["status"] == "fresh"


def test_a_change_log_that_fails_is_not_an_outage():
    cache, clock = new_cache()
    put(cache, "a", {"xa:00004"})
    cache.failed("RemoteError: the change log cannot be read")  # the service answers
    assert cache.report()["status"] == "bypass" and not cache.unavailable


def test_a_stale_page_says_so():
    from kernel.clock import VIETNAM

    since = datetime(2026, 2, 6, 14, 31, 30, tzinfo=VIETNAM)
    page = Page.of(html("error.html", status=200, title="Xã Đông Quang", message="x",
                        status_code=200))
    response = board.stale_response(page, since)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["X-Cache"] == "stale"
    assert response.headers["X-Stale-Since"] == "2026-02-06T14:31:30+07:00"
    assert "ETag" not in response.headers and "Content-Encoding" not in response.headers
    assert "Dữ liệu có thể chưa được cập nhật" in text and "14:31 ngày 06/02/2026" in text
    assert text.index("Dữ liệu có thể chưa") < text.index("Xã Đông Quang</h1>")
    assert response.headers["Content-Security-Policy"] == page_headers(page)["Content-Security-Policy"]
    export = Page.of(Response('{"rows": []}', mimetype="application/json"))
    response = board.stale_response(export, since)
    assert response.get_data() == b'{"rows": []}' and response.headers["X-Cache"] == "stale"


def page_headers(page):
    return dict(page.headers)


def test_a_new_log_or_falling_behind_forgets_everything():
    cache, clock = new_cache()
    put(cache, "a", {"xa:00004"})
    synced(cache, clock, epoch="e2")  # the service's database was replaced
    assert cache.get("a")[1] == "miss"
    put(cache, "a", {"xa:00004"})
    synced(cache, clock, complete=False, epoch="e2")  # too many changes to list
    assert cache.get("a")[1] == "miss"
    put(cache, "a", {"xa:00004"})
    synced(cache, clock, [{"everything": True}], epoch="e2")  # a rebuild, a new criteria set
    assert cache.get("a")[1] == "miss"


def test_the_cache_is_bounded_least_recently_used_first():
    cache, _ = new_cache(max_entries=3, max_bytes=8000)
    for key in "abc":
        put(cache, key, {f"xa:{key}"})
    cache.get("a")  # used: b is now the oldest
    put(cache, "d", {"xa:d"})
    assert cache.get("b")[1] == "miss" and cache.get("a")[1] == "hit" and len(cache) == 3
    assert not put(cache, "huge", {"xa:e"}, size=1001)  # more than an eighth of the bytes
    put(cache, "e", {"xa:e"}, size=900)
    put(cache, "f", {"xa:f"}, size=900)
    assert cache.bytes <= 8000 and len(cache) == 3


def test_old_pages_expire_and_an_idle_cache_empties():
    cache, clock = new_cache(max_age=10, max_lag=100)
    put(cache, "a", {"xa:00004"})
    clock.now += 11
    assert cache.get("a")[1] == "miss"
    put(cache, "a", {"xa:00004"})
    assert cache.wants_poll()
    clock.now += 61  # nobody asked for a page for a minute
    assert not cache.wants_poll() and len(cache) == 0


def test_a_cache_turned_off_keeps_nothing():
    cache = PageCache(max_age=0)
    assert not cache.enabled and cache.ticket() is None
    assert cache.get("a") == (None, None) and not cache.wants_poll()


def test_pages_answer_with_etags_304_and_gzip():
    page = Page.of(html("error.html", status=200, title="Tiêu đề " * 200, message="x",
                        status_code=200))
    assert page.gzipped is not None and gzip.decompress(page.gzipped) == page.body

    def request(**headers):
        return Request(EnvironBuilder(path="/ket-qua", headers=headers).get_environ())

    plain = page.response(request(), "hit")
    assert plain.get_data() == page.body and plain.headers["X-Cache"] == "hit"
    assert plain.headers["Vary"] == "Accept-Encoding" and "Content-Encoding" not in plain.headers
    zipped = page.response(request(**{"Accept-Encoding": "gzip, deflate"}), "miss")
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.get_data() == page.gzipped
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert page.response(request(**{"Accept-Encoding": "gzip;q=0"}), None).get_data() == page.body
    again = page.response(request(**{"If-None-Match": plain.headers["ETag"]}), "hit")
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == plain.headers["ETag"]
    assert again.headers["Cache-Control"] == "no-cache"
    small = Page.of(Response("{}", mimetype="application/json"))
    assert small.gzipped is None


# -- the gateway with its cache, against a "publication" service on the broker ------------------
class LoggedPublicationPeer(BoardPublicationPeer):
    """The fixture publication service, with a change log the tests append to and a switch
    that makes reading it fail."""

    name = "publication"
    log: list = []
    epoch = "log-1"
    failing = False
    polls = 0
    answered = None  # the log's (epoch, head) in the last answer

    @rpc
    def commune_record(self, commune_code):
        type(self).calls.append(("commune_record", commune_code))
        return super().commune_record(commune_code)

    @rpc
    def changes_after(self, after=None, epoch=None, limit=1000):
        cls = type(self)
        cls.polls += 1
        if cls.failing:
            raise RuntimeError("the change log cannot be read")
        head = len(cls.log)
        cls.answered = (cls.epoch, head)
        if after is None or epoch != cls.epoch or after > head:
            return {"epoch": cls.epoch, "head": head, "complete": False, "changes": []}
        return {"epoch": cls.epoch, "head": head, "complete": True, "changes": cls.log[after:]}


@pytest.fixture(scope="module")
def cached(amqp_uri):
    runner, client = start_gateway(amqp_uri, LoggedPublicationPeer, peers.AssessmentPeer,
                                   peers.PlansPeer, peers.SurveyPeer,
                                   BOARD_CACHE_POLL_SECONDS=0.05)
    yield client
    client.session.close()
    runner.kill()


@pytest.fixture(autouse=True)
def fresh_log():
    LoggedPublicationPeer.calls = []
    LoggedPublicationPeer.failing = False
    LoggedPublicationPeer.log = []
    LoggedPublicationPeer.epoch = f"log-{time.monotonic()}"  # each test: a new log, a clean cache


def wait_until(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    return check()


def in_step():
    """Wait until the gateway has been told the test's log up to its end."""
    peer = LoggedPublicationPeer
    assert wait_until(lambda: peer.answered == (peer.epoch, len(peer.log)))


def kept(client, path):
    """Ask for ``path`` until the gateway serves it from its cache."""
    client.get(path)  # something kept: the gateway polls
    in_step()
    return wait_until(lambda: (r := client.get(path)).headers.get("X-Cache") == "hit" and r)


def record_calls(code):
    return sum(1 for c in LoggedPublicationPeer.calls if c == ("commune_record", code))


def test_a_kept_page_is_served_without_asking_the_service(cached):
    page = kept(cached, f"/ket-qua/xa/{DONG_QUANG}")
    assert page and page.status_code == 200 and "Xã Đông Quang" in page.text
    assert page.headers["Content-Encoding"] == "gzip"  # requests accepts gzip, as browsers do
    asked = record_calls(DONG_QUANG)
    for _ in range(5):
        assert cached.get(f"/ket-qua/xa/{DONG_QUANG}").headers["X-Cache"] == "hit"
    assert record_calls(DONG_QUANG) == asked
    # the browser's copy is still good: 304, no body
    again = cached.get(f"/ket-qua/xa/{DONG_QUANG}", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    # the exports are kept too, each under its own key
    csv_page = kept(cached, f"/ket-qua/xa/{DONG_QUANG}.csv?list=tieu-chi")
    assert csv_page.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_page.content.startswith(b"\xef\xbb\xbf")
    # unknown parameters do not make new entries: the key is made of the checked ones
    assert cached.get(f"/ket-qua/xa/{DONG_QUANG}?utm=1").headers["X-Cache"] == "hit"


def test_a_change_drops_the_pages_it_concerns_and_only_those(cached):
    paths = {"commune": f"/ket-qua/xa/{DONG_QUANG}", "other": f"/ket-qua/xa/{BA_DINH}",
             "province": "/ket-qua/tinh/01/2024", "other_province": "/ket-qua/tinh/38/2024",
             "search": "/ket-qua", "search_2025": "/ket-qua?nam=2025",
             "national": "/ket-qua/toan-quoc/2024"}
    for path in paths.values():
        assert kept(cached, path), path
    # a new entry of Đông Quang 2024 that does not change its line in the lists (a comment)
    LoggedPublicationPeer.log.append({"commune_code": DONG_QUANG, "province_code": "01",
                                      "year": 2024, "lists": False, "years": False,
                                      "everything": False})
    assert wait_until(lambda: cached.get(paths["commune"]).headers["X-Cache"] == "miss")
    assert all(cached.get(paths[name]).headers["X-Cache"] == "hit"
               for name in ("other", "province", "search", "national"))
    # its decision: the province's lists, the searches over them and the country change
    LoggedPublicationPeer.log.append({"commune_code": DONG_QUANG, "province_code": "01",
                                      "year": 2024, "lists": True, "years": False,
                                      "everything": False})
    assert wait_until(lambda: cached.get(paths["province"]).headers["X-Cache"] == "miss")
    for name in ("search", "national"):
        assert cached.get(paths[name]).headers["X-Cache"] != "hit", name
    for name in ("other", "other_province", "search_2025"):
        assert cached.get(paths[name]).headers["X-Cache"] == "hit", name


def test_error_pages_are_never_kept(cached):
    kept(cached, f"/ket-qua/xa/{DONG_QUANG}")  # the cache is serving
    for _ in range(3):
        missing = cached.get("/ket-qua/xa/99999")
        assert missing.status_code == 404 and "Không tìm thấy" in missing.text
        assert missing.headers.get("X-Cache") != "hit"
        assert "ETag" not in missing.headers
    assert record_calls("99999") == 3  # every time asked of the service
    for _ in range(2):
        bad = cached.get("/ket-qua", params={"nam": "abc"})
        assert bad.status_code == 400 and bad.headers.get("X-Cache") is None


def test_the_cache_is_bypassed_while_the_change_log_cannot_be_read(cached):
    path = f"/ket-qua/xa/{DONG_QUANG}"
    assert kept(cached, path)
    LoggedPublicationPeer.failing = True
    assert wait_until(lambda: cached.get(path).headers["X-Cache"] == "bypass")
    asked = record_calls(DONG_QUANG)
    for _ in range(3):
        page = cached.get(path)  # still answered, from the service each time
        assert page.status_code == 200 and page.headers["X-Cache"] == "bypass"
    assert record_calls(DONG_QUANG) == asked + 3
    LoggedPublicationPeer.failing = False
    assert kept(cached, path)


def test_a_new_change_log_forgets_everything(cached):
    path = f"/ket-qua/xa/{DONG_QUANG}"
    assert kept(cached, path)
    LoggedPublicationPeer.epoch = "another-database"
    assert wait_until(lambda: cached.get(path).headers["X-Cache"] == "miss")
    assert kept(cached, path)
