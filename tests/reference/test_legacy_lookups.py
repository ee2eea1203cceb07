"""The legacy divisions shipped in reference/data/legacy, looked up by evaluation year."""

from collections import Counter
from datetime import date

import pytest

from reference import legacy, units


def communes_in(province_code, year):
    return [item for district in units.legacy_districts(province_code, year)
            for item in units.legacy_communes(district.code, year)]


def test_shipped_files_are_valid():
    installed = {path.stem for path in legacy.installed_paths()}
    assert len(installed) == 63  # every pre-2025 province (reference/build_legacy.py)
    assert {"01", "12", "38", "74", "79", "96"} <= installed
    for path in legacy.installed_paths():
        checked = legacy.check_file(path)
        assert checked.province_code == path.stem
        assert legacy.legacy_file_info(checked.province_code)["status"] in ("confirmed", "unconfirmed")


@pytest.mark.parametrize("year", range(2017, 2025))
def test_bau_bang(year):
    districts = units.legacy_districts("74", year)
    assert units.District("719", "Huyện Bàu Bàng", "74", date(2025, 6, 30)) in districts
    by_code = {item.code: item for item in units.legacy_communes("719", year)}
    assert len(by_code) == 7
    assert by_code["25816"].name == "Xã Trừ Văn Thố"
    assert by_code["25822"].name.endswith("Lai Uyên")
    assert all(item.district_code == "719" and item.province_code == "74" for item in by_code.values())
    assert units.district_of_commune("25816", year) == "719"
    assert units.district_of_commune("25822", year) == "719"


def test_lai_uyen_became_a_town_in_2018():
    def lai_uyen(year):
        return next(item for item in units.legacy_communes("719", year) if item.code == "25822")

    assert (lai_uyen(2017).name, lai_uyen(2017).division_type) == ("Xã Lai Uyên", "xã")
    assert (lai_uyen(2018).name, lai_uyen(2018).division_type) == ("Thị trấn Lai Uyên", "thị trấn")


@pytest.mark.parametrize("year", range(2019, 2025))
def test_dong_son(year):
    assert units.District("405", "Huyện Đông Sơn", "38", date(2024, 12, 31)) in (
        units.legacy_districts("38", year))
    members = units.legacy_communes("405", year)
    assert len(members) == 14
    dong_quang = next(item for item in members if item.code == "16426")
    assert dong_quang == units.Commune("16426", "Xã Đông Quang", "38", "405", "xã")
    assert units.district_of_commune("16426", year) == "405"


def test_no_district_level_from_2025():
    for province_code in ("12", "38", "74"):
        assert units.legacy_districts(province_code, 2025) == []
    assert units.legacy_communes("405", 2025) == []
    assert units.district_of_commune("16426", 2025) is None
    assert units.district_of_commune("25816", 2025) is None


def test_years_a_file_does_not_cover_give_nothing():
    assert units.legacy_districts("38", 2016) == []  # the files start in 2017
    assert units.district_of_commune("16426", 2016) is None
    assert units.legacy_districts("99", 2020) == []  # no such province
    assert units.legacy_communes("999", 2020) == []
    assert units.district_of_commune("99999", 2020) is None


def test_lai_chau_has_eight_districts_every_year():
    for year in range(2017, 2025):
        assert [d.code for d in units.legacy_districts("12", year)] == [str(c) for c in range(105, 113)]


def test_lai_chau_commune_counts():
    # 106 units before the 2025 arrangement: 94 xã, 5 phường, 7 thị trấn.
    for year in range(2020, 2025):
        assert Counter(item.division_type for item in communes_in("12", year)) == {
            "xã": 94, "phường": 5, "thị trấn": 7}
    for year in range(2017, 2020):
        assert len(communes_in("12", year)) == 108


def test_lai_chau_2020_merges():
    assert units.district_of_commune("03403", 2019) == "105"
    assert units.district_of_commune("03397", 2019) == "106"
    assert units.district_of_commune("03556", 2019) == "109"
    names_2019 = {item.code: item.name for item in units.legacy_communes("105", 2019)}
    names_2020 = {item.code: item.name for item in units.legacy_communes("105", 2020)}
    assert names_2019["03403"] == "Xã Nậm Loỏng"
    assert names_2020["03403"] == "Xã Sùng Phài"
    assert units.district_of_commune("03397", 2020) is None
    assert units.district_of_commune("03556", 2020) is None


def test_communes_are_sorted_by_code():
    for year in (2017, 2024):
        for district in units.legacy_districts("12", year):
            codes = [item.code for item in units.legacy_communes(district.code, year)]
            assert codes == sorted(codes)


def test_file_info():
    info = legacy.legacy_file_info("38")
    assert (info["status"], info["coverage"], info["valid_from"], info["valid_until"]) == (
        "unconfirmed", "complete", 2017, 2024)
    assert legacy.legacy_file_info("12")["status"] == "confirmed"  # hand-checked throughout
    assert legacy.legacy_file_info("99") is None


def test_district_to_dict():
    bau_bang = next(d for d in units.legacy_districts("74", 2020) if d.code == "719")
    assert bau_bang.to_dict() == {
        "code": "719", "name": "Huyện Bàu Bàng", "province_code": "74", "valid_until": "2025-06-30"}
