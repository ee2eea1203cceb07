"""The roll-up's complete lists (communes without an assessment) and the district-level
standard of Decision 1723/QĐ-BTP (2022)."""

import pytest

from kernel.projection import ProjectionProcessor, StoreSource
from kernel.store import EventStore
from reference import units
from rules.criteria import load_builtin_sets, set_for_year
from services.assessment import commands, rollups
from tests.assessment.test_service_handlers import handlers_for, meta, walk_to_appraised

YEAR = 2022
RECOGNISED, REFUSED, LOW = "16426", "16420", "16417"  # Đông Sơn (405), Thanh Hóa (38)


def line(code, recognised=True, total="95.00", below=(), head=False, missing=(), state=None):
    return {"commune_code": code, "commune_name": f"Xã {code}", "district_code": "405",
            "state": state or {True: "recognised", False: "not_recognised", None: "appraised"}[recognised],
            "recognised": recognised, "appraised_total": total,
            "appraised_missing": list(missing) if total is not None else None,
            "indicators_below_half": [{"id": i, "points": "0.00", "max": "5.00", "threshold": "2.50"}
                                      for i in below] if total is not None else None,
            "head_disciplined": head, "provisional": True}


def verdicts(result):
    return {c["id"]: c["verdict"] for c in result["conditions"]}


def test_a_district_meets_the_standard_when_every_condition_holds():
    result = rollups.district_standard([line("1"), line("2", total="90.00")])
    assert result["applicable"] is True and result["met"] is True and result["verdict"] == "met"
    assert set(verdicts(result).values()) == {"met"}
    total = next(c for c in result["conditions"] if c["id"] == "commune_totals_at_least_90")
    assert total["value"] == "90.00" and total["threshold"] == "90.00" and total["missing"] is None
    assert result["provisional"] is True


@pytest.mark.parametrize("lines, failing, words", [
    ([line("1"), line("2", recognised=False)], "all_communes_recognised", "not recognised: Xã 2 (2)"),
    ([line("1"), line("2", total="89.99")], "commune_totals_at_least_90", "total below 90.00: Xã 2 (2) 89.99"),
    ([line("1"), line("2", below=("C3.I1",))], "indicators_at_least_half",
     "Xã 2 (2): C3.I1 0.00 of 5.00 (at least 2.50)"),
    ([line("1"), line("2", head=True)], "no_head_disciplined", "head official disciplined: Xã 2 (2)"),
])
def test_each_condition_alone_fails_the_district(lines, failing, words):
    result = rollups.district_standard(lines)
    assert result["met"] is False and result["verdict"] == "not_met"
    assert {k for k, v in verdicts(result).items() if v != "met"} == {failing}
    condition = next(c for c in result["conditions"] if c["id"] == failing)
    assert words in condition["missing"] and words in result["summary"]


def test_undecided_or_unopened_communes_leave_the_standard_undecided():
    unopened = line("3", recognised=None, total=None, head=None, state="not_opened")
    result = rollups.district_standard([line("1"), unopened])
    assert result["met"] is False and result["verdict"] == "missing_input"
    assert verdicts(result)["all_communes_recognised"] == "missing_input"
    assert "Xã 3 (3) not opened" in result["summary"]


def test_the_standard_applies_only_to_district_reviewed_25_2021_years():
    sets = load_builtin_sets()
    assert rollups._district_standard_not_applicable(sets, 2022) is None
    reason = rollups._district_standard_not_applicable(sets, 2019)
    assert reason.startswith("not applicable") and "619-2017" in reason
    result = rollups.district_standard([line("1")], reason)
    assert result == {"applicable": False, "reason": reason, "met": None, "verdict": None,
                      "conditions": [], "summary": reason}


