"""The 63 provinces built by reference/build_legacy.py: every unit of every year 2017-2024."""

import json
from collections import Counter

import pytest

from reference import build_legacy, legacy, units
from reference.legacy_schema import LegacyFileError, parse

YEARS = range(2017, 2025)
# Communes and districts per year, as in docs/reference-data.md.
NATIONAL = {2017: (10767, 707), 2018: (10767, 707), 2019: (10767, 707), 2020: (10605, 702),
            2021: (10599, 700), 2022: (10599, 700), 2023: (10598, 700), 2024: (10054, 691)}


def communes_of_year(year):
    return [c for path in legacy.installed_paths()
            for d in units.legacy_districts(path.stem, year)
            for c in units.legacy_communes(d.code, year)]


@pytest.mark.parametrize("year", YEARS)
def test_national_counts_and_unique_codes(year):
    communes = communes_of_year(year)
    districts = [d for path in legacy.installed_paths() for d in units.legacy_districts(path.stem, year)]
    assert (len(communes), len(districts)) == NATIONAL[year]
    assert len({c.code for c in communes}) == len(communes)
    assert len({d.code for d in districts}) == len(districts)
    for commune in communes:  # every commune in a district of its province that year
        assert units.district_of_commune(commune.code, year) == commune.district_code


def test_every_unit_that_ends_has_successors_of_the_next_year():
    ended = 0
    for path in legacy.installed_paths():
        legacy_file = legacy.check_file(path)
        for district in legacy_file.districts:
            for commune in district.communes:
                if commune.successors is None:
                    continue
                ended += 1
                for successor in commune.successors:
                    assert units.district_of_commune(successor, commune.valid_until + 1), (
                        commune, successor)
    assert ended > 500


def test_known_dates():
    # Thủ Đức: its three districts in 2020, Thành phố Thủ Đức from 2021.
    assert {"762", "763", "769"} <= {d.code for d in units.legacy_districts("79", 2020)}
    assert [d.name for d in units.legacy_districts("79", 2021) if d.code == "769"] == [
        "Thành phố Thủ Đức"]
    assert not {"762", "763"} & {d.code for d in units.legacy_districts("79", 2021)}
    # Huế keeps its pre-2025 districts in 2024.
    assert [d.name for d in units.legacy_districts("46", 2024) if d.code == "474"] == ["Thành phố Huế"]
    # Thành phố Thanh Hóa in 2024 as before the merger: Đông Sơn is still apart.
    assert units.district_of_commune("16426", 2024) == "405"


def test_island_districts_without_communes_are_left_out():
    # Lý Sơn's three communes were dissolved in 2020; the district has nothing to evaluate.
    assert "536" in {d.code for d in units.legacy_districts("51", 2019)}
    assert "536" not in {d.code for d in units.legacy_districts("51", 2020)}
    ended = [c for d in legacy.check_file(legacy.DATA_DIR / "51.json").districts
             if d.code == "536" for c in d.communes]
    assert ended and all(c.successors == () and c.note for c in ended)


def test_province_names_and_types():
    assert legacy.legacy_file_info("46")["province_name"] == "Tỉnh Thừa Thiên Huế"
    kinds = Counter(c.division_type for c in communes_of_year(2022))
    assert set(kinds) == {"xã", "phường", "thị trấn"}


def test_a_unit_that_ends_needs_successors():
    document = {
        "format": 1, "province": {"code": "74", "name": "Tỉnh Bình Dương"},
        "valid_from": 2019, "valid_until": 2021, "status": "unconfirmed", "coverage": "partial",
        "source": "test", "districts": [{"code": "719", "name": "Huyện Bàu Bàng", "communes": [
            {"code": "25816", "name": "Xã Trừ Văn Thố"},
            {"code": "25819", "name": "Xã Cây Trường II", "valid_until": 2019}]}]}
    with pytest.raises(LegacyFileError, match="give its successors"):
        parse(document, "test")
    document["districts"][0]["communes"][1]["successors"] = ["25822"]
    with pytest.raises(LegacyFileError, match="25822 is not a commune of this file in 2020"):
        parse(document, "test")
    document["districts"][0]["communes"][1]["successors"] = ["25816"]
    assert parse(document, "test").districts[0].communes[1].successors == ("25816",)
    document["districts"][0]["communes"][0]["successors"] = ["25816"]
    with pytest.raises(LegacyFileError, match="successors given for a unit that lasts"):
        parse(document, "test")


