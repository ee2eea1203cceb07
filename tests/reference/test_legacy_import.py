"""``python -m reference.legacy import FILE``: valid files install, invalid ones install nothing."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reference import legacy
from reference.legacy_cli import main
from reference.legacy_schema import LegacyFileError

REPO = Path(__file__).resolve().parents[2]

VALID = {
    "format": 1,
    "province": {"code": "74", "name": "Tỉnh Bình Dương"},
    "valid_from": 2017,
    "valid_until": 2024,
    "status": "confirmed",
    "coverage": "partial",
    "source": "test data",
    "districts": [{
        "code": "719",
        "name": "Huyện Bàu Bàng",
        "last_day": "2025-06-30",
        "communes": [
            {"code": "25816", "name": "Xã Trừ Văn Thố"},
            {"code": "25822", "name": "Xã Lai Uyên", "valid_until": 2017},
            {"code": "25822", "name": "Thị trấn Lai Uyên", "valid_from": 2018},
        ],
    }],
}


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "installed"


def write(tmp_path, document, name="input.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def changed(**edits):
    """VALID with edits applied; a key like "districts.0.communes.1.code" reaches inside."""
    document = copy.deepcopy(VALID)
    for dotted, value in edits.items():
        *parents, last = dotted.split(".")
        target = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return document


def problems_of(tmp_path, data_dir, document):
    with pytest.raises(LegacyFileError) as caught:
        legacy.import_file(write(tmp_path, document), data_dir)
    assert not data_dir.exists() or list(data_dir.iterdir()) == [], "something was installed"
    return caught.value.problems


def test_a_valid_file_is_installed_under_its_province_code(tmp_path, data_dir):
    target, legacy_file = legacy.import_file(write(tmp_path, VALID), data_dir)
    assert target == data_dir / "74.json"
    assert json.loads(target.read_text(encoding="utf-8")) == VALID
    assert (target.stat().st_mode & 0o777) == 0o644
    assert legacy_file.province_code == "74"
    assert [c.division_type for c in legacy_file.districts[0].communes] == ["xã", "xã", "thị trấn"]
    assert [p.name for p in data_dir.iterdir()] == ["74.json"]  # no temporary left behind


def test_reimporting_the_same_file_is_harmless_but_a_change_needs_replace(tmp_path, data_dir):
    legacy.import_file(write(tmp_path, VALID), data_dir)
    legacy.import_file(write(tmp_path, VALID), data_dir)
    edited = changed(source="corrected")
    with pytest.raises(LegacyFileError, match="already installed.*--replace"):
        legacy.import_file(write(tmp_path, edited), data_dir)
    legacy.import_file(write(tmp_path, edited), data_dir, replace=True)
    assert json.loads((data_dir / "74.json").read_text(encoding="utf-8"))["source"] == "corrected"


def test_unknown_fields_are_rejected(tmp_path, data_dir):
    document = changed(population=1)
    document["districts"][0]["communes"][0]["area_km2"] = 8.8
    problems = problems_of(tmp_path, data_dir, document)
    assert "population: Unknown field." in problems
    assert "districts[0].communes[0].area_km2: Unknown field." in problems


def test_missing_and_malformed_fields_are_reported_by_path(tmp_path, data_dir):
    document = changed(**{"province.code": "7", "districts.0.communes.0.code": 25816})
    del document["status"]
    problems = problems_of(tmp_path, data_dir, document)
    assert "status: Missing data for required field." in problems
    assert any(p.startswith("province.code: must be a 2-digit GSO province code") for p in problems)
    assert "districts[0].communes[0].code: Not a valid string." in problems


def test_duplicate_district_codes_are_rejected(tmp_path, data_dir):
    document = copy.deepcopy(VALID)
    document["districts"].append(copy.deepcopy(document["districts"][0]))
    document["districts"][1]["communes"] = [{"code": "25834", "name": "Xã Lai Hưng"}]
    problems = problems_of(tmp_path, data_dir, document)
    assert problems == ["districts[1]: duplicate district code '719', also at districts[0], "
                        "both valid in 2017-2024"]


def test_duplicate_commune_codes_are_rejected(tmp_path, data_dir):
    document = changed(**{"districts.0.communes.2.valid_from": 2017})
    problems = problems_of(tmp_path, data_dir, document)
    assert problems == ["districts[0].communes[2]: duplicate commune code '25822', also at "
                        "districts[0].communes[1], both valid in 2017-2017"]


def test_a_commune_in_two_districts_at_once_is_a_duplicate(tmp_path, data_dir):
    document = copy.deepcopy(VALID)
    document["districts"].append({"code": "720", "name": "Huyện Dầu Tiếng",
                                  "communes": [{"code": "25816", "name": "Xã Trừ Văn Thố",
                                                "valid_from": 2020}]})
    problems = problems_of(tmp_path, data_dir, document)
    assert problems == ["districts[1].communes[0]: duplicate commune code '25816', also at "
                        "districts[0].communes[0], both valid in 2020-2024"]


@pytest.mark.parametrize(("edits", "expected"), [
    ({"valid_from": 2024, "valid_until": 2017},
     "valid_from: 2024 is after valid_until 2017"),
    ({"districts.0.valid_from": 2016},
     "districts[0]: years 2016-2024 fall outside the enclosing 2017-2024"),
    ({"districts.0.valid_from": 2003},
     "districts[0].valid_from: must be a year from 2004 to 2024"),
    ({"valid_until": 2025},
     "valid_until: must be a year from 2004 to 2024"),
    ({"valid_from": "2017"},
     "valid_from: Not a valid integer."),
    ({"districts.0.communes.0.valid_from": 2022, "districts.0.communes.0.valid_until": 2019},
     "districts[0].communes[0]: valid_from 2022 is after valid_until 2019"),
    ({"districts.0.valid_until": 2020, "districts.0.last_day": "2020-12-31",
      "districts.0.communes.2.valid_until": 2022},
     "districts[0].communes[2]: years 2018-2022 fall outside the enclosing 2017-2020"),
    ({"districts.0.last_day": "2024-06-30"},
     "districts[0]: last_day 2024-06-30 contradicts valid_until 2024: it must fall between "
     "2024-12-31 and 2025-12-30"),
])
def test_bad_year_ranges_are_rejected(tmp_path, data_dir, edits, expected):
    assert expected in problems_of(tmp_path, data_dir, changed(**edits))


def test_the_division_type_must_be_known(tmp_path, data_dir):
    problems = problems_of(tmp_path, data_dir, changed(**{
        "districts.0.communes.0.name": "Trừ Văn Thố",
        "districts.0.communes.1.division_type": "phường"}))
    assert problems == [
        "districts[0].communes[0].division_type: the name 'Trừ Văn Thố' does not start with one "
        "of xã, phường, thị trấn; give division_type",
        "districts[0].communes[1].division_type: 'phường' contradicts the name 'Xã Lai Uyên'"]


def test_files_that_are_not_json_objects(tmp_path, data_dir):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1,', encoding="utf-8")
    with pytest.raises(LegacyFileError, match="is not UTF-8 JSON"):
        legacy.import_file(broken, data_dir)
    assert problems_of(tmp_path, data_dir, [VALID]) == ["(file): Invalid input type."]
    with pytest.raises(LegacyFileError, match="cannot be read"):
        legacy.import_file(tmp_path / "missing.json", data_dir)
    assert not data_dir.exists()


def test_a_file_cannot_claim_units_another_province_file_holds(tmp_path, data_dir):
    legacy.import_file(write(tmp_path, VALID), data_dir)
    other = changed(**{"province.code": "75", "province.name": "Tỉnh Đồng Nai",
                       "districts.0.code": "731", "districts.0.name": "Thành phố Biên Hòa"})
    with pytest.raises(LegacyFileError) as caught:
        legacy.import_file(write(tmp_path, other, "other.json"), data_dir)
    assert "districts[0].communes[0]: duplicate commune code '25816', also at 74.json commune " \
           "25816, both valid in 2017-2024" in caught.value.problems
    assert [p.name for p in data_dir.iterdir()] == ["74.json"]


def test_the_cli_reports_errors_and_installs_nothing(tmp_path, data_dir, capsys):
    bad = write(tmp_path, changed(population=1))
    assert main(["import", str(bad), "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "is not a valid legacy divisions file" in err
    assert "population: Unknown field." in err
    assert "Nothing was installed." in err
    assert not data_dir.exists()


def test_the_cli_checks_imports_and_lists(tmp_path, data_dir, capsys):
    good = write(tmp_path, VALID)
    assert main(["check", str(good)]) == 0
    assert main(["import", str(good), "--data-dir", str(data_dir)]) == 0
    assert main(["list", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "valid: Tỉnh Bình Dương (74), 2017-2024, 1 district, 3 commune entries" in out
    assert "installed Tỉnh Bình Dương (74)" in out and str(data_dir / "74.json") in out
    assert "74.json: Tỉnh Bình Dương (74)" in out


def test_python_dash_m_entrypoint(tmp_path, data_dir):
    good = write(tmp_path, VALID)
    result = subprocess.run(
        [sys.executable, "-m", "reference.legacy", "import", str(good), "--data-dir", str(data_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (data_dir / "74.json").exists()
    result = subprocess.run(
        [sys.executable, "-m", "reference.legacy", "import", str(write(tmp_path, changed(status="maybe")))],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "status: Must be one of: confirmed, unconfirmed." in result.stderr


def test_an_installed_file_must_hold_the_province_its_name_says(tmp_path, data_dir):
    legacy.import_file(write(tmp_path, VALID), data_dir)
    (data_dir / "74.json").rename(data_dir / "75.json")
    with pytest.raises(LegacyFileError, match="holds province 74"):
        legacy.import_file(write(tmp_path, changed(**{"province.code": "12"})), data_dir)
