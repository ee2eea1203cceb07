"""The real stack for a benchmark: a throwaway RabbitMQ vhost and each group of services in
its own process, as in production (gateway; accounts; assessment + survey + plans;
publication), with SQLite stores in a temporary directory or PostgreSQL databases of their
own (``postgres_databases``).

Each process is spawned, and imports the module run as main before ``_serve`` monkey-patches
for eventlet: that module must import no kernel module at its top (bench/run.py says why)."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import tempfile
import time
import uuid
from urllib.parse import quote, urlsplit

from bench.survey_submissions import _broker_pid, _free_port, _rabbitmqctl

SECRET = "bench-secret-0123456789abcdef0123456789"
SERVICES = {"gateway": "gateway.service:GatewayService",
            "accounts": "services.accounts.service:AccountsService",
            "assessment": "services.assessment.service:AssessmentService",
            "survey": "services.survey.service:SurveyService",
            "plans": "services.plans.service:PlansService",
            "publication": "services.publication.service:PublicationService"}
GROUPS = {"gateway": ("gateway",), "accounts": ("accounts",),
          "assessment": ("assessment", "survey", "plans"), "publication": ("publication",)}
STORES = ("accounts", "assessment", "survey", "plans", "publication")


def _serve(config: dict, services: tuple[str, ...], ready, stop) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import eventlet
    eventlet.monkey_patch()
    import faulthandler
    import importlib
    import logging
    import signal

    faulthandler.register(signal.SIGUSR1)  # where a process that does not start is stuck

    logging.basicConfig(level=logging.WARNING)
    # A 404 on a commune's first GET is how a driver learns its year is not opened yet:
    # nameko logs such expected errors with their traceback, which would bury the figures.
    for noisy in ("nameko.containers", "amqp"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from nameko.runners import ServiceRunner

    runner = ServiceRunner(config)
    for service in services:
        module, name = SERVICES[service].split(":")
        runner.add_service(getattr(importlib.import_module(module), name))
    runner.start()
    ready.set()
    while not stop.is_set():
        eventlet.sleep(0.1)
    runner.stop()


@contextlib.contextmanager
def stack(amqp_base: str, max_workers: int = 20, databases: dict | None = None,
          prefix: str = "tcpl-bench-", settings: dict | None = None):
    """Yields (base URL, AMQP URI, {process name: pid}, the temporary directory);
    ``databases`` maps a store to its URL (SQLite files in the temporary directory else);
    ``settings``: more of the services' configuration (e.g. the gateway's BULKHEAD_CALLS)."""
    ctx = mp.get_context("spawn")
    vhost = f"tcpl-bench-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp_uri = urlsplit(amqp_base)._replace(path="/" + quote(vhost, safe="")).geturl()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        config = {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
                  "JWT_SECRET": SECRET, "RPC_TIMEOUT": 30, "RETRY_DELAY_MS": 200,
                  "max_workers": max_workers, "EVIDENCE_STORE": f"{tmp}/evidence",
                  "DATABASES": {name: (databases or {}).get(name) or f"sqlite:///{tmp}/{name}.sqlite"
                                for name in STORES}, **(settings or {})}
        stop = ctx.Event()
        servers = {}
        try:
            for name, services in GROUPS.items():
                ready = ctx.Event()
                servers[name] = ctx.Process(target=_serve, args=(config, services, ready, stop))
                servers[name].start()
                if not ready.wait(300):  # a loaded 2-core machine starts slowly
                    os.kill(servers[name].pid, signal.SIGUSR1)  # its stack, on stderr
                    time.sleep(1)
                    raise RuntimeError(f"the {name} process did not start")
            pids = {name: proc.pid for name, proc in servers.items()}
            pids["rabbitmq"] = _broker_pid()
            yield f"http://127.0.0.1:{port}", amqp_uri, pids, tmp
        finally:
            stop.set()
            for proc in servers.values():
                proc.join(60)
                if proc.is_alive():
                    proc.kill()
            _rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def postgres_databases(admin_url: str, prefix: str = "bench"):
    """A PostgreSQL database of its own for each store, as in production, dropped afterwards:
    yields {store: URL} for ``stack(databases=...)``."""
    import psycopg
    from sqlalchemy.engine import make_url

    names = {store: f"{prefix}_{store}" for store in STORES}

    def drop(admin):
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    with psycopg.connect(admin_url, autocommit=True) as admin:
        drop(admin)
        for name in names.values():
            admin.execute(f'CREATE DATABASE "{name}"')
    base = make_url(admin_url)
    try:
        yield {store: base.set(database=name).render_as_string(hide_password=False)
               for store, name in names.items()}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            drop(admin)
