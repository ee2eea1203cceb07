"""The public record projection on both databases, fed by real assessment events."""

import hashlib
import io

import pytest

from kernel import clock
from kernel.errors import NotFound, ValidationFailed
from kernel.events import NewEvent
from services.publication import record, search
from storage import pdf_signatures
from tests.publication.support import DONG_HOA, DONG_NAM, DONG_QUANG, THANH_HOA, YEAR
from tests.support import evidence_files, pdfs
from tests.support.stores import meta


def test_nothing_is_public_before_the_posting_starts(setup):
    setup.walk(until="self_assessed")
    setup.sync()
    with pytest.raises(NotFound):
        record.commune_record(setup.engine, DONG_QUANG)
    assert search.search_communes(setup.engine)["total"] == 0
    assert search.years(setup.engine) == []

    setup.run(DONG_QUANG, YEAR, "start_posting", start=f"{YEAR}-12-15", channel="office")
    setup.sync()
    body = record.commune_record(setup.engine, DONG_QUANG)
    assert body["commune"] == {"code": DONG_QUANG, "name": "Xã Đông Quang", "district_code": "405",
                               "district_name": "Huyện Đông Sơn", "province_code": THANH_HOA,
                               "province_name": "Tỉnh Thanh Hóa"}
    [year] = body["years"]
    assert year["status"] == "in_progress" and year["decision"] is None
    assert year["scores"]["basis"] == "self" and year["scores"]["total"] == "100.00"
    assert year["criteria_set"] == {"id": "25-2021", "version": 2, "provisional": True,
                                    "pass_fail": False, "inferred_items": [],
                                    "secondary_wording": False,
                                    "title": year["criteria_set"]["title"]}
    c1 = year["scores"]["criteria"][0]
    assert c1 == {"id": "C1", "name": c1["name"], "max": "10.00", "points": "10.00",
                  "floor": "5.00", "meets_floor": True, "achieved": None}
    assert year["posting"]["channel"] == "office" and year["posting"]["comments"] == []
    assert [e["kind"] for e in year["entries"]] == ["self_assessment"]
    types = [s["type"] for s in year["sources"]]
    assert types[0] == "AssessmentOpened" and types[-1] == "PostingStarted"
    assert all(set(s) == {"source", "position", "event_id", "type"} for s in year["sources"])


def test_comments_and_answers_are_published_without_their_authors(setup):
    setup.walk(until="posting", comments=["Đề nghị công khai thêm tài liệu"])
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["posting"]["comments"] == [{"comment_id": "c1", "text": "Đề nghị công khai thêm tài liệu",
                                            "received_on": f"{YEAR}-12-16", "answer": None,
                                            "answered_on": None}]
    setup.run(DONG_QUANG, YEAR, "answer_comment", comment_id="c1", answer="Đã bổ sung",
              answered_on=f"{YEAR}-12-18")
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["posting"]["comments"][0]["answer"] == "Đã bổ sung"
    assert [e["kind"] for e in year["entries"]] == ["self_assessment", "comment", "comment_answer"]
    assert "Nguyễn Văn A" not in str(year)


def test_a_decision_then_a_revocation_is_a_correction_not_an_edit(setup):
    setup.walk(points={"C1.I2": "6.00"})
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["status"] == "recognised"
    assert year["scores"]["basis"] == "appraised" and year["scores"]["total"] == "99.00"
    decision = year["decision"]
    assert decision["recognised"] is True and decision["decision_number"] == f"{DONG_QUANG}/QĐ-UBND"
    assert decision["decision_date"] == f"{YEAR + 1}-01-25"
    assert decision["publication_due"] == "2023-01-30"  # 2 working days after signing
    # recorded (and so published) years after its due date: flagged as late
    assert decision["late_publication"] is True
    kinds = [e["kind"] for e in year["entries"]]
    assert kinds == ["self_assessment", "posting_ended", "appraisal", "decision"]
    decision_entry = year["entries"][-1]
    assert any(s["event_id"] == decision_entry["entry_id"] and s["type"] == "RecognitionDecided"
               for s in year["sources"])

    setup.run(DONG_QUANG, YEAR, "revoke", reason="Phát hiện sai phạm", revoked_on=f"{YEAR + 1}-03-01",
              decision_number="99/QĐ-UBND")
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["status"] == "revoked"
    assert year["decision"]["recognised"] is True  # the decision as it was published stays
    assert year["revocation"]["reason"] == "Phát hiện sai phạm"
    revocation = year["entries"][-1]
    assert revocation["kind"] == "revocation" and revocation["corrects"] == decision_entry["entry_id"]
    assert year["entries"][:-1] == [e for e in year["entries"] if e["kind"] != "revocation"]
    assert search.decisions(setup.engine, THANH_HOA, YEAR)["not_recognised"][0]["status"] == "revoked"


