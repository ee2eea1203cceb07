"""The assessment service's plain-Python parts on both databases: handlers, the views that
explain a result, criteria-set publication and the roll-up read model."""

import copy
from datetime import date

import pytest

from kernel.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from kernel.events import Actor, Metadata
from kernel.projection import ProjectionProcessor, StoreSource
from kernel.store import EventStore
from rules.criteria import load_builtin_sets, set_for_year
from rules.scoring import appraised_sheet
from services.assessment import commands, criteria_sets, rollups, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from tests.support.assessment_figures import full_figures

DONG_QUANG, YEAR = "16426", 2022


def meta(role="commune_officer", subject="officer@test"):
    return Metadata(actor=Actor(subject=subject, role=role, jurisdiction={}))


@pytest.fixture
def store(database_url):
    store = EventStore(database_url, "assessment")
    store.migrate()
    yield store
    store.dispose()


def handlers_for(store):
    sets = criteria_sets.all_sets(store)
    return sets, AssessmentHandlers(
        store, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key)


def walk_to_appraised(handlers, criteria_set, commune=DONG_QUANG, year=YEAR, points=None,
                      disciplined=False):
    run = lambda command, **kw: handlers.execute(  # noqa: E731
        commune, year, commands.by_name(command, kw), meta())
    handlers.open(commune, year, meta())
    for indicator in criteria_set.indicators():
        run("record_figures", indicator_id=indicator.id, figures=full_figures(indicator))
    run("declare_conditions", declarations={"no_head_disciplined": not disciplined})
    run("submit_self_assessment")
    run("start_posting", start=f"{year}-12-15", channel="office")
    run("end_posting", today=f"{year}-12-20")
    run("submit_dossier", submitted_on=f"{year}-12-28")
    run("pass_check", checked_on=f"{year + 1}-01-03")
    run("start_appraisal", started_on=f"{year + 1}-01-05", council_size=3, method="meeting")
    for name in ("A", "B"):
        run("record_opinion", member_name=name, role="member", opinion="agree", given_by="meeting")
    for indicator in criteria_set.indicators():
        given = (points or {}).get(indicator.id, format(indicator.max, "f"))
        run("appraise_indicator", indicator_id=indicator.id, points=given, reason="checked")
    return run("complete_appraisal", completed_on=f"{year + 1}-01-10")


def test_a_whole_assessment_explains_its_self_and_appraised_sheets_and_recognition(store):
    sets, handlers = handlers_for(store)
    criteria_set = set_for_year(YEAR, sets)
    lowered = {"C1.I2": "1.00"}  # criterion 1 then has 4 of 10: below its 50 % floor
    walk_to_appraised(handlers, criteria_set, points=lowered)
    body = views.assessment(handlers.get(DONG_QUANG, YEAR), sets)
    assert body["state"] == "appraised" and body["district_code"] == "405"
    assert body["self_score"]["total"] == "100.00"
    assert body["appraised_score"]["total"] == "94.00" and body["appraised_score"]["basis"] == "appraised"
    assert body["criteria_set_provisional"] is True
    recognition = body["recognition"]
    assert recognition["recognised"] is False and body["recognition_preview"] is None
    floor = next(c for c in recognition["conditions"] if c["id"] == "floor.C1")
    assert floor["verdict"] == "not_met" and floor["value"] == "4.00" and floor["threshold"] == "5.00"
    assert "criterion 1 needs 1.00 more points" in floor["missing"]
    declared = next(c for c in recognition["conditions"] if c["id"] == "no_head_disciplined")
    assert declared["verdict"] == "met"


def test_the_recognition_preview_uses_the_self_sheet_until_the_council_scores(store):
    sets, handlers = handlers_for(store)
    handlers.open(DONG_QUANG, YEAR, meta())
    body = views.assessment(handlers.get(DONG_QUANG, YEAR), sets)
    assert body["self_score"] is None and body["recognition"] is None
    indicator = set_for_year(YEAR, sets).indicators()[0]
    handlers.execute(DONG_QUANG, YEAR,
                     commands.RecordFigures(indicator.id, full_figures(indicator)), meta())
    body = views.assessment(handlers.get(DONG_QUANG, YEAR), sets)
    preview = body["recognition_preview"]
    assert preview["recognised"] is False
    assert {c["id"]: c["verdict"] for c in preview["conditions"]}["no_head_disciplined"] == "missing_input"


