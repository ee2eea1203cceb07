"""A plan as an event-sourced aggregate (stream ``plan-<id>``): drafted from an import,
reviewed and edited, issued, then reported on by the agencies that lead its tasks; tasks
that pass a due date unfinished are flagged, once per task and due date.

Plain Python: methods return the NewEvents a command produces; ``apply`` folds them in.
"""

from __future__ import annotations

import copy
import re
from datetime import date

from kernel import messages
from kernel.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from kernel.events import NewEvent, RecordedEvent
from rules.deadlines import working_days_between
from services.plans import agencies, timeframes

DRAFTED, EDITED, REVIEWED, ISSUED = "PlanDrafted", "PlanEdited", "PlanReviewed", "PlanIssued"
PROGRESS_REPORTED = "TaskProgressReported"
OVERDUE_FLAGGED = "TaskOverdueFlagged"
LINKED, UNLINKED = "TaskLinkedToAssessment", "TaskUnlinkedFromAssessment"
STATUSES = ("not_started", "in_progress", "completed")
# A plan's own states, as its refusals name them to people.
PLAN_STATUS_LABELS = {"new": "chưa có", "draft": "bản nháp", "reviewed": "đã rà soát", "issued": "đã ban hành"}
STATUS_LABELS = {"not_started": "Chưa thực hiện", "in_progress": "Đang thực hiện",
                 "completed": "Đã hoàn thành"}
MEASURES = ("submitted", "appraised", "decided")
PLAN_FIELDS = ("issuer", "number", "date", "year", "first_year", "last_year", "title",
               "legal_basis", "purpose", "requirements", "organisation", "funding")
TASK_FIELDS = ("title", "description", "lead_agencies", "coordinating_agencies", "timeframe",
               "outputs", "section")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def stream_name(plan_id: str) -> str:
    return f"plan-{plan_id}"


