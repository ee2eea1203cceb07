"""The demo's evaluation years, taken through the gateway step by step as their officials
would, each step dated in order and never after today:

- 2022, Đông Sơn district of Thanh Hóa, Decision 25/2021, reviewed by the district: three
  communes decided — Đông Quang recognised, Đông Phú missing criterion 3's floor, Đông Văn
  declaring its head disciplined.
- 2026, five of Thanh Hóa's current communes, Decision 27/2025 (pass/fail, the criteria set
  as loaded), reviewed by the province, left at different steps so that every role has
  something to do: Phường Đông Sơn recognised, Phường Đông Tiến awaiting the chairman,
  Phường Hạc Thành with the council, Phường Sầm Sơn with the justice department, Xã Đông
  Thành still entering its figures.

Loading is resumable and runs once: each commune's next steps are read from its assessment as
the service shows it (state, figures, comments, opinions, scores), so a second `make run`
finds every story at its end and writes nothing, and an interrupted one carries on. What an
official does as one act is one request, as the workspace's forms send it: a criterion's
figures, the council's scores of every indicator. A write's answer is read for the version
and the state only; the assessment itself is read (GET) where the next steps depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import requests

from gateway.auth import issue_token
from gateway.tokens import default_secret
from kernel import clock
from reference import units
from rules.criteria import load_builtin_sets, rules
from rules.deadlines import add_working_days, is_working_day

PROVINCE = "38"  # Thanh Hóa
DONG_SON = "405"  # Huyện Đông Sơn, until 2025
COUNCIL = ("Lê Văn Hùng", "Trần Thị Mai", "Phạm Văn Nam", "Đỗ Thị Lan", "Hoàng Văn Sơn")
COUNCIL_SIZE = 7
COMMENT = ("gy-1", "Đề nghị công khai thêm số liệu hòa giải ở cơ sở.",
           "Đã bổ sung số liệu vào bảng niêm yết.")


@dataclass(frozen=True)
class Official:
    sub: str
    role: str
    name: str
    jurisdiction: dict

    def as_dict(self) -> dict:
        return {"sub": self.sub, "role": self.role, "name": self.name,
                "jurisdiction": dict(self.jurisdiction)}


@dataclass(frozen=True)
class Story:
    """One commune's year: taken from nothing to ``end`` (the state it is left in)."""

    commune: str
    name: str
    year: int
    criteria_set: tuple[str, int]
    profile: str  # "good", "weak_criterion_3" or "disciplined": the figures it reports
    end: str
    officer: Official
    reviewers: dict  # role -> Official, of the level reviewing the province that year
    dates: dict  # step -> ISO date
    decision_number: str | None = None
    figures_entered: int | None = None  # drafting: how many indicators have figures (None: all)
    comments: tuple = field(default=(COMMENT,))


def _officer(commune: str, name: str, **jurisdiction) -> Official:
    return Official(f"congchuc.{commune}", "commune_officer",
                    f"Công chức tư pháp - hộ tịch {name}", {**jurisdiction, "commune": commune})


def _reviewers(prefix: str, where: str, **jurisdiction) -> dict:
    # The Đông Sơn subjects are those of gateway.tokens.DEMO_USERS: one person, one subject.
    return {role: Official(f"{who}.{prefix}@demo", role, name, dict(jurisdiction))
            for role, who, name in (
                ("justice_officer", "tuphap", f"Công chức Phòng Tư pháp {where}"
                 if "district" in jurisdiction else f"Công chức Sở Tư pháp {where}"),
                ("council_secretary", "thuky", f"Thư ký Hội đồng đánh giá {where}"),
                ("chairman", "chutich", f"Chủ tịch UBND {where}"))}


# 2022: fixed dates in the evaluation's real calendar (dossier before 10/01, decision before 10/02).
DATES_2022 = {"self_assessment": "2022-12-09", "posting": "2022-12-12", "comment": "2022-12-13",
              "answer": "2022-12-14", "posting_end": "2022-12-19", "dossier": "2022-12-28",
              "check": "2023-01-04", "appraisal": "2023-01-09", "meeting": "2023-01-13",
              "appraisal_complete": "2023-01-16", "decision": "2023-02-06"}