def test_a_decision_recorded_in_time_is_not_late(setup):
    today = clock.now().date()
    setup.walk(commune="00004", year=2025, decision_date=today.isoformat())
    setup.sync()
    [year] = record.commune_record(setup.engine, "00004")["years"]
    assert year["decision"]["late_publication"] is False
    assert year["criteria_set"]["pass_fail"] is True
    assert year["scores"]["total"] is None and year["scores"]["total_max"] is None
    assert all(c["achieved"] is True and c["points"] is None and c["floor"] is None
               for c in year["scores"]["criteria"])
    assert year["scores"]["basis"] == "appraised"
    assert record.commune_record(setup.engine, "00004")["commune"]["district_code"] is None


def test_survey_results_are_published_and_a_later_one_supersedes(setup):
    setup.walk(until="posting")
    setup.survey_result(DONG_QUANG, str(YEAR), published=False, rate="80.00")
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["satisfaction"]["published"] is False and year["satisfaction"]["rate_percent"] is None
    setup.survey_result(DONG_QUANG, str(YEAR), rate="90.00")
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["satisfaction"]["rate_percent"] == "90.00"
    first, second = [e for e in year["entries"] if e["kind"] == "satisfaction"]
    assert second["corrects"] == first["entry_id"] and first["corrects"] is None
    assert [s["type"] for s in year["sources"]].count("SatisfactionResultComputed") == 2


def test_a_form_04_result_does_not_pose_as_the_satisfaction_survey(setup):
    """Mẫu 04 (purpose dissemination_models) rates legal dissemination, not satisfaction: the
    assessment scores it; the board keeps the period's satisfaction result as it was."""
    setup.walk(until="posting")
    setup.survey_result(DONG_QUANG, str(YEAR), rate="90.00")
    stream = f"campaign-{DONG_QUANG}-{YEAR}-mau04"
    setup.survey.append(stream, 0, [NewEvent("SatisfactionResultComputed", {
        "campaign_id": f"{DONG_QUANG}-{YEAR}-mau04", "commune_code": DONG_QUANG,
        "period": str(YEAR), "questionnaire_id": "mau-04-pbgdpl", "questionnaire_version": 1,
        "responses": 40, "valid_answers": 280, "satisfied": 140, "rate_percent": "50.00",
        "target_sample": 30, "target_met": True, "min_answers": 30, "published": True,
        "reason": None, "purpose": "dissemination_models"})], meta())
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert year["satisfaction"]["rate_percent"] == "90.00"
    assert [e["kind"] for e in year["entries"]].count("satisfaction") == 1


