"""Drive the review and recognition pages in Debian's chromium:
``python browser_review.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON names the accounts and passwords, the commune and year under review, the commune
officer's API token (the commune answers the supplement request through the API) and each
indicator's maximum. At a desktop width the justice office finds the dossier in its queue,
asks for a supplement (a mistake first), the commune answers through the API, the office
passes the check; the council secretary starts a meeting, records the members' opinions and
appraises every indicator in one form; the chairman signs the decision and follows the link to
the public board, which shows the commune recognised. At a phone width every page is opened
again. Screenshots go to SHOTS_DIR/tham-dinh-*.png. Prints one JSON line of what was seen.
"""

import json
import sys
import time
from pathlib import Path

from browser_workspace import PHONE, Browser, overflow, sign_in, summary
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class Shots(Browser):
    def shot(self, page, what):
        page.screenshot(path=str(self.shots_dir / f"tham-dinh-{what}.png"), full_page=True)


def submit(page, button):
    with page.expect_navigation():
        page.click(button)


def notice(page):
    found = page.locator(".notification p")
    return found.first.inner_text() if found.count() else None


def main(base_url: str, shots: str, setup_json: str) -> None:
    setup = json.loads(setup_json)
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, seen = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            b = Shots(browser, base_url, shots_dir, errors, outside)
            desktop(b, base_url, setup, seen)
            phone(b, base_url, setup, seen)
        finally:
            browser.close()
    seen["errors"], seen["requests_outside"] = errors, outside
    print(json.dumps(seen, ensure_ascii=False))


