"""nameko adapters: a service's store (with its outbox relay, head signer and chain
verifier), its subscriptions, and the RPCs every event-sourced service offers (health, its
log, chain verification, signed heads and proofs, dead letters).

Only this module and the services' entrypoints import nameko.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import threading
import time
from collections.abc import Sequence

import nameko.messaging
from eventlet import tpool
from eventlet.semaphore import Semaphore
from nameko.exceptions import registry as nameko_exception_registry
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.utils import sanitize_url

from kernel import idempotency, messaging
from kernel.db import WalCheckpointer, migration_lock
from kernel.errors import (
    KernelError,
    NotFound,
    ValidationFailed,
    all_error_classes,
    subclass_hooks,
)
from kernel.events import Actor, Metadata, RecordedEvent, metadata_caused_by  # noqa: F401 (re-exported)
from kernel.follower import LogFollower
from kernel.integrity import Integrity, inclusion_proofs
from kernel.projection import EventSource, Projection, ProjectionProcessor, StoreSource
from kernel.relay import OutboxRelay
from kernel.signing import SignedHead
from kernel.store import EventStore, vietnam_iso
from kernel.subscriber import Subscriber, dead_letters, replay_dead_letters
from kernel.unit_of_work import current as current_unit_of_work

log = logging.getLogger(__name__)
IDEMPOTENCY_PRUNE_INTERVAL = 3600.0  # s; one indexed DELETE of the keys past their days


def sanitize_urls(amqp_uri):
    """nameko's sanitize_url for an AMQP_URI naming several nodes: each password redacted.
    nameko's own redacts the first and logs the others' (they sit in the first URL's path)
    when its consumer reconnects."""
    if not isinstance(amqp_uri, str):
        return sanitize_url(amqp_uri)
    return ";".join(sanitize_url(part) for part in amqp_uri.split(";"))


nameko.messaging.sanitize_url = sanitize_urls


def _register_error(cls) -> None:
    # Our errors cross RPC as themselves, so the gateway can answer with their code and status.
    nameko_exception_registry[f"{cls.__module__}.{cls.__name__}"] = cls


for _cls in all_error_classes():
    _register_error(_cls)
subclass_hooks.append(_register_error)  # and those services define after this import


def database_url(config: dict, service_name: str) -> str:
    env = os.environ.get(f"{service_name.upper()}_DB_URL")
    if env:
        return env
    configured = (config.get("DATABASES") or {}).get(service_name)
    return configured or f"sqlite:///var/{service_name}.sqlite"


def metadata_from(context: dict | None, default_actor: str) -> Metadata:
    """Event metadata from the ``context`` the gateway sends with every write: the actor,
    the correlation id and the request's idempotency key."""
    context = context or {}
    actor = context.get("actor") or {}
    kwargs = {"actor": Actor(subject=actor.get("subject") or default_actor,
                             role=actor.get("role") or "system",
                             jurisdiction=actor.get("jurisdiction") or {})}
    if context.get("correlation_id"):
        kwargs["correlation_id"] = str(context["correlation_id"])
    if context.get("causation_id"):
        kwargs["causation_id"] = str(context["causation_id"])
    keyed = context.get("idempotency")
    if isinstance(keyed, dict) and keyed.get("key"):
        kwargs["idempotency_key"] = str(keyed["key"])
    return Metadata(**kwargs)


# The filters of ``query_events`` (EventStore.query's keyword arguments), and their checks.
QUERY_FILTERS = ("stream", "stream_prefix", "commune", "actor", "types", "recorded_from",
                 "recorded_to", "correlation_id")
_COMMUNE = re.compile(r"^[0-9A-Za-z]{1,20}$")
MAX_QUERY_LIMIT = 5000
MAX_HASH_POSITIONS = 5000  # positions per event_hashes call


def query_arguments(filters: dict | None) -> dict:
    """``filters`` checked and turned into EventStore.query's keyword arguments; raises
    ValidationFailed naming each bad filter (unknown ones included)."""
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        raise ValidationFailed("audit.filters_object", {"filters": ["Expected an object."]})
    errors, arguments = {}, {}
    for name, value in filters.items():
        if name not in QUERY_FILTERS:
            errors[name] = [f"Unknown filter; use one of {', '.join(QUERY_FILTERS)}."]
        elif value is None:
            continue
        elif name == "types":
            values = [value] if isinstance(value, str) else value
            if (not isinstance(values, list | tuple) or not values
                    or not all(isinstance(v, str) and 0 < len(v) <= 200 for v in values)):
                errors[name] = ["Expected a non-empty list of event type names."]
            else:
                arguments[name] = list(values)
        elif not isinstance(value, str) or not value or len(value) > 200:
            errors[name] = ["Expected a non-empty string of at most 200 characters."]
        elif name == "commune" and not _COMMUNE.match(value):
            errors[name] = ["A commune code is letters and digits only."]
        elif name in ("recorded_from", "recorded_to"):
            try:
                arguments[name] = vietnam_iso(value, end_of_day=name == "recorded_to")
            except ValueError:
                errors[name] = ["Expected an ISO 8601 date or date and time."]
        else:
            arguments[name] = value
    if errors:
        raise ValidationFailed("audit.query_invalid", errors)
    return arguments


class ServiceStore:
    """What a worker sees: the store, plus a wake-up after each commit for the relay and for
    the projections that follow the log (``followers``), each only if the commit left it
    work: a wake-up that finds nothing costs a pass with its queries, once per commit.
    Inside a unit of work (a write RPC, kernel/idempotency.py) the wake-ups wait for the
    unit's commit: woken before it, the relay would find nothing and sleep on."""

    def __init__(self, store: EventStore, relay: OutboxRelay,
                 followers: Sequence[FollowedProjection] = (), integrity: Integrity | None = None):
        self.store = store
        self.relay = relay
        self.followers = followers
        self.integrity = integrity

    def committed(self, records: Sequence[RecordedEvent] | None = None) -> None:
        """``records``: what the commit appended, if known; None wakes everyone."""
        if records is None or any(r.type not in self.store.private_types for r in records):
            self.relay.wake.set()
        for follower in self.followers:
            # keep_up applied them in their own transaction: the follower has nothing to read
            if records is None or not follower.processor.kept_up_with(records):
                follower.wake.set()
        if self.integrity is not None:  # the head moved: sign it (at most once a second)
            self.integrity.signer_wake.set()

    def after_commit(self, records: Sequence[RecordedEvent] | None = None) -> None:
        """Wake up now, or when the current unit of work commits."""
        work = current_unit_of_work(self.store.engine)
        if work is None:
            self.committed(records)
        else:
            work.after_commit(lambda: self.committed(records))

    def append(self, *args, **kwargs) -> list[RecordedEvent]:
        records = self.store.append(*args, **kwargs)
        self.after_commit(records)
        return records

    def append_many(self, *args, **kwargs) -> list[list[RecordedEvent]]:
        written = self.store.append_many(*args, **kwargs)
        self.after_commit([record for records in written for record in records])
        return written

    def transaction(self):
        return _WakingTransaction(self)

    def __getattr__(self, name):
        return getattr(self.store, name)


class _WakingTransaction:
    def __init__(self, handle: ServiceStore):
        self.handle = handle
        self._cm = handle.store.transaction()

    def __enter__(self):
        return self._cm.__enter__()

    def __exit__(self, *exc):
        result = self._cm.__exit__(*exc)
        self.handle.after_commit()
        return result


class EventStoreProvider(DependencyProvider):
    """Opens the service's store (migrating it) and runs its outbox relay in the container,
    its head signer and chain verifier (kernel/integrity.py: ``SIGNING_KEY_DIR`` or
    ``<SERVICE>_SIGNING_KEY_FILE``, ``SIGNING_KEYRING``, ``SIGNING_INTERVAL_SECONDS``,
    ``SIGNING_MIN_INTERVAL_SECONDS``, ``CHAIN_VERIFY_CHUNK``, ``CHAIN_VERIFY_DUTY``,
    ``CHAIN_SWEEP_INTERVAL_SECONDS``), and on SQLite its WAL checkpoints
    (``SQLITE_CHECKPOINT_MS``, default 200: how often). ``private_types``: event types kept
    in the service's log and never published, without an outbox entry
    (EventStore.declare_private_types): for types appended in bulk. ``published_types``: the
    only types published, those other services subscribe to (None: all that are not
    private); the others stay in the log (OutboxRelay). Idempotency keys older than
    ``IDEMPOTENCY_KEEP_DAYS`` (default 7) are pruned at start and every hour."""

    store: EventStore | None = None

    def __init__(self, private_types: Sequence[str] = (),
                 published_types: Sequence[str] | None = None):
        self.private_types = tuple(private_types)
        self.published_types = None if published_types is None else tuple(published_types)
        self._opening = Semaphore()

    def setup(self):
        self.open()

    def open(self) -> EventStore:
        """The store, migrated. Subscriptions need it during their own set-up, and nameko
        sets extensions up at once, each in a green thread of its own: a caller waits while
        another opens it, and the store is handed out only once its migration committed
        (a follower once read ``consumer_positions`` while it was still being created)."""
        with self._opening:
            if self.store is None:
                config = self.container.config
                store = EventStore(database_url(config, self.container.service_name),
                                   source=self.container.service_name)
                store.migrate()
                store.declare_private_types(self.private_types)
                self.relay = OutboxRelay(store, config["AMQP_URI"],
                                         batch_size=int(config.get("RELAY_BATCH_SIZE", 500)),
                                         published_types=self.published_types,
                                         queue_type=config.get("SUBSCRIPTION_QUEUE_TYPE")
                                         or messaging.DEFAULT_QUEUE_TYPE)
                self.followers: list[FollowedProjection] = []
                self.checkpointer = WalCheckpointer.for_engine(store.engine)
                # The verifier's hashing runs in an OS thread: a chunk must not pause the workers.
                self.integrity = Integrity.from_config(config, store, run=tpool.execute)
                self._stopping = False
                self.store = store
        return self.store

    def start(self):
        self.container.spawn_managed_thread(self._run_relay, identifier="outbox_relay")
        self.container.spawn_managed_thread(self._prune_idempotency_keys,
                                            identifier="idempotency_key_pruning")
        if self.checkpointer is not None:
            self.container.spawn_managed_thread(self._run_checkpoints,
                                                identifier="wal_checkpoints")
        self.container.spawn_managed_thread(
            lambda: self.integrity.run_signer(lambda: self._stopping), identifier="head_signer")
        self.container.spawn_managed_thread(
            lambda: self.integrity.verifier.run(lambda: self._stopping),
            identifier="chain_verifier")

    def _run_relay(self):
        # How long the relay waits after a commit for more to publish in the same confirmed
        # batch: latency of every event against per-batch work under a steady stream.
        linger = float(self.container.config.get("RELAY_LINGER_MS", 2)) / 1000
        self.relay.run(lambda: self._stopping, linger=linger)

    def _prune_idempotency_keys(self):
        keep_days = float(self.container.config.get("IDEMPOTENCY_KEEP_DAYS",
                                                    idempotency.DEFAULT_KEEP_DAYS))
        due = 0.0
        while not self._stopping:
            if time.monotonic() >= due:
                due = time.monotonic() + IDEMPOTENCY_PRUNE_INTERVAL
                try:
                    pruned = idempotency.prune(self.store.engine, keep_days)
                    if pruned:
                        log.info("%s: pruned %d idempotency keys", self.container.service_name,
                                 pruned)
                except Exception:  # the database is down: try again at the next round
                    log.warning("%s: pruning idempotency keys failed",
                                self.container.service_name, exc_info=True)
            time.sleep(1)

    def _run_checkpoints(self):
        # In an OS thread: the copying and its sync then overlap the workers' commits (the
        # sqlite3 module lets go of the GIL while SQLite works) instead of pausing them.
        interval = float(self.container.config.get("SQLITE_CHECKPOINT_MS", 200)) / 1000
        try:
            while not self._stopping:
                time.sleep(interval)
                try:
                    tpool.execute(self.checkpointer.checkpoint)
                except Exception:  # a full disk, say: commits checkpoint by themselves then
                    log.warning("%s: WAL checkpoint failed", self.container.service_name,
                                exc_info=True)
        finally:
            self.checkpointer.close()

    def stop(self):
        self._stopping = True
        self.relay.wake.set()
        self.integrity.signer_wake.set()
        self.integrity.verifier.wake.set()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return ServiceStore(self.store, self.relay, self.followers, self.integrity)


class FollowedProjection(DependencyProvider):
    """Feeds a projection of the service's own events from its own log (kernel/follower.py),
    not through the broker: no per-stream bookkeeping, and the read model normally commits
    with the events (LogFollower.keep_up); a green thread woken after each commit takes what
    that left. ``processor`` is the LogFollower (``rebuild()``)."""

    def __init__(self, projection: Projection):
        self.projection = projection

    def setup(self):
        provider = next(ext for ext in self.container.dependencies
                        if isinstance(ext, EventStoreProvider))
        store = provider.open()
        self.processor = LogFollower(store, self.projection)
        with migration_lock(store.engine):
            self.processor.prepare()
        store.append_hooks.append(self.processor.keep_up)
        # A projection moved here from a broker subscription leaves its queues behind, bound
        # and filling: drop them; the log holds their events. (The follower starts from the
        # log's beginning, so such a projection must start from an empty read model.)
        connection = messaging.connect(self.container.config["AMQP_URI"])
        try:
            messaging.delete_subscription_queues(
                connection.channel(), f"{self.container.service_name}.{self.projection.name}")
        finally:
            connection.close()
        self.wake = threading.Event()
        provider.followers.append(self)
        self._stopping = False

    def start(self):
        self.container.spawn_managed_thread(
            self._run, identifier=f"follower:{self.projection.name}")

    def _run(self):
        linger = float(self.container.config.get("FOLLOWER_LINGER_MS", 20)) / 1000
        self.processor.run(lambda: self._stopping, self.wake, linger=linger)

    def stop(self):
        self._stopping = True
        self.wake.set()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self


class StartupHeapFrozen(DependencyProvider):
    """Takes what the service built while starting (modules, schemas, lookup tables, about
    100,000 objects) out of the garbage collector's full passes. Those objects live as long
    as the process, yet each full pass walked them all: 80-100 ms with the event loop
    stopped, every few seconds under load, which was the slowest percentile of requests.

    Containers start their dependencies after every extension's set-up, so the set-up's
    allocations are included; ``warm`` loads what would otherwise load on first use (the
    administrative units, say). Objects made later are collected as usual."""

    def __init__(self, warm=None):
        self.warm = warm

    def start(self):
        if self.warm is not None:
            self.warm()
        gc.collect()
        gc.freeze()


class CallerRpcProxy(ClusterRpcProxy):
    """A standalone proxy whose reply queue is ``rpc.reply-<caller>-<uuid>`` rather than
    ``rpc.reply-standalone_rpc_proxy-<uuid>``."""

    def __init__(self, config: dict, caller: str | None, **options):
        if caller is not None:
            self.ServiceContainer = type("ServiceContainer", (ClusterRpcProxy.ServiceContainer,),
                                         {"service_name": caller})
        super().__init__(config, **options)


class RpcSource:
    """Another service's log, read over RPC (for catch-up, filling gaps and confirming
    events). ``caller``, the reading service, names the reply queues: its broker user may
    use queues of its own name only (kernel/broker_access.py)."""

    def __init__(self, config: dict, service: str, timeout: float = 30,
                 caller: str | None = None):
        self.name = service
        self.config = config
        self.timeout = timeout
        self.caller = caller

    def _call(self, method: str, *args):
        with CallerRpcProxy(self.config, self.caller, timeout=self.timeout) as proxy:
            return getattr(getattr(proxy, self.name), method)(*args)

    def read_all(self, after_position: int, limit: int,
                 types: Sequence[str] | None = None) -> list[RecordedEvent]:
        page = self._call("events_after", after_position, limit, list(types) if types else None)
        return [RecordedEvent.from_message(m) for m in page["events"]]

    def read_stream(self, stream: str, after_version: int) -> list[RecordedEvent]:
        return [RecordedEvent.from_message(m) for m in self._call("stream_events", stream, after_version)]

    def hashes_at(self, positions: Sequence[int]) -> dict[int, tuple[str, str]]:
        positions = sorted(set(positions))
        found = {}
        for start in range(0, len(positions), MAX_HASH_POSITIONS):
            for row in self._call("event_hashes", positions[start:start + MAX_HASH_POSITIONS]):
                found[row["position"]] = (row["id"], row["hash"])
        return found


class Subscription(DependencyProvider):
    """Feeds a projection: catches up on each source's log, then consumes live events.

    ``queue`` defaults to ``<service>.<projection name>``: replicas of a service share it as
    competing consumers.
    """

    def __init__(self, projection: Projection, queue: str | None = None, catch_up: bool = True):
        self.projection = projection
        self.queue_name = queue
        self.catch_up_on_start = catch_up

    def setup(self):
        config = self.container.config
        self.store = next(ext for ext in self.container.dependencies
                          if isinstance(ext, EventStoreProvider)).open()
        own = self.container.service_name
        sources: dict[str, EventSource] = {
            name: StoreSource(self.store) if name == own else RpcSource(config, name, caller=own)
            for name in self.projection.sources
        }
        with migration_lock(self.store.engine):
            self.projection.migrate(self.store.engine)
        if hasattr(self.projection, "bind"):  # a projection that also records events of its own
            self.projection.bind(self.store)
        self.processor = ProjectionProcessor(self.store, self.projection, sources)
        self.queue = self.queue_name or f"{own}.{self.projection.name}"
        self.subscriber = Subscriber(
            config["AMQP_URI"], self.queue, self.projection.sources, self.processor.process,
            event_types=getattr(self.projection, "event_types", None),
            max_attempts=int(config.get("MAX_ATTEMPTS", 5)),
            max_batch=int(config.get("SUBSCRIBER_MAX_BATCH", 500)),
            retry_delay_ms=int(config.get("RETRY_DELAY_MS", 1000)),
            queue_type=config.get("SUBSCRIPTION_QUEUE_TYPE") or messaging.DEFAULT_QUEUE_TYPE,
        )
        self.subscriber.declare()
        self._stopping = False

    def start(self):
        self.container.spawn_managed_thread(self._run, identifier=f"subscription:{self.queue}")

    def _run(self):
        if self.catch_up_on_start:
            for name in self.projection.sources:
                self._catch_up(name)
        self.subscriber.run(lambda: self._stopping)

    def _catch_up(self, name):
        source = self.processor.sources[name]
        while not self._stopping:
            try:
                applied = self.processor.catch_up(source)
                log.info("%s caught up on %s (%d applied)", self.queue, name, applied)
                return
            except Exception as exc:  # the source may still be starting: wait for it
                log.warning("%s: catch-up on %s failed (%s); retrying", self.queue, name, exc)
                time.sleep(2)

    def stop(self):
        self._stopping = True

    def kill(self):
        self._stopping = True

    def get_dependency(self, worker_ctx):
        return self


class EventSourcedService:
    """RPCs every service offers. Subclasses set ``name`` and ``store = EventStoreProvider()``."""

    name: str
    store: ServiceStore
    startup_heap = StartupHeapFrozen()

    @rpc(expected_exceptions=KernelError)
    def health(self) -> dict:
        database = {"ok": True, "backend": self.store.engine.dialect.name, "error": None}
        try:
            self.store.ping()
            pending = self.store.outbox_size()
        except Exception as exc:
            database.update(ok=False, error=f"{type(exc).__name__}: {exc}")
            pending = None
        relay_error = self.store.relay.last_error
        broker = {"ok": relay_error is None, "error": relay_error,
                  "published": self.store.relay.published}
        followers = {declared.projection.name: getattr(self, attr).processor.last_error
                     for attr, declared in vars(type(self)).items()
                     if isinstance(declared, FollowedProjection)}
        # The hash chain as the background verifier last found it (kernel/integrity.py).
        chain = self.chain_status()
        # Per queue: dead letters waiting (events that kept failing, and forgeries, which
        # verification parks at once), the last event refused, and a consumer that is stuck.
        subscriptions = {getattr(self, attr).queue: getattr(self, attr).subscriber.report()
                         for attr, declared in vars(type(self)).items()
                         if isinstance(declared, Subscription)}
        up = (database["ok"] and broker["ok"] and not any(followers.values())
              and chain["status"] != "failed"
              and not any(s["dead_letters"] or s["error"] for s in subscriptions.values()))
        body = {"service": self.name, "status": "up" if up else "degraded",
                "database": database, "broker": broker, "outbox_pending": pending,
                "chain": chain}
        if followers:  # a read model kept from the log that is stuck on an event
            body["projection_errors"] = followers
        if subscriptions:
            body["subscriptions"] = subscriptions
        return body

    @rpc(expected_exceptions=KernelError)
    def events_after(self, after_position: int = 0, limit: int = 1000,
                     types: list[str] | None = None) -> dict:
        """This service's log after a global position, in order, as stored (not upcast);
        with ``types``, only events of those types."""
        limit = max(1, min(int(limit), 5000))
        if types is not None:
            types = query_arguments({"types": types}).get("types")
        events = self.store.read_all(int(after_position), limit, upcast=False, types=types)
        return {"source": self.name, "events": [e.to_message() for e in events],
                "head_position": self.store.head_position()}

    @rpc(expected_exceptions=KernelError)
    def query_events(self, filters: dict | None = None, after_position: int = 0,
                     limit: int = 500) -> dict:
        """Events matching every filter (see QUERY_FILTERS and EventStore.query), after a
        position, in position order, as stored. ``last_position`` is where the next page
        starts; ``head_position`` is the store's newest position."""
        arguments = query_arguments(filters)
        try:
            after_position, limit = int(after_position), int(limit)
        except (TypeError, ValueError):
            raise ValidationFailed("audit.position_integers", {"after_position": after_position, "limit": limit}) from None
        if after_position < 0:
            raise ValidationFailed("audit.position_not_negative", {"after_position": ["Must be 0 or more."]})
        limit = max(1, min(limit, MAX_QUERY_LIMIT))
        events = self.store.query(**arguments, after_position=after_position, limit=limit,
                                  upcast=False)
        return {"source": self.name, "events": [e.to_message() for e in events],
                "last_position": events[-1].position if events else after_position,
                "complete": len(events) < limit,
                "head_position": self.store.head_position()}

    @rpc(expected_exceptions=KernelError)
    def stream_events(self, stream: str, after_version: int = 0) -> list[dict]:
        return [e.to_message() for e in self.store.read_stream(stream, int(after_version), upcast=False)]

    # -- the hash chain and its signed heads ------------------------------------------------
    @rpc(expected_exceptions=KernelError)
    def verify_chain(self, signed_heads: list[dict] | None = None) -> dict:
        """The whole chain recomputed and checked against every signed head of this service
        and ``signed_heads`` (copies held elsewhere, e.g. by the publication service), with
        the pinned keyring; every broken place is reported (kernel/chainwalk.py)."""
        copies = _signed_heads_from(signed_heads)
        return self.store.integrity.verify_chain(copies, between_batches=lambda: time.sleep(0))

    @rpc(expected_exceptions=KernelError)
    def chain_status(self) -> dict:
        """What the background verifier found so far (cheap: no database read)."""
        return self.store.integrity.status()

    @rpc(expected_exceptions=KernelError)
    def signed_heads_after(self, position: int = 0, signed_at: str | None = None,
                           limit: int = 100) -> dict:
        """This service's signed heads after (``position``, ``signed_at``), oldest first: what
        a copier (the publication service) fetches."""
        limit = max(1, min(int(limit), 1000))
        heads = self.store.signed_heads_after(int(position), signed_at, limit)
        return {"source": self.name, "heads": [h.to_dict() for h in heads],
                "complete": len(heads) < limit}

    @rpc(expected_exceptions=KernelError)
    def inclusion_proofs(self, positions: list[int], tree_size: int | None = None) -> dict:
        """Merkle inclusion proofs of the events at ``positions`` against the signed head at
        ``tree_size`` (the newest when None, signed now if it does not cover them):
        ``{"source", "head", "proofs": [{"position", "hash", "path"}]}``."""
        return inclusion_proofs(self.store.store, positions, tree_size, self.store.integrity.signer)

    @rpc(expected_exceptions=KernelError)
    def event_hashes(self, positions: list[int]) -> list[dict]:
        """``{"position", "id", "hash"}`` of this service's events at ``positions`` (at most
        MAX_HASH_POSITIONS; a position with no event is left out): how a consumer confirms
        an event it could not link to the last one it verified (kernel/verification.py)."""
        if (not isinstance(positions, list) or len(positions) > MAX_HASH_POSITIONS
                or not all(isinstance(p, int) and not isinstance(p, bool) and p > 0
                           for p in positions)):
            raise ValidationFailed("audit.hash_positions",
                                   {"positions": ["Expected a list of positive integers."]},
                                   {"max": MAX_HASH_POSITIONS})
        return [{"position": position, "id": event_id, "hash": digest}
                for position, (event_id, digest) in sorted(self.store.hashes_at(positions).items())]

    @rpc(expected_exceptions=KernelError)
    def dead_letters(self, queue: str, limit: int = 100) -> list[dict]:
        self._check_own_queue(queue)
        return dead_letters(self.store.relay.amqp_uri, queue, limit)

    @rpc(expected_exceptions=KernelError)
    def replay_dead_letters(self, queue: str, limit: int = 1000) -> int:
        self._check_own_queue(queue)
        return replay_dead_letters(self.store.relay.amqp_uri, queue, limit)

    @rpc(expected_exceptions=KernelError)
    def rebuild(self, projection: str) -> int:
        """Forget a read model and rebuild it from its sources' logs; returns events applied."""
        for attr, declared in vars(type(self)).items():
            if (isinstance(declared, Subscription | FollowedProjection)
                    and declared.projection.name == projection):
                return getattr(self, attr).processor.rebuild()
        raise NotFound(f"The {self.name} service has no projection named {projection!r}.")

    def _check_own_queue(self, queue: str) -> None:
        if not queue.startswith(f"{self.name}."):
            raise NotFound(f"Queue {queue!r} does not belong to the {self.name} service.")


def _signed_heads_from(bodies: list[dict] | None) -> list[SignedHead]:
    if bodies is None:
        return []
    if not isinstance(bodies, list):
        raise ValidationFailed("signed_heads must be a list.", {"signed_heads": ["Expected a list."]})
    heads, errors = [], {}
    for index, body in enumerate(bodies):
        try:
            heads.append(SignedHead.from_dict(body))
        except ValueError as exc:
            errors[str(index)] = [str(exc)]
    if errors:
        raise ValidationFailed("Some signed heads are malformed; see details.", errors)
    return heads