def test_a_survey_without_answers_is_published_as_no_data_and_flags_are_shown(setup):
    setup.walk(until="posting")
    setup.survey_result(DONG_QUANG, str(YEAR), rate=None, satisfied=0, valid=0, published=False)
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert (year["satisfaction"]["no_data"], year["satisfaction"]["rate_percent"]) == (True, None)
    [entry] = [e for e in year["entries"] if e["kind"] == "satisfaction"]
    assert "chưa có số liệu" in entry["summary"] and "%" not in entry["summary"]
    flagged = {"kiosk_id": "k" * 32, "day": f"{YEAR}-06-05", "responses": 40,
               "share_percent": "80.00", "median_other_kiosk_days": "2", "reasons": ["unusual_day"]}
    stream = f"campaign-{DONG_QUANG}-{YEAR}"
    setup.survey.append(stream, setup.survey.stream_version(stream), [NewEvent(
        "SatisfactionResultComputed", {
            "campaign_id": f"{DONG_QUANG}-{YEAR}", "commune_code": DONG_QUANG,
            "period": str(YEAR), "questionnaire_id": "hai-long-tiep-can-phap-luat",
            "questionnaire_version": 1, "responses": 50, "valid_answers": 250,
            "satisfied": 200, "rate_percent": "80.00", "target_sample": 40, "target_met": True,
            "min_answers": 30, "published": True, "reason": None, "flags": [flagged]})], meta())
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    # public: the day and the count, not which device
    assert year["satisfaction"]["flags"] == [{"day": f"{YEAR}-06-05", "responses": 40,
                                              "share_percent": "80.00",
                                              "reasons": ["unusual_day"]}]
    assert "số phiếu bất thường" in year["entries"][-1]["summary"]


def test_search_with_and_without_diacritics_and_by_code(setup):
    setup.walk(DONG_QUANG)
    setup.walk(DONG_HOA, recognised=False, points={"C1.I2": "1.00"})
    setup.walk(DONG_NAM, until="posting")
    setup.walk("16384", until="drafted")  # not public
    setup.sync()
    for query in ("Dong Quang", "Đông Quang", "đông quang", "DONG QUANG", "quang", DONG_QUANG):
        found = search.search_communes(setup.engine, query)
        assert [i["commune_code"] for i in found["items"]] == [DONG_QUANG], query
    item = search.search_communes(setup.engine, "Dong Quang")["items"][0]
    assert item == {"commune_code": DONG_QUANG, "commune_name": "Xã Đông Quang",
                    "district_code": "405", "district_name": "Huyện Đông Sơn",
                    "province_code": THANH_HOA, "province_name": "Tỉnh Thanh Hóa", "year": YEAR,
                    "status": "recognised", "total": "100.00", "total_max": "100.00",
                    "basis": "appraised", "decision_number": f"{DONG_QUANG}/QĐ-UBND",
                    "decision_date": "2023-01-25", "criteria_set_id": "25-2021",
                    "criteria_set_version": 2, "provisional": True, "pass_fail": False}
    assert search.search_communes(setup.engine, "dong")["total"] == 3
    assert search.search_communes(setup.engine, "Đông Sơn")["total"] == 3  # the district's name
    assert search.search_communes(setup.engine, "Đông Ninh")["total"] == 0  # still drafting
    assert search.search_communes(setup.engine, "100%")["total"] == 0
    assert [i["commune_code"] for i in search.search_communes(
        setup.engine, status="not_recognised")["items"]] == [DONG_HOA]
    assert search.search_communes(setup.engine, status="in_progress")["items"][0]["basis"] == "self"
    assert search.search_communes(setup.engine, province_code="01")["total"] == 0
    assert search.search_communes(setup.engine, year=2021)["total"] == 0
    page = search.search_communes(setup.engine, limit=2, offset=2)
    assert page["total"] == 3 and len(page["items"]) == 1
    with pytest.raises(ValidationFailed):
        search.search_communes(setup.engine, status="done")
    lists = search.decisions(setup.engine, THANH_HOA, YEAR)
    assert [i["commune_code"] for i in lists["recognised"]] == [DONG_QUANG]
    assert [i["commune_code"] for i in lists["not_recognised"]] == [DONG_HOA]
    assert search.years(setup.engine) == [YEAR]
    assert search.public_provinces(setup.engine) == [
        {"province_code": THANH_HOA, "province_name": "Tỉnh Thanh Hóa"}]
    # one typo, and no commune-year holds the words: the units one typo away stand for them
    assert [i["commune_code"] for i in search.search_communes(
        setup.engine, "Dong Quagn")["items"]] == [DONG_QUANG]
    assert search.search_communes(setup.engine, "Dong Quagn", year=2021)["total"] == 0
    # provinces, districts and communes of the public record, by name, each with its year
    units = search.search_units(setup.engine, "thanh hoa")["items"]
    assert units[0] == {"kind": "province", "code": THANH_HOA, "name": "Tỉnh Thanh Hóa",
                        "province_code": THANH_HOA, "province_name": "Tỉnh Thanh Hóa",
                        "district_code": None, "district_name": None, "year": YEAR,
                        "match": "exact"}
    assert [(u["kind"], u["code"], u["match"]) for u in search.search_units(
        setup.engine, "Huyen Dong Sonn")["items"]] == [("district", "405", "fuzzy")]
    assert [u["code"] for u in search.search_units(setup.engine, "Đông Ninh")["items"]] == []


