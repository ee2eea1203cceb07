"""Finding provinces, districts and communes by name, forgiving the way people type them.

A name and a query are compared folded (lower case, no diacritics, "đ" as "d": see
reference.text.fold) and without the unit's type word ("xã", "phường", "huyện", "tỉnh"…), so a
missing or wrong diacritic costs nothing. One typo is forgiven: a letter missing, added,
replaced, or two neighbours swapped (edit distance 1, a swap counted as one edit). Matches are
ranked exact, then prefix (of the name, then of a later word of it), then one typo away; within
a rank provinces come before districts before communes.

The index is built once from the units the public record names (``NameIndex.build``) and is
then a few dictionary look-ups per query, whatever the size of the country: every name and
every tail of it from a word on is stored with each variant one deletion away (the "symmetric
delete" scheme), so the candidates one typo away are found by looking up the query's own
deletions, then checked.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from reference.text import fold

KINDS = ("province", "district", "commune")
# Folded type words, longest first ("thi xa" before "xa"): what a name's type is, and what a
# query may start with.
TYPE_WORDS = ("thanh pho", "thi tran", "thi xa", "dac khu", "phuong", "huyen", "quan", "tinh",
              "xa")
# A typo is forgiven from this many letters on: one edit away from a two- or three-letter
# query is half the names of the country.
FUZZY_FROM = 4
EXACT, PREFIX, WORD_PREFIX, FUZZY, WORD_FUZZY = range(5)
MATCH_WORDS = {EXACT: "exact", PREFIX: "prefix", WORD_PREFIX: "prefix", FUZZY: "fuzzy",
               WORD_FUZZY: "fuzzy"}


@dataclass(frozen=True)
class Unit:
    kind: str
    code: str
    name: str
    province_code: str
    province_name: str | None
    district_code: str | None
    district_name: str | None
    year: int  # the latest year the public record has under this name

    def to_dict(self, match: str) -> dict:
        return {"kind": self.kind, "code": self.code, "name": self.name,
                "province_code": self.province_code, "province_name": self.province_name,
                "district_code": self.district_code, "district_name": self.district_name,
                "year": self.year, "match": match}


@lru_cache(maxsize=32768)
def split_type(folded: str) -> tuple[str | None, str]:
    """("huyen", "dong son") for "huyen dong son"; (None, text) when no type word leads."""
    for word in TYPE_WORDS:
        if folded.startswith(word + " ") and folded[len(word) + 1:].strip():
            return word, folded[len(word) + 1:].strip()
    return None, folded


@lru_cache(maxsize=32768)  # a country holds ~20,000 distinct names; a query's own is one more
def normal(text: str) -> str:
    return " ".join(fold(text or "").split())


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one insertion, deletion, substitution or swap
    of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < la and i < lb and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:] or (
            i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:])
    if la > lb:
        return a[i + 1:] == b[i:]
    return a[i:] == b[i + 1:]


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1:] for i in range(len(text))}


def _tails(core: str) -> list[str]:
    """The name from each later word on: "dong quang" → ["quang"]."""
    words = core.split(" ")
    return [" ".join(words[i:]) for i in range(1, len(words))]


class NameIndex:
    """The units, searchable by name; immutable once built."""

    def __init__(self, units: list[Unit]):
        self.units = units
        self._types: list[str | None] = []
        self._core_of: list[str] = []
        by_core: dict[str, list[int]] = {}
        for number, unit in enumerate(units):
            type_word, core = split_type(normal(unit.name))
            self._types.append(type_word)
            self._core_of.append(core)
            by_core.setdefault(core, []).append(number)
        # Many units share a name (Xã Tân Lập, Phường 1): each name is indexed once.
        self._units_of = {core: tuple(numbers) for core, numbers in by_core.items()}
        self._cores = sorted(by_core)
        by_tail: dict[str, set[str]] = {}
        for core in self._cores:
            for tail in _tails(core):
                by_tail.setdefault(tail, set()).add(core)
        self._tails = sorted(by_tail)
        self._cores_of_tail = {tail: tuple(cores) for tail, cores in by_tail.items()}
        self._near = _deletion_index(self._cores)  # a name or one deletion of it → names
        self._near_tail = _deletion_index(self._tails)

    @classmethod
    def build(cls, rows) -> NameIndex:
        """From the public record's distinct (province_code, province_name, district_code,
        district_name, commune_code, commune_name, year) rows: each province, district and
        commune under each name it had, with the latest year of that name."""
        # (kind, code, name) → (year, the row's context); a province is on every row of it
        latest: dict[tuple, tuple] = {}
        for p_code, p_name, d_code, d_name, c_code, c_name, year in rows:
            year = int(year)
            for key, context in ((("province", p_code, p_name), (p_code, p_name, None, None)),
                                 (("district", d_code, d_name), (p_code, p_name, d_code, None)),
                                 (("commune", c_code, c_name), (p_code, p_name, d_code, d_name))):
                if key[1] and key[2] and (key not in latest or latest[key][0] < year):
                    latest[key] = (year, context)
        units: dict[tuple, Unit] = {}  # one per folded name: "Xã Tân Lập" and "Xã  Tân Lập"
        for (kind, code, name), (year, context) in latest.items():
            folded = (kind, code, normal(name))
            if folded not in units or units[folded].year < year:
                units[folded] = Unit(kind, code, name, *context, year)
        return cls(list(units.values()))

    def __len__(self) -> int:
        return len(self.units)

    def find(self, query: str, limit: int = 20) -> list[dict]:
        """The best ``limit`` units for ``query``, each with how it matched."""
        type_word, core = split_type(normal(query))
        if not core:
            return []
        ranks = self._ranks(core)
        if type_word is not None:  # "huyện Đông Sơn": the districts, if any is so named
            typed = {n: r for n, r in ranks.items() if self._types[n] == type_word}
            ranks = typed or ranks
        order = heapq.nsmallest(limit, ranks, key=lambda n: (
            ranks[n], KINDS.index(self.units[n].kind), -self.units[n].year, self._core_of[n],
            self.units[n].code))
        return [self.units[n].to_dict(MATCH_WORDS[int(ranks[n])]) for n in order]

    def _ranks(self, core: str) -> dict[int, float]:
        ranks: dict[int, float] = {}

        def mark(cores, rank):
            for name in cores:
                for number in self._units_of[name]:
                    if ranks.get(number, rank + 1) > rank:
                        ranks[number] = rank

        def tails_to_cores(tails):
            return {name for tail in tails for name in self._cores_of_tail[tail]}

        if core in self._units_of:
            mark((core,), EXACT)
        mark(_prefixed(self._cores, core), PREFIX)
        mark(tails_to_cores(_prefixed(self._tails, core)), WORD_PREFIX)
        if len(core) >= FUZZY_FROM:
            keys = (core, *_deletions(core))
            near = {name for key in keys for name in self._near.get(key, ())}
            # Two letters swapped is the likeliest slip: ranked first among the typos.
            for name in near:
                if one_edit(core, name):
                    mark((name,), FUZZY if _swapped(core, name) else FUZZY + 0.5)
            near_tails = {tail for key in keys for tail in self._near_tail.get(key, ())
                          if one_edit(core, tail)}
            mark(tails_to_cores(near_tails), WORD_FUZZY)
        return ranks


def _prefixed(keys: list[str], prefix: str) -> list[str]:
    start = bisect_left(keys, prefix)
    return keys[start:bisect_left(keys, prefix + "\uffff", start)]


def _swapped(a: str, b: str) -> bool:
    return len(a) == len(b) and a != b and sorted(a) == sorted(b)


def _deletion_index(keys: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in keys:
        for variant in (key, *_deletions(key)):
            found.setdefault(variant, []).append(key)
    return found
