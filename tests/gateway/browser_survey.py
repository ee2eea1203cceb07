"""Drive the survey pages in Debian's chromium:
``python browser_survey.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON names the organiser (a province's justice department) with the password, the
commune, period and dates of the campaign to open. At a desktop width the organiser opens a
campaign (with a mistake first), registers a kiosk and reads its pairing code, prints
single-use codes, lets the kiosk send three answers with that code (as the kiosk page does),
reads the results, and revokes the kiosk; then every page is opened at 390 px (the open form
with Form 04 chosen too). Screenshots go
to SHOTS_DIR/khao-sat-*.png (the user guide shows them). Prints one JSON line.
"""

import sys
import uuid

from browser_audit import audited_walk
from browser_workspace import PHONE, overflow, sign_in, summary

QUESTIONS = ("cong-khai", "thai-do", "thoi-gian", "pho-bien", "chung")


def main(base_url: str, shots: str, setup_json: str) -> None:
    audited_walk(base_url, shots, setup_json, "khao-sat", walk)


def walk(b, base_url, setup, seen) -> None:
    paths = organiser(b, base_url, setup, seen)
    phone(b, base_url, setup, paths, seen)


def organiser(b, base_url, setup, seen) -> dict:
    page = b.page("to-chuc")
    sign_in(page, base_url, setup["username"], setup["password"],
            "/can-bo/dang-nhap?tiep=%2Fcan-bo%2Fkhao-sat")
    b.shot(page, "trang-chu")
    with page.expect_navigation():
        page.click("#mo-dot")
    page.fill("#f-commune_code", setup["commune"])
    page.fill("#f-period", "quý này")
    with page.expect_navigation():
        page.click("#xac-nhan-mo-dot")
    seen["open_errors"] = summary(page)
    seen["open_errors_heading"] = page.inner_text(".error-summary h2")
    page.fill("#f-period", setup["period"])
    page.fill("#f-opens_on", setup["opens_on"])
    page.fill("#f-closes_on", setup["closes_on"])
    page.fill("#f-target_sample", "3")
    b.shot(page, "mo-dot")
    with page.expect_navigation():
        page.click("#xac-nhan-mo-dot")
    campaign_path = page.url.replace(base_url, "").split("?")[0]
    campaign_id = campaign_path.rsplit("/", 1)[1]
    seen["campaign_state"] = page.inner_text("#trang-thai-dot")
    b.shot(page, "dot")

    # a kiosk for the commune's one-stop desk: its pairing code, once
    page.goto(base_url + "/can-bo/khao-sat", wait_until="load")
    with page.expect_navigation():
        page.click("#dang-ky-thiet-bi")
    page.fill("#f-commune_code", setup["commune"])
    page.fill("#f-label", "Quầy số 1")
    with page.expect_navigation():
        page.click("#xac-nhan-dang-ky")
    pairing = page.inner_text("#ma-ghep-noi").strip()
    seen["pairing_code"] = pairing
    b.shot(page, "thiet-bi")
    with page.expect_navigation():
        page.click("#xem-thiet-bi")
    kiosk_path = page.url.replace(base_url, "").split("?")[0]

    # single-use codes, printed
    page.goto(base_url + campaign_path, wait_until="load")
    with page.expect_navigation():
        page.click("#cap-ma")
    page.fill("#f-count", "12")
    with page.expect_navigation():
        page.click("#xac-nhan-cap-ma")
    seen["codes"] = page.locator(".code-slip").count()
    page.emulate_media(media="print")
    seen["print_hides_header"] = not page.locator("header.site").is_visible()
    b.shot(page, "ma-in")
    page.emulate_media(media="screen")

    # three citizens answer at the kiosk (what the kiosk page sends)
    for level in (5, 4, 2):
        page.request.post(base_url + "/api/v1/kiosk/responses",
                          headers={"Authorization": f"Kiosk {pairing}"}, data={
                              "response_id": str(uuid.uuid4()), "campaign_id": campaign_id,
                              "questionnaire_id": "hai-long-tiep-can-phap-luat",
                              "questionnaire_version": 1,
                              "answers": {q: level for q in QUESTIONS}})
    page.goto(base_url + campaign_path, wait_until="load")
    with page.expect_navigation():
        page.click("#xem-ket-qua")
    seen["results_figure"] = page.inner_text("#ty-le-hai-long")
    b.shot(page, "ket-qua")

    # the kiosk is lost: revoked
    page.goto(base_url + kiosk_path, wait_until="load")
    with page.expect_navigation():
        page.click("#thu-hoi")
    page.fill("#f-reason", "Thiết bị bị mất")
    b.shot(page, "thu-hoi")
    with page.expect_navigation():
        page.click("#xac-nhan-thu-hoi")
    seen["kiosk_state"] = page.inner_text("#trang-thai-thiet-bi")
    seen["kiosk_refused"] = page.request.get(
        base_url + "/api/v1/kiosk/campaign", headers={"Authorization": f"Kiosk {pairing}"}).status
    page.context.close()
    return {"campaign": campaign_path, "kiosk": kiosk_path}


def phone(b, base_url, setup, paths, seen):
    widths = {}
    page = b.page("dien-thoai", PHONE)
    sign_in(page, base_url, setup["username"], setup["password"])
    for name, path in (("trang-chu", "/can-bo/khao-sat"), ("mo-dot", "/can-bo/khao-sat/mo-dot"),
                       ("mo-dot-mau-04", "/can-bo/khao-sat/mo-dot?loai=mau-04"),
                       ("dot", paths["campaign"]), ("ket-qua", paths["campaign"] + "/ket-qua"),
                       ("cap-ma", paths["campaign"] + "/ma"),
                       ("dang-ky", "/can-bo/khao-sat/thiet-bi/dang-ky"),
                       ("thiet-bi", paths["kiosk"])):
        page.goto(base_url + path, wait_until="load")
        widths[name] = overflow(page)
        b.audit(page, f"390px {path}")
    page.goto(base_url + paths["campaign"] + "/ket-qua", wait_until="load")
    b.shot(page, "dien-thoai")
    page.context.close()
    seen["phone_overflow"] = widths


if __name__ == "__main__":
    main(*sys.argv[1:4])