# -- against the read model ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def year_2022(tmp_path_factory):
    store = EventStore(f"sqlite:///{tmp_path_factory.mktemp('rollups')}/store.sqlite", "assessment")
    store.migrate()
    sets, handlers = handlers_for(store)
    criteria_set = set_for_year(YEAR, sets)
    for commune, kwargs, recognised in ((RECOGNISED, {}, True),
                                        (REFUSED, {"disciplined": True}, False),
                                        (LOW, {"points": {"C1.I2": "1.00"}}, False)):
        walk_to_appraised(handlers, criteria_set, commune=commune, **kwargs)
        handlers.execute(commune, YEAR, commands.Decide.from_arguments({
            "recognised": recognised, "decision_number": f"{commune}/QĐ-UBND",
            "decision_date": "2023-01-20"}), meta("chairman"))
    handlers.open("16423", YEAR, meta())  # opened, nothing more
    projection = rollups.RollupProjection()
    projection.migrate(store.engine)
    ProjectionProcessor(store, projection, {"assessment": StoreSource(store)}).catch_up(StoreSource(store))
    yield store, sets
    store.dispose()


def test_the_province_rollup_counts_every_unit_of_the_year(year_2022):
    store, sets = year_2022
    result = rollups.province_rollup(store.engine, sets, "38", YEAR)
    totals = result["totals"]
    # Thanh Hóa in 2022: 27 districts, 559 communes (docs/reference-data.md), 4 opened.
    assert (totals["communes"], totals["assessments"], totals["not_opened"]) == (559, 4, 555)
    assert len(result["districts"]) == 27 and len(result["communes"]) == 559
    assert result["unit_list"] == {"source": "legacy", "coverage": "complete", "complete": True}
    assert totals["districts_for_standard"] == 27 and totals["districts_meeting_standard"] == 0


def test_the_rollup_lists_the_communes_without_an_assessment(year_2022):
    store, sets = year_2022
    result = rollups.province_rollup(store.engine, sets, "38", YEAR, "405")
    everyone = {c.code for c in units.legacy_communes("405", YEAR)}
    lines = {line["commune_code"]: line for line in result["communes"]}
    assert set(lines) == everyone and len(everyone) == 14
    not_opened = [code for code, line in lines.items() if line["state"] == "not_opened"]
    assert len(not_opened) == 10 and all(lines[c]["recognised"] is None for c in not_opened)
    assert lines[not_opened[0]]["commune_name"] and lines[RECOGNISED]["district_name"] == "Huyện Đông Sơn"
    totals = result["totals"]
    assert (totals["communes"], totals["assessments"], totals["not_opened"]) == (14, 4, 10)
    assert (totals["recognised"], totals["not_recognised"], totals["undecided"]) == (1, 2, 11)
    assert totals["recognised_of_all"] == "7.14" and totals["recognition_rate"] == "7.14" and totals["recognised_of_decided"] == "33.33"
    assert result["unit_list"] == {"source": "legacy", "coverage": "complete", "complete": True}
    assert result["province_name"] == "Tỉnh Thanh Hóa"
    district = result["districts"][0]
    assert district["district_code"] == "405" and district["communes"] == 14
    standard = district["district_standard"]
    assert standard["applicable"] and standard["verdict"] == "not_met"
    failed = {c["id"] for c in standard["conditions"] if c["verdict"] == "not_met"}
    assert failed == {"all_communes_recognised", "indicators_at_least_half", "no_head_disciplined"}
    assert totals["districts_meeting_standard"] == 0 and totals["districts_for_standard"] == 1
    low = lines[LOW]
    assert low["indicators_below_half"][0]["id"] == "C1.I2"
    assert any("Tiêu chí 1" in words for words in low["unmet_conditions_vi"])
    assert any("Không bảo đảm điều kiện" in w for w in lines[REFUSED]["unmet_conditions_vi"])


def test_a_2025_rollup_lists_the_current_communes_of_the_province(year_2022):
    store, sets = year_2022
    result = rollups.province_rollup(store.engine, sets, "01", 2025)
    assert len(result["communes"]) == len(units.communes("01")) == result["totals"]["not_opened"]
    assert result["districts"] == [] and result["totals"]["districts_meeting_standard"] is None
    assert result["unit_list"]["source"] == "current"
