"""Issue 15's "done when", in Debian's chromium (tests/browser_workspace_journey.py) against the
whole real platform: with the demo accounts of `make run` (scripts/demo_accounts.py, made
through the accounts API as `make run` makes them), a commune carried from an empty year to a
published decision through the pages alone. Phường Hàm Rồng's officer opens this year (27/2025,
reviewed by the province), fills every indicator, uploads a PDF signed by a test CA, submits,
posts the result, ends the posting and sends the dossier; the province's justice department
asks for a supplement, the officer answers it with a second signed PDF, the department passes
the check; the council's secretary appraises every indicator; the chairman signs the decision;
the public board shows the commune recognised. After the accounts are made nothing but the pages is used, and every
page is reached by a link or a form, as a person would (only the sign-in page and the board are
typed). The screenshots are the guide's (docs/huong-dan/README.md, anh/hanh-trinh-*.png).

The steps are dated in the past sixteen days (no step may be dated after today in Vietnam, nor
before the step it follows; the posting stays up five days), so the walk works on any day."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from kernel import clock
from scripts.demo_accounts import ACCOUNTS
from tests.support import pdfs
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
BROWSER_SCRIPT = Path(__file__).with_name("browser_workspace_journey.py")
ADMIN = token("administrator", sub="quantri")
COMMUNE = "14758"  # phường Hàm Rồng: the demo's current commune whose year nobody has opened
PEOPLE = {"officer": "congchuc.hamrong", "justice": "sotuphap.thanhhoa",
          "council": "thuky.thanhhoa", "chairman": "chutich.thanhhoa"}


def dates() -> dict:
    """Each step's day, counted back from today in Vietnam, in the order they happen."""
    today = clock.today()
    # the posting in the past fortnight; the review in the last days, so that the supplement
    # (three working days) is answered in time
    back = {"submitted": 16, "start": 15, "comment": 14, "answer": 13, "end": 10, "dossier": 9,
            "request": 2, "supplement": 2, "check": 1, "appraisal": 1, "opinion": 1,
            "completed": 1, "decision": 0}
    return {step: (today - timedelta(days=days)).isoformat() for step, days in back.items()}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("journey")
    ca = pdfs.certificate_authority()
    roots = pdfs.write_trust_roots(folder / "roots", ca)
    signer = pdfs.signer_certified_by(ca, "Nguyễn Văn Hùng", "UBND phường Hàm Rồng")
    pdf = folder / "Biên bản họp tự đánh giá.pdf"
    pdf.write_bytes(pdfs.signed(pdfs.blank_pdf(), signer, (ca,)))
    minutes = folder / "Biên bản niêm yết công khai.pdf"
    minutes.write_bytes(pdfs.signed(pdfs.blank_pdf(), signer, (ca,)))
    with full_platform(folder, EVIDENCE_TRUST_ROOTS=str(roots), **FAST_HASHING) as client:
        demo = {account["username"]: account for account in ACCOUNTS}
        passwords = {}
        for key, username in PEOPLE.items():
            # as `make run` does: the account without a password, which the service makes
            made = client.request("POST", "/api/v1/accounts", ADMIN, json=demo[username])
            assert made.status_code == 201, made.text
            passwords[key] = {"username": username, "password": made.json()["password"]}
        yield client, passwords, (pdf, minutes)


@pytest.mark.browser
@pytest.mark.timeout(660)  # four people and every step: longer than the suite's 300 s
def test_a_commune_from_an_empty_year_to_a_published_decision_through_the_pages(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    client, accounts, (pdf, minutes) = platform
    for old in SHOTS.glob("hanh-trinh-*.png"):
        old.unlink()
    year = clock.today().year
    setup = json.dumps({"accounts": accounts, "commune": COMMUNE, "year": year,
                        "pdf": str(pdf), "supplement_pdf": str(minutes),
                        "dates": dates()})
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), client.url, str(SHOTS),
                                setup], capture_output=True, text=True, timeout=600,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []
    assert seen["typed"] == ["/can-bo/dang-nhap"] * 4 + [f"/ket-qua/xa/{COMMUNE}"]

    # the commune officer: an empty year, every indicator, a signed PDF, submitted
    assert seen["not_opened"] == "Chưa mở hồ sơ đánh giá"
    assert seen["opened_notice"] == "Đã mở hồ sơ đánh giá của năm."
    assert seen["indicators"] == 14  # Decision 27/2025: 3 + 7 + 4
    assert seen["fill_errors"] == []
    assert seen["uploaded_notice"] == "Đã tải lên tài liệu minh chứng."
    assert "Nguyễn Văn Hùng" in seen["evidence"] and "Tin cậy: có" in seen["evidence"]
    assert "Không còn" in seen["summary_missing"]
    assert seen["submitted_notice"].startswith("Đã hoàn thành tự đánh giá.")

    # the posting, a citizen's comment answered, the dossier
    assert "Đã ghi nhận việc niêm yết" in seen["posting_notice"]
    assert seen["answered"] == "yes"
    assert "kết thúc niêm yết" in seen["end_notice"]
    assert seen["dossier_state"] == "Hồ sơ đã gửi, chờ cơ quan tư pháp kiểm tra"

    # the province's justice department, a supplement and its answer, the check
    assert "Kiểm tra hồ sơ" in seen["queue_row"]
    assert "Đã gửi yêu cầu bổ sung" in seen["request_notice"]
    assert seen["request_reason"].startswith("Đề nghị xã bổ sung")
    assert seen["supplement_upload_notice"] == "Đã tải lên tài liệu minh chứng."
    assert "Biên bản niêm yết công khai.pdf" in seen["supplement_files"]
    assert "Đã gửi phần bổ sung" in seen["supplement_notice"]
    assert "chuyển Hội đồng" in seen["check_notice"] and seen["state_after_check"] == "checked"

    # the council, the chairman, the board
    assert seen["appraise_notice"] == "Đã lưu điểm thẩm định."
    assert seen["missing_before_completion"] == 0
    assert seen["state_after_appraisal"] == "appraised"
    assert seen["council_conclusion"] == "true"
    assert "Đã ghi quyết định" in seen["decision_notice"]
    assert seen["state_after_decision"] == "recognised"
    assert seen["board_url"] == f"/ket-qua/xa/{COMMUNE}"
    assert "Đạt chuẩn" in seen["board_text"] and "Hàm Rồng" in seen["board_text"]
    assert seen["board_typed_text"] == seen["board_text"]

    for name in ("01-dang-nhap", "02-cac-nam", "03-mo-nam", "04-chi-tieu", "05-minh-chung",
                 "06-tong-hop", "07-niem-yet", "08-ho-so", "09-hang-doi", "10-yeu-cau-bo-sung",
                 "11-tra-loi-bo-sung", "12-kiem-tra", "13-hoi-dong", "14-quyet-dinh",
                 "15-bang-ket-qua"):
        assert (SHOTS / f"hanh-trinh-{name}.png").stat().st_size > 5_000, name