def test_newest_year_first(setup):
    setup.walk(DONG_QUANG, year=2022)
    setup.walk(DONG_QUANG, year=2023, until="posting")
    setup.sync()
    assert [i["year"] for i in search.search_communes(setup.engine, DONG_QUANG)["items"]] == [2023, 2022]
    assert [y["year"] for y in record.commune_record(setup.engine, DONG_QUANG)["years"]] == [2023, 2022]
    assert search.years(setup.engine) == [2022, 2023]


def _uploaded(data: bytes, name: str, media_type: str, signatures=None) -> dict:
    return {"file_name": name, "media_type": media_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "signatures": signatures}


def test_the_posting_lists_the_evidence_files_and_what_their_signatures_say_not_the_files(setup):
    setup.walk(until="drafted")
    signed = pdfs.signed(pdfs.blank_pdf(), pdfs.self_signed("Lê Thị Hoa", "UBND xã Đông Quang"))
    report = pdf_signatures.check(io.BytesIO(signed), pdf_signatures.TrustRoots())
    pdf = _uploaded(signed, "Biên bản họp.pdf", "application/pdf", report)
    photo = _uploaded(evidence_files.png(), "ảnh.png", "image/png")
    removed = _uploaded(evidence_files.png(3, 3), "nhầm.png", "image/png")
    for indicator, file in (("C2.I1", photo), ("C1.I1", pdf), ("C1.I1", removed)):
        setup.handlers.attach_evidence(DONG_QUANG, YEAR, indicator, file, meta())
    setup.handlers.remove_evidence(DONG_QUANG, YEAR, "C1.I1", removed["sha256"], meta())
    setup.run(DONG_QUANG, YEAR, "submit_self_assessment")
    setup.sync()
    with pytest.raises(NotFound):  # nothing is public before the posting
        record.commune_record(setup.engine, DONG_QUANG)
    setup.run(DONG_QUANG, YEAR, "start_posting", start=f"{YEAR}-12-15", channel="office")
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert [(g["indicator_id"], [f["file_name"] for f in g["files"]]) for g in year["evidence"]] \
        == [("C1.I1", ["Biên bản họp.pdf"]), ("C2.I1", ["ảnh.png"])]  # the criteria set's order
    listed = year["evidence"][0]["files"][0]
    assert listed["sha256"] == pdf["sha256"] and listed["size"] == len(signed)
    assert (listed["kind"], listed["added_on"], listed["supplement"]) == ("PDF", clock.today().isoformat(), None)
    [signature] = listed["signatures"]["signatures"]
    assert (signature["signer"], signature["organisation"]) == ("Lê Thị Hoa", "UBND xã Đông Quang")
    assert signature["verdict"] == "untrusted" and "chưa cấu hình" in signature["summary_vi"]
    assert "officer@test" not in str(year)  # who uploaded is the log's, not the board's
    assert year["evidence"][0]["indicator_name"]

    later = _uploaded(evidence_files.JPEG, "ảnh niêm yết.jpg", "image/jpeg")
    setup.handlers.attach_evidence(DONG_QUANG, YEAR, "C2.I1", later, meta())
    setup.sync()
    [year] = record.commune_record(setup.engine, DONG_QUANG)["years"]
    assert [f["file_name"] for f in year["evidence"][1]["files"]] == ["ảnh.png", "ảnh niêm yết.jpg"]
    assert [e["kind"] for e in year["entries"]] == ["self_assessment", "evidence"]
    assert "“ảnh niêm yết.jpg” (ảnh JPEG" in year["entries"][-1]["summary"]
    assert later["sha256"] in year["entries"][-1]["summary"]
