"""nameko entrypoints of the publication service: the public record and its audit queries,
and the copies of every other service's signed chain heads.

The record is a read model fed by one subscription over the assessment and survey logs; it
catches up when the service starts and is rebuilt from zero by ``rebuild("publication_record")``.
"""

import logging
import time

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from kernel.db import migration_lock
from kernel.errors import KernelError
from kernel.integrity import load_keyring
from kernel.nameko import CallerRpcProxy, EventSourcedService, EventStoreProvider, Subscription
from services.publication import export, heads, overviews, record, search

log = logging.getLogger(__name__)

expected = rpc(expected_exceptions=KernelError)


class SignedHeadCopies(DependencyProvider):
    """Keeps verified copies of the other services' signed heads (heads.py): every
    ``SIGNED_HEADS_POLL_SECONDS`` (default 5) it fetches the new ones over RPC, verifies each
    with the pinned keyring (``SIGNING_KEYRING``) and checks that the logs still hold the
    hashes they signed. The sources are the keyring's other than this service; without a
    keyring nothing is copied (and the status says so)."""

    def setup(self):
        config = self.container.config
        provider = next(ext for ext in self.container.dependencies
                        if isinstance(ext, EventStoreProvider))
        self.engine = provider.open().engine
        # Replicas starting together on a fresh PostgreSQL database once raced to create the
        # same tables (a unique violation in pg_type stopped one: tests/test_fresh_start.py).
        with migration_lock(self.engine):
            heads.create_tables(self.engine)
        self.keyring = load_keyring(config)
        own = self.container.service_name
        sources = sorted({e["source"] for e in self.keyring.entries()} - {own}) if self.keyring else []
        self.copier = heads.HeadCopier(self.engine, self.keyring, sources, self._fetch)
        self.poll_seconds = float(config.get("SIGNED_HEADS_POLL_SECONDS", 5))
        self.timeout = float(config.get("RPC_TIMEOUT", 10))
        self._proxy = None
        self._stopping = False

    def start(self):
        if self.copier.sources:
            self.container.spawn_managed_thread(self._run, identifier="signed_head_copies")

    def _run(self):
        while not self._stopping:
            self.copier.poll()
            time.sleep(self.poll_seconds)
        self._close()

    def call(self, source, method, *args):
        """One RPC from a worker, on a connection of its own (the copier's is its thread's)."""
        with CallerRpcProxy(self.container.config, self.container.service_name,
                            timeout=self.timeout) as proxy:
            return getattr(getattr(proxy, source), method)(*args)

    def _fetch(self, source, method, *args):
        try:
            if self._proxy is None:
                self._cluster = CallerRpcProxy(self.container.config,
                                               self.container.service_name, timeout=self.timeout)
                self._proxy = self._cluster.start()
            return getattr(getattr(self._proxy, source), method)(*args)
        except Exception:
            self._close()  # a broken connection: open a new one next time
            raise

    def _close(self):
        if self._proxy is not None:
            self._proxy = None
            try:
                self._cluster.stop()
            except Exception:  # already broken
                log.debug("closing the head copier's RPC proxy failed", exc_info=True)

    def stop(self):
        self._stopping = True

    def kill(self):
        self._stopping = True

    def get_dependency(self, worker_ctx):
        return self


