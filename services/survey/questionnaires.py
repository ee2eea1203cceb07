"""Questionnaires: versioned definitions. A version, once published, is an event and never
changes; publishing again adds the next version, so every response can name exactly what
it answered.

Each questionnaire has a purpose, fixed by its first version: ``satisfaction`` (citizens'
satisfaction with the commune's procedures and access to the law; every questionnaire
published before purposes existed) or ``dissemination_models`` (Form 04 of Circular
09/2021/TT-BTP: how effective the commune's forms and models of legal dissemination are,
what Decision 25/2021's indicator C2.I4 is scored from). The purpose names the scale's
labels; the arithmetic (levels 4-5 of 5 count) is the same."""

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
SATISFACTION, DISSEMINATION_MODELS = "satisfaction", "dissemination_models"
PURPOSES = (SATISFACTION, DISSEMINATION_MODELS)
SCALE_LABELS = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường",
                4: "Hài lòng", 5: "Rất hài lòng"}
LABELS_BY_PURPOSE = {
    SATISFACTION: SCALE_LABELS,
    DISSEMINATION_MODELS: {1: "Rất không hiệu quả", 2: "Không hiệu quả", 3: "Bình thường",
                           4: "Hiệu quả", 5: "Rất hiệu quả"},
}
# The positive answers, whatever the purpose: "satisfied" in the results' field names.
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

# Form 04 (Mẫu 04) of Circular 09/2021/TT-BTP: the opinion survey on the effectiveness of the
# forms and models of legal information, dissemination and education at the grassroots,
# which Decision 25/2021 scores indicator C2.I4 from. The official form's own wording was not
# found: the questions below are the platform's, modelled on the form's purpose (one question
# per usual form or model, one overall, one optional comment). Publish a new version of this
# questionnaire with the official text once it is at hand.
MAU04_ID = "mau-04-pbgdpl"
MAU04_TITLE = ("Phiếu lấy ý kiến về hiệu quả của các hình thức, mô hình thông tin, phổ biến, "
               "giáo dục pháp luật tại cơ sở (Mẫu 04, Thông tư 09/2021/TT-BTP)")
MAU04_QUESTIONS = (
    {"id": "tu-sach", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về hiệu quả của tủ sách pháp luật, góc pháp luật tại "
             "xã, thôn, tổ dân phố (sách, tài liệu dễ tìm, dễ đọc, được cập nhật)?"},
    {"id": "loa-dai", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về hiệu quả của việc thông tin, phổ biến pháp luật qua "
             "đài truyền thanh xã, loa truyền thanh ở thôn, tổ dân phố?"},
    {"id": "hoi-nghi", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về hiệu quả của các hội nghị phổ biến pháp luật, buổi "
             "giải đáp, tư vấn pháp luật cho người dân tại cơ sở?"},
    {"id": "ngay-phap-luat", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về hiệu quả của các hoạt động hưởng ứng Ngày Pháp luật "
             "nước Cộng hòa xã hội chủ nghĩa Việt Nam (9/11) tại địa phương?"},
    {"id": "mo-hinh", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về hiệu quả của các mô hình như câu lạc bộ pháp luật, "
             "tổ hòa giải, cuộc thi tìm hiểu pháp luật tại địa phương?"},
    {"id": "truc-tuyen", "kind": SCALE, "required": True,
     "text": "Ông/Bà đánh giá thế nào về hiệu quả của việc thông tin pháp luật qua trang thông "
             "tin điện tử của xã, nhóm Zalo, mạng xã hội?"},
    {"id": "chung", "kind": SCALE, "required": True,
     "text": "Nhìn chung, Ông/Bà đánh giá thế nào về hiệu quả của các hình thức, mô hình thông "
             "tin, phổ biến, giáo dục pháp luật tại cơ sở?"},
    {"id": "gop-y", "kind": TEXT, "required": False,
     "text": "Ông/Bà có đề xuất gì để việc phổ biến, giáo dục pháp luật ở địa phương hiệu quả "
             "hơn? (Xin đừng ghi họ tên, số điện thoại hay thông tin cá nhân.)"},
)
MAU04_EVENT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "tcpl:survey:questionnaire:mau-04-pbgdpl:v1"))


def purpose_field(purpose: str) -> dict:
    """``purpose`` as the survey's events carry it: absent for satisfaction, so those events
    are exactly what earlier releases wrote (the built-in questionnaire's fixed event too),
    and every reader takes a missing purpose for satisfaction."""
    return {} if purpose == SATISFACTION else {"purpose": purpose}


def scale_labels(purpose: str | None) -> dict[int, str]:
    """The five levels' labels for ``purpose`` (none: satisfaction, as before purposes)."""
    return LABELS_BY_PURPOSE.get(purpose or SATISFACTION, SCALE_LABELS)


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
    purpose: str = SATISFACTION

    @property
    def scale_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == SCALE)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def to_dict(self) -> dict:
        return {
            "questionnaire_id": self.questionnaire_id, "version": self.version,
            "title": self.title, "published_on": self.published_on,
            "purpose": self.purpose,
            "questions": [q.to_dict() for q in self.questions],
            "scale": [{"value": v, "label": label}
                      for v, label in scale_labels(self.purpose).items()],
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
                event_id: str | None = None, purpose: str = SATISFACTION) -> list[NewEvent]:
        """The event publishing the next version; none when it repeats the latest one, so a
        retried publication does not mint a version nobody asked for. The purpose is the
        first version's for good: campaigns and results of one questionnaire mean one thing."""
        if not ID_PATTERN.match(self.questionnaire_id):
            raise ValidationFailed("questionnaire.id_format", {"questionnaire_id": self.questionnaire_id})
        if purpose not in PURPOSES:
            raise ValidationFailed("questionnaire.purpose", {"purpose": purpose},
                                   {"purposes": ", ".join(PURPOSES)})
        if self.latest and self.latest.purpose != purpose:
            raise ValidationFailed("questionnaire.purpose_changed",
                                   {"purpose": purpose, "published": self.latest.purpose},
                                   {"published": self.latest.purpose})
        title = (title or "").strip()
        checked = _check_questions(questions)
        if not title or len(title) > MAX_TITLE:
            raise ValidationFailed("questionnaire.title_length", {"title": title},
                                   {"max": MAX_TITLE})
        latest = self.latest
        if latest and latest.title == title and [q.to_dict() for q in latest.questions] == checked:
            return []
        data = {"questionnaire_id": self.questionnaire_id, "version": self.version + 1,
                "title": title, "questions": checked, "published_on": today.isoformat(),
                **purpose_field(purpose)}
        if event_id:
            return [NewEvent(QUESTIONNAIRE_PUBLISHED, data, id=event_id)]
        return [NewEvent(QUESTIONNAIRE_PUBLISHED, data)]


def default_publication(today: date) -> list[NewEvent]:
    return Questionnaire(DEFAULT_ID).publish(DEFAULT_TITLE, [dict(q) for q in DEFAULT_QUESTIONS],
                                             today, event_id=DEFAULT_EVENT_ID)


def mau04_publication(today: date) -> list[NewEvent]:
    return Questionnaire(MAU04_ID).publish(MAU04_TITLE, [dict(q) for q in MAU04_QUESTIONS],
                                           today, event_id=MAU04_EVENT_ID,
                                           purpose=DISSEMINATION_MODELS)


# The built-in questionnaires, seeded the first time each is read (fixed event ids).
BUILT_IN = {DEFAULT_ID: default_publication, MAU04_ID: mau04_publication}


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
        published_on=data["published_on"], purpose=data.get("purpose", SATISFACTION))
