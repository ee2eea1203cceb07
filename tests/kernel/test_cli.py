"""The operators' command: `tcpl verify-chain` names every broken place and fails, checks signed
heads with the keys given (and copies from a file); `tcpl keys` makes and lists keys."""

import json
import os
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


def run(*args):
    return subprocess.run([sys.executable, "-m", "kernel.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_keys_are_made_once_with_a_private_file_only_its_owner_reads(tmp_path):
    made = run("keys", "generate", "--dir", str(tmp_path), "assessment", "survey")
    assert made.returncode == 0 and made.stdout.count("wrote") == 4
    key = tmp_path / "assessment.key"
    assert key.stat().st_mode & 0o777 == 0o600
    before = key.read_bytes()
    again = run("keys", "generate", "--dir", str(tmp_path), "assessment")
    assert again.returncode == 0 and again.stdout == "" and key.read_bytes() == before
    shown = run("keys", "show", str(tmp_path))
    assert [line.split("\t")[0] for line in shown.stdout.splitlines()] == ["assessment", "survey"]
    assert len(shown.stdout.splitlines()[0].split("\t")[2]) == 64


def test_verify_chain_checks_the_signed_heads_with_the_keys_given_and_copies_from_a_file(sqlite_url,
                                                                                          tmp_path):
    from kernel.integrity import HeadSigner
    from tests.support import tampering

    keys, _ = tampering.keys_for(tmp_path / "keys", "assessment")
    store = open_store(sqlite_url, "assessment")
    signer = HeadSigner(store, tampering.signing_key(keys, "assessment"))
    store.append("a", NO_STREAM, numbered(3), meta())
    head = signer.sign_if_due()
    store.append("b", NO_STREAM, numbered(3), meta())
    signer.sign_if_due()
    saved = tmp_path / "chu-ky.json"  # as the board's export lists them
    saved.write_text(json.dumps({"rows": [dict(head.to_dict(), verified=True)]}))
    tampering.edit(store.engine, 2, {"n": 0})
    tampering.delete_signed_heads(store.engine, from_position=4)

    plain = run("verify-chain", "--db", sqlite_url)
    assert plain.returncode == 0 and "no --keys" in plain.stderr  # the old check passes it
    signed = run("verify-chain", "--db", sqlite_url, "--keys", str(keys))
    report = json.loads(signed.stdout)
    assert signed.returncode == 1 and report["source"] == "assessment"
    assert [(p["kind"], p["from_position"], p["to_position"]) for p in report["broken"]] == [
        ("signed_head", 1, 3)]
    tampering.delete_signed_heads(store.engine)
    assert run("verify-chain", "--db", sqlite_url, "--source", "assessment", "--keys",
               str(keys)).returncode == 0  # every head gone from the database...
    copies = run("verify-chain", "--db", sqlite_url, "--source", "assessment", "--keys", str(keys),
                 "--heads", str(saved))
    assert copies.returncode == 1  # ...but a copy kept elsewhere still says otherwise
    assert json.loads(copies.stdout)["first_broken"]["to_position"] == 3
    store.dispose()


def test_rebuild_remakes_a_read_model_from_its_log_with_progress_and_names_unknown_ones(tmp_path):
    from services.accounts import projections as directory
    from tests.test_read_model_rebuilds import accounts_writes, snapshot

    url = f"sqlite:///{tmp_path}/accounts.sqlite"
    store = open_store(url, source="accounts")
    for write in accounts_writes(store):
        write()
    env = {**os.environ, "ACCOUNTS_DB_URL": url}
    done = subprocess.run([sys.executable, "-m", "kernel.cli", "rebuild", "accounts",
                           "accounts_directory"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "100.0%" in done.stderr and "ETA 0:00:00" in done.stderr
    assert "rebuilt: 17 events applied" in done.stderr
    assert len(snapshot(store.engine, [directory.directory])["accounts_directory"]) == 6
    store.dispose()
    unknown = subprocess.run([sys.executable, "-m", "kernel.cli", "rebuild", "accounts", "nothing"],
                             capture_output=True, text=True, timeout=60, env=env)
    assert unknown.returncode == 2 and "accounts_directory" in unknown.stderr


def test_rebuild_remakes_a_subscribed_read_model_from_another_services_log(tmp_path):
    # The public record: the assessment's and the survey's logs read by ReplaySource, a
    # page at a time (a small one here, so that the next page is read ahead), and verified.
    from services.publication import record
    from tests.publication.support import DONG_NAM, DONG_QUANG, Setup
    from tests.test_read_model_rebuilds import snapshot

    urls = {name: f"sqlite:///{tmp_path}/{name}.sqlite" for name in ("assessment", "survey")}
    setup = Setup(urls["assessment"], urls["survey"])  # the record in the assessment's database
    urls["publication"] = urls["assessment"]
    setup.walk(DONG_QUANG, comments=["Góp ý"])
    setup.walk(DONG_NAM, until="posting")
    setup.survey_result(DONG_QUANG, "2022")
    setup.projection.bind(setup.publication)  # its entries are events of its own log
    setup.sync()  # as the service builds it: incrementally
    built = snapshot(setup.engine, record.ALL_TABLES)
    log = setup.publication.read_all(0, 10_000)
    assert built["publication_entries"] and any(e.type == record.ENTRY_PUBLISHED for e in log)
    env = {**os.environ, **{f"{name.upper()}_DB_URL": url for name, url in urls.items()}}
    done = subprocess.run([sys.executable, "-m", "kernel.cli", "rebuild", "publication",
                           "publication_record", "--page", "7"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "100.0%" in done.stderr and "rebuilt:" in done.stderr
    assert done.stderr.count(" positions ") > 10  # a line per page of seven
    assert snapshot(setup.engine, record.ALL_TABLES) == built
    assert setup.publication.read_all(0, 10_000) == log  # no entry's event posted again
    setup.dispose()


def test_a_replay_reads_the_events_the_store_reads(tmp_path):
    from kernel.events import NewEvent
    from kernel.projection import StoreSource
    from kernel.rebuild import ReplaySource

    store = open_store(f"sqlite:///{tmp_path}/ledger.sqlite", source="ledger")
    for n in range(12):
        store.append(f"s-{n % 3}", None, [NewEvent("Noted" if n % 2 else "Other", {
            "n": n, "text": "Quyết định số 1/QĐ-UBND 😀", "nested": {"b": [1, None, True]}})],
            meta())
    replay = ReplaySource(store)
    try:
        for types in (None, ["Noted"]):
            position, pages = 0, []
            while page := replay.read_all(position, 5, types):  # the next page read ahead
                pages.append(page)
                position = page[-1].position
            assert [e for page in pages for e in page] == StoreSource(store).read_all(0, 100, types)
            assert len(pages) == (3 if types is None else 2)
    finally:
        replay.close()
        store.dispose()


def test_the_progress_bar_shows_the_share_the_rate_and_the_time_left():
    import io

    from kernel.rebuild import ProgressBar

    now = [100.0]
    out = io.StringIO()
    bar = ProgressBar({"assessment": 30_000, "survey": 10_000}, stream=out, width=10,
                      clock=lambda: now[0])
    now[0] = 102.0
    bar("assessment", 20_000)
    assert out.getvalue() == ("[#####.....]  50.0% 20,000/40,000 positions 10,000/s "
                              "ETA 0:00:02\n")
    now[0] = 104.0
    bar.finish(19_000)  # the survey's log had none of the types the projection reads
    assert out.getvalue().endswith(
        "[##########] 100.0% 40,000/40,000 positions 10,000/s ETA 0:00:00\n"
        "rebuilt: 19,000 events applied in 4.0 s (4,750 events/s)\n")
