"""Carry a commune from an empty year to a published decision in Debian's chromium, through
the workspace's pages alone: ``python browser_workspace_journey.py BASE_URL SHOTS_DIR SETUP``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP (JSON) names the four people's accounts and passwords (commune officer, the province's
justice department, the council's secretary, the chairman), the commune, the year, a signed
PDF and the day of each step. Each person signs in once, in a browser of their own, and then
only follows links and fills forms; the only addresses typed are the sign-in page and, at the
end, the public board as a citizen would. Screenshots go to SHOTS_DIR/hanh-trinh-*.png.
Prints one JSON line of what the pages showed.
"""

import json
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.gateway.browser_commune import FILL
from tests.gateway.browser_workspace import CHROMIUM, CHROMIUM_ARGS, Browser, summary

# Every pass/fail indicator achieved and every reason given, in the council's one form.
APPRAISE = """() => {
  const form = document.getElementById("form-cham-diem");
  for (const el of form.querySelectorAll("input[type=radio][value=true]")) el.checked = true;
  for (const el of form.querySelectorAll("input.reason")) el.value = "Đối chiếu tài liệu minh chứng";
}"""


class Journey(Browser):
    def __init__(self, *args):
        super().__init__(*args)
        self.typed = []

    def shot(self, page, what):
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(self.shots_dir / f"hanh-trinh-{what}.png"), full_page=True)

    def goto(self, page, path):
        """An address typed by hand: kept, so the test can tell there were no others."""
        self.typed.append(path)
        page.goto(self.base_url + path, wait_until="load")

    def sign_in(self, name, account, shot=None):
        page = self.page(name)
        self.goto(page, "/can-bo/dang-nhap")
        page.fill("#f-username", account["username"])
        page.fill("#f-password", account["password"])
        if shot:
            self.shot(page, shot)
        submit(page, "#dang-nhap")
        return page


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def follow(page, text, exact=False):
    """Click the link a person would read: by its Vietnamese words."""
    with page.expect_navigation():
        page.get_by_role("link", name=text, exact=exact).first.click()


def notice(page):
    found = page.locator(".notification p")
    if not found.count():
        found = page.locator(".notification")
    return found.first.inner_text() if found.count() else None


def to_the_queue(page, year):
    """From anywhere in the workspace to the review desk's queue of ``year``."""
    follow(page, "Thẩm định, công nhận", exact=True)
    if page.locator("#nam").input_value() != str(year):
        page.select_option("#nam", str(year))
        submit(page, "form.review-year button")


def to_the_dossier(j, page, setup, shot=None):
    """Through the queue to the commune's dossier; the queue's row as it read."""
    to_the_queue(page, setup["year"])
    row = page.locator(f'#hang-doi tr[data-commune="{setup["commune"]}"]')
    text = row.inner_text()
    if shot:
        j.shot(page, shot)
    with page.expect_navigation():
        row.locator("a").first.click()
    return text


def to_the_year(page, year):
    follow(page, "Tự đánh giá của xã", exact=True)
    follow(page, re.compile(f"^(Xem|Mở hồ sơ) năm {year}$"))


def main(base_url: str, shots: str, setup_json: str) -> None:
    setup = json.loads(setup_json)
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, seen = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=[*CHROMIUM_ARGS, "--lang=vi"])
        try:
            j = Journey(browser, base_url, shots_dir, errors, outside)
            journey(j, setup, seen)
        finally:
            browser.close()
        seen["typed"] = j.typed
    seen["errors"], seen["requests_outside"] = errors, outside
    print(json.dumps(seen, ensure_ascii=False), flush=True)