YEAR_2026 = 2026


def _stories_2022() -> list[Story]:
    names = {c.code: c.name for c in units.legacy_communes(DONG_SON, 2022)}
    reviewers = _reviewers("dongson", "huyện Đông Sơn", province=PROVINCE, district=DONG_SON)
    return [Story(code, names[code], 2022, ("25-2021", 2), profile, "recognised",
                  _officer(code, names[code], province=PROVINCE, district=DONG_SON), reviewers,
                  DATES_2022, f"{100 + number}/QĐ-UBND")
            for number, (code, profile) in enumerate(
                (("16426", "good"), ("16420", "weak_criterion_3"), ("16417", "disciplined")),
                start=1)]


# 2026: (commune, the state it is left in); current codes (reference.units), none of them a
# 2022 demo commune.
ENDS_2026 = (("16378", "recognised"), ("15853", "appraised"), ("14797", "under_appraisal"),
             ("16531", "dossier_submitted"), ("16033", "drafting"))


def _stories_2026(today: date) -> list[Story]:
    reviewers = _reviewers("thanhhoa", "tỉnh Thanh Hóa", province=PROVINCE)
    dates = schedule(min(today, date(YEAR_2026 + 1, 2, 9)))
    stories = []
    for number, (code, end) in enumerate(ENDS_2026, start=1):
        name = units.commune(code).name
        stories.append(Story(code, name, YEAR_2026, ("27-2025", 2), "good", end,
                             _officer(code, name, province=PROVINCE), reviewers, dates,
                             f"{200 + number}/QĐ-UBND",
                             figures_entered=6 if end == "drafting" else None))
    return stories


def stories(today: date | None = None) -> list[Story]:
    return _stories_2022() + _stories_2026(today or clock.today())


def officials() -> list[dict]:
    """Everyone who takes a step of the demo years ({sub, role, name, jurisdiction}), for
    whoever makes their accounts: the events name these subjects as their actors."""
    found = {}
    for story in stories():
        for official in (story.officer, *story.reviewers.values()):
            found.setdefault(official.sub, official.as_dict())
    return list(found.values())


def schedule(last_day: date) -> dict[str, str]:
    """A year's steps, working days apart, the decision on ``last_day`` or just before: the
    latest such calendar, so that the 2026 year runs up to today (and no later than the day
    before its decision is due)."""
    def plan(submitted: date) -> dict[str, date]:
        posting = add_working_days(submitted, 1)
        answer = add_working_days(posting, 2)
        end = _working_day_from(max(posting + timedelta(days=4), answer))  # 5 days up, at least
        dossier = add_working_days(end, 2)
        check = add_working_days(dossier, 3)
        appraisal = add_working_days(check, 2)
        meeting = add_working_days(appraisal, 2)
        return {"self_assessment": submitted, "posting": posting,
                "comment": add_working_days(posting, 1), "answer": answer, "posting_end": end,
                "dossier": dossier, "check": check, "appraisal": appraisal, "meeting": meeting,
                "appraisal_complete": meeting, "decision": add_working_days(meeting, 3)}

    submitted = _working_day_from(last_day - timedelta(days=60))
    while plan(add_working_days(submitted, 1))["decision"] <= last_day:
        submitted = add_working_days(submitted, 1)
    dates = plan(submitted)
    if dates["decision"] > last_day or submitted.year < YEAR_2026:
        raise SystemExit(f"The 2026 demo year needs a calendar ending by {last_day}: its "
                         "steps would start before 2026. Is this machine's clock right?")
    return {step: day.isoformat() for step, day in dates.items()}


