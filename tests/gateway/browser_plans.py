"""Drive the plans pages in Debian's chromium:
``python browser_plans.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON names the accounts (a province's justice department, an agency) with their
passwords and the .docx to import. At a desktop width the department uploads the .docx,
reads the review screen, fixes the doubt (a task without a lead), reviews and issues the plan;
the agency reports progress on its task; then every page is opened at 390 px. Screenshots go
to SHOTS_DIR/ke-hoach-*.png (the user guides show them). Prints one JSON line.
"""

import sys

from browser_audit import audited_walk
from browser_workspace import PHONE, overflow, sign_in, summary


def main(base_url: str, shots: str, setup_json: str) -> None:
    audited_walk(base_url, shots, setup_json, "ke-hoach", walk)


def walk(b, base_url, setup, seen) -> None:
    plan_path = department(b, base_url, setup, seen)
    agency(b, base_url, setup, plan_path, seen)
    phone(b, base_url, setup, plan_path, seen)


def department(b, base_url, setup, seen) -> str:
    officer = setup["accounts"]["department"]
    page = b.page("so-tu-phap")
    sign_in(page, base_url, officer["username"], officer["password"],
            "/can-bo/dang-nhap?tiep=%2Fcan-bo%2Fke-hoach")
    seen["plans_heading"] = page.inner_text("h1")
    b.shot(page, "danh-sach")
    with page.expect_navigation():
        page.click("#nhap-ke-hoach")
    # nothing chosen, nothing pasted: the summary says so, in Vietnamese
    with page.expect_navigation():
        page.click("#doc-ke-hoach")
    seen["empty_import"] = summary(page)
    page.set_input_files("#f-tep", setup["docx"])
    b.shot(page, "nhap")
    with page.expect_navigation():
        page.click("#doc-ke-hoach")
    seen["after_import"] = page.url.replace(base_url, "")
    seen["import_notice"] = page.inner_text(".notification")
    seen["doubts"] = page.locator("#diem-can-xem-lai li:not(.doubt-settled)").all_inner_texts()
    b.shot(page, "ra-soat")
    plan_path = seen["after_import"].split("/ra-soat")[0]

    # the doubt: task 2 has no lead; the department picks it, with a coordinating agency (the
    # plan's own doubts, no number, date or signer in the .docx, stay for the plan's form)
    with page.expect_navigation():
        page.click("#diem-can-xem-lai li[data-task='2'] a")
    page.check("input[name=lead_agencies][value='38:so-tu-phap']")
    page.check("input[name=coordinating_agencies][value='38:ubnd-cap-xa']")
    b.shot(page, "sua-nhiem-vu")
    with page.expect_navigation():
        page.click("#luu-nhiem-vu")
    seen["after_fix"] = page.locator("#diem-can-xem-lai li[data-task]:not(.doubt-settled)").count()
    seen["plan_doubts"] = page.locator("#diem-can-xem-lai li:not([data-task])").evaluate_all(
        "items => items.map(item => item.dataset.kind)")
    seen["settled"] = page.locator("#diem-can-xem-lai li.doubt-settled").all_inner_texts()
    page.fill("#f-note", "Đã đối chiếu với văn bản gốc.")
    with page.expect_navigation():
        page.click("#xac-nhan-ra-soat")
    seen["reviewed_status"] = page.inner_text("#trang-thai-ke-hoach")
    with page.expect_navigation():
        page.click("#ban-hanh")
    page.fill("#f-number", "")  # the .docx had no number: the plan cannot be issued without
    with page.expect_navigation():
        page.click("#xac-nhan-ban-hanh")
    seen["issue_without_number"] = summary(page)
    page.fill("#f-number", "18/KH-UBND")
    page.fill("#f-issued_on", "2022-01-15")
    b.shot(page, "ban-hanh")
    with page.expect_navigation():
        page.click("#xac-nhan-ban-hanh")
    seen["issued_status"] = page.inner_text("#trang-thai-ke-hoach")
    seen["issued_notice"] = page.inner_text(".notification")
    b.shot(page, "da-ban-hanh")
    with page.expect_download() as download:
        page.click("#tai-tong-ket")
    seen["summary_file"] = download.value.suggested_filename
    page.context.close()
    return plan_path


def agency(b, base_url, setup, plan_path, seen):
    newspaper = setup["accounts"]["agency"]
    page = b.page("co-quan")
    sign_in(page, base_url, newspaper["username"], newspaper["password"])
    seen["agency_links"] = page.locator(".workspace-nav a").all_inner_texts()
    with page.expect_navigation():
        page.click(".workspace-nav a[href='/can-bo/nhiem-vu-co-quan']")
    seen["agency_heading"] = page.inner_text("h1")
    b.shot(page, "co-quan")
    row = page.locator(f"tr[data-plan='{plan_path.rsplit('/', 1)[1]}'][data-task='1']")
    with page.expect_navigation():
        row.locator("a.button").click()
    page.select_option("#f-status", "completed")
    page.fill("#f-percent", "80")
    with page.expect_navigation():
        page.click("#gui-tien-do")
    seen["progress_error"] = summary(page)
    page.fill("#f-percent", "100")
    page.fill("#f-note", "Đã đăng 24 tin, bài trên Báo Thanh Hóa.")
    b.shot(page, "bao-cao-tien-do")
    with page.expect_navigation():
        page.click("#gui-tien-do")
    seen["progress_notice"] = page.inner_text(".notification")
    seen["progress_row"] = page.locator(
        f"tr[data-plan='{plan_path.rsplit('/', 1)[1]}'][data-task='1']").get_attribute("data-status")
    page.context.close()


def phone(b, base_url, setup, plan_path, seen):
    widths = {}
    officer = setup["accounts"]["department"]
    page = b.page("dien-thoai", PHONE)
    sign_in(page, base_url, officer["username"], officer["password"])
    for name, path in (("danh-sach", "/can-bo/ke-hoach"), ("nhap", "/can-bo/ke-hoach/nhap"),
                       ("ke-hoach", plan_path), ("ra-soat", plan_path + "/ra-soat"),
                       ("nhiem-vu", plan_path + "/nhiem-vu/2/sua"),
                       ("qua-han", "/can-bo/ke-hoach/qua-han")):
        page.goto(base_url + path, wait_until="load")
        widths[name] = overflow(page)
        b.audit(page, f"390px {path}")
    page.goto(base_url + plan_path, wait_until="load")
    b.shot(page, "dien-thoai")
    page.context.close()
    newspaper = setup["accounts"]["agency"]
    page = b.page("co-quan-dien-thoai", PHONE)
    sign_in(page, base_url, newspaper["username"], newspaper["password"])
    for name, path in (("co-quan", "/can-bo/nhiem-vu-co-quan"),
                       ("tien-do", plan_path + "/nhiem-vu/1/tien-do")):
        page.goto(base_url + path, wait_until="load")
        widths[name] = overflow(page)
        b.audit(page, f"390px {path}")
    page.goto(base_url + "/can-bo/nhiem-vu-co-quan", wait_until="load")
    b.shot(page, "co-quan-dien-thoai")
    page.context.close()
    seen["phone_overflow"] = widths


if __name__ == "__main__":
    main(*sys.argv[1:4])