class PublicationService(EventSourcedService):
    name = "publication"
    # Its EntryPublished events are for auditors reading its log; no service subscribes.
    store = EventStoreProvider(published_types=())
    public_record = Subscription(record.PublicRecordProjection())
    head_copies = SignedHeadCopies()

    @property
    def _engine(self):
        return self.store.reader

    @expected
    def search_communes(self, query: str = "", province_code: str | None = None,
                        year: int | None = None, status: str | None = None, limit: int = 50,
                        offset: int = 0) -> dict:
        return search.search_communes(self._engine, query, province_code, year, status, limit,
                                      offset)

    @expected
    def search_units(self, query: str = "", limit: int = 20) -> dict:
        return search.search_units(self._engine, query, limit)

    @expected
    def commune_record(self, commune_code: str) -> dict:
        return record.commune_record(self._engine, commune_code)

    @expected
    def province_overview(self, province_code: str, year: int) -> dict:
        return overviews.province_overview(self._engine, province_code, year)

    @expected
    def national_overview(self, year: int) -> dict:
        return overviews.national_overview(self._engine, year)

    @expected
    def decisions(self, province_code: str, year: int) -> dict:
        return search.decisions(self._engine, province_code, year)

    @expected
    def years(self) -> list[int]:
        return search.years(self._engine)

    @expected
    def public_provinces(self) -> list[dict]:
        return search.public_provinces(self._engine)

    @expected
    def export_bundle(self, province_code: str, year: int) -> dict:
        """The bundle with, for each source whose key is pinned, the signed head vouching for
        its events and their inclusion proofs, asked of the source and checked here first.
        A source without a pinned key (an unsigned development run) gets none: recompute
        then says that nothing is signed."""
        bundle = export.export_bundle(self._engine, province_code, year)
        keyring = self.head_copies.keyring
        positions = export.proved_positions(bundle)
        signed = {source: self.head_copies.call(source, "inclusion_proofs", found)
                  for source, found in positions.items()
                  if keyring is not None and keyring.keys_of(source)}
        return export.attach_proofs(bundle, signed, keyring) if signed else bundle

    # -- signed chain heads ---------------------------------------------------------------
    @expected
    def chain_status(self) -> dict:
        """This service's own chain, plus ``copies``: per other service, whether its log
        still matches the signed heads kept here (heads.HeadCopier.status)."""
        body = super().chain_status()
        try:
            body["copies"] = self.head_copies.copier.status()
        except Exception as exc:  # its database is down: health says so; the states are unknown
            body["copies"] = {"error": f"{type(exc).__name__}: {exc}"}
        return body

    @expected
    def signed_heads(self, limit: int = heads.SHOWN) -> dict:
        """For the board: per service, the pinned keys, the newest signed heads (the copies
        kept here; this service's own from its store), counts, refusals and the check of its
        log against them."""
        limit = max(1, min(int(limit), 100))
        keyring = self.head_copies.keyring
        status = self.head_copies.copier.status()
        counted = heads.counts(self._engine)
        sources = []
        for source in sorted(set(self.head_copies.copier.sources) | {self.name}):
            own = source == self.name
            latest = (self.store.latest_signed_heads(limit) if own
                      else heads.latest(self._engine, source, limit))
            sources.append({
                "source": source,
                "keys": [] if keyring is None else [k.to_dict(source) for k in keyring.keys_of(source)],
                "heads": [h.to_dict() for h in latest],
                "copies": None if own else counted.get(source, {}).get("copies", 0),
                "refused": [] if own else heads.refusals(self._engine, source),
                "refused_count": 0 if own else counted.get(source, {}).get("refused", 0),
                "check": None if own else status.get(source),
            })
        return {"keyring": keyring is not None, "sources": sources}

    @expected
    def signed_head_copies(self, source: str, max_heads: int = 1000) -> list[dict]:
        """The copies of ``source``'s signed heads to check its chain against (at most
        ``max_heads``, spread over the log): what ``/api/v1/audit/chains`` passes to its
        ``verify_chain``."""
        max_heads = max(2, min(int(max_heads), 5000))
        return [h.to_dict() for h in heads.for_audit(self._engine, str(source), max_heads)]

    @expected
    def changes_after(self, after: int | None = None, epoch: str | None = None,
                      limit: int = record.MAX_CHANGES) -> dict:
        """What changed in the public record after a position of its change log (what the
        board's caches must forget); a cheap query, polled by every gateway."""
        return record.changes_after(self._engine, after, epoch, limit)