def _working_day_from(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


# -- the figures a commune of each profile reports ----------------------------------------------
def figures(indicator, profile: str, pass_fail: bool) -> dict:
    weak = profile == "weak_criterion_3" and indicator.id.startswith("C3.")
    found: dict = {}
    for item in indicator.sub_items or (indicator,):
        kind, params = item.rule.kind, item.rule.params
        if rules.is_rate(kind, params):
            # 25/2021 scores rates in proportion (47/50 gives 94% of the points); 27/2025 asks
            # 100% (80% of mediated cases settled): a good commune reports every case done.
            done = 4 if weak else (50 if pass_fail else 47)
            found[rules.figure(params, "numerator")] = done
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


# -- the next steps, read from the assessment -----------------------------------------------------
ORDER = ("drafting", "self_assessed", "posting", "posted", "dossier_submitted",
         "supplement_requested", "checked", "under_appraisal", "appraised", "recognised",
         "not_recognised", "revoked")
# The states whose steps depend on what is recorded (figures, comments, opinions, the sheet,
# recognition): an official looks at the assessment before taking them. In the others the
# state alone says what comes next.
READ_IN = {"drafting": "commune_officer", "posting": "commune_officer",
           "under_appraisal": "council_secretary", "appraised": "chairman"}


def next_requests(story: Story, view: dict, criteria_set) -> list[tuple]:
    """[(role, method, path, body), …]: the story's steps from ``view`` until the assessment
    leaves its state (or the story ends there), each one an act of its official sent as one
    request; [] when the assessment is where the story leaves it (or final). ``view`` is the
    assessment as GET shows it; in a state outside READ_IN, ``{"state": …}`` is enough."""
    state, d = view["state"], story.dates
    if state == "drafting":
        return _drafting_steps(story, view, criteria_set)
    if ORDER.index(state) >= ORDER.index(story.end) or state in ("not_recognised", "revoked"):
        return []
    if state == "self_assessed":
        return [("commune_officer", "POST", "/posting",
                 {"start": d["posting"], "channel": "office"})]
    if state == "posting":
        return _posting_steps(story, view, d)
    if state == "posted":
        return [("commune_officer", "POST", "/dossier", {"submitted_on": d["dossier"]})]
    if state == "dossier_submitted":
        return [("justice_officer", "POST", "/dossier/check", {"checked_on": d["check"]})]
    if state == "checked":
        return [("council_secretary", "POST", "/appraisal", {
            "started_on": d["appraisal"], "council_size": COUNCIL_SIZE, "method": "meeting"})]
    if state == "under_appraisal":
        return _appraisal_steps(view, d)
    if state == "appraised":
        return [("chairman", "POST", "/decision", {
            "recognised": view["recognition"]["recognised"],
            "decision_number": story.decision_number, "decision_date": d["decision"]})]
    return []


def _drafting_steps(story: Story, view: dict, criteria_set) -> list[tuple]:
    # one criterion's form at a time, as the workspace sends it: its indicators' figures at once
    forms: dict[str, dict] = {}
    for indicator in criteria_set.indicators()[:story.figures_entered]:
        if indicator.id not in view["figures"]:
            forms.setdefault(indicator.id.split(".")[0], {})[indicator.id] = figures(
                indicator, story.profile, criteria_set.pass_fail)
    steps = [("commune_officer", "PUT", "/figures", {"figures": form})
             for form in forms.values()]
    declarations = {c.id: story.profile != "disciplined"
                    for c in criteria_set.recognition.conditions}
    if declarations and view["declarations"] != declarations:
        steps.append(("commune_officer", "PUT", "/declarations", {"declarations": declarations}))
    if story.end != "drafting":
        steps.append(("commune_officer", "POST", "/self-assessment",
                      {"submitted_on": story.dates["self_assessment"]}))
    return steps


def _posting_steps(story: Story, view: dict, d: dict) -> list[tuple]:
    comments = {c["comment_id"]: c for c in view["posting"]["comments"]}
    steps = []
    for comment_id, text, answer in story.comments:
        if comment_id not in comments:
            steps.append(("commune_officer", "POST", "/posting/comments", {
                "comment_id": comment_id, "text": text, "received_on": d["comment"]}))
        if comments.get(comment_id, {}).get("answer") is None:
            steps.append(("commune_officer", "POST", f"/posting/comments/{comment_id}/answer",
                          {"answer": answer, "answered_on": d["answer"]}))
    steps.append(("commune_officer", "POST", "/posting/end", {"ended_on": d["posting_end"]}))
    return steps


def _appraisal_steps(view: dict, d: dict) -> list[tuple]:
    appraisal = view["appraisal"]
    heard = {o["member_name"] for o in appraisal["opinions"]}
    steps = [("council_secretary", "POST", "/appraisal/opinions", {
        "member_name": member, "role": "Thành viên Hội đồng", "opinion": "Nhất trí",
        "given_by": "meeting", "given_on": d["meeting"]})
        for member in COUNCIL if member not in heard]
    # the council confirms the commune's own sheet, every indicator in one act
    scores = {scored["id"]: {**({"achieved": scored["achieved"]} if scored["points"] is None
                                else {"points": scored["points"]}),
                             "reason": "Khớp với hồ sơ minh chứng"}
              for criterion in view["self_score"]["criteria"]
              for scored in criterion["indicators"] if scored["id"] not in appraisal["scores"]}
    if scores:
        steps.append(("council_secretary", "PUT", "/appraisal/indicators", {"scores": scores}))
    steps.append(("council_secretary", "POST", "/appraisal/complete",
                  {"completed_on": d["appraisal_complete"]}))
    return steps


# -- through the gateway --------------------------------------------------------------------------
class Gateway:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.sent = 0  # requests made, for whoever counts them (bench/cycle.py)

    def send(self, method: str, path: str, token: str, body: dict | None = None) -> dict:
        response = self.request(method, path, token, body)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code} {response.text}")
        return response.json()

    def request(self, method: str, path: str, token: str, body: dict | None = None):
        self.sent += 1
        return self.http.request(method, self.url + path, json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})


