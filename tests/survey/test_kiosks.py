"""Given/When/Then: kiosks hold a token stored only as a hash, can be revoked, and submit
only for their commune; single-use codes bind one response each."""

import hashlib

import pytest

from contracts.survey import CodeInvalid, CodeUsed, KioskRevoked
from kernel.errors import Forbidden, IllegalTransition, Unauthorised
from services.survey.kiosks import (
    CODE_REDEEMED,
    KIOSK_REGISTERED,
    Kiosk,
    SingleUseCode,
    code_stream,
    issue_events,
    kiosk_id_of,
    kiosk_stream,
    new_code,
    new_kiosk_id,
    new_token,
    normalise_code,
)
from tests.survey.support import TODAY, recorded

KID = new_kiosk_id()
TOKEN = new_token(KID)


def registered():
    return Kiosk(KID).register("00004", "Bộ phận Một cửa", TOKEN, TODAY)


def given(*event_lists):
    events, version = [], 1
    for new_events in event_lists:
        events += recorded(kiosk_stream(KID), new_events, version)
        version += len(new_events)
    return Kiosk.from_events(KID, events)


def test_given_nothing_when_registered_then_only_the_tokens_hash_is_stored():
    [event] = registered()
    assert event.type == KIOSK_REGISTERED
    assert event.data["token_sha256"] == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert TOKEN not in str(event.data)
    assert kiosk_id_of(TOKEN) == KID


def test_tokens_are_random():
    assert new_token(KID) != new_token(KID)


def test_given_a_kiosk_when_its_token_is_shown_then_it_is_authenticated():
    assert given(registered()).authenticate(TOKEN).kiosk_id == KID


@pytest.mark.parametrize("token", [TOKEN + "x", f"{KID}.guess", "nonsense", ""])
def test_given_a_kiosk_when_a_wrong_token_is_shown_then_unauthorised(token):
    with pytest.raises(Unauthorised):
        kiosk_id_of(token)
        given(registered()).authenticate(token)


def test_given_a_revoked_kiosk_then_it_is_refused_with_forbidden():
    revoked = given(registered(), given(registered()).revoke("Thiết bị bị mất", TODAY))
    with pytest.raises(KioskRevoked) as refused:
        revoked.authenticate(TOKEN)
    assert isinstance(refused.value, Forbidden) and refused.value.http_status == 403
    assert "revoked" in str(refused.value) and "thu hồi" in refused.value.message
    with pytest.raises(IllegalTransition):
        revoked.revoke("again", TODAY)


def test_given_a_kiosk_when_it_submits_for_another_commune_then_forbidden():
    given(registered()).check_commune("00004")
    with pytest.raises(Forbidden):
        given(registered()).check_commune("00070")


def test_codes_are_easy_to_type_and_normalised():
    code = new_code()
    assert len(code) == 14 and code.count("-") == 2
    assert not set(code) & set("01IOL")
    assert code_stream(code.lower().replace("-", " ")) == code_stream(code)
    assert normalise_code(" abcd-efgh ") == "ABCDEFGH"


def code_state(code, campaign="00004-2025", redeemed_by=None):
    [(stream, issued)] = issue_events(campaign, [code], TODAY)
    events = [issued]
    if redeemed_by:
        events += SingleUseCode.from_events(code, recorded(stream, [issued])).redeem(
            campaign, redeemed_by, TODAY)
    return SingleUseCode.from_events(code, recorded(stream, events))


def test_given_an_issued_code_when_redeemed_then_it_binds_the_response():
    code = new_code()
    [event] = code_state(code).redeem("00004-2025", "r-1", TODAY)
    assert event.type == CODE_REDEEMED
    assert event.data["response_id"] == "r-1"
    assert code not in str(event.data)


def test_given_a_used_code_when_redeemed_again_then_code_used():
    code = new_code()
    with pytest.raises(CodeUsed) as refused:
        code_state(code, redeemed_by="r-1").redeem("00004-2025", "r-2", TODAY)
    assert refused.value.http_status == 409


def test_given_a_code_of_another_campaign_or_none_then_invalid():
    code = new_code()
    with pytest.raises(CodeInvalid):
        code_state(code, campaign="00070-2025").check("00004-2025")
    with pytest.raises(CodeInvalid):
        SingleUseCode.from_events(code, []).check("00004-2025")
