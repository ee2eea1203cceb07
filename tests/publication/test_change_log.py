"""The public record's change log (``changes_after``): what the board's caches must forget,
written in the projection's transaction, in order, and never more than what is public."""

import copy

from sqlalchemy import select

from rules.criteria import load_builtin_sets
from services.assessment import criteria_sets
from services.publication import record
from tests.publication.support import DONG_HOA, DONG_QUANG, THANH_HOA, YEAR, meta


def changes(setup, after):
    answer = record.changes_after(setup.engine, after, epoch(setup))
    assert answer["complete"]
    return answer["head"], answer["changes"]


def epoch(setup):
    return record.changes_after(setup.engine)["epoch"]


def head(setup):
    return record.changes_after(setup.engine)["head"]


def of(commune, lists, years, year=YEAR, province=THANH_HOA):
    return {"commune_code": commune, "province_code": province, "year": year, "lists": lists,
            "years": years, "everything": False}


def test_changes_follow_what_becomes_public(setup):
    start = head(setup)
    setup.walk(DONG_QUANG, until="self_assessed")
    setup.sync()
    position, found = changes(setup, start)
    assert found == [] and position == start  # drafting is not public: nothing to forget
    setup.walk(DONG_HOA, until="posting", comments=["Góp ý"])
    setup.sync()
    position, found = changes(setup, position)
    # posted (a new line in the lists, maybe a new year), then a comment: one batch, one
    # change of the commune-year that says all its events changed
    assert found == [of(DONG_HOA, True, True)]
    setup.run(DONG_HOA, YEAR, "answer_comment", comment_id="c1", answer="Đã tiếp thu",
              answered_on=f"{YEAR}-12-21")
    setup.sync()
    position, found = changes(setup, position)
    assert found == [of(DONG_HOA, False, False)]
    setup.survey_result(DONG_HOA, str(YEAR))
    setup.sync()
    position, found = changes(setup, position)
    assert found == [{"commune_code": DONG_HOA, "province_code": None, "year": None,
                      "lists": False, "years": False, "everything": False}]


def test_a_decision_changes_the_lists(setup):
    setup.walk(DONG_QUANG, until="appraised")
    setup.sync()
    position = head(setup)
    setup.run(DONG_QUANG, YEAR, "decide", recognised=True, decision_number="1/QĐ",
              decision_date=f"{YEAR + 1}-01-25")
    setup.sync()
    position, found = changes(setup, position)
    assert found == [of(DONG_QUANG, True, False)]
    assert changes(setup, position) == (position, [])


def test_a_published_criteria_set_and_a_rebuild_change_everything(setup):
    setup.walk(DONG_QUANG, until="posting")
    setup.sync()
    position = head(setup)
    document = copy.deepcopy(load_builtin_sets()[("25-2021", 1)].to_dict())
    document["version"] = 3
    criteria_sets.publish(setup.assessment, document, meta("administrator"))
    setup.sync()
    position, found = changes(setup, position)
    assert [c["everything"] for c in found] == [True]
    setup.processor.rebuild()
    position, found = changes(setup, position)
    assert found[0]["everything"] and found[0]["commune_code"] is None
    assert of(DONG_QUANG, True, True) in found[1:]  # replayed: public again


def test_a_reader_that_cannot_follow_is_told_to_forget_everything(setup):
    setup.walk(DONG_QUANG, until="posting")
    setup.sync()
    for number in (1, 2, 3):  # a batch each: a change each
        setup.run(DONG_QUANG, YEAR, "record_comment", comment_id=f"c{number}", text="Góp ý",
                  received_on=f"{YEAR}-12-16", author="Nguyễn Văn A")
        setup.sync()
    first = record.changes_after(setup.engine)  # no position yet
    assert not first["complete"] and first["head"] >= 4 and first["changes"] == []
    current, log = first["head"], first["epoch"]
    assert record.changes_after(setup.engine, current, log) == {
        "epoch": log, "head": current, "complete": True, "changes": []}
    assert not record.changes_after(setup.engine, current, "another log")["complete"]
    assert not record.changes_after(setup.engine, current + 5, log)["complete"]  # from the future
    too_many = record.changes_after(setup.engine, 0, log, limit=2)
    assert not too_many["complete"] and too_many["head"] == current
    assert record.changes_after(setup.engine, current - 2, log, limit=2)["complete"]
    # pruned past the reader's position
    with setup.engine.begin() as conn:
        conn.execute(record.changes.delete().where(record.changes.c.seq <= 2))
    assert not record.changes_after(setup.engine, 1, log)["complete"]
    assert record.changes_after(setup.engine, 2, log)["complete"]


def test_the_log_is_pruned_and_its_position_survives_a_restart(setup, monkeypatch):
    monkeypatch.setattr(record, "CHANGE_LOG_KEEP", 2000)  # pruned the same way, sooner
    with setup.engine.begin() as conn:
        for _ in range(record.CHANGE_LOG_KEEP // 1000 * 1000 + 1000):
            record.note_change(conn, DONG_QUANG)
        kept = conn.execute(select(record.changes.c.seq)).scalars().all()
    assert len(kept) <= record.CHANGE_LOG_KEEP and kept[-1] == head(setup)
    log = epoch(setup)
    setup.projection.migrate(setup.engine)  # a restart: the log goes on
    assert epoch(setup) == log and head(setup) == kept[-1]
