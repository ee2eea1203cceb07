"""The survey results in the public record, on both databases: the two kinds of survey of one
period kept and worded apart (citizens' satisfaction; the Mẫu 04 opinion on the dissemination
models, Circular 09/2021/TT-BTP), the table of earlier releases moved into the new one, and a
result the assessment held back said so until it is applied."""

import threading

from sqlalchemy import insert, inspect, select

from kernel.events import NewEvent
from kernel.projection import ProjectionProcessor, StoreSource
from rules.assessment import names as n
from services.assessment.satisfaction import SatisfactionProjection
from services.publication import record
from tests.publication.support import DONG_QUANG, YEAR
from tests.support.stores import meta

MAU_04 = "dissemination_models"
# A year of 619/2017, whose indicator C2.I5 takes its figures from the satisfaction survey
# (criteria data: ``survey`` on the indicator).
Y619 = 2020
MAU_04_WORDS = ("Kết quả lấy ý kiến về hiệu quả các hình thức, mô hình phổ biến, giáo dục "
                "pháp luật (Mẫu 04)")


def feed_assessment(setup):
    """The assessment taking the survey's results (services/assessment/satisfaction.py), as
    its subscription does: each call catches up with the survey's log."""
    projection = SatisfactionProjection()
    projection.migrate(setup.assessment.engine)
    projection.bind(setup.assessment)
    processor = ProjectionProcessor(setup.assessment, projection,
                                    {"survey": StoreSource(setup.survey)})
    return lambda: processor.catch_up(StoreSource(setup.survey))


def year_of(setup, commune=DONG_QUANG):
    [year] = record.commune_record(setup.engine, commune)["years"]
    return year


def test_both_kinds_of_one_period_are_kept_and_worded_apart(setup):
    setup.walk(until="posting")
    setup.survey_result(DONG_QUANG, str(YEAR), rate="90.00", satisfied=45, valid=50)
    setup.survey_result(DONG_QUANG, str(YEAR), rate="86.67", satisfied=26, valid=30,
                        purpose=MAU_04)
    setup.sync()
    year = year_of(setup)
    assert (year["satisfaction"]["purpose"], year["satisfaction"]["rate_percent"]) == (
        "satisfaction", "90.00")
    mau04 = year["dissemination_models"]
    assert (mau04["purpose"], mau04["campaign_id"], mau04["rate_percent"], mau04["satisfied"]) == (
        MAU_04, f"{DONG_QUANG}-{YEAR}-mau04", "86.67", 26)
    assert year["survey_held"] is None
    satisfaction, opinion = [e for e in year["entries"] if e["kind"] in record.PURPOSES]
    assert satisfaction["summary"] == "Kết quả khảo sát sự hài lòng: 90% hài lòng (45/50 ý kiến)"
    assert opinion["kind"] == MAU_04 and opinion["corrects"] is None
    assert opinion["summary"] == f"{MAU_04_WORDS}: 86,67% ý kiến đánh giá hiệu quả (26/30 ý kiến)"
    assert [s["type"] for s in year["sources"]].count("SatisfactionResultComputed") == 2

    # a later Mẫu 04 result replaces the Mẫu 04 one only; the satisfaction rate stays
    setup.survey_result(DONG_QUANG, str(YEAR), rate="70.00", satisfied=7, valid=10,
                        published=False, purpose=MAU_04)
    setup.sync()
    year = year_of(setup)
    assert year["satisfaction"]["rate_percent"] == "90.00"
    assert (year["dissemination_models"]["published"],
            year["dissemination_models"]["rate_percent"]) == (False, None)
    last = year["entries"][-1]
    assert last["kind"] == MAU_04 and last["corrects"] == opinion["entry_id"]
    assert last["summary"] == (f"{MAU_04_WORDS} chưa đủ điều kiện công bố: too few answers "
                               "(thay thế kết quả trước)")


def test_the_wording_of_each_kind_without_data_and_below_the_minimum():
    no_data = {"campaign_id": "x", "period": "2022", "valid_answers": 0, "satisfied": 0,
               "rate_percent": None, "published": False, "reason": None}
    assert record.survey_summary(record.public_satisfaction({**no_data, "purpose": MAU_04})) == (
        "Lấy ý kiến về hiệu quả các hình thức, mô hình phổ biến, giáo dục pháp luật (Mẫu 04) "
        "kết thúc mà không có ý kiến hợp lệ nào: chưa có số liệu về tỷ lệ ý kiến đánh giá "
        "hiệu quả")
    assert record.survey_summary(record.public_satisfaction(no_data)) == (
        "Khảo sát sự hài lòng kết thúc mà không có ý kiến hợp lệ nào: chưa có số liệu về tỷ lệ "
        "hài lòng")
    below = {**no_data, "valid_answers": 10, "satisfied": 9, "rate_percent": "90.00",
             "reason": "too few answers"}
    assert record.survey_summary(record.public_satisfaction(below)) == (
        "Kết quả khảo sát sự hài lòng chưa đủ điều kiện công bố: too few answers")
    # a purpose this release does not know is never taken for one it knows
    assert record.purpose_of({"purpose": "something_else"}) is None
    assert record.purpose_of({}) == record.purpose_of({"purpose": None}) == "satisfaction"