@pytest.mark.parametrize("command, arguments, error", [
    ("submit_dossier", {"submitted_on": "2022-12-28"}, IllegalTransition),
    ("declare_conditions", {"declarations": {"colour": True}}, ValidationFailed),
    ("declare_conditions", {"declarations": {"no_head_disciplined": True}, "commune_class": "IV"},
     ValidationFailed),
    ("record_figures", {"indicator_id": "C9.I9", "figures": {}}, ValidationFailed),
    ("record_figures", {"indicator_id": "C1.I2", "figures": {"lawful": 1.5, "issued": 2}},
     ValidationFailed),
    ("start_posting", {"start": "yesterday", "channel": "office"}, ValidationFailed),
    ("start_posting", {"start": "2022-12-15", "channel": "office"}, IllegalTransition),
    ("no_such_command", {}, NotFound),
    ("record_figures", {"indicator": "C1.I2"}, ValidationFailed),
])
def test_a_bad_command_is_refused_and_the_stream_does_not_move(store, command, arguments, error):
    _, handlers = handlers_for(store)
    handlers.open(DONG_QUANG, YEAR, meta())
    before = store.stream_version(f"assessment-{DONG_QUANG}-{YEAR}")
    with pytest.raises(error):
        handlers.execute(DONG_QUANG, YEAR, commands.by_name(command, arguments), meta())
    assert store.stream_version(f"assessment-{DONG_QUANG}-{YEAR}") == before


def test_opening_twice_is_an_illegal_transition(store):
    _, handlers = handlers_for(store)
    handlers.open(DONG_QUANG, YEAR, meta())
    with pytest.raises(IllegalTransition) as raised:
        handlers.open(DONG_QUANG, YEAR, meta())
    assert raised.value.details["state"] == "drafting"
    assert store.stream_version(f"assessment-{DONG_QUANG}-{YEAR}") == 1


def test_appraised_sheet_keeps_two_decimal_points_and_lists_missing_indicators():
    criteria_set = load_builtin_sets()[("25-2021", 1)]
    sheet = appraised_sheet(criteria_set, {"C1.I1": {"points": "2.5", "reason": "r"},
                                           "C1.I2": {"points": "6.30", "reason": "r"}})
    assert str(sheet.criterion("C1").points) == "8.80"
    assert "C2.I1" in sheet.missing_indicators and sheet.basis == "appraised"
    with pytest.raises(ValidationFailed):
        appraised_sheet(criteria_set, {"C1.I1": {"points": "9.00", "reason": "r"}})
    pass_fail = load_builtin_sets()[("27-2025", 1)]
    first = pass_fail.indicator_ids()[0]
    sheet = appraised_sheet(pass_fail, {first: {"points": None, "achieved": False, "reason": "r"}})
    assert sheet.criteria[0].achieved is False and sheet.total is None


def _document(version=3, **changes):
    document = copy.deepcopy(load_builtin_sets()[("25-2021", 1)].to_dict())
    document["version"] = version
    document.update(changes)
    return document


def test_a_published_version_is_stored_as_an_event_and_used_for_new_assessments(store):
    document = _document(3, title="Bộ tiêu chí 25/2021 — phiên bản chính thức")
    published = criteria_sets.publish(store, document, meta("administrator", "admin@test"))
    assert published.key == ("25-2021", 3)
    [event] = store.read_stream("criteria-set-25-2021")
    assert event.type == "CriteriaSetPublished" and event.metadata["actor"] == "admin@test"
    sets, handlers = handlers_for(store)
    assert set_for_year(2023, sets).version == 3
    opened = handlers.open(DONG_QUANG, 2023, meta())
    assert opened.to_dict()["criteria_set_version"] == 3


@pytest.mark.parametrize("document, error", [
    (_document(2), Conflict),  # a built-in version
    (_document(3, weight=3), ValidationFailed),
    (_document(3, id="99-2099"), ValidationFailed),
    (_document(3, total_max=12.5), ValidationFailed),
])
def test_a_bad_or_existing_version_is_refused_and_nothing_is_stored(store, document, error):
    with pytest.raises(error):
        criteria_sets.publish(store, document, meta("administrator"))
    assert store.read_all() == []


def test_given_a_new_circular_when_published_after_the_old_regime_closes_its_years_then_it_applies_with_its_deadlines(store):
    # Given 27/2025 closes at 2029 in a new version, and a new circular's set from 2030 with
    # its own calendar (seven working days of posting), published without any code
    closing = copy.deepcopy(load_builtin_sets()[("27-2025", 2)].to_dict())
    closing.update(version=3, applies_to={"first_year": 2025, "last_year": 2029})
    new = copy.deepcopy(closing)
    new.update(id="99-2030", version=1, applies_to={"first_year": 2030, "last_year": None})
    new["calendar"] = {**new["calendar"], "posting_minimum": 7, "posting_unit": "working_days",
                       "provisional": []}
    with pytest.raises(ValidationFailed):  # 27/2025 still claims 2030
        criteria_sets.publish(store, new, meta("administrator"))
    criteria_sets.publish(store, closing, meta("administrator"))
    criteria_sets.publish(store, new, meta("administrator"))
    [registered] = store.read_stream("criteria-sets")
    assert registered.data == {"set_id": "99-2030"}
    # When a commune opens 2030, Then the new regime applies and its calendar is the one kept
    sets, handlers = handlers_for(store)
    assert set_for_year(2030, sets).key == ("99-2030", 1)
    assert set_for_year(2029, sets).key == ("27-2025", 3)
    opened = handlers.open("00004", 2030, meta()).to_dict()
    assert opened["criteria_set_id"] == "99-2030"
    [event] = store.read_stream("assessment-00004-2030")
    assert (event.data["calendar"]["posting_minimum"], event.data["calendar"]["posting_unit"]) == (
        7, "working_days")


