"""A demo evaluation year, run through the gateway as its officials would: Đông Sơn district
(Thanh Hóa) in 2022 under Decision 25/2021, from the communes' self-assessment to the
chairman's decisions. Figures vary per commune so that the board has something to show."""

from __future__ import annotations

from decimal import Decimal

import requests

from gateway.auth import issue_token
from gateway.tokens import default_secret, demo_tokens
from services.assessment.criteria import load_builtin_sets, rules

YEAR, PROVINCE, DISTRICT = 2022, "38", "405"
# Đông Quang scores well; Đông Hòa misses criterion 3's floor; Đông Thịnh declares a
# disciplined head. Codes from reference/data/legacy/38.json.
COMMUNES = {"16426": "good", "16420": "weak_criterion_3", "16417": "disciplined"}


class Gateway:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.http = requests.Session()

    def send(self, method: str, path: str, token: str, body: dict | None = None) -> dict:
        response = self.http.request(method, self.url + path, json=body, timeout=30,
                                     headers={"Authorization": f"Bearer {token}"})
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code} {response.text}")
        return response.json()


def token(role: str, sub: str, name: str, **jurisdiction) -> str:
    return issue_token(default_secret(), sub, role, jurisdiction, name)


def figures(indicator, profile: str) -> dict:
    """Raw figures a commune of ``profile`` would report for ``indicator``."""
    weak = profile == "weak_criterion_3" and indicator.id.startswith("C3.")
    found: dict = {}
    for item in indicator.sub_items or (indicator,):
        kind, params = item.rule.kind, item.rule.params
        if rules.is_rate(kind, params):
            found[rules.figure(params, "numerator")] = 4 if weak else 47
            found[rules.figure(params, "denominator")] = 50
        elif kind in ("fixed", "pass_fail"):
            found[rules.figure(params, "figure")] = not weak
        elif kind == "penalty":
            found[rules.figure(params, "figure")] = False
        elif kind == "count_at_least":
            found["count"] = 0 if weak else params["at_least"]
        elif kind == "manual":
            share = Decimal("0.2") if weak else Decimal("0.9")
            found["manual_points"] = format((item.max * share).quantize(Decimal("0.01")), "f")
            found["reason"] = "Theo hồ sơ minh chứng đã nộp"
    return found


def run(url: str) -> list[dict]:
    gateway = Gateway(url)
    criteria_set = load_builtin_sets()[("25-2021", 1)]
    # 2022 is district-reviewed in Thanh Hóa: the district's demo officials take the review steps.
    district = {user["role"]: user["token"] for user in demo_tokens()
                if user["jurisdiction"]["district"] == DISTRICT}
    justice, council, chairman = (district[role] for role in
                                  ("justice_officer", "council_secretary", "chairman"))
    decided = []
    for number, (commune, profile) in enumerate(COMMUNES.items(), start=1):
        officer = token("commune_officer", f"congchuc.{commune}", f"Công chức tư pháp xã {commune}",
                        province=PROVINCE, district=DISTRICT, commune=commune)
        base = f"/api/v1/communes/{commune}/assessments/{YEAR}"
        gateway.send("POST", base, officer)
        for indicator in criteria_set.indicators():
            gateway.send("PUT", f"{base}/figures/{indicator.id}", officer,
                         {"figures": figures(indicator, profile)})
        gateway.send("PUT", f"{base}/declarations", officer, {"declarations": {
            c.id: profile != "disciplined" for c in criteria_set.recognition.conditions}})
        gateway.send("POST", f"{base}/self-assessment", officer, {})
        gateway.send("POST", f"{base}/posting", officer, {"start": "2022-12-12", "channel": "office"})
        gateway.send("POST", f"{base}/posting/comments", officer, {
            "comment_id": "gy-1", "text": "Đề nghị công khai thêm số liệu hòa giải ở cơ sở.",
            "received_on": "2022-12-13"})
        gateway.send("POST", f"{base}/posting/comments/gy-1/answer", officer, {
            "answer": "Đã bổ sung số liệu vào bảng niêm yết.", "answered_on": "2022-12-14"})
        gateway.send("POST", f"{base}/posting/end", officer, {"ended_on": "2022-12-19"})
        gateway.send("POST", f"{base}/dossier", officer, {"submitted_on": "2022-12-28"})
        gateway.send("POST", f"{base}/dossier/check", justice, {"checked_on": "2023-01-04"})
        gateway.send("POST", f"{base}/appraisal", council,
                     {"started_on": "2023-01-09", "council_size": 7, "method": "meeting"})
        for member in ("Lê Văn Hùng", "Trần Thị Mai", "Phạm Văn Nam", "Đỗ Thị Lan", "Hoàng Văn Sơn"):
            gateway.send("POST", f"{base}/appraisal/opinions", council, {
                "member_name": member, "role": "Thành viên Hội đồng", "opinion": "Nhất trí",
                "given_by": "meeting"})
        current = gateway.send("GET", base, officer)
        for indicator in current["self_score"]["criteria"]:
            for scored in indicator["indicators"]:
                body = ({"achieved": scored["achieved"]} if scored["points"] is None
                        else {"points": scored["points"]})
                gateway.send("PUT", f"{base}/appraisal/indicators/{scored['id']}", council,
                             {**body, "reason": "Khớp với hồ sơ minh chứng"})
        appraised = gateway.send("POST", f"{base}/appraisal/complete", council,
                                 {"completed_on": "2023-01-16"})
        decided.append(gateway.send("POST", f"{base}/decision", chairman, {
            "recognised": appraised["recognition"]["recognised"],
            "decision_number": f"{100 + number}/QĐ-UBND", "decision_date": "2023-02-06"}))
    return decided
