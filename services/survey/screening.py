"""Personal data in Vietnamese free text: what a kiosk must refuse, and what a reader must
not see.

Two levels. ``refusal`` names what the citizen can take out before sending and the kiosk
page refuses too (the same two patterns as gateway/static/kiosk/kiosk.js): an email address
or a run of nine or more digits (a phone or identity number, however spaced). ``redact``
finds everything else that points at a person and replaces it with a placeholder wherever
the text is shown or exported:

- names: a common family name followed by capitalised syllables (Nguyễn Văn An, Trần Thị
  Bích Ngọc; also lower-case when a middle name such as văn or thị follows), or a title or
  kinship word (ông, bà, anh, chị, cô, chú, cán bộ, đồng chí, chủ tịch…) followed by one
  (chị Lan) → "[họ tên]" (the title stays: "chị [họ tên]");
- addresses: a house number (số 12, số nhà 5A, 12/3) or a place word (ngõ, ngách, hẻm,
  đường, phố, thôn, xóm, ấp, bản, tổ, khu phố, phường, xã, quận, huyện…) followed by a
  number or a capitalised name, with the parts that follow it → "[địa chỉ]";
- phone numbers: Vietnamese mobile and landline forms (0912 345 678, 091.234.5678,
  +84 912 345 678, (024) 3825 1234), and any number of six or more digits after a phone
  word (sđt, điện thoại, zalo, gọi…) → "[số điện thoại]";
- identity numbers: after CCCD, CMND, căn cước, hộ chiếu…, or any other run of nine to
  twelve digits → "[số giấy tờ]";
- email addresses → "[email]".

Matching errs towards redacting: a street named after a hero (đường Lê Lợi) or a
province (Bà Rịa) is hidden too. It is a screen, not a guarantee: the text is also
encrypted (textkeys.py) and can be erased.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NAME, ADDRESS, PHONE, ID_NUMBER, EMAIL = "name", "address", "phone", "id_number", "email"
PLACEHOLDERS = {NAME: "[họ tên]", ADDRESS: "[địa chỉ]", PHONE: "[số điện thoại]",
                ID_NUMBER: "[số giấy tờ]", EMAIL: "[email]"}

# -- what the kiosk refuses ------------------------------------------------------------------
_EMAIL_REFUSED = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_LONG_NUMBER = re.compile(r"(?:\d[\s.\-]?){9,}")


def refusal(text: str) -> str | None:
    """Why the kiosk must refuse ``text`` (the citizen can take it out), or None."""
    if _EMAIL_REFUSED.search(text) or _LONG_NUMBER.search(text):
        return ("Please leave out personal data (email addresses, phone or ID numbers).")
    return None


# -- letters -------------------------------------------------------------------------------
_UPPER = ("A-ZĐÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸ")
_LOWER = _UPPER.replace("A-Z", "a-z").lower()
_CAP = rf"[{_UPPER}][{_LOWER}]*"  # a capitalised syllable
_WORD = rf"[{_UPPER}{_LOWER}]+"
_B = rf"(?<![{_UPPER}{_LOWER}\d])"  # a word starts here
_E = rf"(?![{_UPPER}{_LOWER}\d])"  # a word ends here


def _alternatives(words: str) -> str:
    """A regex alternation of space-separated ``words`` (multi-word entries joined by _),
    longest first so 'tổ dân phố' wins over 'tổ'."""
    items = sorted((w.replace("_", " ") for w in words.split()), key=len, reverse=True)
    return "|".join(re.escape(item).replace(r"\ ", r"\s+") for item in items)


# The most common family names (together well over 95 % of the population).
FAMILY_NAMES = _alternatives(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương "
    "Trịnh Trương Lâm Phùng Mai Tô Hà Tạ Lương Đinh Triệu Quách Cao Chu Lưu Thái Hứa Kiều "
    "Lại La Mạc Khúc Kim Thân Nông Lò Hầu Tăng Âu Lục Mạch")
# Places that begin like a family name: not redacted as names on their own.
PLACES_LIKE_NAMES = {
    "Hà Nội", "Hà Giang", "Hà Nam", "Hà Tĩnh", "Hà Đông", "Cao Bằng", "Lâm Đồng", "Thái Bình",
    "Thái Nguyên", "Hồ Gươm", "Hồ Tây", "Mai Châu", "Kim Bảng", "Lý Sơn", "Phan Thiết",
    "Phan Rang", "Tô Lịch", "Hoàng Mai", "Hồ Chí Minh"}
# Middle names that make a lower-case "nguyễn văn an" a name rather than words.
MIDDLE_NAMES = _alternatives(
    "văn thị hữu đức đình công quang minh ngọc thanh xuân thu kim bá duy gia hoài hồng khánh "
    "mạnh phương quốc tiến trọng tuấn việt anh bích diệu hải huy lan mỹ như phú sỹ sĩ tấn "
    "thành thế trung tú tường vĩnh")
# Words after which a capitalised word is someone's name: titles, roles, kinship terms.
TITLES = _alternatives(
    "ông bà anh chị em cô chú bác cậu dì mợ thím cụ cháu bạn "
    "cán_bộ công_chức viên_chức đồng_chí chủ_tịch phó_chủ_tịch bí_thư trưởng_thôn "
    "trưởng_ấp trưởng_bản trưởng_xóm tổ_trưởng trưởng_công_an công_an kế_toán văn_thư "
    "cán_bộ_tư_pháp công_chức_tư_pháp cán_bộ_một_cửa người_tên tên_là tên")
# Capitalised words that follow a title without being a name ("anh Chủ tịch", "bà UBND").
NOT_NAMES = set(
    "Chủ Tịch Phó Bí Thư Trưởng Cán Bộ Công Chức Ủy Uỷ Ban Nhân Dân UBND HĐND Phòng Sở Xã "
    "Phường Huyện Tỉnh Quận Thôn Ấp Tổ Khu Một Cửa Tư Pháp Ông Bà Anh Chị Em Cô Chú Bác "
    "Đảng Nhà Nước Việt Nam Hội Đoàn Mặt Trận".split())
# Place words: what follows them, if a number or a name, is an address.
PLACE_WORDS = _alternatives(
    "số_nhà nhà_số ngõ ngách hẻm kiệt đường phố thôn xóm ấp bản buôn làng khóm sóc tổ "
    "tổ_dân_phố tổ_dân_cư khu_phố khu_dân_cư khu_vực khu phường xã thị_trấn thị_xã quận "
    "huyện thành_phố tỉnh tp tx")
PHONE_WORDS = _alternatives(
    "sđt sdt đt điện_thoại số_điện_thoại số_máy di_động dđ zalo hotline gọi liên_hệ nhắn_tin")
ID_WORDS = _alternatives(
    "cccd cmnd cmt căn_cước căn_cước_công_dân chứng_minh chứng_minh_nhân_dân chứng_minh_thư "
    "hộ_chiếu số_định_danh mã_định_danh giấy_tờ")

_NUMBER = r"\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*"  # 12, 5A, 12/3, 45/7B
_PLACE_NAME = rf"(?:{_NUMBER}|{_CAP}(?:\s+(?:{_CAP}|\d+))*)"
_PLACE_PART = rf"{_B}(?i:{PLACE_WORDS}){_E}\s*(?:số\s*)?{_PLACE_NAME}"
_STREET = rf"{_CAP}(?:\s+{_CAP})*"
# "số nhà 5", or "số 12" followed by a street's name ("quầy số 2" is no address).
_HOUSE = (rf"{_B}(?i:số\s*nhà|nhà\s*số){_E}\s*{_NUMBER}(?:\s*,?\s*{_STREET})?"
          rf"|{_B}(?i:số){_E}\s*{_NUMBER}\s*,?\s*(?:{_STREET}|(?={_PLACE_PART}))")
# Parts that follow an address belong to it, a bare name after a comma too ("…, Hai Bà Trưng").
_ADDRESS = re.compile(
    rf"(?:{_HOUSE}|{_PLACE_PART})(?:\s*[,\-–]?\s*(?:{_PLACE_PART}|{_HOUSE})|\s*,\s*{_STREET})*")

_FAMILY_LED = re.compile(
    rf"{_B}(?:{FAMILY_NAMES})(?:\s+{_CAP}){{1,3}}{_E}"
    rf"|{_B}(?i:{FAMILY_NAMES})\s+(?i:{MIDDLE_NAMES})(?:\s+{_WORD}){{1,2}}{_E}")
_TITLE_LED = re.compile(rf"{_B}(?i:{TITLES}){_E}\s*:?\s+(?P<name>{_CAP}(?:\s+{_CAP}){{0,3}}){_E}")

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A number as people write phones: +84 or digits, with single spaces, dots, dashes and an
# area code in brackets between the groups.
_DIGITS = re.compile(r"(?<![\w+])(?:\+\s?)?\(?\d+\)?(?:[ .\-]?\(?\d+\)?)*")
_PHONE_CONTEXT = re.compile(rf"{_B}(?i:{PHONE_WORDS}){_E}[\s:.\-]*(?:số\s*)?(?:là\s*)?$")
_ID_CONTEXT = re.compile(rf"{_B}(?i:{ID_WORDS}){_E}[\s:.\-]*(?:số\s*)?(?:là\s*)?$")
_MOBILE_OR_LANDLINE = re.compile(r"^(?:\+?84|0)(?:[35789]\d{8}|2\d{9})$")


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str


def normalise(text: str) -> str:
    """NFC (a kiosk typing decomposed Vietnamese must match too), trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def find(text: str) -> list[Found]:
    """Everything in ``text`` that points at a person, overlaps merged, in order."""
    found = [Found(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text)]
    found += _numbers(text)
    found += [Found(m.start(), m.end(), ADDRESS) for m in _ADDRESS.finditer(text)]
    found += [Found(m.start(), m.end(), NAME) for m in _FAMILY_LED.finditer(text)
              if " ".join(m.group().split()) not in PLACES_LIKE_NAMES]
    for match in _TITLE_LED.finditer(text):
        words = match.group("name").split()
        while words and words[0] in NOT_NAMES:
            words.pop(0)
        if words:  # the title stays readable: "chị [họ tên]"
            start = match.end() - len(" ".join(words))
            found.append(Found(start, match.end(), NAME))
    return _merged(found)


