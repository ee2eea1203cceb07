"""Command handlers of the plans service: load a plan, run one command, append its events.

Plain Python over the event store (no nameko), so tests drive them directly with their own
"today"; the service's RPCs are one line each on top.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from kernel.errors import ConcurrencyError, NotFound, ValidationFailed
from kernel.events import Metadata
from kernel.store import EventStore
from services.plans import exports, importer, linked
from services.plans.plan import DRAFTED, Plan, stream_name


class PlanHandlers:
    def __init__(self, store: EventStore):
        self.store = store

    # -- loading -------------------------------------------------------------------------
    def load(self, plan_id: str) -> Plan:
        return Plan.from_events(self.store.read_stream(stream_name(plan_id)))

    def get(self, plan_id: str) -> Plan:
        plan = self.load(plan_id)
        if plan.version == 0:
            raise NotFound("plan.not_found", {"plan_id": plan_id})
        return plan

    def plan_ids(self) -> list[str]:
        ids, position = [], 0
        while True:
            batch = self.store.read_all(position, 1000, types=[DRAFTED])
            if not batch:
                return ids
            ids += [e.data["plan_id"] for e in batch]
            position = batch[-1].position

    def linked_shares(self, plan: Plan) -> dict[str, dict]:
        if not plan.links:
            return {}
        with self.store.reader.connect() as conn:
            return {number: linked.shares(conn, link) for number, link in plan.links.items()}

    def view(self, plan: Plan) -> dict:
        return plan.to_dict(self.linked_shares(plan))

    def _append(self, plan: Plan, new_events, metadata: Metadata,
                expected_version: int | None = None) -> Plan:
        if expected_version is not None and expected_version != plan.version:
            raise ConcurrencyError.for_stream(stream_name(plan.plan_id), expected_version, plan.version)
        self.store.append(stream_name(plan.plan_id), plan.version, new_events, metadata)
        return plan.apply(new_events)

    # -- commands ------------------------------------------------------------------------
    def import_plan(self, content: str | bytes, file_name: str | None, jurisdiction: dict,
                    metadata: Metadata, plan_id: str | None = None) -> Plan:
        province = jurisdiction.get("province")
        if not province:
            raise ValidationFailed("plan.jurisdiction_needed", {"jurisdiction": jurisdiction})
        # Read first: it refuses what cannot be read, or stored, with the reason.
        imported = importer.import_plan(content, file_name, province, jurisdiction.get("district"))
        raw = content if isinstance(content, bytes) else content.encode("utf-8")
        plan_id = plan_id or uuid.uuid4().hex[:12]
        plan = self.load(plan_id)
        source = {"file_name": file_name, "sha256": hashlib.sha256(raw).hexdigest(),
                  "format": "docx" if raw[:2] == b"PK" else "text"}
        plan.plan_id = plan_id
        jurisdiction = {"province": province, "district": jurisdiction.get("district") or None}
        return self._append(plan, plan.draft(plan_id, jurisdiction, imported, source), metadata)

    def edit(self, plan_id: str, changes: dict, metadata: Metadata,
             expected_version: int | None = None) -> Plan:
        plan = self.get(plan_id)
        return self._append(plan, plan.edit(changes), metadata, expected_version)

    def review(self, plan_id: str, note: str | None, today: date, metadata: Metadata,
               expected_version: int | None = None) -> Plan:
        plan = self.get(plan_id)
        return self._append(plan, plan.review(note, today), metadata, expected_version)

    def issue(self, plan_id: str, number: str | None, issued_on: date | None, metadata: Metadata,
              expected_version: int | None = None) -> Plan:
        plan = self.get(plan_id)
        return self._append(plan, plan.issue(number, issued_on), metadata, expected_version)

    def report(self, plan_id: str, task: str, agency_id: str | None, status: str, percent: int,
               note: str | None, evidence: dict | None, today: date, metadata: Metadata) -> Plan:
        plan = self.get(plan_id)
        return self._append(plan, plan.report(task, agency_id, status, percent, note, evidence, today),
                            metadata)

    def link(self, plan_id: str, task: str, province_code: str, district_code: str | None,
             year: int, measure: str, metadata: Metadata) -> Plan:
        plan = self.get(plan_id)
        return self._append(plan, plan.link(task, province_code, district_code, year, measure), metadata)

    def unlink(self, plan_id: str, task: str, metadata: Metadata) -> Plan:
        plan = self.get(plan_id)
        return self._append(plan, plan.unlink(task), metadata)

    def check_overdue(self, today: date, metadata: Metadata) -> list[dict]:
        """Flag every issued plan's tasks that passed a due date unfinished (idempotent)."""
        flagged = []
        for plan_id in self.plan_ids():
            plan = self.get(plan_id)
            shares = self.linked_shares(plan)
            new = plan.overdue(today, {n: s["percent"] for n, s in shares.items()})
            if new:
                try:
                    self._append(plan, new, metadata)
                except ConcurrencyError:
                    continue  # another replica ran the check meanwhile: the next run catches up
                flagged += [{"plan_id": plan_id, **e.data} for e in new]
        return flagged

    def overdue(self, plan_id: str, as_of: date) -> dict:
        """The plan's tasks late on ``as_of`` (any day: past, today or to come)."""
        plan = self.get(plan_id)
        shares = self.linked_shares(plan)
        return {"plan_id": plan_id, "status": plan.status, "as_of": as_of.isoformat(),
                "tasks": plan.overdue_as_of(as_of, {n: s["percent"] for n, s in shares.items()})}

    # -- views ---------------------------------------------------------------------------
    def list_plans(self, province: str | None = None, district: str | None = None) -> list[dict]:
        result = []
        for plan_id in self.plan_ids():
            plan = self.get(plan_id)
            if province and plan.jurisdiction.get("province") != province:
                continue
            if district and plan.jurisdiction.get("district") != district:
                continue
            body = plan.to_dict()
            result.append({k: body.get(k) for k in ("plan_id", "status", "version", "jurisdiction",
                                                     "issuer", "number", "date", "year", "title",
                                                     "kind")} | {"tasks": len(body["tasks"])})
        return result

    def agency_tasks(self, agency_id: str) -> list[dict]:
        """Every task an agency leads or coordinates, across plans, with its progress."""
        result = []
        for plan_id in self.plan_ids():
            plan = self.get(plan_id)
            view = self.view(plan)
            for task in view["tasks"]:
                roles = [r for r, key in (("lead", "lead_agencies"), ("coordinating", "coordinating_agencies"))
                         if agency_id in {a["id"] for a in task[key]}]
                if roles:
                    result.append({"plan_id": plan_id, "plan_title": view.get("title"),
                                   "plan_status": view["status"], "role": roles[0], **task})
        return result

    def summary(self, plan_id: str, year: int, kind: str) -> tuple[str, bytes]:
        if kind not in exports.KINDS:
            raise ValidationFailed("plan.summary_kind", {"kind": kind},
                                   {"kinds": ", ".join(exports.KINDS)})
        view = self.view(self.get(plan_id))
        return f"{kind.replace('_', '-')}-{plan_id}-{year}.xlsx", exports.summary(view, year, kind)
