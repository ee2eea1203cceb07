"""The public results board in Debian's chromium, at desktop and phone widths, against the
gateway and the fixture "publication" service of test_board_pages. Screenshots are kept in
artifacts/screenshots/board-*-{desktop,phone}.png."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.test_board_pages import (
    BA_DINH,
    DONG_QUANG,
    EVIL,
    ITEMS,
    THANH_HOA_X,
    start_board_platform,
)

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
BROWSER_SCRIPT = Path(__file__).with_name("browser_board.py")
PAGES = ("search", "commune", "province", "national")


@pytest.fixture(scope="module")
def board(amqp_uri):
    runner, client = start_board_platform(amqp_uri)
    yield client
    client.session.close()
    runner.kill()


@pytest.mark.browser
def test_the_board_in_chromium_on_desktop_and_phone(board):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    for old in [*SHOTS.glob("board-*.png"), *SHOTS.glob("board-*.pdf")]:
        old.unlink()
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), board.url, str(SHOTS)],
                               capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []

    for width, s in (("desktop", seen["desktop"]), ("phone", seen["phone"])):
        assert s["lang"] == "vi", width
        assert s["heading"] == "Tra cứu kết quả đánh giá chuẩn tiếp cận pháp luật"
        assert len(s["all_rows"]) == len(ITEMS)
        # search without and with diacritics finds the same commune, Đông Quang
        dong_quang = [[DONG_QUANG, "2025"], [DONG_QUANG, "2024"]]
        assert s["plain_rows"] == dong_quang and s["accented_rows"] == dong_quang, width
        assert "q=Dong+Quang" in s["plain_url"] and s["plain_count"] == "2 xã"
        assert s["filtered_rows"] == [[DONG_QUANG, "2024"]] and "nam=2024" in s["filtered_url"]
        # the commune: an SVG chart with a floor per bar, the provisional flag
        assert s["commune_url"].endswith(f"/ket-qua/xa/{DONG_QUANG}")
        assert s["commune_heading"] == "Xã Đông Quang"
        assert s["chart_visible"] and s["chart_role"] == "img"
        assert s["chart_bars"] == 5 and s["chart_floor_lines"] == 6
        assert s["provisional_badge"] == "tạm tính" and s["provisional_note_visible"]
        assert s["source_links"][0] == "/api/v1/events?source=assessment&after=40&limit=1"
        # the posted evidence list, its hashes readable on a phone too
        assert s["evidence_rows"] == [["C1.I1", "Biên bản họp.pdf"], ["C1.I1", f"{EVIL}.png"]]
        assert s["evidence_hash_visible"]
        # the overviews and the downloads
        assert s["province_heading"] == "Thành phố Hà Nội — năm 2024"
        assert s["province_rate"] == "50%"
        assert s["province_recognised"] == [[DONG_QUANG, "2024"]]
        assert s["csv_name"] == "tinh-01-2024-dat.csv" and s["csv_bom"]
        assert s["csv_lines"][0].startswith('Mã xã,"Xã, phường, thị trấn"')  # 2024's words
        assert len(s["csv_lines"]) == 2 and "Xã Đông Quang" in s["csv_lines"][1]
        assert s["bundle_name"] == "du-lieu-kiem-chung-tinh-01-2024.json"
        assert s["bundle"]["province_code"] == "01"
        assert s["national_heading"] == "Toàn quốc — năm 2024"
        assert s["national_rows"] == [["01", ""], ["38", ""], ["74", ""]]
        assert s["national_link"].endswith("/ket-qua/tinh/38/2024")
        assert s["missing_status"] == 404 and s["missing_heading"] == "Không tìm thấy"
        # usable on a phone: nothing is wider than the screen
        for page in ("search", "commune", "province", "national"):
            assert s[f"overflow_{page}"] <= 0, (width, page)
    assert seen["phone"]["chart_width"] < 390 <= seen["desktop"]["chart_width"]
    assert BA_DINH not in [code for code, _ in seen["desktop"]["province_recognised"]]
    # printed, a commune's result fits one A4 page: no navigation nor downloads, the newest
    # year with why it is (not) recognised
    for code in (DONG_QUANG, THANH_HOA_X):
        printed = seen["print"][code]
        assert printed["pages"] == 1, (code, printed)
        assert not printed["nav_visible"] and not printed["exports_visible"], code
        assert printed["why_visible"] and not printed["older_year_visible"], code
    for page in PAGES:
        for width in ("desktop", "phone"):
            assert (SHOTS / f"board-{page}-{width}.png").stat().st_size > 10_000, (page, width)