def redact(text: str) -> tuple[str, list[str]]:
    """``text`` with what ``find`` finds replaced by placeholders, and the kinds replaced."""
    out, last, kinds = [], 0, []
    for item in find(text):
        out += [text[last:item.start], PLACEHOLDERS[item.kind]]
        last = item.end
        if item.kind not in kinds:
            kinds.append(item.kind)
    out.append(text[last:])
    return "".join(out), kinds


def _numbers(text: str) -> list[Found]:
    found = []
    for match in _DIGITS.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        before = text[max(0, match.start() - 40):match.start()]
        if _ID_CONTEXT.search(before) and len(digits) >= 6:
            kind = ID_NUMBER
        elif _PHONE_CONTEXT.search(before) and len(digits) >= 6:
            kind = PHONE
        elif _MOBILE_OR_LANDLINE.match(digits) or (
                match.group().lstrip().startswith(("+84", "(0")) and 9 <= len(digits) <= 12):
            kind = PHONE
        elif 9 <= len(digits) <= 12:
            kind = ID_NUMBER
        else:
            continue
        found.append(Found(match.start(), match.end(), kind))
    return found


# When two findings overlap, the wider one names the whole.
_PRIORITY = {EMAIL: 0, ID_NUMBER: 1, PHONE: 2, ADDRESS: 3, NAME: 4}


def _merged(found: list[Found]) -> list[Found]:
    merged: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start), _PRIORITY[f.kind])):
        if merged and item.start < merged[-1].end:
            last = merged[-1]
            if item.end > last.end:
                wider = item if item.end - item.start > last.end - last.start else last
                merged[-1] = Found(last.start, item.end, wider.kind)
            continue
        merged.append(item)
    return merged
