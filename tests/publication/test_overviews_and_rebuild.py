"""Overviews over the record, and a rebuild from zero giving the same record as live."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kernel.errors import NotFound
from kernel.projection import ProjectionProcessor, StoreSource
from services.assessment import exports, rollups
from services.publication import overviews, record, search
from tests.publication.support import DONG_HOA, DONG_NAM, DONG_QUANG, THANH_HOA, YEAR, meta


def fill(setup):
    setup.walk(DONG_QUANG, comments=["Góp ý"])
    setup.walk(DONG_HOA, recognised=False, points={"C1.I2": "1.00"})
    setup.walk(DONG_NAM, until="appraised")
    setup.walk("16384", until="drafted")  # not public: not assessed
    setup.walk("00004", year=2025)
    setup.survey_result(DONG_QUANG, str(YEAR))


def test_province_and_national_overviews_and_one_recognition_rate(setup):
    fill(setup)
    setup.sync()
    body = overviews.province_overview(setup.engine, THANH_HOA, YEAR)
    # Every unit of Thanh Hóa that year: 27 districts, 559 communes (docs/reference-data.md).
    districts = body.pop("districts")
    assert body == {"province": {"code": THANH_HOA, "name": "Tỉnh Thanh Hóa"}, "year": YEAR,
                    "communes": 559, "assessed": 3, "decided": 2, "recognised": 1,
                    "not_recognised": 1, "rate_percent": "0.18", "pause": None}  # 1 of 559 units
    assert len(districts) == 27 and sum(d["communes"] for d in districts) == 559
    assert {"district_code": "405", "district_name": "Huyện Đông Sơn", "communes": 14, "decided": 2,
            "recognised": 1, "rate_percent": "7.14"} in districts
    assert {"district_code": "380", "district_name": "Thành phố Thanh Hóa", "communes": 34,
            "decided": 0, "recognised": 0, "rate_percent": "0.00"} in districts
    hanoi = overviews.province_overview(setup.engine, "01", 2025)
    assert hanoi["districts"] == [] and hanoi["assessed"] == 1
    assert hanoi["rate_percent"] == overviews.rate(1, hanoi["communes"])
    assert hanoi["communes"] > 100
    nobody = overviews.province_overview(setup.engine, THANH_HOA, 2021)
    assert nobody["assessed"] == 0 and nobody["rate_percent"] == "0.00"  # 0 of 559
    with pytest.raises(NotFound):
        overviews.province_overview(setup.engine, "99", YEAR)

    national = overviews.national_overview(setup.engine, YEAR)
    by_code = {p["province_code"]: p for p in national["provinces"]}
    assert by_code[THANH_HOA] == {"province_code": THANH_HOA, "province_name": "Tỉnh Thanh Hóa",
                                  "communes": 559, "decided": 2, "recognised": 1,
                                  "rate_percent": "0.18", "pause": None}
    assert national["totals"]["decided"] == 2 and national["totals"]["recognised"] == 1
    assert national["totals"]["communes"] == sum(p["communes"] for p in national["provinces"])
    # The national page for 2022 counts every unit of the year: 63 provinces, 10,599 communes.
    assert len(national["provinces"]) == 63 and national["totals"]["communes"] == 10599
    national_2025 = overviews.national_overview(setup.engine, 2025)
    # the decision carries why, condition by condition; the entries read in Vietnamese form
    year = record.commune_record(setup.engine, DONG_HOA)["years"][0]
    why = {c["id"]: c for c in year["decision"]["recognition"]["conditions"]}
    assert why["total"]["kind"] == "total" and why["total"]["value"] == year["scores"]["total"]
    assert why["floor.C1"]["kind"] == "floor" and why["floor.C1"]["name_vi"]
    assert why["no_head_disciplined"]["value"] == "true"
    assert why["no_head_disciplined"]["name_vi"].startswith("Trong năm đánh giá không có")
    posted = next(e for e in year["entries"] if e["kind"] == "self_assessment")["summary"]
    assert f"từ ngày 15/12/{YEAR} (hình thức: niêm yết tại trụ sở" in posted and "office" not in posted

    # One recognition rate, recognised ÷ every commune-level unit of the year, wherever a rate
    # is shown: this overview (the board), the assessment's roll-up (/api/v1/rollups) and
    # Mẫu 09 made from it.
    processor = ProjectionProcessor(setup.assessment, rollups.RollupProjection(),
                                    {"assessment": StoreSource(setup.assessment)})
    rollups.RollupProjection().migrate(setup.assessment.engine)
    processor.catch_up(StoreSource(setup.assessment))
    rollup = rollups.province_rollup(setup.assessment.engine, setup.sets, THANH_HOA, YEAR)
    board = overviews.province_overview(setup.engine, THANH_HOA, YEAR)
    sheet = load_workbook(io.BytesIO(exports.form_09(rollup))).active
    totals = next(row for row in sheet.iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert board["rate_percent"] == rollup["totals"]["recognition_rate"] == "0.18"
    assert Decimal(str(totals[4])) == Decimal(board["rate_percent"])
    assert (totals[2], totals[3]) == (board["communes"], board["recognised"]) == (559, 1)
    by_district = {d["district_code"]: d for d in rollup["districts"]}
    for district in board["districts"]:
        assert district["rate_percent"] == by_district[district["district_code"]]["recognition_rate"]
    assert len(national_2025["provinces"]) == 34
    assert national_2025["totals"]["communes"] == 3321
    assert national_2025["totals"]["recognised"] == 1


def test_given_a_paused_year_then_the_overviews_and_the_commune_say_so_with_the_basis(setup):
    basis = "thông báo tạm dừng đánh giá năm 2025"
    setup.walk(DONG_QUANG)  # a commune with a public year, so that its page exists
    setup.handlers.record_pause(2025, None, basis, None, None, meta("administrator"))
    setup.handlers.record_pause(2024, THANH_HOA, "Công văn của Sở Tư pháp", None, None,
                                meta("justice_officer"))
    setup.sync()
    said = f"Năm 2025: tạm dừng đánh giá theo {basis}."
    assert overviews.national_overview(setup.engine, 2025)["pause"]["summary_vi"] == said
    assert all(p["pause"]["summary_vi"] == said
               for p in overviews.national_overview(setup.engine, 2025)["provinces"])
    province_2024 = overviews.province_overview(setup.engine, THANH_HOA, 2024)["pause"]
    assert province_2024["summary_vi"] == ("Năm 2024: tạm dừng đánh giá tại Tỉnh Thanh Hóa theo "
                                           "Công văn của Sở Tư pháp.")
    assert overviews.national_overview(setup.engine, 2024)["pause"] is None
    assert overviews.province_overview(setup.engine, "01", 2024)["pause"] is None
    assert 2025 in search.years(setup.engine) and 2024 not in search.years(setup.engine)
    paused = record.commune_record(setup.engine, DONG_QUANG)["paused_years"]
    assert [p["year"] for p in paused] == [2024, 2025]
    # lifted: the year is an ordinary empty year again; replaying changes nothing
    setup.handlers.lift_pause(2025, None, "Ghi nhầm", meta("administrator"))
    setup.sync()
    assert overviews.national_overview(setup.engine, 2025)["pause"] is None
    assert setup.sync() == 0


def test_a_rebuild_from_zero_equals_the_live_record(setup):
    setup.walk(DONG_QUANG, until="posting", comments=["Góp ý"])
    setup.sync()  # applied live, a bit at a time
    fill_rest = [lambda: setup.walk(DONG_HOA, recognised=False, points={"C1.I2": "1.00"}),
                 lambda: setup.survey_result(DONG_QUANG, str(YEAR)),
                 lambda: setup.walk(DONG_NAM, until="appraised"),
                 lambda: setup.walk("00004", year=2025),
                 lambda: setup.survey_result(DONG_QUANG, str(YEAR), rate="91.00")]
    for step in fill_rest:
        step()
        setup.sync()
    live = setup.snapshot()
    assert live["search"]["total"] == 4
    assert setup.processor.rebuild() > 0
    assert setup.snapshot() == live
    assert setup.sync() == 0  # nothing applied twice
