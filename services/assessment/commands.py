"""The commands of an opened assessment, one frozen dataclass each, and how each runs.

Each has an RPC of its own on the service (service.py, named as ``name``) and one route in the
gateway that calls it, so a request can be followed by name: route ``decide`` → RPC
``assessment.decide`` → ``Decide.from_arguments`` → ``Decide.run`` → ``CommuneAssessment.decide``.
Arguments arrive as JSON values (ISO dates, decimal strings); ``from_arguments`` turns the
dates into ``date`` and refuses missing or unknown arguments before anything is loaded.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Self

from kernel.errors import NotFound, ValidationFailed
from kernel.events import NewEvent
from services.assessment.workflow import CommuneAssessment, CriteriaCatalogue

# The catalogue of the assessment's criteria-set version, looked up only by the commands that read it.
Catalogue = Callable[[], CriteriaCatalogue]


@dataclass(frozen=True)
class Command(abc.ABC):
    name: ClassVar[str]

    @classmethod
    def from_arguments(cls, arguments: dict | None) -> Self:
        """The command from an RPC's JSON arguments; 400 ``assessment.wrong_arguments`` when
        one is missing or unknown, ``value.date_format`` when a date is no ISO date."""
        given = dict(arguments or {})
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(given) - set(fields))
        missing = sorted(name for name, f in fields.items() if name not in given
                         and f.default is dataclasses.MISSING
                         and f.default_factory is dataclasses.MISSING)
        if unknown or missing:
            error = "; ".join(
                ([f"thiếu {', '.join(missing)}"] if missing else [])
                + ([f"không có tham số {', '.join(unknown)}"] if unknown else []))
            raise ValidationFailed("assessment.wrong_arguments",
                                   {"command": cls.name, "missing": missing, "unknown": unknown},
                                   {"error": error})
        for name in _date_fields(cls):
            if given.get(name) is not None:
                given[name] = parse_date(given[name], name)
        return cls(**given)

    @abc.abstractmethod
    def run(self, assessment: CommuneAssessment, catalogue: Catalogue) -> list[NewEvent]:
        """The command's events, from the workflow method of the same name."""


@dataclass(frozen=True)
class RecordFigures(Command):
    name: ClassVar[str] = "record_figures"
    indicator_id: str
    figures: dict

    def run(self, assessment, catalogue):
        return assessment.record_figures(self.indicator_id, self.figures, catalogue())


@dataclass(frozen=True)
class RecordIndicatorsFigures(Command):
    name: ClassVar[str] = "record_indicators_figures"
    figures: dict

    def run(self, assessment, catalogue):
        return assessment.record_indicators_figures(self.figures, catalogue())


@dataclass(frozen=True)
class DeclareConditions(Command):
    name: ClassVar[str] = "declare_conditions"
    declarations: dict
    commune_class: str | None = None

    def run(self, assessment, catalogue):
        return assessment.declare_conditions(self.declarations, catalogue(), self.commune_class)


@dataclass(frozen=True)
class SubmitSelfAssessment(Command):
    name: ClassVar[str] = "submit_self_assessment"
    submitted_on: date | None = None

    def run(self, assessment, catalogue):
        return assessment.submit_self_assessment(catalogue(), self.submitted_on)


@dataclass(frozen=True)
class ReopenSelfAssessment(Command):
    name: ClassVar[str] = "reopen_self_assessment"
    reason: str
    reopened_on: date

    def run(self, assessment, catalogue):
        return assessment.reopen_self_assessment(self.reason, self.reopened_on)


@dataclass(frozen=True)
class StartPosting(Command):
    name: ClassVar[str] = "start_posting"
    start: date
    channel: str

    def run(self, assessment, catalogue):
        return assessment.start_posting(self.start, self.channel)


@dataclass(frozen=True)
class RecordComment(Command):
    name: ClassVar[str] = "record_comment"
    comment_id: str
    text: str
    received_on: date
    author: str | None = None

    def run(self, assessment, catalogue):
        return assessment.record_comment(self.comment_id, self.text, self.received_on, self.author)


@dataclass(frozen=True)
class AnswerComment(Command):
    name: ClassVar[str] = "answer_comment"
    comment_id: str
    answer: str
    answered_on: date

    def run(self, assessment, catalogue):
        return assessment.answer_comment(self.comment_id, self.answer, self.answered_on)


@dataclass(frozen=True)
class EndPosting(Command):
    name: ClassVar[str] = "end_posting"
    today: date  # the API's ``ended_on`` (gateway/routes/assessment.py, RENAMED)

    def run(self, assessment, catalogue):
        return assessment.end_posting(self.today)


