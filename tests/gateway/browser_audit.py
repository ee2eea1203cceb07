"""axe-core on the pages the plans and survey browser scripts walk (browser_plans.py,
browser_survey.py), where they are: the forms' answers and the pages shown once (the
single-use codes, a kiosk's pairing code) included, which a crawler cannot reach by GET.

axe is evaluated through the DevTools protocol, not added as a script element, so the pages'
Content-Security-Policy (no inline script) stays in force and its violations still show as
console errors."""

import json
from pathlib import Path

from browser_workspace import CHROMIUM, CHROMIUM_ARGS, Browser
from playwright.sync_api import sync_playwright

SEVERE = ("serious", "critical")
RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ['violations']});
  return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


class Audit:
    def __init__(self, axe_file: str):
        self.source = Path(axe_file).read_text(encoding="utf-8")
        self.violations: list[dict] = []
        self.checked: list[str] = []

    def __call__(self, page, where: str) -> None:
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(self.source)
        self.violations += [{**v, "where": where} for v in page.evaluate(RUN)
                            if v["impact"] in SEVERE]
        self.checked.append(where)


class AuditedShots(Browser):
    """Screenshots for the guide, named ``<prefix>-<what>.png``; axe-core checks each page
    shot (and each at 390 px)."""

    prefix = ""
    audit: Audit

    def shot(self, page, what):
        self.audit(page, what)
        page.screenshot(path=str(self.shots_dir / f"{self.prefix}-{what}.png"), full_page=True)


def audited_walk(base_url: str, shots: str, setup_json: str, prefix: str, walk) -> None:
    """``walk(b, base_url, setup, seen)`` in chromium with every shot checked by axe-core;
    prints what it saw, the console errors, the requests that left the site and axe's
    findings as one JSON line."""
    setup = json.loads(setup_json)
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, seen = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            b = AuditedShots(browser, base_url, shots_dir, errors, outside)
            b.prefix, b.audit = prefix, Audit(setup["axe"])
            walk(b, base_url, setup, seen)
        finally:
            browser.close()
    seen["errors"], seen["requests_outside"] = errors, outside
    seen["axe_checked"], seen["axe_violations"] = b.audit.checked, b.audit.violations
    print(json.dumps(seen, ensure_ascii=False))