def journey(j: Journey, setup: dict, seen: dict) -> None:
    people, year, days = setup["accounts"], setup["year"], setup["dates"]

    # -- the commune officer: an empty year, every indicator, a signed PDF ---------------------
    officer = j.sign_in("xa", people["officer"], shot="01-dang-nhap")
    follow(officer, "Tự đánh giá của xã", exact=True)
    j.shot(officer, "02-cac-nam")
    follow(officer, f"Mở hồ sơ năm {year}", exact=True)
    seen["not_opened"] = officer.inner_text("#trang-thai")
    submit(officer, "#mo-ho-so")
    seen["opened_notice"] = notice(officer)
    j.shot(officer, "03-mo-nam")
    indicators = officer.eval_on_selector_all(
        "#bang-chi-tieu tbody tr", "rows => rows.map(r => r.dataset.indicator)")
    seen["indicators"] = len(indicators)
    follow(officer, indicators[0], exact=True)
    seen["fill_errors"] = []
    for at, indicator in enumerate(indicators):
        officer.evaluate(FILL)
        submit(officer, "#luu-so-lieu")
        if officer.locator(".error-summary").count():
            seen["fill_errors"].append([indicator, summary(officer)])
        if at == 0:
            j.shot(officer, "04-chi-tieu")
            officer.set_input_files("#f-file", setup["pdf"])
            submit(officer, "#tai-len")
            seen["uploaded_notice"] = notice(officer)
            seen["evidence"] = officer.inner_text("#bang-minh-chung tbody")
            j.shot(officer, "05-minh-chung")
        if at + 1 < len(indicators):
            follow(officer, f"{indicators[at + 1]} →", exact=True)
    follow(officer, "Các chỉ tiêu", exact=True)
    follow(officer, "Tổng hợp và hoàn thành tự đánh giá", exact=True)
    seen["summary_missing"] = officer.inner_text(".summary-list")
    officer.fill("#f-submitted_on", days["submitted"])
    j.shot(officer, "06-tong-hop")
    submit(officer, "#hoan-thanh")
    seen["submitted_notice"] = notice(officer)

    # -- the posting, a citizen's comment answered, the end, the dossier -----------------------
    follow(officer, "Niêm yết công khai", exact=True)
    officer.fill("#f-start", days["start"])
    officer.select_option("#f-channel", "office")
    submit(officer, "#nut-bat-dau")
    seen["posting_notice"] = notice(officer)
    officer.click(".add-comment summary")
    officer.fill("#f-text", "Đề nghị công khai số vụ việc hòa giải thành trong năm.")
    officer.fill("#f-author", "Ông Lê Văn Bình, khu phố 5")
    officer.fill("#f-received_on", days["comment"])
    submit(officer, "#nut-ghi-y-kien")
    officer.fill("#f-answer-1", "Phường đã bổ sung số vụ việc hòa giải thành vào bảng điểm.")
    officer.fill("#f-answered_on-1", days["answer"])
    submit(officer, "#form-tra-loi-1 button")
    seen["answered"] = officer.get_attribute("#danh-sach-y-kien li", "data-answered")
    officer.fill("#f-ended_on", days["end"])
    j.shot(officer, "07-niem-yet")
    submit(officer, "#nut-ket-thuc")  # the dossier's page follows
    seen["end_notice"] = notice(officer)
    officer.fill("#f-submitted_on", days["dossier"])
    officer.check("#de-nghi-co")
    submit(officer, "#nut-gui-ho-so")
    seen["dossier_state"] = officer.inner_text("#trang-thai")
    j.shot(officer, "08-ho-so")

    # -- the province's justice department: the queue, a supplement asked ----------------------
    office = j.sign_in("so-tu-phap", people["justice"])
    seen["queue_row"] = to_the_dossier(j, office, setup, shot="09-hang-doi")
    office.fill("#f-reason", "Đề nghị xã bổ sung biên bản hội nghị niêm yết công khai "
                "(Mẫu 03) có chữ ký số.")
    office.fill("#f-requested_on", days["request"])
    submit(office, "#nut-bo-sung")
    seen["request_notice"] = notice(office)
    j.shot(office, "10-yeu-cau-bo-sung")

    # -- the officer answers it ------------------------------------------------------------------
    to_the_year(officer, year)
    follow(officer, "Hồ sơ đề nghị công nhận", exact=True)
    follow(officer, "Cơ quan tư pháp yêu cầu bổ sung hồ sơ: xem và trả lời", exact=True)
    seen["request_reason"] = officer.inner_text("#ly-do-yeu-cau")
    officer.click("#tai-minh-chung summary")
    follow(officer, f"Chỉ tiêu {indicators[0]}", exact=True)
    officer.set_input_files("#f-file", setup["supplement_pdf"])
    submit(officer, "#tai-len")
    seen["supplement_upload_notice"] = notice(officer)
    follow(officer, "Quay lại trả lời yêu cầu bổ sung", exact=True)
    seen["supplement_files"] = officer.inner_text("#tep-bo-sung")
    officer.fill("#f-note", "Phường gửi biên bản hội nghị niêm yết (Mẫu 03), đã ký số.")
    officer.fill("#f-provided_on", days["supplement"])
    j.shot(officer, "11-tra-loi-bo-sung")
    submit(officer, "#nut-bo-sung")
    seen["supplement_notice"] = notice(officer)

    # -- the department passes the check -------------------------------------------------------
    to_the_dossier(j, office, setup)
    office.fill("#f-checked_on", days["check"])
    submit(office, "#nut-kiem-tra")
    seen["check_notice"] = notice(office)
    seen["state_after_check"] = office.get_attribute("#trang-thai", "data-state")
    j.shot(office, "12-kiem-tra")

    # -- the council's secretary: a meeting of three, two opinions, every indicator ------------
    council = j.sign_in("hoi-dong", people["council"])
    to_the_dossier(j, council, setup)
    follow(council, "Đến trang Hội đồng thẩm định", exact=True)
    council.select_option("#f-method", "meeting")
    council.fill("#f-council_size", "3")
    council.fill("#f-started_on", days["appraisal"])
    submit(council, "#nut-bat-dau")
    for name, role in (("Trần Văn Chủ", "Chủ tịch Hội đồng"), ("Phạm Thị Hai", "thành viên")):
        council.fill("#f-member_name", name)
        council.fill("#f-role", role)
        council.select_option("#f-given_by", "meeting")
        council.fill("#f-opinion", "Nhất trí với kết quả tự đánh giá của phường")
        council.fill("#f-given_on", days["opinion"])
        submit(council, "#nut-y-kien")
    council.evaluate(APPRAISE)
    j.shot(council, "13-hoi-dong")
    submit(council, "#nut-cham-diem")
    seen["appraise_notice"] = notice(council)
    seen["missing_before_completion"] = council.locator("#con-thieu li").count()
    council.fill("#f-completed_on", days["completed"])
    submit(council, "#nut-hoan-thanh")
    seen["state_after_appraisal"] = council.get_attribute("#trang-thai", "data-state")

    # -- the chairman signs; the board shows it --------------------------------------------------
    chairman = j.sign_in("chu-tich", people["chairman"])
    to_the_dossier(j, chairman, setup)
    follow(chairman, "Ký quyết định", exact=True)
    seen["council_conclusion"] = chairman.get_attribute("#ket-luan", "data-recognised")
    chairman.fill("#f-decision_number", "215/QĐ-UBND")
    chairman.fill("#f-decision_date", days["decision"])
    submit(chairman, "#nut-quyet-dinh")
    seen["decision_notice"] = notice(chairman)
    seen["state_after_decision"] = chairman.get_attribute("#trang-thai", "data-state")
    j.shot(chairman, "14-quyet-dinh")
    follow(chairman, "Xem trên bảng kết quả công khai", exact=True)
    seen["board_url"] = chairman.url.replace(j.base_url, "")
    deadline = time.monotonic() + 30  # the publication service takes the decision in
    while "Đạt chuẩn" not in chairman.inner_text("main") and time.monotonic() < deadline:
        time.sleep(1)
        chairman.reload(wait_until="load")
    seen["board_text"] = chairman.inner_text("main")
    j.shot(chairman, "15-bang-ket-qua")

    # a citizen types the board's address
    citizen = j.page("nguoi-dan")
    j.goto(citizen, f"/ket-qua/xa/{setup['commune']}")
    seen["board_typed_text"] = citizen.inner_text("main")
    for page in (officer, office, council, chairman, citizen):
        page.context.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
