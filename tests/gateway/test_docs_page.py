"""The docs page: Swagger UI from the installed swagger_ui_bundle, in Vietnamese, offline."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.test_openapi import EXPECTED_OPERATIONS

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "artifacts" / "screenshots" / "docs.png"
BROWSER_SCRIPT = Path(__file__).with_name("browser_docs.py")


def test_the_page_is_in_vietnamese_and_uses_local_assets(platform):
    response = platform.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert '<html lang="vi">' in html and "<title>Tài liệu API TCPL</title>" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/docs/assets/") for asset in assets)
    for asset in assets:
        assert platform.get(asset).status_code == 200, asset


def test_assets_are_served_with_their_types(platform):
    script = platform.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert "max-age" in script.headers["Cache-Control"]
    assert platform.get("/docs/assets/swagger-ui.css").headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/docs/assets/nothing.js", "/docs/assets/../__init__.py",
                                  "/docs/assets/%2e%2e/__init__.py", "/docs/assets/"])
def test_missing_assets_and_escapes_are_not_found(platform, path):
    response = platform.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.browser
def test_swagger_ui_renders_every_operation(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run(
        [sys.executable, str(BROWSER_SCRIPT), platform.url + "/docs", str(SCREENSHOT)],
        capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["title"] == "Tài liệu API TCPL"
    assert result["heading"] == "Tài liệu API TCPL"
    assert result["operations"] == len(EXPECTED_OPERATIONS)
    assert result["errors"] == [] and result["requests_outside"] == []
    assert SCREENSHOT.stat().st_size > 10_000
