"""Given/When/Then for the reviewing level of a province and year."""

import pytest

from kernel.errors import ValidationFailed
from kernel.events import RecordedEvent
from services.assessment.reviewing_levels import LEVEL_SET, ReviewingLevel


def level_set(version, level, province="38", year=2022):
    return RecordedEvent(
        source="assessment", position=version, id=f"e{version}",
        stream=f"reviewing-level-{province}-{year}", version=version, type=LEVEL_SET,
        schema_version=1, data={"province_code": province, "year": year, "level": level},
        metadata={}, prev_hash="0" * 64, hash="0" * 64)


def given(*events, province="38", year=2022):
    return ReviewingLevel.from_events(province, year, list(events))


@pytest.mark.parametrize("year, level", [(2017, "district"), (2024, "district"),
                                         (2025, "province"), (2030, "province")])
def test_given_nothing_configured_then_the_law_of_the_year_decides(year, level):
    state = given(year=year)
    assert (state.level, state.source, state.version) == (level, "default", 0)


def test_given_nothing_when_set_then_one_event_records_it():
    [event] = given().set("province")
    assert event.type == LEVEL_SET
    assert event.data == {"province_code": "38", "year": 2022, "level": "province"}


def test_given_a_configured_level_when_set_to_the_same_then_nothing_happens():
    assert given(level_set(1, "province")).set("province") == []


def test_given_a_configured_level_when_changed_then_the_latest_event_wins():
    state = given(level_set(1, "province"), level_set(2, "district"))
    assert (state.level, state.source, state.version) == ("district", "configured", 2)


def test_given_a_default_when_set_to_the_same_level_explicitly_then_it_is_recorded():
    assert len(given().set("district")) == 1


@pytest.mark.parametrize("year, level, message", [
    (2026, "district", "Districts were abolished"),
    (2022, "commune", "must be one of"),
    (2016, "district", "between 2017 and 2100"),
])
def test_illegal_levels_are_refused_with_a_reason(year, level, message):
    with pytest.raises(ValidationFailed, match=message):
        given(year=year).set(level)
