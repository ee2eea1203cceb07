"""axe-core on the pages the plans and survey browser scripts walk (browser_plans.py,
browser_survey.py), where they are: the forms' answers and the pages shown once (the
single-use codes, a kiosk's pairing code) included, which a crawler cannot reach by GET.

axe is evaluated through the DevTools protocol, not added as a script element, so the pages'
Content-Security-Policy (no inline script) stays in force and its violations still show as
console errors."""

from pathlib import Path

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
