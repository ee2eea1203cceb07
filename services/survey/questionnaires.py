"""Questionnaires: versioned definitions. A version, once published, is an event and never
changes; publishing again adds the next version, so every response can name exactly what
it answered."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from kernel.errors import NotFound, ValidationFailed
from kernel.events import NewEvent, RecordedEvent

QUESTIONNAIRE_PUBLISHED = "QuestionnairePublished"

SCALE, TEXT = "scale5", "text"
KINDS = (SCALE, TEXT)
SCALE_LABELS = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường",
                4: "Hài lòng", 5: "Rất hài lòng"}
SATISFIED_LEVELS = (4, 5)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
QUESTION_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_QUESTIONS = 20
MAX_QUESTION_TEXT = 500
MAX_TITLE = 300

DEFAULT_ID = "hai-long-tiep-can-phap-luat"
DEFAULT_TITLE = ("Phiếu khảo sát mức độ hài lòng của người dân về tiếp cận pháp luật và "
                 "giải quyết thủ tục hành chính tại Ủy ban nhân dân cấp xã")
DEFAULT_QUESTIONS = (
    {"id": "cong-khai", "kind": SCALE, "required": True,
     "text": "Ông/Bà hài lòng như thế nào về việc niêm yết, công khai thủ tục hành chính "
             "(thành phần hồ sơ, phí, lệ phí, thời hạn giải quyết) tại Bộ phận Một cửa?"},
    {"id": "thai-do", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về thái độ phục vụ và sự hướng dẫn của công chức "
             "tiếp nhận, giải quyết hồ sơ?"},
    {"id": "thoi-gian", "kind": SCALE, "required": True,
     "text": "Ông/Bà hài lòng như thế nào về thời gian giải quyết thủ tục hành chính "
             "(trả kết quả đúng hẹn, không phải đi lại nhiều lần)?"},
    {"id": "pho-bien", "kind": SCALE, "required": True,
     "text": "Ông/Bà hài lòng như thế nào về việc được cung cấp thông tin pháp luật, "
             "giải đáp pháp luật và hòa giải ở cơ sở tại địa phương?"},
    {"id": "chung", "kind": SCALE, "required": True,
     "text": "Nhìn chung, Ông/Bà hài lòng như thế nào về việc tiếp cận pháp luật và giải "
             "quyết thủ tục hành chính tại Ủy ban nhân dân cấp xã?"},
    {"id": "gop-y", "kind": TEXT, "required": False,
     "text": "Ông/Bà có góp ý gì để Ủy ban nhân dân cấp xã phục vụ tốt hơn? (Xin đừng ghi "
             "họ tên, số điện thoại hay thông tin cá nhân.)"},
)
# A fixed id makes seeding the built-in version idempotent across replicas and restarts.
DEFAULT_EVENT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "tcpl:survey:questionnaire:default:v1"))


def stream_name(questionnaire_id: str) -> str:
    return f"questionnaire-{questionnaire_id}"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    required: bool

    def to_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "kind": self.kind, "required": self.required}


@dataclass(frozen=True)
class QuestionnaireVersion:
    questionnaire_id: str
    version: int
    title: str
    questions: tuple[Question, ...]
    published_on: str

    @property
    def scale_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == SCALE)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def to_dict(self) -> dict:
        return {
            "questionnaire_id": self.questionnaire_id, "version": self.version,
            "title": self.title, "published_on": self.published_on,
            "questions": [q.to_dict() for q in self.questions],
            "scale": [{"value": v, "label": label} for v, label in SCALE_LABELS.items()],
        }


@dataclass(frozen=True)
class Questionnaire:
    questionnaire_id: str
    versions: tuple[QuestionnaireVersion, ...] = ()

    @property
    def version(self) -> int:
        """The stream's version, which is also the latest questionnaire version."""
        return len(self.versions)

    @property
    def latest(self) -> QuestionnaireVersion | None:
        return self.versions[-1] if self.versions else None

    @classmethod
    def from_events(cls, questionnaire_id: str, events: list[RecordedEvent]) -> Questionnaire:
        versions = []
        for event in events:
            if event.type == QUESTIONNAIRE_PUBLISHED:
                versions.append(_version_from(event.data))
        return cls(questionnaire_id, tuple(versions))

    def get(self, version: int | None = None) -> QuestionnaireVersion:
        if version is None and self.latest:
            return self.latest
        if version is not None and 1 <= version <= len(self.versions):
            return self.versions[version - 1]
        raise NotFound("questionnaire.version_not_found",
                       {"questionnaire_id": self.questionnaire_id, "version": version},
                       {"version": version or 1})

    def publish(self, title: str, questions: list[dict], today: date,
                event_id: str | None = None) -> list[NewEvent]:
        """The event publishing the next version; none when it repeats the latest one, so a
        retried publication does not mint a version nobody asked for."""
        if not ID_PATTERN.match(self.questionnaire_id):
            raise ValidationFailed("questionnaire.id_format", {"questionnaire_id": self.questionnaire_id})
        title = (title or "").strip()
        checked = _check_questions(questions)
        if not title or len(title) > MAX_TITLE:
            raise ValidationFailed("questionnaire.title_length", {"title": title},
                                   {"max": MAX_TITLE})
        latest = self.latest
        if latest and latest.title == title and [q.to_dict() for q in latest.questions] == checked:
            return []
        data = {"questionnaire_id": self.questionnaire_id, "version": self.version + 1,
                "title": title, "questions": checked, "published_on": today.isoformat()}
        if event_id:
            return [NewEvent(QUESTIONNAIRE_PUBLISHED, data, id=event_id)]
        return [NewEvent(QUESTIONNAIRE_PUBLISHED, data)]


