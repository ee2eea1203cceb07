"""nameko dependencies of the gateway: token checks, RPC with deadlines behind bulkheads and
circuit breakers, a broker probe.

Each reads its settings from the container's config (``config/nameko.yaml``).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import eventlet
from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.constants import AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import RemoteError, UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, ReplyListener

from gateway import accounts, bulkheads
from gateway.auth import Principal, bearer_token, principal_from_token
from gateway.errors import ServiceUnavailable
from gateway.jwt_secret import SecretRefused, is_development, signing_secret
from gateway.schemas import BACKING_SERVICES
from kernel.errors import KernelError

log = logging.getLogger(__name__)

DEFAULT_RPC_TIMEOUT = 10.0
TRANSIENT = 1  # AMQP delivery mode
DEFAULT_HEALTH_TIMEOUT = 3.0
DEFAULT_VERIFY_TIMEOUT = 120.0


class BearerAuth:
    def __init__(self, secret: str):
        self._secret = secret

    def authenticate(self, request, backends=None) -> Principal:
        """The caller behind ``Authorization: Bearer``: a JWT, checked here, or an account's
        personal token, checked by the accounts service through ``backends`` every time."""
        token = bearer_token(request)
        if accounts.is_personal_token(token) and backends is not None:
            return accounts.token_principal(backends, token)
        return principal_from_token(token, self._secret)


class Authenticator(DependencyProvider):
    def setup(self):
        # A missing, published or short secret stops the gateway from starting, unless the
        # config declares a development run (gateway/jwt_secret.py).
        config = self.container.config
        try:
            secret = signing_secret(config.get("JWT_SECRET"),
                                    is_development(config.get("DEVELOPMENT")))
        except SecretRefused as exc:
            log.critical("the gateway refuses to start: %s", exc)
            raise
        self.auth = BearerAuth(secret)

    def get_dependency(self, worker_ctx):
        return self.auth


class _Unanswered(Exception):
    """A call the service did not answer (deadline, not running, no broker): what the circuit
    breaker counts. Carries the ServiceUnavailable to raise."""

    def __init__(self, error: ServiceUnavailable):
        super().__init__(error.message)
        self.error = error


class Backends:
    """Calls to the backing services that give up after a deadline, each behind the service's
    bulkhead and circuit breaker (gateway/bulkheads.py).

    nameko's RpcProxy waits for a reply forever; a dead service would hang the request and
    hold a worker, so every call here has a deadline and becomes ServiceUnavailable past it.
    """

    def __init__(self, worker_ctx, reply_listener, timeout: float, health_timeout: float,
                 verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
                 guards: dict[str, bulkheads.ServiceGuard] | None = None):
        self._worker_ctx = worker_ctx
        self._reply_listener = reply_listener
        self.timeout = timeout
        self.health_timeout = health_timeout
        # A whole chain recomputed on an auditor's demand: ~8,000 events/s (docs/benchmarks.md)
        self.verify_timeout = verify_timeout
        self.guards = guards or {}
        self._holding: set[str] = set()

    def call(self, service: str, method: str, *args, timeout: float | None = None, **kwargs):
        """``service.method(*args, **kwargs)``; ServiceUnavailable (503) when the breaker is
        open, the bulkhead full, the deadline passed, or the service or broker unreachable."""
        if service not in BACKING_SERVICES:
            raise ValueError(f"{service!r} is not a backing service")
        guard = self.guards.get(service)
        probe = guard.breaker.admit() if guard is not None else False
        answered = None  # no verdict: the call never went, or was cut short
        try:
            with self.holding(service):
                try:
                    result = self._send(service, method, args, kwargs, timeout)
                except _Unanswered as unanswered:
                    answered = False
                    raise unanswered.error from None
                except (KernelError, RemoteError):
                    answered = True  # the service answered, with an error
                    raise
                answered = True
                return result
        finally:
            if guard is not None:
                guard.breaker.record(answered, probe)

    def health(self, service: str) -> dict:
        """``service.health()`` within HEALTH_TIMEOUT. Inside the service's bulkhead, but past
        its breaker (/health asks even while it is open: that is how it sees the service
        itself), and without moving it (its deadline is not the calls')."""
        with self.holding(service):
            try:
                return self._send(service, "health", (), {}, self.health_timeout)
            except _Unanswered as unanswered:
                raise unanswered.error from None

    def monitor(self, service: str, method: str, timeout: float):
        """``service.method()`` for a background monitor of the gateway's own (the chain
        states, gateway/chains.py): past the breaker without moving it, like ``health``, and
        outside the bulkhead, which counts requests waiting on the service (a monitor holds
        no worker, and asks once per interval)."""
        try:
            return self._send(service, method, (), {}, timeout)
        except _Unanswered as unanswered:
            raise unanswered.error from None

    @contextmanager
    def holding(self, service: str):
        """One place in the service's bulkhead for this request while it waits on the service
        (a request waiting for a kiosk group's call holds one too); taken once however many
        calls the request makes meanwhile. ServiceBusy when the bulkhead is full."""
        guard = self.guards.get(service)
        if guard is None or service in self._holding:
            yield
            return
        guard.bulkhead.enter()
        self._holding.add(service)
        try:
            yield
        finally:
            self._holding.discard(service)
            guard.bulkhead.leave()

    def _send(self, service: str, method: str, args, kwargs, timeout: float | None):
        timeout = self.timeout if timeout is None else timeout
        # The request expires in the queue with the deadline, so a service that comes back
        # later does not carry out a write whose caller was already told it failed. For the
        # same reason it is not persisted: a broker restart loses what the caller stops waiting
        # for anyway, and a persistent message's confirm waits for the broker's disk.
        proxy = MethodProxy(self._worker_ctx, service, method, self._reply_listener,
                            expiration=timeout, delivery_mode=TRANSIENT)
        deadline = eventlet.Timeout(timeout)
        reply = None
        try:
            reply = proxy.call_async(*args, **kwargs)
            return reply.result()
        except eventlet.Timeout as exc:
            if exc is not deadline:
                raise
            self._forget(reply)
            raise _Unanswered(ServiceUnavailable("service.timeout", {"service": service},
                                                 {"timeout": f"{timeout:g}"})) from None
        except UnknownService:
            raise _Unanswered(ServiceUnavailable("service.not_running",
                                                 {"service": service})) from None
        except (OSError, OperationalError) as exc:
            log.warning("cannot reach the broker to call %s.%s: %s", service, method, exc)
            raise _Unanswered(ServiceUnavailable("service.broker_unreachable",
                                                 {"service": service})) from None
        finally:
            deadline.cancel()

    def _forget(self, reply) -> None:
        # The listener keeps a waiting event per call until its reply comes; after a timeout
        # none may come, so drop it. (nameko 2.14's ReplyListener has no public way to.)
        if reply is None:
            return
        pending = self._reply_listener._reply_events
        for correlation_id, event in list(pending.items()):
            if event is reply.reply_event:
                pending.pop(correlation_id, None)


class BackingServices(DependencyProvider):
    """RPC to the backing services, with a bulkhead and a circuit breaker per service shared
    by every request of the container, and a worker pool sized so that a full bulkhead leaves
    workers for everything else.

    Settings: ``RPC_TIMEOUT``, ``HEALTH_TIMEOUT``, ``BULKHEAD_CALLS`` (a limit per service),
    ``BULKHEAD_SPARE_WORKERS``, ``BREAKER_FAILURES``, ``BREAKER_COOLDOWN_SECONDS``."""

    reply_listener = ReplyListener()

    def setup(self):
        config = self.container.config
        self.timeout = float(config.get("RPC_TIMEOUT", DEFAULT_RPC_TIMEOUT))
        self.health_timeout = float(config.get("HEALTH_TIMEOUT", DEFAULT_HEALTH_TIMEOUT))
        self.verify_timeout = float(config.get("VERIFY_CHAIN_TIMEOUT", DEFAULT_VERIFY_TIMEOUT))
        self.guards = bulkheads.guards_from(config, BACKING_SERVICES)
        spare = int(config.get("BULKHEAD_SPARE_WORKERS", bulkheads.DEFAULT_SPARE_WORKERS))
        self._size_worker_pool(bulkheads.worker_pool_size(self.guards, spare))

    def _size_worker_pool(self, needed: int) -> None:
        # Every HTTP request holds a worker; with fewer workers than the bulkheads admit,
        # stalled services would still take them all. ``max_workers`` is one setting for every
        # service of config/nameko.yaml, so the gateway grows its own pool here (before
        # anything starts; nameko 2.14 keeps the pool in ``_worker_pool``), never shrinks it.
        container = self.container
        if container.max_workers < needed:
            log.info("gateway workers: %d (bulkheads %s, and %d spare)", needed,
                     {name: g.bulkhead.limit for name, g in self.guards.items()},
                     needed - sum(g.bulkhead.limit for g in self.guards.values()))
            container.max_workers = needed
            container._worker_pool.resize(needed)

    def get_dependency(self, worker_ctx):
        return Backends(worker_ctx, self.reply_listener, self.timeout, self.health_timeout,
                        self.verify_timeout, self.guards)


class BrokerProbe(DependencyProvider):
    """Whether the gateway itself can open a fresh connection to the broker right now."""

    def setup(self):
        config = self.container.config
        self.amqp_uri = config[AMQP_URI_CONFIG_KEY]
        self.ssl = config.get(AMQP_SSL_CONFIG_KEY)
        self.login_method = config.get(LOGIN_METHOD_CONFIG_KEY)
        self.timeout = float(config.get("HEALTH_TIMEOUT", DEFAULT_HEALTH_TIMEOUT))

    def get_dependency(self, worker_ctx):
        return self.check

    def check(self) -> dict:
        deadline = eventlet.Timeout(self.timeout)
        try:
            with Connection(self.amqp_uri, ssl=self.ssl, login_method=self.login_method,
                            connect_timeout=self.timeout) as connection:
                connection.connect()
            return {"ok": True}
        except eventlet.Timeout as exc:
            if exc is not deadline:
                raise
            return {"ok": False, "error": f"no answer within {self.timeout:g} s"}
        except Exception as exc:  # any failure to connect is the answer, not an error
            return {"ok": False, "error": str(exc) or type(exc).__name__}
        finally:
            deadline.cancel()
