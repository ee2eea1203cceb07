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
    # "một số cơ quan" names the same collective as "các cơ quan".
    return re.sub(r"\bmot so\b", "cac", " ".join(w for w in expanded if w != "va"))


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


# One phrase naming the people's committees of several levels at once: "UBND các huyện, thị
# xã, thành phố và các xã, phường, thị trấn", "Ủy ban nhân dân cấp huyện, cấp xã", "UBND các
# cấp". Read on the key (punctuation and "và" gone); "thị xã" is a district, "xã" a commune.
_LEVEL_WORDS = r"(?:cac|cap|huyen|quan|thi xa|thanh pho|thi tran|xa|phuong)"
_COMMITTEES = re.compile(rf" (?:chu tich )?uy ban nhan dan (?P<levels>{_LEVEL_WORDS}(?: {_LEVEL_WORDS})*)(?= )")
LEVEL_AGENCIES = {"district": "ubnd-cap-huyen", "commune": "ubnd-cap-xa"}


def committee_levels(phrase: str) -> list[str]:
    """The levels ("district", "commune") a run of level words names; [] for one committee
    by name ("UBND thị xã Bỉm Sơn": no "các"/"cấp", one level)."""
    words = f" {phrase} "
    levels = []
    if " cac cap " in words:
        return ["district", "commune"]
    district = re.search(r" (?:huyen|quan|thi xa|thanh pho) ", words)
    commune = re.search(r" (?:thi tran|phuong) ", words) or re.search(r"(?<!thi) xa ", words)
    if district:
        levels.append("district")
    if commune:
        levels.append("commune")
    plural = re.match(r" (?:cac|cap) ", words)
    return levels if plural or len(levels) > 1 else []


def names_all_levels(text: str) -> bool:
    """"UBND các cấp": every level below the issuer, read as district and commune (a doubt)."""
    return " uy ban nhan dan cac cap " in f" {key(text)} "


def find(province_code: str, text: str) -> tuple[list[Agency], str]:
    """The agencies ``text`` names, in order of appearance, and what is left unrecognised."""
    remaining = f" {key(text)} "
    found: list[tuple[int, Agency]] = []
    by_slug = {a.id.split(":", 1)[1]: a for a in agencies(province_code)}
    for match in list(_COMMITTEES.finditer(remaining)):
        # A run never ends on "các"/"cấp" (but "các cấp"): it opens the next name ("và các cơ quan").
        words = match.group("levels").split()
        while words and words[-1] in ("cac", "cap") and words[-2:] != ["cac", "cap"]:
            words.pop()
        levels = committee_levels(" ".join(words))
        if not levels:
            continue
        end = match.start("levels") + len(" ".join(words))
        for level in levels:
            candidate = by_slug.get(LEVEL_AGENCIES[level])
            if candidate and all(candidate.id != a.id for _, a in found):
                found.append((match.start() + len(found), candidate))
        start = match.start() + 1
        remaining = remaining[:start] + "#" * (end - start) + remaining[end:]
    keys = dict(_alias_keys(province_code))
    for alias_key, candidate in _alias_keys(province_code):
        needle = f" {alias_key} "
        while needle in remaining:
            at = remaining.index(needle)
            if all(candidate.id != a.id for _, a in found):
                found.append((at, candidate))
            end = at + len(needle) - 1
            remaining = remaining[:at] + " " + "#" * (len(needle) - 2) + remaining[end:]
            # "Hội đồng phối hợp PBGDPL tỉnh, huyện": the same body one level down too.
            lower = re.match(r" (cap huyen|huyen|cap xa|xa)(?= )", remaining[end:])
            base = re.sub(r" (?:cap )?tinh$", "", alias_key)
            if lower and base != alias_key:
                level = "cap huyen" if "huyen" in lower.group(1) else "cap xa"
                sibling = keys.get(f"{base} {level}")
                if sibling and all(sibling.id != a.id for _, a in found):
                    found.append((end, sibling))
                stop = end + lower.end()
                remaining = remaining[:end + 1] + "#" * (stop - end - 1) + remaining[stop:]
    leftover = " ".join(w for w in remaining.split() if "#" not in w and w not in _FILLER)
    return [a for _, a in sorted(found, key=lambda pair: pair[0])], leftover


# What is left of a phrase after its known agencies still names one ("Sở Tư pháp, Hội Nông dân
# tỉnh": "hoi nong dan"): the head words of Vietnamese agencies' names, folded.
_NAMES_AN_AGENCY = re.compile(
    r" (?:so|hoi|phong|doan|dai|bao|cong an|toa an|vien|trung tam|chi cuc|cuc|uy ban|thanh tra|"
    r"van phong|mat tran|bo chi huy|chi nhanh|lien doan|hoi dong) ")


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
        if not found or _NAMES_AN_AGENCY.search(f" {leftover} "):
            unmatched.append(part)  # a name left over beside the ones found is no less a doubt
    return matched, unmatched