def default_publication(today: date) -> list[NewEvent]:
    return Questionnaire(DEFAULT_ID).publish(DEFAULT_TITLE, [dict(q) for q in DEFAULT_QUESTIONS],
                                             today, event_id=DEFAULT_EVENT_ID)


def _check_questions(questions: list[dict]) -> list[dict]:
    problems: dict[str, str] = {}
    if not questions or len(questions) > MAX_QUESTIONS:
        raise ValidationFailed("questionnaire.question_count",
                               {"questions": len(questions or [])}, {"max": MAX_QUESTIONS})
    seen, checked = set(), []
    for index, question in enumerate(questions):
        key = f"questions.{index}"
        qid, text = question.get("id", ""), (question.get("text") or "").strip()
        kind, required = question.get("kind"), question.get("required", True)
        if not QUESTION_ID_PATTERN.match(qid or ""):
            problems[key] = "The id must be 1-32 lowercase letters, digits, '-' or '_'."
        elif qid in seen:
            problems[key] = f"The id {qid!r} is used twice."
        elif not text or len(text) > MAX_QUESTION_TEXT:
            problems[key] = f"The text must have 1-{MAX_QUESTION_TEXT} characters."
        elif kind not in KINDS:
            problems[key] = f"The kind must be one of {', '.join(KINDS)}."
        elif not isinstance(required, bool):
            problems[key] = "required must be true or false."
        seen.add(qid)
        checked.append({"id": qid, "text": text, "kind": kind, "required": required})
    if problems:
        raise ValidationFailed("questionnaire.questions_invalid", problems)
    if not any(q["kind"] == SCALE for q in checked):
        raise ValidationFailed("questionnaire.scale_needed", {"questions": "no scale5 question"})
    return checked


def _version_from(data: dict) -> QuestionnaireVersion:
    return QuestionnaireVersion(
        questionnaire_id=data["questionnaire_id"], version=data["version"], title=data["title"],
        questions=tuple(Question(q["id"], q["text"], q["kind"], q["required"])
                        for q in data["questions"]),
        published_on=data["published_on"])