@dataclass(frozen=True)
class SubmitDossier(Command):
    name: ClassVar[str] = "submit_dossier"
    submitted_on: date
    requests_recognition: bool = True

    def run(self, assessment, catalogue):
        return assessment.submit_dossier(self.submitted_on, self.requests_recognition)


@dataclass(frozen=True)
class ProvideSupplement(Command):
    name: ClassVar[str] = "provide_supplement"
    provided_on: date
    note: str

    def run(self, assessment, catalogue):
        return assessment.provide_supplement(self.provided_on, self.note)


@dataclass(frozen=True)
class PassCheck(Command):
    name: ClassVar[str] = "pass_check"
    checked_on: date

    def run(self, assessment, catalogue):
        return assessment.pass_check(self.checked_on)


@dataclass(frozen=True)
class RequestSupplement(Command):
    name: ClassVar[str] = "request_supplement"
    reason: str
    requested_on: date

    def run(self, assessment, catalogue):
        return assessment.request_supplement(self.reason, self.requested_on)


@dataclass(frozen=True)
class StartAppraisal(Command):
    name: ClassVar[str] = "start_appraisal"
    started_on: date
    council_size: int
    method: str

    def run(self, assessment, catalogue):
        return assessment.start_appraisal(self.started_on, self.council_size, self.method)


@dataclass(frozen=True)
class RecordOpinion(Command):
    name: ClassVar[str] = "record_opinion"
    member_name: str
    role: str
    opinion: str
    given_by: str
    given_on: date | None = None

    def run(self, assessment, catalogue):
        return assessment.record_opinion(self.member_name, self.role, self.opinion,
                                         self.given_by, self.given_on)


@dataclass(frozen=True)
class AppraiseIndicator(Command):
    name: ClassVar[str] = "appraise_indicator"
    indicator_id: str
    points: Decimal | str | None = None
    reason: str = ""
    achieved: bool | None = None

    def run(self, assessment, catalogue):
        return assessment.appraise_indicator(self.indicator_id, self.points, self.reason,
                                             catalogue(), self.achieved)


@dataclass(frozen=True)
class AppraiseIndicators(Command):
    name: ClassVar[str] = "appraise_indicators"
    scores: dict

    def run(self, assessment, catalogue):
        return assessment.appraise_indicators(self.scores, catalogue())


@dataclass(frozen=True)
class CompleteAppraisal(Command):
    name: ClassVar[str] = "complete_appraisal"
    completed_on: date

    def run(self, assessment, catalogue):
        return assessment.complete_appraisal(self.completed_on, catalogue())


@dataclass(frozen=True)
class Decide(Command):
    name: ClassVar[str] = "decide"
    recognised: bool
    decision_number: str
    decision_date: date

    def run(self, assessment, catalogue):
        return assessment.decide(self.recognised, self.decision_number, self.decision_date)


@dataclass(frozen=True)
class Revoke(Command):
    name: ClassVar[str] = "revoke"
    reason: str
    revoked_on: date
    decision_number: str | None = None

    def run(self, assessment, catalogue):
        return assessment.revoke(self.reason, self.revoked_on, self.decision_number)


BY_NAME: dict[str, type[Command]] = {c.name: c for c in (
    RecordFigures, RecordIndicatorsFigures, DeclareConditions, SubmitSelfAssessment,
    ReopenSelfAssessment, StartPosting, RecordComment, AnswerComment, EndPosting, SubmitDossier,
    ProvideSupplement, PassCheck, RequestSupplement, StartAppraisal, RecordOpinion,
    AppraiseIndicator, AppraiseIndicators, CompleteAppraisal, Decide, Revoke)}


def by_name(name: str, arguments: dict | None) -> Command:
    """The command called ``name`` (the service's ``run_command``, kept for the callers that
    name the command in data); 404 ``assessment.unknown_command`` for a name no command has."""
    if name not in BY_NAME:
        raise NotFound("assessment.unknown_command", {"command": name})
    return BY_NAME[name].from_arguments(arguments)


def parse_date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed("value.date_format", {field: value}, {"field": field}) from exc


@functools.cache
def _date_fields(cls: type[Command]) -> tuple[str, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(f.name for f in dataclasses.fields(cls)
                 if hints[f.name] is date
                 or (isinstance(hints[f.name], types.UnionType) and date in typing.get_args(hints[f.name])))
