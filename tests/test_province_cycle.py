"""THE acceptance test: a whole evaluation year of one province through the gateway, from
opening to the chairman's decisions, for a district-reviewed 25/2021 year (2022, Đông Sơn in
Thanh Hóa, from the legacy data) and a province-reviewed 27/2025 year (Hà Nội).

Every step is an HTTP call with the token of the person who does it; the test then checks the
recognition results (with their explanations), the roll-up counts, and who each event names.
"""

import io

import openpyxl
import pytest

from rules.criteria import load_builtin_sets
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import assessment_platform, send, token, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(ws):
    """The data rows of a form's sheet (after its header row, "STT" in column A)."""
    rows = list(ws.iter_rows(values_only=True))
    return rows[next(i for i, row in enumerate(rows) if row[0] == "STT") + 1:]

COMMUNE_STEPS = {"AssessmentOpened", "FiguresRecorded", "ConditionsDeclared",
                 "SelfAssessmentSubmitted", "PostingStarted", "CommentRecorded", "CommentAnswered",
                 "PostingEnded", "DossierSubmitted", "SupplementProvided"}
ROLE_OF = {**{t: "commune_officer" for t in COMMUNE_STEPS},
           "DossierCheckPassed": "justice_officer", "SupplementRequested": "justice_officer",
           "AppraisalStarted": "council_secretary", "OpinionRecorded": "council_secretary",
           "IndicatorAppraised": "council_secretary", "AppraisalCompleted": "council_secretary",
           "RecognitionDecided": "chairman"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('province-cycle')}/assessment.sqlite"
    with assessment_platform(url) as client:
        yield client


def ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


