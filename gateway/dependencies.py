"""nameko dependencies of the gateway: token checks, RPC with deadlines, a broker probe.

Each reads its settings from the container's config (``config/nameko.yaml``).
"""

from __future__ import annotations

import logging

import eventlet
from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.constants import AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, ReplyListener

from gateway.auth import DEFAULT_SECRET, Principal, authenticate
from gateway.errors import ServiceUnavailable
from gateway.schemas import BACKING_SERVICES

log = logging.getLogger(__name__)

DEFAULT_RPC_TIMEOUT = 10.0
TRANSIENT = 1  # AMQP delivery mode
DEFAULT_HEALTH_TIMEOUT = 3.0


class BearerAuth:
    def __init__(self, secret: str):
        self._secret = secret

    def authenticate(self, request) -> Principal:
        return authenticate(request, self._secret)


class Authenticator(DependencyProvider):
    def setup(self):
        secret = self.container.config.get("JWT_SECRET")
        if not secret:
            log.warning("JWT_SECRET is not configured; using the development secret")
            secret = DEFAULT_SECRET
        self.auth = BearerAuth(secret)

    def get_dependency(self, worker_ctx):
        return self.auth


class Backends:
    """Calls to the backing services that give up after a deadline.

    nameko's RpcProxy waits for a reply forever; a dead service would hang the request and
    hold a worker, so every call here has a deadline and becomes ServiceUnavailable past it.
    """

    def __init__(self, worker_ctx, reply_listener, timeout: float, health_timeout: float):
        self._worker_ctx = worker_ctx
        self._reply_listener = reply_listener
        self.timeout = timeout
        self.health_timeout = health_timeout

    def call(self, service: str, method: str, *args, timeout: float | None = None, **kwargs):
        if service not in BACKING_SERVICES:
            raise ValueError(f"{service!r} is not a backing service")
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
            raise ServiceUnavailable(
                f"The {service} service did not answer within {timeout:g} s; try again later.",
                {"service": service},
            ) from None
        except UnknownService:
            raise ServiceUnavailable(f"The {service} service is not running; try again later.",
                                     {"service": service}) from None
        except (OSError, OperationalError) as exc:
            log.warning("cannot reach the broker to call %s.%s: %s", service, method, exc)
            raise ServiceUnavailable("The message broker cannot be reached; try again later.",
                                     {"service": service}) from None
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
    reply_listener = ReplyListener()

    def setup(self):
        config = self.container.config
        self.timeout = float(config.get("RPC_TIMEOUT", DEFAULT_RPC_TIMEOUT))
        self.health_timeout = float(config.get("HEALTH_TIMEOUT", DEFAULT_HEALTH_TIMEOUT))

    def get_dependency(self, worker_ctx):
        return Backends(worker_ctx, self.reply_listener, self.timeout, self.health_timeout)


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
