"""The operators' command: `tcpl verify-chain` names the first broken link and fails."""

import json
import subprocess
import sys

from sqlalchemy import text

from kernel.store import NO_STREAM
from tests.support.stores import meta, numbered, open_store


def verify(url):
    return subprocess.run([sys.executable, "-m", "kernel.cli", "verify-chain", "--db", url,
                           "--source", "assessment"], capture_output=True, text=True, timeout=60)


def test_verify_chain_reports_ok_then_names_an_edited_event(sqlite_url):
    store = open_store(sqlite_url)
    store.append("a", NO_STREAM, numbered(3), meta())
    ok = verify(sqlite_url)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True

    edited = store.read_all()[1]
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(text("UPDATE events SET data = '{\"n\": 7}' WHERE position = 2"))
    broken = verify(sqlite_url)
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["first_broken"]["event_id"] == edited.id
    assert report["first_broken"]["position"] == 2
    store.dispose()
