"""Free text on SQLite and PostgreSQL: sealed with a per-campaign key kept outside the log,
shown screened, and erased for good by deleting the key (crypto-shredding) while the chain
still verifies and the read model still rebuilds."""

import json

import pytest
from sqlalchemy import func, select

from kernel.events import Actor, Metadata, NewEvent
from kernel.store import NO_STREAM
from services.survey.application import SurveyApp
from services.survey.campaigns import TEXT_ERASED
from services.survey.responses import RESPONSE_SUBMITTED, private_metadata
from services.survey.responses import stream_name as response_stream
from services.survey.textkeys import TextKeys, text_keys, unseal
from tests.support.stores import open_store
from tests.survey.support import TODAY, full_answers, limiter
from tests.survey.test_store import META, response

ADMIN = Metadata(actor=Actor("admin@so-tu-phap", "administrator", {}))
CID = "00004-2025"
# What citizens wrote; none of it may reach the log in clear.
PERSONAL = [
    "Cán bộ Nguyễn Văn An rất nhiệt tình, cảm ơn chị Lan",
    "Nhà tôi ở số 12 ngõ 34 phố Huế, đi lại xa, gọi (024) 3825 1234",
    "Thủ tục nhanh, không phải đi lại nhiều lần",
]
# Each with a space or a letter base64 lacks: a bare "Lan" turns up in a ciphertext's base64
# in a few runs of a hundred (1 of 40 here).
SECRETS = ["Nguyễn Văn An", "chị Lan", "ngõ 34", "phố Huế", "3825 1234", "Thủ tục nhanh"]


@pytest.fixture
def store(database_url):
    store = open_store(database_url, source="survey")
    yield store
    store.dispose()


@pytest.fixture(params=["own database", "survey database"])
def keys(request, store, tmp_path):
    """The key store in a database of its own (SURVEY_KEYS_URL), as production should have
    it, or a table of the survey's database (the default)."""
    if request.param == "survey database":
        yield TextKeys(store.engine)
        return
    keys = TextKeys.at(f"sqlite:///{tmp_path}/survey-keys.sqlite")
    yield keys
    keys.dispose()


def survey(store, keys, minimum=3):
    return SurveyApp(store, limiter=limiter(), min_answers=minimum, today=lambda: TODAY,
                     text_keys=keys)


def with_text(text, **extra):
    return {**response(**extra), "answers": full_answers(4, text)}


def setup(app, texts=PERSONAL):
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 3,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    token = app.register_kiosk({"commune_code": "00004", "label": "Quầy 1"}, META)["token"]
    sent = [with_text(text) for text in texts]
    for body in sent[:1]:
        app.submit(token, body)
    app.submit_many([{"kiosk_token": token, "response": body} for body in sent[1:]])
    return token, sent


def whole_log(store) -> str:
    return json.dumps([e.to_message() for e in store.read_all(0, 10_000, upcast=False)],
                      ensure_ascii=False)


def test_the_log_holds_ciphertext_only_and_readers_see_the_text_screened(store, keys):
    app = survey(store, keys)
    setup(app)
    log = whole_log(store)
    assert not [secret for secret in SECRETS if secret in log]
    stored = store.read_all(types=[RESPONSE_SUBMITTED], upcast=False)
    assert all(e.schema_version == 2 and "gop-y" not in e.data["answers"]
               and set(e.data["sealed_text"]) == {"key_id", "nonce", "ciphertext"}
               for e in stored)
    # one key for the campaign, in the key store, not in the survey's database
    [key_id] = {e.data["sealed_text"]["key_id"] for e in stored}
    assert keys.of_campaign(CID) == [key_id]
    if keys.engine is not store.engine:
        assert "survey_text_keys" not in _tables_with_rows(store)

    comments = app.comments(CID)
    assert (comments["published"], comments["with_text"], comments["unreadable"]) == (True, 3, 0)
    assert comments["comments"] == sorted([
        {"question_id": "gop-y", "text": "Cán bộ [họ tên] rất nhiệt tình, cảm ơn chị [họ tên]",
         "redacted": ["name"]},
        {"question_id": "gop-y", "text": "Nhà tôi ở [địa chỉ], đi lại xa, gọi [số điện thoại]",
         "redacted": ["address", "phone"]},
        {"question_id": "gop-y", "text": "Thủ tục nhanh, không phải đi lại nhiều lần",
         "redacted": []}], key=lambda c: c["text"])
    assert app.results(CID)["responses"] == 3


def test_comments_wait_for_the_same_minimum_as_rates(store, keys):
    app = survey(store, keys, minimum=30)
    setup(app)
    comments = app.comments(CID)
    assert (comments["published"], comments["comments"]) == (False, [])
    assert comments["reason"] == "Only 3 responses; comments are shown from 30."


