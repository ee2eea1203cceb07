"""The current (since 1 July 2025) units, as the rest of the platform sees them."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from reference import units

PREFIXES = ("Tỉnh ", "Thành phố ")


def all_communes():
    return [item for prov in units.provinces() for item in units.communes(prov.code)]


def test_there_are_34_provinces_sorted_by_code():
    provinces = units.provinces()
    assert len(provinces) == 34
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert all(len(p.code) == 2 and p.code.isdigit() for p in provinces)


def test_there_are_3321_communes_with_distinct_codes():
    communes = all_communes()
    assert len(communes) == 3321
    assert len({c.code for c in communes}) == 3321
    assert all(len(c.code) == 5 and c.code.isdigit() for c in communes)


def test_every_commune_belongs_to_an_existing_province():
    for prov in units.provinces():
        for item in units.communes(prov.code):
            assert item.province_code == prov.code
            assert units.province(item.province_code) is not None
            assert units.commune(item.code) == item
            assert units.province_of_commune(item.code) == prov.code
            assert item.district_code is None


def test_the_data_file_is_the_packages():
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    assert units.divisions_json() == NESTED_DIVISIONS_JSON_PATH


def test_codes_and_names_match_the_package_objects():
    from vietnam_provinces import Province, Ward

    package_provinces = {p.code.name.removeprefix("P_"): p for p in Province.iter_all()}
    assert set(package_provinces) == {p.code for p in units.provinces()}
    for prov in units.provinces():
        assert prov.short_name == package_provinces[prov.code].name.removeprefix("Thành phố ")
    package_wards = {w.code.name.removeprefix("W_"): w for w in Ward.iter_all()}
    assert set(package_wards) == {c.code for c in all_communes()}
    for code, ward in package_wards.items():
        ours = units.commune(code)
        assert ours.name == ward.name
        assert ours.division_type == ward.division_type.value
        assert ours.province_code == ward.province_code.name.removeprefix("P_")


def test_names_carry_the_prefix_and_short_names_do_not():
    for prov in units.provinces():
        assert prov.name.startswith(PREFIXES)
        assert not prov.short_name.startswith(PREFIXES)
        assert prov.name.endswith(prov.short_name)
    assert units.province("01") == units.Province("01", "Thành phố Hà Nội", "Hà Nội")
    assert units.province("12") == units.Province("12", "Tỉnh Lai Châu", "Lai Châu")
    assert units.province("79").short_name == "Hồ Chí Minh"


def test_division_types():
    assert {c.division_type for c in all_communes()} == {"xã", "phường", "đặc khu"}


def test_known_communes():
    assert units.commune("16417") == units.Commune("16417", "Phường Đông Quang", "38", None, "phường")
    assert units.commune("25819").name == "Xã Trừ Văn Thố"
    assert units.province_of_commune("25819") == "79"


def test_unknown_codes():
    assert units.province("99") is None
    assert units.province("1") is None  # codes are zero-padded strings
    assert units.commune("99999") is None
    assert units.province_of_commune("99999") is None
    assert units.communes("99") == []


def test_records_are_frozen_and_serialisable():
    prov = units.province("38")
    assert prov.to_dict() == {"code": "38", "name": "Tỉnh Thanh Hóa", "short_name": "Thanh Hóa"}
    item = units.commune("16417")
    assert item.to_dict() == {"code": "16417", "name": "Phường Đông Quang", "province_code": "38",
                              "district_code": None, "division_type": "phường"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        prov.name = "x"


def test_loading_is_cached_and_results_are_copies():
    assert units._index() is units._index()
    first = units.provinces()
    first.clear()
    assert len(units.provinces()) == 34
    communes = units.communes("12")
    communes.pop()
    assert len(units.communes("12")) == len(communes) + 1


def test_lookups_do_not_import_the_package_modules():
    """Importing vietnam_provinces costs ~0.1-0.2 s per process; the JSON is enough."""
    code = ("import sys; from reference import units; units.provinces(); units.commune('00070'); "
            "units.legacy_districts('12', 2020); assert 'vietnam_provinces' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