class Year:
    """The people of one province's evaluation year and the steps they take."""

    def __init__(self, api, year, province, district, set_key):
        self.api, self.year, self.province = api, year, province
        self.criteria_set = load_builtin_sets()[set_key]
        reviewer = {"province": province, "district": district}
        self.justice = token("justice_officer", **reviewer, sub=f"tuphap.{province}.{district}")
        self.council = token("council_secretary", **reviewer, sub=f"thuky.{province}.{district}")
        self.chairman = token("chairman", **reviewer, sub=f"chutich.{province}.{district}")

    def url(self, commune):
        return f"/api/v1/communes/{commune}/assessments/{self.year}"

    def officer(self, commune):
        return token("commune_officer", self.province, None, commune, sub=f"congchuc.{commune}")

    def self_assess(self, commune, disciplined=False, comment=False):
        url, me, y = self.url(commune), self.officer(commune), self.year
        ok(send(self.api, "POST", url, me), 201)
        for indicator in self.criteria_set.indicators():
            ok(send(self.api, "PUT", f"{url}/figures/{indicator.id}", me,
                    {"figures": full_figures(indicator)}))
        if self.criteria_set.recognition.conditions:
            ok(send(self.api, "PUT", f"{url}/declarations", me,
                    {"declarations": {c.id: not disciplined
                                      for c in self.criteria_set.recognition.conditions}}))
        ok(send(self.api, "POST", f"{url}/self-assessment", me, {}))
        ok(send(self.api, "POST", f"{url}/posting", me, {"start": f"{y}-12-10", "channel": "portal"}))
        if comment:
            ok(send(self.api, "POST", f"{url}/posting/comments", me,
                    {"comment_id": "gy-1", "text": "Đề nghị làm rõ điểm tiêu chí 2",
                     "received_on": f"{y}-12-11", "author": "Nguyễn Văn A"}))
            ok(send(self.api, "POST", f"{url}/posting/comments/gy-1/answer", me,
                    {"answer": "Đã giải trình tại cuộc họp", "answered_on": f"{y}-12-12"}))
        early = send(self.api, "POST", f"{url}/posting/end", me, {"ended_on": f"{y}-12-12"})
        assert early.status_code == 409 and early.json()["details"]["minimum_end"] == f"{y}-12-14"
        ok(send(self.api, "POST", f"{url}/posting/end", me, {"ended_on": f"{y}-12-15"}))
        ok(send(self.api, "POST", f"{url}/dossier", me, {"submitted_on": f"{y}-12-26"}))

    def review(self, commune, failing=(), supplement=False):
        """Check, appraise (``failing`` indicators get no points / not achieved) and decide as
        the appraised result says; returns the assessment after the decision."""
        url, me, n = self.url(commune), self.officer(commune), self.year + 1
        if supplement:
            ok(send(self.api, "POST", f"{url}/dossier/supplement-requests", self.justice,
                    {"reason": "Thiếu Mẫu 03", "requested_on": f"{n}-01-02"}))
            ok(send(self.api, "POST", f"{url}/dossier/supplements", me,
                    {"provided_on": f"{n}-01-05", "note": "Đã bổ sung Mẫu 03"}))
        ok(send(self.api, "POST", f"{url}/dossier/check", self.justice, {"checked_on": f"{n}-01-06"}))
        ok(send(self.api, "POST", f"{url}/appraisal", self.council,
                {"started_on": f"{n}-01-08", "council_size": 5, "method": "meeting"}))
        for name in ("Lê Văn Chủ", "Trần Thị Hai", "Phạm Văn Ba", "Đỗ Thị Tư"):
            ok(send(self.api, "POST", f"{url}/appraisal/opinions", self.council,
                    {"member_name": name, "role": "thành viên", "opinion": "Nhất trí",
                     "given_by": "meeting"}))
        for indicator in self.criteria_set.indicators():
            if indicator.max is None:
                score = {"achieved": indicator.id not in failing}
            else:
                score = {"points": "0.00" if indicator.id in failing else format(indicator.max, "f")}
            ok(send(self.api, "PUT", f"{url}/appraisal/indicators/{indicator.id}", self.council,
                    {**score, "reason": "Đối chiếu hồ sơ minh chứng"}))
        ok(send(self.api, "POST", f"{url}/appraisal/complete", self.council,
                {"completed_on": f"{n}-01-15"}))
        # a write answers the state; the council's sheet and its recognition are GET's
        recognised = ok(send(self.api, "GET", url, self.council))["recognition"]["recognised"]
        ok(send(self.api, "POST", f"{url}/decision", self.chairman,
                {"recognised": recognised, "decision_number": f"{commune}/QĐ-UBND",
                 "decision_date": f"{n}-01-25"}))
        return ok(send(self.api, "GET", url, self.chairman))

    def rollup(self, expected_decided, district=None):
        query = f"?year={self.year}" + (f"&district={district}" if district else "")
        path = f"/api/v1/provinces/{self.province}/assessments{query}"
        return wait_for(lambda: (lambda body: body if body["totals"]["decided"] == expected_decided
                                 else None)(ok(send(self.api, "GET", path, self.justice))))

    def check_forms(self, result):
        """Mẫu 08 and Mẫu 09 as downloaded say what the roll-up says."""
        base = f"/api/v1/provinces/{self.province}/assessments/forms"
        lines = result["communes"]
        form_08 = self.download(f"{base}/08.xlsx?year={self.year}")
        for sheet, wanted in (("Đạt chuẩn", True), ("Chưa đạt chuẩn", False)):
            rows = table(form_08[sheet])
            names = [line["commune_name"] for line in lines if line["recognised"] is wanted]
            assert [row[1] for row in rows] == names
            assert all(row[-2] and row[-2].endswith(f"/{self.year + 1}") for row in rows)
            if not wanted:
                assert all(row[-1] for row in rows)  # why not, in words
        rows = table(self.download(f"{base}/09.xlsx?year={self.year}").active)
        totals = result["totals"]
        assert rows[-1][2:7] == (totals["communes"], totals["recognised"],
                                 float(totals["recognised_of_all"]), totals["not_recognised"],
                                 totals["undecided"])
        assert len(rows) == len(result["districts"]) + 1

    def download(self, path):
        answer = send(self.api, "GET", path, self.justice)
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"] == XLSX
        return openpyxl.load_workbook(io.BytesIO(answer.content))

    def check_actors(self, commune):
        events = ok(send(self.api, "GET", f"{self.url(commune)}/events", token("auditor")))["events"]
        for event in events:
            role = ROLE_OF[event["type"]]
            assert event["metadata"]["role"] == role, event["type"]
            expected = {"commune_officer": f"congchuc.{commune}"}.get(role)
            if expected:
                assert event["metadata"]["actor"] == expected
        return events