class Plan:
    def __init__(self):
        self.version = 0
        self.plan_id: str | None = None
        self.status = "new"
        self.jurisdiction: dict = {}
        self.body: dict = {}
        self.source: dict = {}
        self.review_notes: list[dict] = []
        self.progress: dict[str, dict] = {}  # task number -> latest report
        self.reports: list[dict] = []
        self.flags: list[dict] = []
        self.links: dict[str, dict] = {}

    # -- state ---------------------------------------------------------------------------
    @classmethod
    def from_events(cls, events: list[RecordedEvent]) -> Plan:
        plan = cls()
        for event in events:
            plan._evolve(event.type, event.data)
            plan.version = event.version
        return plan

    def apply(self, new_events: list[NewEvent]) -> Plan:
        for event in new_events:
            self._evolve(event.type, event.data)
            self.version += 1
        return self

    def _evolve(self, type_: str, data: dict) -> None:
        if type_ == DRAFTED:
            self.plan_id = data["plan_id"]
            self.jurisdiction = data["jurisdiction"]
            self.body = copy.deepcopy(data["plan"])
            self.source = data.get("source") or {}
            self.status = "draft"
        elif type_ == EDITED:
            for name, value in data.get("fields", {}).items():
                self.body[name] = value
            tasks = self.body.setdefault("tasks", [])
            removed = set(data.get("removed_tasks", []))
            tasks[:] = [t for t in tasks if t["number"] not in removed]
            for number, patch in data.get("tasks", {}).items():
                task = self._task(number)
                task.update(patch)
            tasks.extend(copy.deepcopy(data.get("added_tasks", [])))
            self._recompute_due_dates()
            self.status = "draft"
        elif type_ == REVIEWED:
            self.review_notes.append({"note": data.get("note") or "", "reviewed_on": data.get("reviewed_on")})
            self.status = "reviewed"
        elif type_ == ISSUED:
            if data.get("number"):
                self.body["number"] = data["number"]
            if data.get("date"):
                self.body["date"] = data["date"]
            self.status = "issued"
        elif type_ == PROGRESS_REPORTED:
            self.progress[data["task"]] = data
            self.reports.append(data)
        elif type_ == OVERDUE_FLAGGED:
            self.flags.append(data)
        elif type_ == LINKED:
            self.links[data["task"]] = data
        elif type_ == UNLINKED:
            self.links.pop(data["task"], None)

    def _task(self, number: str) -> dict:
        for task in self.body.get("tasks", []):
            if task["number"] == number:
                return task
        raise NotFound("plan.task_not_found", {"task": number})

    def _recompute_due_dates(self) -> None:
        first, last = self.span()
        for task in self.body.get("tasks", []):
            task["due_dates"] = timeframes.due_dates(task.get("timeframe"), first, last)

    def span(self) -> tuple[int, int]:
        first = self.body.get("first_year") or self.body.get("year") or 0
        return first, max(self.body.get("last_year") or first, first)

    def _require(self, *statuses: str, action: str) -> None:
        if self.status not in statuses:
            raise IllegalTransition(
                action, {"status": self.status, "allowed_statuses": list(statuses)},
                {"status": messages.in_both(PLAN_STATUS_LABELS.get(self.status, self.status),
                                            self.status)})

    # -- commands ------------------------------------------------------------------------
    def draft(self, plan_id: str, jurisdiction: dict, imported: dict, source: dict) -> list[NewEvent]:
        if self.version:
            raise IllegalTransition("plan.exists", {"plan_id": plan_id})
        if not imported.get("tasks"):
            raise ValidationFailed("plan.no_task_read", {"review": imported.get("review", {})})
        return [NewEvent(DRAFTED, {"plan_id": plan_id, "jurisdiction": jurisdiction,
                                   "plan": imported, "source": source})]

    def edit(self, changes: dict) -> list[NewEvent]:
        self._require("draft", "reviewed", action="plan.not_editable")
        province = self.jurisdiction.get("province") or ""
        data: dict = {"fields": {}, "tasks": {}, "added_tasks": [], "removed_tasks": []}
        unknown = set(changes) - set(PLAN_FIELDS) - {"tasks", "add_tasks", "remove_tasks"}
        if unknown:
            raise ValidationFailed("plan.unknown_fields", {"fields": sorted(unknown)},
                                   {"names": ", ".join(sorted(unknown))})
        for name in PLAN_FIELDS:
            if name in changes:
                data["fields"][name] = changes[name]
        year = changes.get("year")
        if isinstance(year, int) and not isinstance(year, bool) and "first_year" not in changes \
                and year != self.body.get("first_year"):
            # The plan's year corrected in review (a year the import doubted): the yearly tasks
            # are due from that year on, and no earlier than the span already read.
            data["fields"]["first_year"] = year
            if "last_year" not in changes:
                data["fields"]["last_year"] = max(year, self.body.get("last_year") or year)
        numbers = {t["number"] for t in self.body.get("tasks", [])}
        for number in changes.get("remove_tasks", []):
            self._task(number)
            if number in self.links:
                raise IllegalTransition("plan.task_linked", {"task": number})
            data["removed_tasks"].append(number)
        for number, patch in (changes.get("tasks") or {}).items():
            self._task(number)
            data["tasks"][number] = self._task_patch(province, patch)
        for task in changes.get("add_tasks", []):
            number = str(task.get("number") or "").strip()
            if not number or number in numbers:
                raise ValidationFailed("plan.task_number_taken", {"number": number})
            numbers.add(number)
            entry = {"number": number, "section": None, "title": "", "description": [],
                     "lead_text": "", "lead_agencies": [], "coordinating_text": "",
                     "coordinating_agencies": [], "timeframe": None, "outputs": "", "lines": []}
            entry.update(self._task_patch(province, {k: v for k, v in task.items() if k != "number"}))
            data["added_tasks"].append(entry)
        data = {k: v for k, v in data.items() if v}
        if not data:
            raise ValidationFailed("plan.nothing_to_change", {})
        return [NewEvent(EDITED, data)]

    def _task_patch(self, province: str, patch: dict) -> dict:
        unknown = set(patch) - set(TASK_FIELDS)
        if unknown:
            raise ValidationFailed("plan.unknown_task_fields", {"fields": sorted(unknown)},
                                   {"names": ", ".join(sorted(unknown))})
        result = dict(patch)
        for name in ("lead_agencies", "coordinating_agencies"):
            if name in patch:
                resolved = []
                for agency_id in patch[name]:
                    found = agencies.agency(agency_id)
                    if found is None or (province and found.province_code != province):
                        raise ValidationFailed("plan.agency_not_found", {"agency": agency_id})
                    resolved.append(found.to_dict())
                result[name] = resolved
        if "timeframe" in patch:
            value = patch["timeframe"]
            result["timeframe"] = (timeframes.parse(value, self.body.get("year"))
                                   if isinstance(value, str) and value.strip() else None)
        if "description" in patch and isinstance(patch["description"], str):
            result["description"] = [patch["description"]]
        return result

    def review(self, note: str | None, reviewed_on: date) -> list[NewEvent]:
        self._require("draft", action="plan.not_reviewable")
        return [NewEvent(REVIEWED, {"note": note or "", "reviewed_on": reviewed_on.isoformat()})]

    def issue(self, number: str | None, issued_on: date | None) -> list[NewEvent]:
        self._require("reviewed", action="plan.not_issuable")
        number = number or self.body.get("number")
        if not number:
            raise ValidationFailed("plan.number_needed", {"field": "number"})
        return [NewEvent(ISSUED, {"number": number,
                                  "date": (issued_on.isoformat() if issued_on else self.body.get("date"))})]

    def report(self, task_number: str, agency_id: str | None, status: str, percent: int,
               note: str | None, evidence: dict | None, reported_on: date) -> list[NewEvent]:
        self._require("issued", action="plan.not_reportable")
        task = self._task(task_number)
        if task_number in self.links:
            raise IllegalTransition("plan.task_follows_assessment", {"task": task_number})
        if agency_id is not None and agency_id not in {a["id"] for a in task["lead_agencies"]}:
            raise Forbidden("plan.agency_not_lead", {"agency": agency_id, "task": task_number})
        if status not in STATUSES:
            raise ValidationFailed("plan.task_status", {"status": status},
                                   {"statuses": ", ".join(STATUSES)})
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise ValidationFailed("plan.percent", {"percent": percent})
        if (status == "completed") != (percent == 100):
            raise ValidationFailed("plan.completed_at_100", {"status": status, "percent": percent})
        if evidence is not None:
            name, digest = evidence.get("file_name"), str(evidence.get("sha256", "")).lower()
            if not name or not _SHA256.match(digest):
                raise ValidationFailed("plan.evidence_shape", {"evidence": evidence})
            evidence = {"file_name": name, "sha256": digest}
        return [NewEvent(PROGRESS_REPORTED, {
            "task": task_number, "agency": agency_id, "status": status, "percent": percent,
            "note": note or "", "evidence": evidence, "reported_on": reported_on.isoformat()})]

    def link(self, task_number: str, province_code: str, district_code: str | None, year: int,
             measure: str = "decided") -> list[NewEvent]:
        self._require("draft", "reviewed", "issued", action="plan.not_linkable")
        self._task(task_number)
        if measure not in MEASURES:
            raise ValidationFailed("plan.measure", {"measure": measure},
                                   {"measures": ", ".join(MEASURES)})
        if district_code and year > 2024:
            raise ValidationFailed("plan.no_districts_from_2025", {"year": year})
        if self.jurisdiction.get("province") and province_code != self.jurisdiction["province"]:
            raise Forbidden("plan.own_province_only", {"province_code": province_code})
        return [NewEvent(LINKED, {"task": task_number, "province_code": province_code,
                                  "district_code": district_code or None, "year": int(year),
                                  "measure": measure})]

    def unlink(self, task_number: str) -> list[NewEvent]:
        if task_number not in self.links:
            raise NotFound("plan.task_not_linked", {"task": task_number})
        return [NewEvent(UNLINKED, {"task": task_number})]

    def overdue(self, today: date, linked_percent: dict[str, int] | None = None) -> list[NewEvent]:
        """Flags for tasks whose due date has passed unfinished; none already flagged twice."""
        if self.status != "issued":
            return []
        flagged = {(f["task"], f["due_date"]) for f in self.flags}
        new = []
        for task in self.body.get("tasks", []):
            number = task["number"]
            percent = self.percent(number, linked_percent)
            if percent >= 100:
                continue
            for due in task.get("due_dates", []):
                if date.fromisoformat(due) < today and (number, due) not in flagged:
                    new.append(NewEvent(OVERDUE_FLAGGED, {
                        "task": number, "due_date": due, "flagged_on": today.isoformat(),
                        "percent": percent,
                        "lead_agencies": [a["id"] for a in task["lead_agencies"]]}))
        return new

    def overdue_as_of(self, as_of: date, linked_percent: dict[str, int] | None = None) -> list[dict]:
        """Each (task, due date) of the issued plan that had passed unfinished on ``as_of``: a due
        date before that day (so a task due on 31/03 is late from 01/04, as the flags), the
        progress reported up to that day below 100%. A linked task counts its share now (the
        assessment keeps no history of shares). Before the plan's date there is nothing."""
        if self.status != "issued" or (self.body.get("date") and as_of.isoformat() < self.body["date"]):
            return []
        rows = []
        for task in self.body.get("tasks", []):
            number = task["number"]
            if number in self.links:
                percent = (linked_percent or {}).get(number, 0)
                status = "completed" if percent >= 100 else ("in_progress" if percent else "not_started")
            else:
                reports = [r for r in self.reports
                           if r["task"] == number and r["reported_on"] <= as_of.isoformat()]
                percent = reports[-1]["percent"] if reports else 0
                status = reports[-1]["status"] if reports else "not_started"
            if percent >= 100:
                continue
            for due in task.get("due_dates", []):
                if date.fromisoformat(due) < as_of:
                    rows.append({"task": number, "title": task.get("title"), "due_date": due,
                                 "days_late": (as_of - date.fromisoformat(due)).days,
                                 # officials count late work in working days (weekends and
                                 # Vietnamese public holidays skipped)
                                 "working_days_late": working_days_between(
                                     date.fromisoformat(due), as_of),
                                 "percent": percent, "status": status,
                                 "lead_agencies": task.get("lead_agencies", []),
                                 "follows_assessment": number in self.links})
        return rows

    def percent(self, number: str, linked_percent: dict[str, int] | None = None) -> int:
        if number in self.links:
            return (linked_percent or {}).get(number, 0)
        return self.progress.get(number, {}).get("percent", 0)

    # -- views ---------------------------------------------------------------------------
    def to_dict(self, linked: dict[str, dict] | None = None) -> dict:
        linked = linked or {}
        tasks = []
        for task in self.body.get("tasks", []):
            number = task["number"]
            link = self.links.get(number)
            progress = self.progress.get(number)
            if link is not None:
                shares = linked.get(number) or {}
                percent = shares.get("percent", 0)
                status = "completed" if percent >= 100 else ("in_progress" if percent else "not_started")
            else:
                percent = progress["percent"] if progress else 0
                status = progress["status"] if progress else "not_started"
            tasks.append({**task, "status": status, "percent": percent,
                          "last_report": progress, "link": link and {**link, **(linked.get(number) or {})},
                          "overdue": [f for f in self.flags if f["task"] == number],
                          "reports": [r for r in self.reports if r["task"] == number]})
        return {"plan_id": self.plan_id, "stream": stream_name(self.plan_id or ""),
                "status": self.status, "version": self.version, "jurisdiction": self.jurisdiction,
                "source": self.source, "review_notes": self.review_notes,
                **{k: v for k, v in self.body.items() if k != "tasks"}, "tasks": tasks}
