"""Agencies as reference data: a province's departments, people's committees and others,
matched by name in what officials write, abbreviations included (UBND, HĐND, MTTQ ...)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from reference.text import fold

# Abbreviations, folded, and what they stand for (folded too).
ABBREVIATIONS = {
    "ubmttq": "uy ban mat tran to quoc",
    "mttq": "mat tran to quoc",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "pbgdpl": "pho bien giao duc phap luat",
    "phpbgdpl": "phoi hop pho bien giao duc phap luat",
    "tand": "toa an nhan dan",
    "vksnd": "vien kiem sat nhan dan",
    "ptth": "phat thanh truyen hinh",
    "tttdt": "thong tin dien tu",
    "ttdt": "thong tin dien tu",
    "vp": "van phong",
    "tp": "thanh pho",
}
_FILLER = {"va", "cac", "cua", "tinh", "cap", "co", "quan", "don", "vi", "lien", "tham", "muu",
           "to", "chuc", "theo", "doi", "nang", "nhiem", "vu", "ca", "nhan"}


def key(text: str) -> str:
    """Folded, abbreviations expanded, punctuation and "và" dropped: what names are compared by."""
    words = re.sub(r"[^a-z0-9]+", " ", fold(text)).split()
    expanded: list[str] = []
    for word in words:
        expanded.extend(ABBREVIATIONS.get(word, word).split())
    return " ".join(w for w in expanded if w != "va")


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    kind: str
    province_code: str
    aliases: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "province_code": self.province_code}


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads((resources.files("services.plans.data") / "agencies.json").read_text("utf-8"))


def province_name(province_code: str) -> str | None:
    return _data()["provinces"].get(province_code, {}).get("name")


def province_codes() -> list[str]:
    return sorted(_data()["provinces"])


@lru_cache(maxsize=64)
def agencies(province_code: str) -> tuple[Agency, ...]:
    data = _data()
    own = data["provinces"].get(province_code, {}).get("agencies", [])
    return tuple(Agency(f"{province_code}:{a['slug']}", a["name"], a["kind"], province_code,
                        tuple(a["aliases"]))
                 for a in [*own, *data["templates"]])


def agency(agency_id: str) -> Agency | None:
    province_code = agency_id.partition(":")[0]
    return next((a for a in agencies(province_code) if a.id == agency_id), None)


@lru_cache(maxsize=64)
def _alias_keys(province_code: str) -> list[tuple[str, Agency]]:
    pairs = [(key(alias), a) for a in agencies(province_code) for alias in a.aliases]
    return sorted(pairs, key=lambda pair: -len(pair[0]))  # longest first


def find(province_code: str, text: str) -> tuple[list[Agency], str]:
    """The agencies ``text`` names, in order of appearance, and what is left unrecognised."""
    remaining = f" {key(text)} "
    found: list[tuple[int, Agency]] = []
    for alias_key, candidate in _alias_keys(province_code):
        needle = f" {alias_key} "
        while needle in remaining:
            at = remaining.index(needle)
            if all(candidate.id != a.id for _, a in found):
                found.append((at, candidate))
            remaining = remaining[:at] + " " + "#" * (len(needle) - 2) + " " + remaining[at + len(needle):]
    leftover = " ".join(w for w in remaining.split() if "#" not in w and w not in _FILLER)
    return [a for _, a in sorted(found, key=lambda pair: pair[0])], leftover


def match_list(province_code: str, text: str) -> tuple[list[dict], list[str]]:
    """Split a field's value (";" or "," separated) into agencies; also the parts not recognised."""
    matched: list[dict] = []
    unmatched: list[str] = []
    for part in text.split(";"):
        part = part.strip(" .,:;")
        if not part:
            continue
        found, leftover = find(province_code, part)
        for a in found:
            if all(a.id != m["id"] for m in matched):
                matched.append(a.to_dict())
        if not found:
            unmatched.append(part)
    return matched, unmatched
