"""Throwaway PostgreSQL databases on the local server (see scripts/ensure-postgres.sh)."""

import os
import uuid
from contextlib import contextmanager

import psycopg
import pytest

ADMIN_URL = os.environ.get("TCPL_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("TCPL_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}: {exc}")


@contextmanager
def fresh_postgres_database():
    name = f"tcpl_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
