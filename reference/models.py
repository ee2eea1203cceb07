"""The records reference lookups return: frozen, plain, independent of any data source."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    short_name: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Commune:
    """A commune-level unit (xã, phường, đặc khu; before July 2025 also thị trấn).

    ``district_code`` is None for current communes: there is no district level since 1 July 2025.
    For legacy communes ``province_code`` is the pre-2025 province's code, which may not be
    one of the 34 current provinces.
    """

    code: str
    name: str
    province_code: str
    district_code: str | None
    division_type: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class District:
    """A pre-2025 district. ``valid_until`` is the last day it existed, as far as the data
    says (31 December of its last year unless the source file gives the exact day)."""

    code: str
    name: str
    province_code: str
    valid_until: date | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["valid_until"] = self.valid_until.isoformat() if self.valid_until else None
        return data
