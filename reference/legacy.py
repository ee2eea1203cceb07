"""The pre-2025 district level, for the evaluation years (2017-2024) that districts reviewed.

Each province's divisions live in reference/data/legacy/<province code>.json (format in
docs/reference-data.md). A unit belongs to evaluation year Y if it existed on 31 December of Y,
so a commune merged during 2020 is listed up to 2019 and its successor from 2020.
A province without a file has no legacy data: lookups return nothing rather than guess.

Install a province's file with ``python -m reference.legacy import FILE``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reference.models import Commune, District

if TYPE_CHECKING:
    from reference.legacy_schema import LegacyFile

DATA_DIR = Path(__file__).parent / "data" / "legacy"


@dataclass(frozen=True)
class _Dated:
    item: District | Commune
    valid_from: int
    valid_until: int

    def valid_in(self, year: int) -> bool:
        return self.valid_from <= year <= self.valid_until


@dataclass(frozen=True)
class _Catalogue:
    files: dict[str, LegacyFile]  # by province code
    districts: dict[str, tuple[_Dated, ...]]  # by province code
    communes: dict[str, tuple[_Dated, ...]]  # by district code
    placements: dict[str, tuple[_Dated, ...]]  # by commune code


def installed_paths(data_dir: Path | str | None = None) -> list[Path]:
    """The installed files, one per province, sorted by province code."""
    return sorted(Path(data_dir or DATA_DIR).glob("[0-9][0-9].json"))


def _catalogue_of(data_dir: Path) -> _Catalogue:
    # The schema (and marshmallow) load only when legacy data is first needed.
    from reference.legacy_schema import LegacyFileError, read_installed

    files, districts, communes, placements = {}, {}, {}, {}
    for path in installed_paths(data_dir):
        legacy_file = read_installed(path)
        if legacy_file.province_code != path.stem:
            raise LegacyFileError(str(path), [
                f"holds province {legacy_file.province_code}; install files with the importer"])
        files[legacy_file.province_code] = legacy_file
        for district in legacy_file.districts:
            record = District(code=district.code, name=district.name,
                              province_code=legacy_file.province_code, valid_until=district.last_day)
            districts.setdefault(legacy_file.province_code, []).append(
                _Dated(record, district.valid_from, district.valid_until))
            for member in district.communes:
                dated = _Dated(Commune(code=member.code, name=member.name,
                                       province_code=legacy_file.province_code,
                                       district_code=district.code,
                                       division_type=member.division_type),
                               member.valid_from, member.valid_until)
                communes.setdefault(district.code, []).append(dated)
                placements.setdefault(member.code, []).append(dated)

    def frozen(groups: dict) -> dict:
        return {key: tuple(sorted(value, key=lambda d: (d.item.code, d.valid_from)))
                for key, value in groups.items()}

    return _Catalogue(files=files, districts=frozen(districts), communes=frozen(communes),
                      placements=frozen(placements))


@lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    return _catalogue_of(DATA_DIR)


def legacy_districts(province_code: str, year: int) -> list[District]:
    """The province's districts in evaluation ``year``, sorted by code. A file marked
    ``"coverage": "partial"`` lists only some districts (see ``legacy_file_info``)."""
    return [d.item for d in _catalogue().districts.get(province_code, ()) if d.valid_in(year)]


def legacy_communes(district_code: str, year: int) -> list[Commune]:
    """The district's communes in evaluation ``year``, sorted by code."""
    return [d.item for d in _catalogue().communes.get(district_code, ()) if d.valid_in(year)]


def district_of_commune(commune_code: str, year: int) -> str | None:
    """The code of the district the commune belonged to in ``year``, if the data knows it."""
    for placement in _catalogue().placements.get(commune_code, ()):
        if placement.valid_in(year):
            return placement.item.district_code
    return None


def legacy_file_info(province_code: str) -> dict | None:
    """What an installed file says about itself: years, status, coverage and source."""
    legacy_file = _catalogue().files.get(province_code)
    if legacy_file is None:
        return None
    return {"province_code": legacy_file.province_code, "province_name": legacy_file.province_name,
            "valid_from": legacy_file.valid_from, "valid_until": legacy_file.valid_until,
            "status": legacy_file.status, "coverage": legacy_file.coverage,
            "source": legacy_file.source, "notes": list(legacy_file.notes)}


def _conflicts_with_installed(legacy_file: LegacyFile, data_dir: Path) -> list[str]:
    """Codes are national, so a file must not claim a unit another province's file holds."""
    from reference.legacy_schema import duplicate_problems

    others = _catalogue_of(data_dir) if data_dir.is_dir() else None
    if others is None:
        return []
    entries = {"district": [], "commune": []}
    for code, province_file in others.files.items():
        if code == legacy_file.province_code:
            continue  # the file being replaced
        for district in province_file.districts:
            entries["district"].append((district.code, f"{code}.json district {district.code}",
                                        (district.valid_from, district.valid_until)))
            entries["commune"] += [(c.code, f"{code}.json commune {c.code}", (c.valid_from, c.valid_until))
                                   for c in district.communes]
    for d_index, district in enumerate(legacy_file.districts):
        entries["district"].append((district.code, f"districts[{d_index}]",
                                    (district.valid_from, district.valid_until)))
        entries["commune"] += [(c.code, f"districts[{d_index}].communes[{c_index}]",
                                (c.valid_from, c.valid_until))
                               for c_index, c in enumerate(district.communes)]
    return (duplicate_problems(entries["district"], "district")
            + duplicate_problems(entries["commune"], "commune"))


def check_file(path: Path | str) -> LegacyFile:
    """Validate a legacy-divisions file without installing it; returns the LegacyFile."""
    from reference.legacy_schema import read

    return read(Path(path))[1]


def import_file(path: Path | str, data_dir: Path | str | None = None,
                replace: bool = False) -> tuple[Path, LegacyFile]:
    """Validate ``path`` and install it as <data_dir>/<province code>.json. Nothing is written
    unless the file is valid and consistent with the other installed files. Returns
    (installed path, LegacyFile); raises LegacyFileError."""
    from reference.legacy_schema import LegacyFileError, read

    source = Path(path)
    target_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    document, legacy_file = read(source)
    problems = _conflicts_with_installed(legacy_file, target_dir)
    if problems:
        raise LegacyFileError(str(source), problems)
    target = target_dir / f"{legacy_file.province_code}.json"
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if target.exists() and not replace and target.read_text(encoding="utf-8") != text:
        raise LegacyFileError(str(source), [
            f"province {legacy_file.province_code} is already installed at {target}; "
            "pass --replace to overwrite it"])
    target_dir.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so readers never see half a file.
    handle, temporary = tempfile.mkstemp(dir=target_dir, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; services run as another user
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if target_dir.resolve() == DATA_DIR.resolve():
        _catalogue.cache_clear()
    return target, legacy_file


if __name__ == "__main__":
    from reference.legacy_cli import main

    raise SystemExit(main())