def desktop(b, base_url, setup, seen):
    people, commune, year = setup["accounts"], setup["commune"], setup["year"]
    dossier = f"/can-bo/tham-dinh/{commune}/{year}"
    after = year + 1

    # -- the justice office: its queue, a supplement request, the check ------------------------
    office = people["justice"]
    page = b.page("phong-tu-phap")
    sign_in(page, base_url, office["username"], office["password"],
            f"/can-bo/dang-nhap?tiep=/can-bo/tham-dinh%3Fnam%3D{year}")
    seen["queue_url"] = page.url.replace(base_url, "")
    row = page.locator(f'#hang-doi tr[data-commune="{commune}"]')
    seen["queue_row"] = row.inner_text()
    b.shot(page, "hang-doi")
    with page.expect_navigation():
        row.locator("a").first.click()
    seen["dossier_url"] = page.url.replace(base_url, "")
    b.shot(page, "ho-so")
    page.fill("#f-requested_on", f"{after}-01-02")
    submit(page, "#nut-bo-sung")  # no reason given
    seen["supplement_errors"] = summary(page)
    seen["supplement_title"] = page.title()
    b.shot(page, "thieu-ly-do")
    page.fill("#f-reason", "Thiếu Mẫu 03: bảng tổng hợp ý kiến góp ý khi niêm yết")
    page.fill("#f-requested_on", f"{after}-01-02")
    submit(page, "#nut-bo-sung")
    seen["supplement_notice"] = notice(page)
    seen["state_after_request"] = page.get_attribute("#trang-thai", "data-state")
    b.shot(page, "da-yeu-cau-bo-sung")

    # the commune answers through the API
    answered = page.request.post(
        f"{base_url}/api/v1/communes/{commune}/assessments/{year}/dossier/supplements",
        headers={"Authorization": f"Bearer {setup['commune_token']}"},
        data=json.dumps({"provided_on": f"{after}-01-04", "note": "Đã bổ sung Mẫu 03"}))
    seen["supplement_answered"] = answered.status
    page.goto(base_url + dossier, wait_until="load")
    page.fill("#f-checked_on", f"{after}-01-06")
    submit(page, "#nut-kiem-tra")
    seen["check_notice"] = notice(page)
    seen["state_after_check"] = page.get_attribute("#trang-thai", "data-state")
    b.shot(page, "da-kiem-tra")
    page.context.close()

    # -- the council: a meeting of three, two opinions (the quorum), every indicator --------
    secretary = people["council"]
    page = b.page("hoi-dong")
    sign_in(page, base_url, secretary["username"], secretary["password"],
            f"/can-bo/dang-nhap?tiep={dossier}/hoi-dong")
    page.select_option("#f-method", "meeting")
    page.fill("#f-council_size", "3")
    page.fill("#f-started_on", f"{after}-01-08")
    submit(page, "#nut-bat-dau")
    seen["start_notice"] = notice(page)
    for name, role in (("Lê Văn Chủ", "Chủ tịch Hội đồng"), ("Trần Thị Hai", "thành viên")):
        page.fill("#f-member_name", name)
        page.fill("#f-role", role)
        page.select_option("#f-given_by", "meeting")
        page.fill("#f-opinion", "Nhất trí với kết quả tự chấm điểm")
        page.fill("#f-given_on", f"{after}-01-12")
        submit(page, "#nut-y-kien")
    seen["opinions"] = page.locator("#bang-y-kien tbody tr").count()
    for indicator, maximum in setup["indicators"].items():
        page.fill(f'input[name="points-{indicator}"]', maximum.replace(".", ","))
        page.fill(f'input[name="reason-{indicator}"]', "Đối chiếu tài liệu minh chứng")
    b.shot(page, "cham-diem")
    submit(page, "#nut-cham-diem")
    seen["appraise_notice"] = notice(page)
    seen["missing_before_completion"] = page.locator("#con-thieu li").count()
    page.fill("#f-completed_on", f"{after}-01-15")
    submit(page, "#nut-hoan-thanh")
    seen["complete_notice"] = notice(page)
    seen["state_after_appraisal"] = page.get_attribute("#trang-thai", "data-state")
    b.shot(page, "hoi-dong")
    page.context.close()

    # -- the chairman: the decision, then the public board -----------------------------------
    chairman = people["chairman"]
    page = b.page("chu-tich")
    sign_in(page, base_url, chairman["username"], chairman["password"],
            f"/can-bo/dang-nhap?tiep={dossier}/quyet-dinh")
    seen["council_conclusion"] = page.get_attribute("#ket-luan", "data-recognised")
    seen["default_choice"] = page.locator('input[name="recognised"]:checked').get_attribute("value")
    b.shot(page, "truoc-quyet-dinh")
    page.fill("#f-decision_number", "125/QĐ-UBND")
    page.fill("#f-decision_date", f"{after}-01-25")
    submit(page, "#nut-quyet-dinh")
    seen["decision_notice"] = notice(page)
    seen["state_after_decision"] = page.get_attribute("#trang-thai", "data-state")
    b.shot(page, "quyet-dinh")
    page.goto(f"{base_url}/can-bo/tham-dinh?nam={year}", wait_until="load")
    seen["recognised_list"] = page.inner_text("#danh-sach-dat")
    b.shot(page, "danh-sach")
    page.goto(f"{base_url}{dossier}/quyet-dinh", wait_until="load")
    with page.expect_navigation():
        page.click("#xem-cong-khai")
    seen["board_url"] = page.url.replace(base_url, "")
    deadline = time.monotonic() + 30  # the publication service takes the decision in
    while "Đạt chuẩn" not in page.inner_text("main") and time.monotonic() < deadline:
        time.sleep(1)
        page.reload(wait_until="load")
    seen["board_text"] = page.inner_text("main")
    b.shot(page, "bang-ket-qua")
    page.context.close()


def phone(b, base_url, setup, seen):
    people, commune, year = setup["accounts"], setup["commune"], setup["year"]
    dossier = f"/can-bo/tham-dinh/{commune}/{year}"
    widths = {}
    for who, name, paths in (
            ("justice", "phong-tu-phap", [f"/can-bo/tham-dinh?nam={year}", dossier]),
            ("council", "hoi-dong", [f"{dossier}/hoi-dong"]),
            ("chairman", "chu-tich", [f"{dossier}/quyet-dinh", f"/ket-qua/xa/{commune}"])):
        page = b.page(f"dien-thoai-{name}", PHONE)
        sign_in(page, base_url, people[who]["username"], people[who]["password"])
        for path in paths:
            page.goto(base_url + path, wait_until="load")
            widths[path] = overflow(page)
            if path == paths[0]:
                b.shot(page, f"dien-thoai-{name}")
        page.context.close()
    seen["phone_overflow"] = widths


if __name__ == "__main__":
    main(*sys.argv[1:4])