def test_an_unknown_kind_of_survey_is_not_shown_as_satisfaction(setup):
    setup.walk(until="posting")
    setup.survey_result(DONG_QUANG, str(YEAR), purpose="something_else")
    setup.sync()
    year = year_of(setup)
    assert year["satisfaction"] is None and year["dissemination_models"] is None
    assert [e["kind"] for e in year["entries"]] == ["self_assessment"]


def _as_an_earlier_release(engine) -> None:
    """The record's tables as a release before the purpose kept them: the survey results in
    ``publication_satisfaction``, keyed by commune and period."""
    record._old_satisfaction.create(engine)
    new, old = record.survey_results, record._old_satisfaction
    with engine.begin() as conn:
        conn.execute(insert(old).from_select(
            [c.name for c in old.columns], select(*(new.c[c.name] for c in old.columns))))
    record.survey_results.drop(engine)


def test_the_table_of_an_earlier_release_is_moved_rows_and_all(setup):
    setup.walk(until="posting")
    setup.survey_result(DONG_QUANG, str(YEAR), rate="80.00", satisfied=40)
    setup.survey_result(DONG_QUANG, "2022-q3", rate="70.00", satisfied=35)
    setup.sync()
    before = record.commune_record(setup.engine, DONG_QUANG)
    _as_an_earlier_release(setup.engine)
    assert not inspect(setup.engine).has_table("publication_survey_results")

    # replicas starting together: one moves the rows, the other finds nothing left to move
    record.metadata.create_all(setup.engine)
    errors = []

    def migrate():
        try:
            record._migrate_old_satisfaction(setup.engine)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    setup.projection.migrate(setup.engine)  # a later start: nothing to do
    assert not inspect(setup.engine).has_table("publication_satisfaction")
    with setup.engine.connect() as conn:
        rows = sorted((r.period, r.purpose) for r in conn.execute(select(record.survey_results)))
    assert rows == [(str(YEAR), "satisfaction"), ("2022-q3", "satisfaction")]
    assert record.commune_record(setup.engine, DONG_QUANG) == before

    # the record carries on from the moved rows: a later result replaces the moved one
    setup.survey_result(DONG_QUANG, str(YEAR), rate="90.00")
    setup.sync()
    year = year_of(setup)
    first, second = [e for e in year["entries"] if e["kind"] == "satisfaction"]
    assert second["corrects"] == first["entry_id"]
    assert year["satisfaction"]["rate_percent"] == "90.00"


def test_a_held_result_is_said_until_a_result_is_applied(setup):
    take = feed_assessment(setup)
    setup.walk(year=Y619, until="drafted")
    setup.survey_result(DONG_QUANG, str(Y619), rate="80.00", satisfied=40)
    take()  # drafting: the result is applied to the indicator
    setup.run(DONG_QUANG, Y619, "submit_self_assessment")
    setup.run(DONG_QUANG, Y619, "start_posting", start=f"{Y619}-12-15", channel="office")
    setup.survey_result(DONG_QUANG, str(Y619), rate="90.00", satisfied=45)  # campaign reopened
    take()  # posted: held back
    stream = n.stream_name(DONG_QUANG, Y619)
    types = [e.type for e in setup.assessment.read_stream(stream)]
    assert types[-1] == n.SATISFACTION_RESULT_HELD and n.SATISFACTION_RESULT_REPLACED in types
    setup.sync()
    held = year_of(setup)["survey_held"]
    assert held["indicator_id"] == "C2.I5" and held["state"] == n.POSTING
    assert held["held"] == {"campaign_id": f"{DONG_QUANG}-{Y619}", "period": str(Y619),
                            "purpose": "satisfaction", "status": "published",
                            "rate_percent": "90.00"}
    assert held["applied"]["rate_percent"] == "80.00"
    assert held["summary"] == (
        f"Kết quả khảo sát mới (đợt {DONG_QUANG}-{Y619}, 90% hài lòng) đến sau khi xã đã nộp hồ "
        "sơ tự đánh giá nên chưa được tính vào điểm chỉ tiêu C2.I5; điểm vẫn theo kết quả trước "
        f"(đợt {DONG_QUANG}-{Y619}, 80% hài lòng).")
    # the public survey result is the new one all the same: it is the survey's to publish
    assert year_of(setup)["satisfaction"]["rate_percent"] == "90.00"

    # the assessment takes the held result: the notice goes
    [last] = list(setup.assessment.read_stream(stream))[-1:]
    setup.assessment.append(stream, last.version, [NewEvent(n.SATISFACTION_RESULT_APPLIED, {
        key: last.data[key] for key in ("indicator_id", "result", "figures")})], meta())
    setup.sync()
    assert year_of(setup)["survey_held"] is None


def test_a_held_result_before_any_applied_says_none_is_counted(setup):
    take = feed_assessment(setup)
    setup.walk(year=Y619, until="posting")
    setup.survey_result(DONG_QUANG, str(Y619), rate=None, satisfied=0, valid=0, published=False)
    take()
    setup.sync()
    held = year_of(setup)["survey_held"]
    assert held["applied"] is None and held["held"]["rate_percent"] is None
    assert held["summary"] == (
        f"Kết quả khảo sát mới (đợt {DONG_QUANG}-{Y619}, không có ý kiến hợp lệ) đến sau khi xã "
        "đã nộp hồ sơ tự đánh giá nên chưa được tính vào điểm chỉ tiêu C2.I5; chỉ tiêu này chưa "
        "có kết quả nào được tính.")
