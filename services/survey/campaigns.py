"""Campaigns: one commune's survey for one period and purpose (satisfaction, or Form 04's
dissemination models: ``campaign_id``), with a fixed questionnaire version and a
target sample. Its stream also carries the result computed when it closes, so the figure
the assessment service scores from is an event, not a query that could drift.

A closed campaign may be reopened (with a reason and a new closing day) to take more
responses; closing it again records a new result, which names the reopening, and the
assessment records it as replacing the earlier one (services/assessment/workflow/survey_steps.py)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from contracts.survey import CampaignClosed, CampaignNotOpen
from kernel.errors import IllegalTransition, NotFound, ValidationFailed
from kernel.events import NewEvent, RecordedEvent
from services.survey.questionnaires import (
    DISSEMINATION_MODELS,
    PURPOSES,
    SATISFACTION,
    purpose_field,
)

CAMPAIGN_OPENED = "CampaignOpened"
CAMPAIGN_CLOSED = "CampaignClosed"
CAMPAIGN_REOPENED = "CampaignReopened"
RESULT_COMPUTED = "SatisfactionResultComputed"
TEXT_ERASED = "FreeTextErased"
MAX_ERASURE_REASON = 500
MAX_REOPEN_REASON = 500

# Circular 07/2017: the sample is at least 15% of the previous year's procedure cases.
SAMPLE_RATE = Decimal("0.15")
COMMUNE_PATTERN = re.compile(r"^\d{5}$")
PERIOD_PATTERN = re.compile(r"^\d{4}(-[A-Za-z0-9]{1,10})?$")
NEW, OPEN, CLOSED = "new", "open", "closed"
# One campaign per commune, period and purpose. A satisfaction campaign keeps the id it had
# before purposes existed; the others end in their suffix, which no period may end in.
ID_SUFFIXES = {DISSEMINATION_MODELS: "mau04"}


def campaign_id(commune_code: str, period: str, purpose: str = SATISFACTION) -> str:
    """``<commune>-<period>`` for satisfaction, ``<commune>-<period>-mau04`` for Form 04."""
    suffix = ID_SUFFIXES.get(purpose)
    return f"{commune_code}-{period}-{suffix}" if suffix else f"{commune_code}-{period}"


def commune_prefix(commune_code: str) -> str:
    """What every campaign id of a commune, whatever its period and purpose, begins with."""
    return f"{commune_code}-"


def stream_name(campaign_id_: str) -> str:
    return f"campaign-{campaign_id_}"


def target_from_cases(last_year_cases: int) -> int:
    # Decimal, not float: 15% of 20 must be exactly 3, not 3.0000000000000004 rounded up to 4.
    return math.ceil(Decimal(last_year_cases) * SAMPLE_RATE)


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    state: str = NEW
    version: int = 0
    commune_code: str | None = None
    period: str | None = None
    questionnaire_id: str | None = None
    questionnaire_version: int | None = None
    purpose: str = SATISFACTION
    target_sample: int | None = None
    last_year_cases: int | None = None
    opens_on: date | None = None
    closes_on: date | None = None
    require_code: bool = False
    closed_on: date | None = None
    result: dict | None = None
    # The latest reopening ({reopened_on, reason, closes_on}), named by the next result; and
    # the rules the first result was judged by, which a recount keeps.
    reopening: dict | None = None
    judged_by: dict | None = None
    # Keys of the campaign's free text that an erasure named, and where the last one is in
    # the log (text kept in clear by earlier releases is hidden up to there).
    erased_keys: frozenset[str] = frozenset()
    erased_through: int = 0

    @classmethod
    def from_events(cls, campaign_id_: str, events: list[RecordedEvent]) -> Campaign:
        state = cls(campaign_id_)
        for event in events:
            data = event.data
            if event.type == CAMPAIGN_OPENED:
                state = replace(
                    state, state=OPEN, commune_code=data["commune_code"], period=data["period"],
                    questionnaire_id=data["questionnaire_id"],
                    questionnaire_version=data["questionnaire_version"],
                    purpose=data.get("purpose", SATISFACTION),
                    target_sample=data["target_sample"], last_year_cases=data["last_year_cases"],
                    opens_on=date.fromisoformat(data["opens_on"]),
                    closes_on=date.fromisoformat(data["closes_on"]),
                    require_code=data["require_code"])
            elif event.type == CAMPAIGN_CLOSED:
                state = replace(state, state=CLOSED, closed_on=date.fromisoformat(data["closed_on"]))
            elif event.type == CAMPAIGN_REOPENED:
                state = replace(state, state=OPEN, closed_on=None, result=None,
                                closes_on=date.fromisoformat(data["closes_on"]),
                                reopening={key: data[key] for key in (
                                    "reopened_on", "reason", "closes_on")})
            elif event.type == RESULT_COMPUTED:
                state = replace(state, result=dict(data),
                                judged_by=state.judged_by or {
                                    key: data[key] for key in ("min_answers", "burst_rule")
                                    if key in data})
            elif event.type == TEXT_ERASED:
                state = replace(state, erased_keys=state.erased_keys | set(data["key_ids"]),
                                erased_through=event.position)
            state = replace(state, version=event.version)
        return state

    # -- decisions ------------------------------------------------------------------------
    def open(self, *, commune_code: str, period: str, questionnaire_id: str,
             questionnaire_version: int, opens_on: date, closes_on: date,
             target_sample: int | None = None, last_year_cases: int | None = None,
             require_code: bool = False, purpose: str = SATISFACTION) -> list[NewEvent]:
        """The purpose is the questionnaire's; it is in the campaign's id (``campaign_id``)."""
        if isinstance(period, str) and period.lower().rsplit("-", 1)[-1] in ID_SUFFIXES.values():
            # 12345-2025-mau04 is the Form 04 campaign of 2025, never a period's campaign.
            raise ValidationFailed("survey.cannot_open", {
                "period": "A period cannot end in a campaign kind's suffix (mau04)."})
        if self.state != NEW:
            raise IllegalTransition("survey.already_opened", {"campaign_id": self.campaign_id, "state": self.state})
        problems = {}
        if not COMMUNE_PATTERN.match(commune_code or ""):
            problems["commune_code"] = "A commune code has five digits."
        if not PERIOD_PATTERN.match(period or ""):
            problems["period"] = "A period is a year, optionally with a suffix: 2025, 2025-q3."
        if purpose not in PURPOSES:
            problems["purpose"] = f"The purpose is one of {', '.join(PURPOSES)}."
        elif self.campaign_id != campaign_id(commune_code, period, purpose):
            problems["campaign_id"] = (f"The campaign of this commune, period and purpose is "
                                       f"{campaign_id(commune_code, period, purpose)}.")
        if closes_on < opens_on:
            problems["closes_on"] = "The campaign cannot close before it opens."
        if (target_sample is None) == (last_year_cases is None):
            problems["target_sample"] = ("Give either target_sample or last_year_cases "
                                         "(the target is then 15% of it, rounded up).")
        for name, value in (("target_sample", target_sample), ("last_year_cases", last_year_cases)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 0):
                problems[name] = "Must be a whole number, zero or more."
        if problems:
            raise ValidationFailed("survey.cannot_open", problems)
        if target_sample is None:
            target_sample = target_from_cases(last_year_cases)
        return [NewEvent(CAMPAIGN_OPENED, {
            "campaign_id": self.campaign_id, "commune_code": commune_code, "period": period,
            "questionnaire_id": questionnaire_id, "questionnaire_version": questionnaire_version,
            **purpose_field(purpose),
            "target_sample": target_sample, "last_year_cases": last_year_cases,
            "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat(),
            "require_code": require_code})]

    def close(self, today: date) -> list[NewEvent]:
        self.require_exists()
        if self.state == CLOSED:
            raise IllegalTransition("survey.already_closed", {"campaign_id": self.campaign_id, "state": self.state,
                                     "closed_on": self.closed_on.isoformat()})
        return [NewEvent(CAMPAIGN_CLOSED, {"campaign_id": self.campaign_id,
                                           "closed_on": today.isoformat()})]

    def reopen(self, reason: str, closes_on: date, today: date) -> list[NewEvent]:
        """Take more responses after closing (a sample found short, a kiosk that was down):
        the next close records a new result, which replaces this one where it is used."""
        self.require_exists()
        if self.state != CLOSED or self.result is None:
            raise IllegalTransition("survey.reopen_not_closed",
                                    {"campaign_id": self.campaign_id, "state": self.state})
        reason = reason.strip() if isinstance(reason, str) else ""
        problems = {}
        if not reason or len(reason) > MAX_REOPEN_REASON:
            problems["reason"] = f"Give a reason, at most {MAX_REOPEN_REASON} characters."
        if not isinstance(closes_on, date) or closes_on < today:
            problems["closes_on"] = "The new closing day is today or later."
        if problems:
            raise ValidationFailed("survey.cannot_reopen", problems, {"max": MAX_REOPEN_REASON})
        return [NewEvent(CAMPAIGN_REOPENED, {
            "campaign_id": self.campaign_id, "reason": reason,
            "reopened_on": today.isoformat(), "closes_on": closes_on.isoformat()})]

    def record_result(self, result_data: dict) -> list[NewEvent]:
        """The result event; none once recorded (a retried close must not record two). After
        a reopening it names it, so whoever used the earlier result can say why it changed."""
        if self.state != CLOSED:
            raise IllegalTransition("survey.result_when_closed", {"campaign_id": self.campaign_id, "state": self.state})
        if self.result is not None:
            return []
        if self.reopening is not None:
            result_data = {**result_data, "reopening": dict(self.reopening)}
        return [NewEvent(RESULT_COMPUTED, result_data)]

    def erase_text(self, key_ids: list[str], reason: str, today: date) -> list[NewEvent]:
        """The record of an erasure of the campaign's free text: who (the metadata), why,
        and which keys; never a key itself. Recorded before the keys are deleted, so no
        deletion goes unaccounted for."""
        self.require_exists()
        reason = (reason or "").strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > MAX_ERASURE_REASON:
            raise ValidationFailed("survey.erasure_reason", {"reason": reason},
                                   {"max": MAX_ERASURE_REASON})
        return [NewEvent(TEXT_ERASED, {"campaign_id": self.campaign_id,
                                       "key_ids": sorted(key_ids), "reason": reason,
                                       "erased_on": today.isoformat()})]

    def check_accepting(self, today: date) -> None:
        """Refuse a response unless the campaign is open and today is within its dates."""
        self.require_exists()
        details = {"campaign_id": self.campaign_id, "opens_on": self.opens_on.isoformat(),
                   "closes_on": self.closes_on.isoformat(), "today": today.isoformat()}
        if self.state == CLOSED:
            raise CampaignClosed("survey.closed", {**details, "state": CLOSED})
        if today > self.closes_on:
            raise CampaignClosed("survey.ended", {**details, "state": OPEN},
                                 {"closes_on": self.closes_on.strftime("%d/%m/%Y")})
        if today < self.opens_on:
            raise CampaignNotOpen("survey.not_open_yet", details,
                                  {"opens_on": self.opens_on.strftime("%d/%m/%Y")})

    def require_exists(self) -> None:
        if self.state == NEW:
            raise NotFound("survey.campaign_not_found", {"campaign_id": self.campaign_id})

    def to_dict(self, today: date | None = None) -> dict:
        self.require_exists()
        accepting = (self.state == OPEN and today is not None
                     and self.opens_on <= today <= self.closes_on)
        return {
            "campaign_id": self.campaign_id, "commune_code": self.commune_code,
            "period": self.period, "state": self.state, "accepting": accepting,
            "questionnaire_id": self.questionnaire_id,
            "questionnaire_version": self.questionnaire_version, "purpose": self.purpose,
            "target_sample": self.target_sample, "last_year_cases": self.last_year_cases,
            "opens_on": self.opens_on.isoformat(), "closes_on": self.closes_on.isoformat(),
            "require_code": self.require_code,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "reopening": self.reopening,
            "version": self.version,
        }
