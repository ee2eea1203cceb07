"""nameko entrypoints of the plans service."""

from __future__ import annotations

import base64
from datetime import date

from nameko.rpc import rpc
from nameko.timer import timer

from kernel import clock
from kernel.errors import KernelError, ValidationFailed
from kernel.events import Actor, Metadata
from kernel.idempotency import idempotent
from kernel.nameko import EventSourcedService, EventStoreProvider, Subscription, metadata_from
from services.plans import agencies, exports, importer, linked
from services.plans.handlers import PlanHandlers

expected = rpc(expected_exceptions=KernelError)
CHECK_INTERVAL_SECONDS = 3600  # hourly: a due date passing is flagged on the day it passes


def _today() -> date:
    return clock.today()


def _date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed("value.date_format", {name: value}, {"field": name}) from exc


class PlansService(EventSourcedService):
    name = "plans"
    # No service subscribes to plans: its events stay in its log (audits read it over RPC).
    store = EventStoreProvider(published_types=())
    milestones = Subscription(linked.AssessmentMilestones())

    @property
    def handlers(self) -> PlanHandlers:
        return PlanHandlers(self.store)

    def _view(self, plan) -> dict:
        return self.handlers.view(plan)

    # -- plans ---------------------------------------------------------------------------
    @expected
    @idempotent
    def import_plan(self, content: str, file_name: str | None, jurisdiction: dict,
                    encoding: str = "text", context: dict | None = None) -> dict:
        """Draft a plan from a document: text/Markdown, or .docx as base64 (encoding="base64")."""
        plan = self.handlers.import_plan(importer.decoded(content, encoding), file_name,
                                         jurisdiction or {},
                                         metadata_from(context, "plans"))
        return self._view(plan)

    @expected
    def preview_import(self, content: str, file_name: str | None, province_code: str,
                       district_code: str | None = None, encoding: str = "text") -> dict:
        return importer.import_plan(importer.decoded(content, encoding), file_name, province_code,
                                    district_code)

    @expected
    def get_plan(self, plan_id: str) -> dict:
        return self._view(self.handlers.get(plan_id))

    @expected
    def list_plans(self, province: str | None = None, district: str | None = None) -> list[dict]:
        return self.handlers.list_plans(province, district)

    @expected
    @idempotent
    def edit_plan(self, plan_id: str, changes: dict, expected_version: int | None = None,
                  context: dict | None = None) -> dict:
        return self._view(self.handlers.edit(plan_id, changes or {}, metadata_from(context, "plans"),
                                             expected_version))

    @expected
    @idempotent
    def review_plan(self, plan_id: str, note: str | None = None, expected_version: int | None = None,
                    context: dict | None = None) -> dict:
        return self._view(self.handlers.review(plan_id, note, _today(), metadata_from(context, "plans"),
                                               expected_version))

    @expected
    @idempotent
    def issue_plan(self, plan_id: str, number: str | None = None, issued_on: str | None = None,
                   expected_version: int | None = None, context: dict | None = None) -> dict:
        return self._view(self.handlers.issue(plan_id, number, _date(issued_on, "issued_on"),
                                              metadata_from(context, "plans"), expected_version))

    @expected
    @idempotent
    def report_progress(self, plan_id: str, task: str, agency: str | None, status: str,
                        percent: int, note: str | None = None, evidence: dict | None = None,
                        context: dict | None = None) -> dict:
        return self._view(self.handlers.report(plan_id, task, agency, status, percent, note, evidence,
                                               _today(), metadata_from(context, "plans")))

    @expected
    @idempotent
    def link_task(self, plan_id: str, task: str, province_code: str, district_code: str | None,
                  year: int, measure: str = "decided", context: dict | None = None) -> dict:
        return self._view(self.handlers.link(plan_id, task, province_code, district_code, year,
                                             measure, metadata_from(context, "plans")))

    @expected
    @idempotent
    def unlink_task(self, plan_id: str, task: str, context: dict | None = None) -> dict:
        return self._view(self.handlers.unlink(plan_id, task, metadata_from(context, "plans")))

    @expected
    def plan_events(self, plan_id: str) -> list[dict]:
        plan = self.handlers.get(plan_id)
        return [e.to_message() for e in self.store.read_stream(f"plan-{plan.plan_id}")]

    # -- agencies ------------------------------------------------------------------------
    @expected
    def list_agencies(self, province_code: str) -> list[dict]:
        return [a.to_dict() for a in agencies.agencies(province_code)]

    @expected
    def agency_tasks(self, agency_id: str) -> list[dict]:
        return self.handlers.agency_tasks(agency_id)

    # -- overdue ---------------------------------------------------------------------------
    @expected
    def check_overdue(self, today: str | None = None) -> list[dict]:
        """Run the overdue check now (``today`` defaults to the date in Vietnam)."""
        return self.handlers.check_overdue(_date(today, "today") or _today(), _system())

    @expected
    def overdue_tasks(self, plan_id: str, as_of: str | None = None) -> dict:
        """The plan's tasks late on ``as_of`` (default: today in Vietnam); nothing is flagged."""
        return self.handlers.overdue(plan_id, _date(as_of, "as_of") or _today())

    @timer(interval=CHECK_INTERVAL_SECONDS)
    def overdue_timer(self):
        self.handlers.check_overdue(_today(), _system())

    # -- the yearly summary ------------------------------------------------------------------
    @expected
    def summary_form(self, plan_id: str, year: int, kind: str = "tong_ket") -> dict:
        file_name, content = self.handlers.summary(plan_id, int(year), kind)
        return {"file_name": file_name, "media_type": exports.MIME_TYPE,
                "content_base64": base64.b64encode(content).decode("ascii")}


def _system() -> Metadata:
    return Metadata(actor=Actor.system("plans-overdue-check"))