def _token(official: Official) -> str:
    return issue_token(default_secret(), official.sub, official.role, official.jurisdiction,
                       official.name)


def advance(gateway: Gateway, story: Story, criteria_set, token=_token) -> tuple[dict, int]:
    """Take the story's remaining steps; (the assessment as it is left, as GET shows it; the
    writes made). ``token(official)`` signs each official's token (the demo's secret by
    default).

    Of a write's answer only ``version`` and ``state`` are read: where the next steps depend
    on what is recorded (READ_IN), the official reads the assessment first."""
    tokens = {official.role: token(official)
              for official in (story.officer, *story.reviewers.values())}
    base = f"/api/v1/communes/{story.commune}/assessments/{story.year}"
    found = gateway.request("GET", base, tokens["commune_officer"])
    writes = 0
    if found.status_code == 404:  # the year is not opened yet
        opened = gateway.send("POST", base, tokens["commune_officer"])
        view, writes = {"state": opened["state"], "version": opened["version"]}, 1
    elif found.status_code == 200:
        view = found.json()
    else:
        raise RuntimeError(f"GET {base} -> {found.status_code} {found.text}")
    read = writes == 0  # whether ``view`` is the whole assessment as GET shows it
    while True:
        if not read and view["state"] in READ_IN:
            view, read = gateway.send("GET", base, tokens[READ_IN[view["state"]]]), True
        steps = next_requests(story, view, criteria_set)
        if not steps:
            break
        for role, method, path, body in steps:
            written = gateway.send(method, base + path, tokens[role], body)
            writes += 1
        view, read = {"state": written["state"], "version": written["version"]}, False
    if not read:
        view = gateway.send("GET", base, tokens["commune_officer"])
    return view, writes


def run(url: str, today: date | None = None) -> list[tuple[Story, dict, int]]:
    gateway, sets = Gateway(url), load_builtin_sets()
    return [(story, *advance(gateway, story, sets[story.criteria_set]))
            for story in stories(today)]