def test_a_district_reviewed_2022_year_in_thanh_hoa(api):
    admin = token("administrator", sub="admin@test")
    level = ok(send(api, "PUT", "/api/v1/provinces/38/reviewing-levels/2022", admin,
                    {"level": "district"}))
    assert level["source"] == "configured"
    year = Year(api, 2022, "38", "405", ("25-2021", 2))
    dong_quang, dong_phu, dong_van = "16426", "16420", "16417"
    year.self_assess(dong_quang, comment=True)
    year.self_assess(dong_phu, disciplined=True)  # its head was disciplined: a condition fails
    year.self_assess(dong_van)

    # a justice office of another district may not touch Đông Sơn's dossiers
    other = token("justice_officer", "38", "406")
    assert send(api, "POST", f"{year.url(dong_quang)}/dossier/check", other,
                {"checked_on": "2023-01-06"}).status_code == 403

    quang = year.review(dong_quang, supplement=True)
    phu = year.review(dong_phu)
    van = year.review(dong_van, failing=("C3.I1",))  # 5 points short: still 95, recognised

    assert quang["state"] == "recognised" and quang["recognition"]["recognised"] is True
    assert quang["appraised_score"]["total"] == "100.00" and quang["self_score"]["total"] == "100.00"
    assert quang["supplements"][0]["provided_on"] == "2023-01-05"
    assert phu["state"] == "not_recognised"
    failed = [c for c in phu["recognition"]["conditions"] if c["verdict"] != "met"]
    assert [c["id"] for c in failed] == ["no_head_disciplined"]
    assert "does not hold" in failed[0]["missing"] and failed[0]["value"] == "false"
    assert van["state"] == "recognised" and van["appraised_score"]["total"] == "95.00"

    result = year.rollup(3)
    assert result["totals"]["assessments"] == 3 and result["totals"]["recognised"] == 2
    assert result["totals"]["not_recognised"] == 1 and result["totals"]["recognised_of_decided"] == "66.67"
    assert result["districts"][0]["district_code"] == "405"
    lines = {line["commune_code"]: line for line in result["communes"]}
    assert lines[dong_phu]["recognised"] is False and lines[dong_phu]["appraised_total"] == "100.00"
    assert lines[dong_van]["self_total"] == "100.00" and lines[dong_van]["appraised_total"] == "95.00"
    assert ok(send(api, "GET", "/api/v1/provinces/38/assessments?year=2022&district=405",
                   token("chairman", "38")))["totals"] == result["totals"]
    assert send(api, "GET", "/api/v1/provinces/38/assessments?year=2022",
                year.officer(dong_quang)).status_code == 403

    events = year.check_actors(dong_quang)
    assert events[-1]["type"] == "RecognitionDecided"
    assert events[-1]["metadata"]["actor"] == "chutich.38.405"
    assert events[-1]["metadata"]["jurisdiction"] == {"province": "38", "district": "405",
                                                      "commune": None}
    year.check_actors(dong_phu)
    assert result["totals"]["communes"] == 14 and result["totals"]["not_opened"] == 11
    standard = result["districts"][0]["district_standard"]
    assert standard["applicable"] and standard["verdict"] == "not_met"
    year.check_forms(result)
    # the decided year cannot be decided again
    assert send(api, "POST", f"{year.url(dong_phu)}/decision", year.chairman,
                {"recognised": True, "decision_number": "x", "decision_date": "2023-02-01"}
                ).status_code == 409


def test_a_province_reviewed_2025_year_in_ha_noi(api):
    year = Year(api, 2025, "01", None, ("27-2025", 2))
    ba_dinh, hoan_kiem, third = "00004", "00070", "00008"
    for commune in (ba_dinh, hoan_kiem, third):
        year.self_assess(commune)
    failing = year.criteria_set.indicator_ids()[3]
    results = {ba_dinh: year.review(ba_dinh), hoan_kiem: year.review(hoan_kiem, failing=(failing,)),
               third: year.review(third)}
    assert {c: r["state"] for c, r in results.items()} == {
        ba_dinh: "recognised", hoan_kiem: "not_recognised", third: "recognised"}
    condition = results[hoan_kiem]["recognition"]["conditions"][0]
    assert condition["id"] == "all_indicators_achieved" and condition["verdict"] == "not_met"
    assert failing in condition["missing"] and results[hoan_kiem]["recognition"]["provisional"]
    assert results[ba_dinh]["district_code"] is None and results[ba_dinh]["reviewing_level"] == "province"

    result = year.rollup(3)
    assert result["totals"]["recognised"] == 2 and result["totals"]["not_recognised"] == 1
    assert result["districts"] == [] and result["provisional"] is True
    assert {line["appraised_achieved"] for line in result["communes"]
            if line["state"] != "not_opened"} == {14, 13}
    assert result["totals"]["communes"] == 126 and result["totals"]["not_opened"] == 123
    year.check_actors(hoan_kiem)
    # a district token covers no commune after 2025
    assert send(api, "GET", year.url(ba_dinh), token("justice_officer", "01", "001")).status_code == 403
    year.check_forms(result)
