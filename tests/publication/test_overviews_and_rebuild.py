"""Overviews over the record, and a rebuild from zero giving the same record as live."""

import pytest

from kernel.errors import NotFound
from services.publication import overviews
from tests.publication.support import DONG_HOA, DONG_NAM, DONG_QUANG, THANH_HOA, YEAR


def fill(setup):
    setup.walk(DONG_QUANG, comments=["Góp ý"])
    setup.walk(DONG_HOA, recognised=False, points={"C1.I2": "1.00"})
    setup.walk(DONG_NAM, until="appraised")
    setup.walk("16384", until="drafted")  # not public: not assessed
    setup.walk("00004", year=2025)
    setup.survey_result(DONG_QUANG, str(YEAR))


def test_province_and_national_overviews(setup):
    fill(setup)
    setup.sync()
    body = overviews.province_overview(setup.engine, THANH_HOA, YEAR)
    # Every unit of Thanh Hóa that year: 27 districts, 559 communes (docs/reference-data.md).
    districts = body.pop("districts")
    assert body == {"province": {"code": THANH_HOA, "name": "Tỉnh Thanh Hóa"}, "year": YEAR,
                    "communes": 559, "assessed": 3, "decided": 2, "recognised": 1,
                    "not_recognised": 1, "rate_percent": "50.00"}
    assert len(districts) == 27 and sum(d["communes"] for d in districts) == 559
    assert {"district_code": "405", "district_name": "Huyện Đông Sơn", "communes": 14, "decided": 2,
            "recognised": 1, "rate_percent": "50.00"} in districts
    assert {"district_code": "380", "district_name": "Thành phố Thanh Hóa", "communes": 34,
            "decided": 0, "recognised": 0, "rate_percent": None} in districts
    hanoi = overviews.province_overview(setup.engine, "01", 2025)
    assert hanoi["districts"] == [] and hanoi["assessed"] == 1 and hanoi["rate_percent"] == "100.00"
    assert hanoi["communes"] > 100
    nobody = overviews.province_overview(setup.engine, THANH_HOA, 2021)
    assert nobody["assessed"] == 0 and nobody["rate_percent"] is None
    with pytest.raises(NotFound):
        overviews.province_overview(setup.engine, "99", YEAR)

    national = overviews.national_overview(setup.engine, YEAR)
    by_code = {p["province_code"]: p for p in national["provinces"]}
    assert by_code[THANH_HOA] == {"province_code": THANH_HOA, "province_name": "Tỉnh Thanh Hóa",
                                  "communes": 559, "decided": 2, "recognised": 1,
                                  "rate_percent": "50.00"}
    assert national["totals"]["decided"] == 2 and national["totals"]["recognised"] == 1
    assert national["totals"]["communes"] == sum(p["communes"] for p in national["provinces"])
    # The national page for 2022 counts every unit of the year: 63 provinces, 10,599 communes.
    assert len(national["provinces"]) == 63 and national["totals"]["communes"] == 10599
    national_2025 = overviews.national_overview(setup.engine, 2025)
    assert len(national_2025["provinces"]) == 34
    assert national_2025["totals"]["communes"] == 3321
    assert national_2025["totals"]["recognised"] == 1


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