def lists(*snapshots):
    return {version: build_legacy.Snapshot({"74": "Tỉnh X"}, districts, communes)
            for version, (districts, communes) in zip(build_legacy.RELEASES, snapshots, strict=True)}


def test_builder_years_and_successor_inference(monkeypatch):
    a = ({"701": ("Huyện A", "74")},
         {"00001": ("Xã Một", "701"), "00002": ("Xã Hai", "701"), "00003": ("Xã Ba", "701")})
    b = ({"701": ("Huyện A", "74")},
         {"00001": ("Xã Một", "701"), "00003": ("Xã Ba Hai", "701")})  # Hai merged into Ba
    monkeypatch.setattr(build_legacy, "KNOWN_DATES", ())
    states = build_legacy.year_states(lists(a, b, b, b))
    assert set(states[2019].communes) == {"00001", "00002", "00003"}
    assert set(states[2020].communes) == {"00001", "00003"}
    assert build_legacy.infer_successor("00002", 2019, states)[0] == "00003"


def test_builder_known_date_moves_a_change_to_another_year(monkeypatch):
    a = ({"701": ("Huyện A", "74"), "702": ("Huyện B", "74")},
         {"00001": ("Xã Một", "701"), "00002": ("Xã Hai", "702")})
    b = ({"701": ("Huyện A", "74")}, {"00001": ("Xã Một", "701"), "00002": ("Xã Hai", "701")})
    monkeypatch.setattr(build_legacy, "KNOWN_DATES", (
        build_legacy.KnownDate(frozenset({"702"}), "0.2", "0.3.0", 2021, "test"),))
    states = build_legacy.year_states(lists(a, b, b, b))
    assert states[2020].communes["00002"] == ("Xã Hai", "702")  # B merged into A in 2021
    assert states[2021].communes["00002"] == ("Xã Hai", "701")


def test_the_counts_table_in_the_docs_is_the_data():
    docs = (build_legacy.Path(__file__).resolve().parents[2] / "docs" / "reference-data.md").read_text(
        encoding="utf-8")
    parsed = [legacy.check_file(path) for path in legacy.installed_paths()]
    assert build_legacy.counts_table(parsed) in docs


def test_an_installed_file_with_a_bad_shape_is_still_reported_in_full(tmp_path):
    # Installed files skip the schema pass when read; a bad one falls back to the full check.
    document = json.loads((legacy.DATA_DIR / "74.json").read_text(encoding="utf-8"))
    document["districts"][0]["communes"][0]["code"] = 25816
    (tmp_path / "74.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LegacyFileError, match=r"communes\[0\]\.code: Not a valid string"):
        legacy._catalogue_of(tmp_path)
    document["districts"][0]["communes"][0]["code"] = document["districts"][0]["communes"][1]["code"]
    (tmp_path / "74.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LegacyFileError, match="duplicate commune code"):
        legacy._catalogue_of(tmp_path)


def test_the_units_of_a_year():
    assert units.province_in("74", 2023) == units.Province("74", "Tỉnh Bình Dương", "Bình Dương")
    assert units.province_in("74", 2025) is None and units.communes_in("74", 2025) == []
    assert units.province_in("46", 2024).name == "Tỉnh Thừa Thiên Huế"
    assert units.province_in("46", 2025).name == "Thành phố Huế"
    assert units.province_in("99", 2020) is None and units.communes_in("99", 2020) == []
    binh_duong = units.communes_in("74", 2023)
    assert len(binh_duong) == 91 and [c.code for c in binh_duong] == sorted(c.code for c in binh_duong)
    assert units.communes_in("01", 2026) == units.communes("01")
    assert len(units.communes_in("01", 2023)) == 579 and len(units.communes_in("01", 2024)) == 526