def test_publishing_the_same_version_twice_is_a_conflict(store):
    criteria_sets.publish(store, _document(3), meta("administrator"))
    with pytest.raises(Conflict):
        criteria_sets.publish(store, _document(3), meta("administrator"))
    assert store.stream_version("criteria-set-25-2021") == 1


def test_the_rollup_projection_lists_and_counts_a_year(store):
    sets, handlers = handlers_for(store)
    criteria_set = set_for_year(YEAR, sets)
    walk_to_appraised(handlers, criteria_set, commune="16426")
    handlers.execute("16426", YEAR, commands.Decide(True, "1/QĐ", date(2023, 1, 20)),
                     meta("chairman"))
    walk_to_appraised(handlers, criteria_set, commune="16420", disciplined=True)
    handlers.execute("16420", YEAR, commands.Decide(False, "2/QĐ", date(2023, 1, 20)),
                     meta("chairman"))
    # the decision carries the rules applied to the council's sheet: why, for the board
    decided = store.read_stream("assessment-16420-2022")[-1]
    why = {c["id"]: c for c in decided.data["recognition"]["conditions"]}
    assert decided.data["recognition"]["recognised"] is False
    assert why["no_head_disciplined"]["verdict"] == "not_met"
    assert why["no_head_disciplined"]["value"] == "false" and why["total"]["verdict"] == "met"
    # a caller cannot bring its own explanation: the rules' verdict is the handler's
    with pytest.raises(ValidationFailed):
        handlers.execute("16426", YEAR, commands.Decide.from_arguments({
            "recognised": True, "decision_number": "3/QĐ", "decision_date": "2023-01-20",
            "recognition": {"recognised": True, "conditions": []}}), meta("chairman"))
    handlers.open("16417", YEAR, meta())
    projection = rollups.RollupProjection()
    projection.migrate(store.engine)
    processor = ProjectionProcessor(store, projection, {"assessment": StoreSource(store)})
    processor.catch_up(StoreSource(store))
    result = rollups.province_rollup(store.engine, sets, "38", YEAR)
    by_code = {line["commune_code"]: line for line in result["communes"]}
    assert by_code["16426"]["recognised"] is True and by_code["16426"]["appraised_total"] == "100.00"
    assert by_code["16420"]["recognised"] is False
    assert by_code["16417"]["state"] == "drafting" and by_code["16417"]["self_total"] is None
    assert result["totals"]["assessments"] == 3 and result["totals"]["recognised"] == 1
    assert result["totals"]["recognised_of_decided"] == "50.00"
    # Every district of Thanh Hóa that year (27, 559 communes), Đông Sơn's with the three.
    assert len(result["districts"]) == 27 and result["totals"]["communes"] == 559
    dong_son = next(d for d in result["districts"] if d["district_code"] == "405")
    assert {k: dong_son[k] for k in ("assessments", "recognised", "not_opened")} == {
        k: result["totals"][k] for k in ("assessments", "recognised", "not_opened")} | {
        "not_opened": 14 - 3}
    assert rollups.province_rollup(store.engine, sets, "38", YEAR, "999")["communes"] == []
    assert processor.rebuild() > 0  # from zero, to the same answer
    assert rollups.province_rollup(store.engine, sets, "38", YEAR) == result


def test_handlers_refuse_an_unknown_commune(store):
    _, handlers = handlers_for(store)
    with pytest.raises(NotFound):
        handlers.open("99999", YEAR, meta())
    assert date(2022, 1, 1)  # (the legacy data places communes by year)


def test_known_versions_are_served_without_reading_and_a_new_one_is_never_missed(
        store, database_url, monkeypatch):
    other_replica = EventStore(database_url, "assessment")
    try:
        sets = criteria_sets.all_sets(store)
        assert set_for_year(2023, sets).version == 2  # lists the versions: reads the log
        reads = []
        real = criteria_sets.published_sets
        monkeypatch.setattr(criteria_sets, "published_sets",
                            lambda s: reads.append(s) or real(s))
        assert sets[("25-2021", 2)].version == 2 and views.find_criteria_set(
            criteria_sets.all_sets(store), "619-2017", 1).id == "619-2017"
        assert reads == []  # a version once known never changes: nothing read
        # Another replica publishes version 3; this one finds it at the first lookup
        criteria_sets.publish(other_replica, _document(3, title="Phiên bản 3"), meta("administrator"))
        assert criteria_sets.all_sets(store)[("25-2021", 3)].title == "Phiên bản 3"
        assert set_for_year(2023, criteria_sets.all_sets(store)).version == 3
    finally:
        other_replica.dispose()