def test_deleting_the_key_erases_the_text_for_good_and_nothing_else(store, keys):
    app = survey(store, keys)
    token, sent = setup(app)
    before = app.results(CID)
    [key_id] = keys.of_campaign(CID)
    sealed = [e.data["sealed_text"] for e in store.read_all(types=[RESPONSE_SUBMITTED])]

    erased = app.erase_free_text(CID, "Người dân yêu cầu xóa dữ liệu cá nhân", ADMIN)
    assert (erased["erased_keys"], erased["reason"]) == (1, "Người dân yêu cầu xóa dữ liệu cá nhân")
    [event] = store.read_all(types=[TEXT_ERASED])
    assert event.data == {"campaign_id": CID, "key_ids": [key_id],
                          "reason": "Người dân yêu cầu xóa dữ liệu cá nhân",
                          "erased_on": TODAY.isoformat()}
    assert event.metadata["actor"] == "admin@so-tu-phap"  # who; never the key itself

    # the key is gone from the key store, and no key left opens what the log holds
    assert keys.of_campaign(CID) == []
    with keys.engine.connect() as conn:
        remaining = [row.key for row in conn.execute(select(text_keys))]
    assert not any(unseal(s, key, CID, e.data["response_id"]) for key in remaining
                   for s, e in zip(sealed, store.read_all(types=[RESPONSE_SUBMITTED]),
                                   strict=True))
    comments = app.comments(CID)
    assert (comments["erased"], comments["unreadable"], comments["comments"]) == (True, 3, [])
    assert not [secret for secret in SECRETS if secret in whole_log(store)]

    # the log, its chain and the counts stand; the read model rebuilds to the same figures
    assert store.verify_chain().ok
    assert app.processor.rebuild() >= 3
    assert app.results(CID) == before
    # a kiosk resending an erased response still hears it went through, counted once
    assert app.submit(token, sent[0])["result"] == "duplicate"
    # a comment received after the erasure has a key of its own, and is readable
    app.submit(token, with_text("Phục vụ tốt"))
    assert [c["text"] for c in app.comments(CID)["comments"]] == ["Phục vụ tốt"]
    assert len(keys.of_campaign(CID)) == 1 and keys.of_campaign(CID) != [key_id]


def test_an_erasure_needs_a_reason_and_a_campaign(store, keys):
    from kernel.errors import NotFound, ValidationFailed

    app = survey(store, keys)
    setup(app)
    with pytest.raises(ValidationFailed) as refused:
        app.erase_free_text(CID, "  ", ADMIN)
    assert "lý do" in refused.value.message
    with pytest.raises(NotFound):
        app.erase_free_text("00004-1999", "yêu cầu", ADMIN)
    assert len(keys.of_campaign(CID)) == 1


def test_an_erasure_that_stopped_before_deleting_is_completed_by_the_next(store, keys,
                                                                          monkeypatch):
    app = survey(store, keys)
    setup(app)
    [key_id] = keys.of_campaign(CID)
    monkeypatch.setattr(keys, "delete", lambda key_ids: 0)  # the service died in between
    app.erase_free_text(CID, "yêu cầu xóa", ADMIN)
    monkeypatch.undo()
    assert keys.of_campaign(CID) == [key_id]
    # even before that, the named key is no longer used or shown
    assert app.comments(CID)["unreadable"] == 3
    app.erase_free_text(CID, "hoàn tất lần xóa trước", ADMIN)
    assert keys.of_campaign(CID) == []


def test_replays_of_a_response_with_text_are_told_from_conflicts(store, keys):
    from contracts.survey import ResponseConflict

    app = survey(store, keys)
    token, sent = setup(app)
    assert app.submit(token, dict(sent[2]))["result"] == "duplicate"
    # same id, same levels, another comment: a conflict, though the fingerprint cannot see it
    with pytest.raises(ResponseConflict):
        app.submit(token, {**sent[2], "answers": full_answers(4, "Một góp ý khác")})
    with pytest.raises(ResponseConflict):
        app.submit(token, {**sent[2], "answers": full_answers(4)})


def test_text_an_earlier_release_kept_in_clear_is_screened_and_hidden_after_an_erasure(
        store, keys):
    app = survey(store, keys)
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 1,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    kiosk = app.register_kiosk({"commune_code": "00004", "label": "Quầy 1"}, META)
    token = kiosk["token"]
    # As version 1 stored it: the comment in the answers, in clear.
    old = with_text("Chị Hoa ở thôn 5 rất tận tình")
    from services.survey.application import _parse

    submission, _ = _parse(kiosk["kiosk_id"], old)
    store.append(response_stream(old["response_id"]), NO_STREAM, [NewEvent(
        RESPONSE_SUBMITTED, {
            "response_id": old["response_id"], "campaign_id": CID, "commune_code": "00004",
            "period": "2025", "questionnaire_id": old["questionnaire_id"],
            "questionnaire_version": 1, "kiosk_id": kiosk["kiosk_id"],
            "answers": {**full_answers(4), "gop-y": "Chị Hoa ở thôn 5 rất tận tình"},
            "with_code": False, "received_on": TODAY.isoformat(),
            "fingerprint": submission.legacy_fingerprint(kiosk["kiosk_id"])},
        id=old["response_id"])], private_metadata(kiosk["kiosk_id"], "00004"))
    app.submit(token, with_text("Rất hài lòng"))
    app.submit(token, response())
    assert [c["text"] for c in app.comments(CID)["comments"]] == [
        "Chị [họ tên] ở [địa chỉ] rất tận tình", "Rất hài lòng"]
    assert app.results(CID)["responses"] == 3  # read as version 2: its levels count
    assert app.submit(token, old)["result"] == "duplicate"  # judged by the old fingerprint
    app.erase_free_text(CID, "yêu cầu xóa", ADMIN)
    assert app.comments(CID)["unreadable"] == 2


def _tables_with_rows(store) -> set[str]:
    from sqlalchemy import MetaData

    reflected = MetaData()
    reflected.reflect(store.engine)
    with store.engine.connect() as conn:
        return {name for name, table in reflected.tables.items()
                if conn.execute(select(func.count()).select_from(table)).scalar()}
