"""Import a plan (kế hoạch) or a directive from what provinces publish: plain text, Markdown,
or .docx (paragraphs and tables). Plain Python: returns the structured plan for review.

Nothing is silently dropped: every non-empty line of the source is either used (and the
plan says which) or listed under ``review.unparsed`` with its line number; doubtful values
(an unreadable timeframe, an agency not in the reference data, a task without a lead agency)
are listed under ``review.issues``.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date

from kernel.errors import ValidationFailed
from kernel.messages import DEFAULT_LANGUAGE, render
from reference.text import fold
from services.plans import agencies, timeframes

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
_ROMAN_RE = re.compile(r"^(X|IX|IV|V?I{0,3})\.\s*(.*)$")
_NUMBER_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.(?:\s+|$)(.*)$")
_LETTER_RE = re.compile(r"^([a-zđ])\)\s*(.*)$")
_FOOTNOTE_RE = re.compile(r"^\[(\d+)\]\s*(.*)$")
_LAYOUT_RE = re.compile(r"^(\|+|[-=_]{3,}|\*{3,})$")
# NUL (PostgreSQL cannot store it) and halves of UTF-16 surrogate pairs (not text at all).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A plan's .docx unpacks to a few MiB at most; more is a zip bomb, not a plan.
MAX_DOCX_UNPACKED_BYTES = 20 * 2 ** 20
_DATELINE = re.compile(
    r"(?:(?P<place>[^\W\d][^,|]{0,40}?),\s*)?ngày\s*(?:(?P<day>\d{1,2})?[\s.…]*tháng\s*(?P<month>\d{1,2})?"
    r"[\s.…]*năm\s*(?P<year>20\d\d)?|(?P<d2>\d{1,2})\s*/\s*(?P<m2>\d{1,2})\s*/\s*(?P<y2>20\d\d))",
    re.IGNORECASE)
_DEADLINE_RE = re.compile(r"trước(?: ngày)?\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(20\d\d)")
LABELS = (  # folded label -> field
    ("co quan thuc hien", "lead"), ("don vi thuc hien", "lead"), ("co quan chu tri", "lead"),
    ("don vi chu tri", "lead"), ("chu tri", "lead"),
    ("co quan phoi hop", "coordinating"), ("don vi phoi hop", "coordinating"),
    ("phoi hop", "coordinating"),
    ("thoi gian thuc hien", "timeframe"), ("thoi gian hoan thanh", "timeframe"),
    ("thoi gian", "timeframe"), ("thoi han", "timeframe"),
    ("ket qua, san pham", "outputs"), ("ket qua san pham", "outputs"), ("san pham", "outputs"),
    ("ket qua", "outputs"),
)
_VERBS = ("to chuc", "chi dao", "ra soat", "tham muu", "trien khai", "xay dung", "phat huy",
          "chiu trach nhiem", "thuc hien", "quan triet", "huong dan", "bien soan", "dinh ky",
          "thuong xuyen", "can ", "tich cuc", "tiep tuc")


_COORDINATION_STOPS = ("nghien cuu", "trong cong tac", "de ")


def _first_verb(folded: str, verbs) -> int:
    """Where the first of ``verbs`` starts in ``folded`` (its length if none): "tổ chức" after
    "các" or in a list is a noun ("các tổ chức thành viên", "cơ quan, tổ chức liên quan"), not
    the verb that ends an agency's name."""
    found = [m.start() for v in verbs for m in re.finditer(rf" {re.escape(v.strip())}\b", folded)
             if m.start() > 0 and not folded[:m.start()].rstrip().endswith((" cac", ","))]
    return min(found, default=len(folded))


@dataclass
class Paragraph:
    lines: list[int]
    text: str
    bullet: str | None = None
    heading: bool = False

    @property
    def folded(self) -> str:
        return fold(self.text)


# -- reading the source into lines -----------------------------------------------------------
def decoded(content: str, encoding: str = "text") -> str | bytes:
    """The document a caller sent: text as it is, or the bytes of base64 (a .docx file).

    Line breaks are allowed (encoders wrap at 76 characters); any other character outside the
    alphabet is a damaged upload, not noise to skip."""
    if encoding != "base64":
        return content
    try:
        return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):  # ValueError: a character beyond ASCII
        raise unreadable("plan_document.not_base64") from None


def unreadable(key: str, params: dict | None = None) -> ValidationFailed:
    """A refused document: the message (kernel/messages.py) also names the field."""
    return ValidationFailed(key, {"content": [render(key, DEFAULT_LANGUAGE, params)]}, params)


def source_lines(content: str | bytes, file_name: str | None = None) -> list[str]:
    """The source's lines: text as it is, .docx as its paragraphs and table rows in order."""
    if isinstance(content, bytes) and (content[:2] == b"PK" or (file_name or "").endswith(".docx")):
        return docx_lines(content)
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise unreadable("plan_document.not_text") from None
    if _UNSTORABLE.search(content):
        raise unreadable("plan_document.unstorable")
    return unicodedata.normalize("NFC", content).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def docx_lines(content: bytes) -> list[str]:
    """The paragraphs and table rows of a .docx, or ValidationFailed when it cannot be read."""
    _require_small_package(content)
    try:
        return _docx_lines(content)
    except Exception:  # python-docx and lxml raise a dozen kinds for a damaged file
        raise unreadable("plan_document.damaged_docx") from None


def _require_small_package(content: bytes) -> None:
    """A .docx is a zip: refuse one that would inflate beyond any plan before opening it.
    zipfile stops reading a member at its declared size, so the declared sizes bound it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unreadable("plan_document.not_zip") from None
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise unreadable("plan_document.too_large", {"mib": MAX_DOCX_UNPACKED_BYTES // 2 ** 20})


def _docx_lines(content: bytes) -> list[str]:
    from docx import Document  # python-docx: only the .docx import needs it
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = Document(io.BytesIO(content))
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.extend(unicodedata.normalize("NFC", DocxParagraph(child, document).text).split("\n"))
        elif tag == "tbl":
            lines.extend(_table_lines(Table(child, document)))
            lines.append("")
    return lines


_TABLE_COLUMNS = (("thoi gian", "timeframe"), ("thoi han", "timeframe"), ("noi dung", "content"),
                  ("nhiem vu", "content"), ("chu tri", "lead"), ("phoi hop", "coordinating"),
                  ("san pham", "outputs"), ("ket qua", "outputs"), ("thuc hien", "lead"))
_TABLE_LABELS = {"lead": "Đơn vị chủ trì", "coordinating": "Đơn vị phối hợp",
                 "timeframe": "Thời gian thực hiện", "outputs": "Kết quả, sản phẩm"}


def _table_lines(table) -> list[str]:
    """A task table (STT | Nội dung | Chủ trì | Phối hợp | Thời gian | Sản phẩm) as the labelled
    lines the text importer reads; any other table as its cells' lines, cell after cell."""
    rows = [[unicodedata.normalize("NFC", " ".join(c.text.split())) for c in row.cells]
            for row in table.rows]
    if not rows:
        return []
    columns = []
    for cell in rows[0]:
        folded = fold(cell)
        if folded.strip(" .") in ("stt", "tt", "so tt"):
            columns.append("number")
            continue
        columns.append(next((name for label, name in _TABLE_COLUMNS if label in folded), None))
    if "content" not in columns:
        # A header (issuer | motto, number | date) or a signature table (recipients | signer):
        # each cell's own lines, cell after cell, as the same document typed as text shows them.
        lines: list[str] = []
        for row in table.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                    continue
                seen.add(id(cell._tc))
                lines += [unicodedata.normalize("NFC", line.strip()) for line in cell.text.split("\n")
                          if line.strip()] + [""]
        return lines
    lines: list[str] = []
    for row in rows[1:]:
        values = {name: value for name, value in zip(columns, row, strict=False) if name}
        number = values.get("number", "").rstrip(".")
        head = f"{number}. {values.get('content', '')}" if number else values.get("content", "")
        lines += ["", head]
        lines += [f"- {_TABLE_LABELS[name]}: {values[name]}" for name in _TABLE_LABELS
                  if values.get(name)]
    return lines


# -- lines into paragraphs --------------------------------------------------------------------
def _clean(raw: str) -> tuple[str, str | None, bool]:
    text = raw.strip()
    heading = bool(re.match(r"^#{1,6}\s", text))
    text = re.sub(r"^#{1,6}\s*", "", text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    text = text.replace("*", "").strip()
    bullet = None
    match = re.match(r"^([-+•])(?:\s+|$)(.*)$", text)
    if match:
        bullet, text = match.group(1), match.group(2)
    return " ".join(text.split()), bullet, heading


def _starts_block(text: str) -> bool:
    folded = fold(text)
    return bool(_ROMAN_RE.match(text) and text.split(".")[0] in ROMAN
                or _NUMBER_RE.match(text) or _LETTER_RE.match(text) or _FOOTNOTE_RE.match(text)
                or _label(folded) or folded.startswith("noi nhan")
                or folded in ("ke hoach",) or folded.startswith("so:"))


_SIGNATURE_MARK = re.compile(r"^(TM|KT|TL|TUQ|Q)\.\s*")
_POSITION_END = re.compile(r"(?:PHÓ\s+)?(?:CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG PHÒNG|TRƯỞNG BAN|CHÁNH VĂN PHÒNG|"
                           r"CHÁNH THANH TRA|BÍ THƯ|THỦ TRƯỞNG|TRƯỞNG ĐOÀN|TỔNG BIÊN TẬP|BỘ TRƯỞNG|"
                           r"THỨ TRƯỞNG|CỤC TRƯỞNG|VỤ TRƯỞNG|CHỦ NHIỆM)$")


def _marked(title: str) -> list[tuple[str | None, str]]:
    """A title line split at its marks: "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH" -> [("TM.", ...), ...]."""
    pieces = re.split(r"\b(TM|KT|TL|TUQ|Q)\.\s*", title)
    result = [(None, pieces[0].strip())] if pieces[0].strip() else []
    result += [(f"{mark}.", rest.strip()) for mark, rest in zip(pieces[1::2], pieces[2::2], strict=True)]
    return result


def _plan_years(text: str) -> list[int]:
    """The years a title or an opening plans for: "năm 2021", "giai đoạn 2021 - 2025" (both
    ends); never a date's year ("ngày 20 tháng 6 năm 2020") or a number's ("25/2021/QĐ-TTg")."""
    years: list[int] = []
    for match in re.finditer(r"(tháng\s+\d{1,2}\s+)?năm\s+(20\d\d)|giai đoạn\s+(20\d\d)\s*[-–]\s*(20\d\d)",
                             text, re.IGNORECASE):
        if match.group(2) and not match.group(1):
            years.append(int(match.group(2)))
        elif match.group(3):
            years += [int(match.group(3)), int(match.group(4))]
    return years


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def paragraphs(lines: list[str]) -> tuple[list[Paragraph], list[int]]:
    """Join wrapped lines into paragraphs; also the layout lines (separators) seen."""
    result: list[Paragraph] = []
    layout: list[int] = []
    current: Paragraph | None = None
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            current = None
            continue
        if _LAYOUT_RE.match(stripped.replace("*", "*")) and not re.match(r"^[-+]$", stripped):
            layout.append(number)
            current = None
            continue
        text, bullet, heading = _clean(raw)
        if not text and bullet is None:
            layout.append(number)  # emphasis markers only
            current = None
            continue
        following = lines[number].strip() if number < len(lines) else ""
        # Hard-wrapped text splits a label after its first word ("Thời" / "gian thực hiện:").
        joined = f"{text} {_clean(following)[0]}" if len(text.split()) <= 2 and following else text
        # Text converted from a web page opens each paragraph with its first word alone on a
        # line ("Các" / "cơ quan, ban, ngành ..."), as it wraps a label ("Thời" / "gian ...").
        opens_wrapped = (len(text.split()) == 1 and text[:1].isupper() and not _is_upper(text)
                         and _clean(following)[0][:1].islower())
        breaks = (current is None or bullet is not None or heading or _starts_block(text)
                  or opens_wrapped
                  or (bullet is None and _label(fold(joined)) is not None)
                  or re.search(r"[.:;!?]$|\./\.$", current.text)
                  or re.fullmatch(r"\(.*\)", current.text)  # "(Ban hành kèm theo Quyết định …)"
                  or fold(current.text) in ("ke hoach", "noi nhan:")
                  or (_is_upper(current.text) and not _is_upper(text))
                  or (not _is_upper(current.text) and _is_upper(text)))
        marker_only = current is not None and (
            (current.text == "" and current.bullet)
            or re.fullmatch(r"\d{1,2}(?:\.\d{1,2})*\.|[a-zđ]\)", current.text))
        if breaks and not (marker_only and bullet is None):
            current = Paragraph([number], text, bullet, heading)
            result.append(current)
        else:
            current.lines.append(number)
            current.text = f"{current.text} {text}".strip()
    return result, layout


def _label(folded: str) -> tuple[str, int] | None:
    for label, name in LABELS:
        match = re.match(rf"^{re.escape(label)}\s*:\s*", folded)
        if match:
            return name, match.end()
    return None


# -- the plan -----------------------------------------------------------------------------
@dataclass
class _Task:
    number: str
    section: str | None
    title: str
    lines: list[int]
    description: list[str] = field(default_factory=list)
    lead_text: str = ""
    coordinating_text: str = ""
    timeframe_lines: list[str] = field(default_factory=list)
    timeframe_line: int | None = None
    outputs: str = ""
    inherited_lead: str = ""
    inherited_coordinating: str = ""
    collecting_timeframe: bool = False


class _Importer:
    def __init__(self, lines: list[str], province_code: str | None, district_code: str | None):
        self.lines = lines
        self.province_code = province_code or ""
        self.district_code = district_code
        self.used: dict[int, str] = {}
        self.unparsed: list[dict] = []
        self.issues: list[dict] = []
        self.plan: dict = {
            "kind": "plan", "issuer": None, "number": None, "date": None, "place": None,
            "year": None, "first_year": None, "last_year": None, "title": None,
            "decision": [], "legal_basis": [], "references": [], "purpose": [], "requirements": [],
            "sections": [], "tasks": [], "organisation": [], "funding": [], "deadlines": [],
            "closing": [], "recipients": [], "signer": {"titles": [], "name": None},
            "footnotes": [], "province_code": province_code, "district_code": district_code,
        }
        self.tasks: list[_Task] = []
        self.section: dict | None = None  # a numbered group of tasks
        self.task: _Task | None = None
        self.zone = "header"
        self.part = None  # the roman part: purpose, tasks, organisation, other
        self.purpose_target = "purpose"
        self.seen_number = self.seen_date = False
        self.signed_year: int | None = None

    # bookkeeping
    def use(self, para: Paragraph, role: str) -> None:
        for number in para.lines:
            self.used[number] = role

    def report(self, para: Paragraph, reason: str) -> None:
        for number in para.lines:
            self.unparsed.append({"line": number, "text": self.lines[number - 1].strip(),
                                  "reason": reason})

    def issue(self, kind: str, message: str, line: int | None, task: str | None = None) -> None:
        self.issues.append({"kind": kind, "message": message, "line": line, "task": task})

    # the walk
    def run(self) -> dict:
        paras, layout = paragraphs(self.lines)
        for number in layout:
            self.used[number] = "layout"
        title_at = next((i for i, p in enumerate(paras) if p.folded == "ke hoach"), None)
        if title_at is None:
            self.directive(paras)
        else:
            for para in paras[:title_at]:
                self.header(para)
            self.use(paras[title_at], "title")
            self.zone = "title"
            for para in paras[title_at + 1:]:
                self.body(para)
        self.finish()
        return self.result()

    def header(self, para: Paragraph) -> None:
        """The issuer, motto, "Số:" and the place and date, each on its own line or several on
        one (a .docx header table's row, "Số: 12/KH-UBND    Hà Nội, ngày ..."): read by cells.
        A plan issued by a decision ("QUYẾT ĐỊNH Ban hành Kế hoạch …") has the decision between
        its date and the "KẾ HOẠCH" title: its text, then its recipients and signer, are read
        as such, never as the issuer."""
        if self.seen_date or (self.seen_number and not _DATELINE.search(para.text)):
            self.decision(para)
            return
        issuer = []
        for text in self._header_cells(para):
            folded = fold(text)
            motto = re.search(r"cong hoa xa hoi chu nghia|doc lap\s*-", folded)
            if motto:
                text, folded = text[:motto.start()].strip(), folded[:motto.start()].strip()
            number = re.match(r"^so\s*:\s*", folded)
            if number:
                text = self.number_cell(text[number.end():], para.lines[0])
                folded = fold(text)
            if _DATELINE.search(text):
                text = self.dateline(text, para.lines[0])
            if text.strip(" ,.-|"):
                issuer.append(text.strip(" |"))
        if issuer:
            self.plan["issuer"] = " ".join(filter(None, [self.plan["issuer"], *issuer]))
        self.use(para, "issuer" if issuer else "header")

    def decision(self, para: Paragraph) -> None:
        if para.folded.startswith("noi nhan"):
            self.zone = "recipients"
            self.use(para, "recipients")
        elif self.zone in ("recipients", "signer"):
            self.closing_block(para)
        else:
            self.plan["decision"].append(para.text)
            self.use(para, "decision")

    def _header_cells(self, para: Paragraph) -> list[str]:
        """The paragraph's source lines split where a table ("|") or a tab separated cells (wide
        spacing is read by the fields themselves: a blank date is written with spaces)."""
        cells: list[str] = []
        for number in para.lines:
            raw = self.lines[number - 1].replace("**", "").replace("__", "").strip(" #*")
            raw = re.sub(r"[-=_]{3,}", " ", raw)  # the rule drawn under the issuer's name
            for cell in (" ".join(c.split()) for c in re.split(r"\s*\|\s*|\t+", raw) if c.strip()):
                if cells and cells[-1].endswith(",") and fold(cell).startswith("ngay"):
                    cells[-1] += " " + cell  # "Bến Tre," / "ngày 17 tháng 11 năm 2020"
                else:
                    cells.append(cell)
        return cells

    def number_cell(self, text: str, line: int) -> str:
        """The number after "Số:" ("6134/KH-UBND"; blank as "   /KH-UBND"); what follows it
        on the line (a place and date) is returned for the caller to read."""
        match = re.match(r"^(\d+)?\s*([/-]\s*[\w.\-/]+)?\s*(.*)$", text)
        digits, suffix, rest = match.groups()
        if digits and suffix:
            self.plan["number"] = digits + re.sub(r"\s+", "", suffix)
        elif digits and not re.match(r"^(tháng|năm)\b", rest, re.I):
            self.plan["number"] = digits
        else:
            self.plan["number"] = None
            self.issue("number_missing", "The document's number is blank (Số: ...).", line)
        self.seen_number = True
        return rest

    def dateline(self, text: str, line: int) -> str:
        """The place and date ("Bến Tre, ngày 17 tháng 11 năm 2020"; "ngày 17/11/2020"); the
        text before the place (an issuer on the same row) is returned."""
        match = _DATELINE.search(text)
        before = text[:match.start()]
        self.plan["place"] = (match.group("place") or "").strip(" ,") or None
        day, month, year = (match.group(g) for g in ("day", "month", "year"))
        if match.group("y2"):
            day, month, year = match.group("d2"), match.group("m2"), match.group("y2")
        self.seen_date = True
        self.signed_year = int(year) if year else None
        if day and month and year:
            try:
                self.plan["date"] = date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                self.issue("date_missing", f"The document's date is not a date: {match.group(0)}", line)
                return before
        else:
            self.issue("date_missing", "The document's date is blank (ngày ... tháng ... năm ...).", line)
        return before

    def body(self, para: Paragraph) -> None:
        text, folded = para.text, para.folded
        roman = _ROMAN_RE.match(text)
        if roman and text.split(".")[0] in ROMAN:
            self.zone = "body"
            self.start_part(roman.group(2), para)
            return
        if folded.startswith("noi nhan"):
            self.zone = "recipients"
            self.use(para, "recipients")
            return
        footnote = _FOOTNOTE_RE.match(text)
        if footnote and self.zone in ("recipients", "signer", "footnotes"):
            self.zone = "footnotes"
            self.plan["footnotes"].append({"number": int(footnote.group(1)), "text": footnote.group(2)})
            self.use(para, "footnote")
            return
        if self.zone == "title" and re.match(r"^\(?\s*ban hanh kem theo\b", folded):
            self.plan["references"].append(text.strip("() "))  # the decision it is attached to
            self.use(para, "references")
            return
        if self.zone == "title":
            if re.match(r"^(thuc hien|can cu)\b", folded) and not _is_upper(text):
                self.zone = "intro"
            else:
                self.plan["title"] = " ".join(filter(None, [self.plan["title"], text]))
                self.use(para, "title")
                return
        if self.zone == "intro":
            self.plan["legal_basis"].append(text)
            self.use(para, "legal_basis")
            return
        if self.zone == "footnotes" and self.plan["footnotes"]:
            self.plan["footnotes"][-1]["text"] += " " + text
            self.use(para, "footnote")
            return
        if self.zone in ("recipients", "signer") or (_SIGNATURE_MARK.match(text) and _is_upper(text)):
            self.closing_block(para)  # a signer's block, after the recipients or without them
            return
        if folded.startswith("tren day la"):
            self.plan["closing"].append(text)
            self.use(para, "closing")
            return
        if self.part == "purpose":
            self.purpose(para)
        elif self.part == "tasks":
            self.task_paragraph(para)
        elif self.part == "organisation":
            self.plan["organisation"].append(text)
            self.use(para, "organisation")
        else:
            self.report(para, "outside any part of the plan")

    def start_part(self, title: str, para: Paragraph) -> None:
        folded = fold(title)
        self.close_task()
        self.section = None
        if "muc dich" in folded or "yeu cau" in folded:
            self.part = "purpose"
        elif "to chuc thuc hien" in folded:
            self.part = "organisation"
        elif "kinh phi" in folded:
            self.part = "funding"
        else:
            self.part = "tasks"
        self.plan.setdefault("parts", []).append({"number": para.text.split(".")[0],
                                                  "title": title.rstrip(":").strip(),
                                                  "kind": self.part})
        self.use(para, "part")

    def purpose(self, para: Paragraph) -> None:
        number = _NUMBER_RE.match(para.text)
        rest = number.group(2) if number else para.text
        folded = fold(rest).rstrip(":").strip()
        if folded in ("muc dich", "yeu cau"):
            self.purpose_target = "purpose" if folded == "muc dich" else "requirements"
            self.use(para, "purpose")
            return
        self.plan[self.purpose_target].append(para.text)
        self.use(para, self.purpose_target)

    def closing_block(self, para: Paragraph) -> None:
        if para.bullet is not None and self.zone == "recipients":
            self.plan["recipients"].append(para.text.rstrip(";."))
            self.use(para, "recipients")
            return
        self.zone = "signer"
        if re.fullmatch(r"[(\[]\s*(?:đã ký|ký|daky|đã ký và đóng dấu|ký và đóng dấu)\s*[)\]]\.?", para.text,
                        re.IGNORECASE):
            self.use(para, "signer")  # "(Đã ký)" in a copy: a mark, not the signer's name
            return
        if _is_upper(para.text):
            # One title a source line ("TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH").
            self.plan["signer"]["titles"] += [t for t in (_clean(self.lines[n - 1])[0] for n in para.lines) if t]
        elif self.plan["signer"]["name"] is None and len(para.text.split()) <= 6:
            self.plan["signer"]["name"] = para.text
        elif self.plan["recipients"] and len(para.text.split()) <= 6:
            self.plan["recipients"][-1] += " " + para.text
        else:
            self.report(para, "after the signature")
            return
        self.use(para, "signer")

    def signer(self) -> None:
        """The signer's block as officials sign: for whom (TM. the body, KT. the head signed for,
        TL./TUQ. by order), the position held and the name; what is missing is a doubt."""
        signer = self.plan["signer"]
        signer.update({"on_behalf": [], "position": None})
        titles = list(signer["titles"])
        if signer["name"] is None and titles and not _SIGNATURE_MARK.match(titles[-1]) \
                and not _POSITION_END.search(titles[-1]) and len(titles[-1].split()) <= 5:
            signer["name"] = titles.pop().title()  # a name written in capitals
            signer["titles"] = titles
        for title in titles:
            for mark, rest in _marked(title):
                position = _POSITION_END.search(rest)
                if mark and (position is None or position.start() == 0):
                    signer["on_behalf"].append({"mark": mark, "of": rest})
                    continue
                if mark:
                    signer["on_behalf"].append({"mark": mark, "of": rest[:position.start()].strip()})
                signer["position"] = (rest[position.start():] if position else rest).strip()
        if signer["name"] is None:
            self.issue("signer_missing", "No signer's name found.", None)
        elif signer["position"] is None:
            self.issue("signer_position_missing", f"No position found for the signer {signer['name']}.", None)

    # tasks
    def task_paragraph(self, para: Paragraph) -> None:
        text, folded = para.text, para.folded
        number = _NUMBER_RE.match(text) if para.bullet is None else None
        letter = _LETTER_RE.match(text) if para.bullet is None else None
        label = _label(folded)
        if number and "." not in number.group(1):
            self.close_task()
            title = number.group(2).strip()
            self.section = {"number": number.group(1), "title": title, "text": [],
                            "lines": list(para.lines)}
            if fold(title).startswith("kinh phi"):
                self.section["funding"] = True
            else:
                self.plan["sections"].append(self.section)
            self.use(para, "section")
            return
        if self.section and self.section.get("funding"):
            self.plan["funding"].append(text)
            self.use(para, "funding")
            return
        if number:
            self.close_task()
            self.task = _Task(number.group(1), self.section["number"] if self.section else None,
                              number.group(2).strip(), list(para.lines))
            self.use(para, "task")
            return
        if letter:
            self.close_task()
            prefix = self.section["number"] if self.section else ""
            self.task = _Task(f"{prefix}.{letter.group(1)}" if prefix else letter.group(1),
                              prefix or None, letter.group(2).strip(), list(para.lines))
            self.use(para, "task")
            return
        if label:
            self.task_field(para, label)
            return
        task = self.task
        if task is not None and task.collecting_timeframe and para.bullet is not None:
            task.timeframe_lines.append(text)
            self.use(para, "timeframe")
            return
        if task is not None and para.bullet is not None and task.timeframe_lines \
                and not task.collecting_timeframe:
            # Another activity of the same item, with its own timeframe below.
            self.close_task()
            parent = task.number.split("#")[0]
            count = sum(1 for t in self.tasks if t.number.split("#")[0] == parent) + 1
            self.task = _Task(f"{parent}#{count}", task.section, text, list(para.lines),
                              inherited_lead=task.lead_text or self._lead_from(task.title)
                              or task.inherited_lead,
                              inherited_coordinating=task.coordinating_text
                              or self._coordinating_from(task.title)
                              or task.inherited_coordinating)
            self.use(para, "task")
            return
        if task is not None:
            if task.collecting_timeframe:
                task.collecting_timeframe = False
            task.description.append(text)
            task.lines += para.lines
            self.use(para, "task")
            return
        if self.section is not None:
            self.section["text"].append(text)
            self.section["lines"] += para.lines
            self.use(para, "section")
            return
        self.report(para, "text before the first task")

    def task_field(self, para: Paragraph, label: tuple[str, int]) -> None:
        name, end = label
        value = para.text[end:].strip()
        if self.task is None:
            if self.section is None:
                self.report(para, "a task field outside any task")
                return
            # A numbered section without sub-items is itself the task.
            section = self.section
            self.plan["sections"].remove(section)
            self.task = _Task(section["number"], None, section["title"], list(section["lines"]),
                              description=list(section["text"]))
            self.section = None
        task = self.task
        task.lines += para.lines
        task.collecting_timeframe = False
        if name == "lead":
            task.lead_text = value
        elif name == "coordinating":
            task.coordinating_text = value
        elif name == "outputs":
            task.outputs = value
        elif name == "timeframe":
            task.timeframe_line = para.lines[0]
            if value:
                task.timeframe_lines = [value]
            else:
                task.timeframe_lines = []
                task.collecting_timeframe = True
        self.use(para, name)

    def close_task(self) -> None:
        if self.task is not None:
            self.tasks.append(self.task)
            self.task = None

    # directives (no "KẾ HOẠCH" title: a letter or a news item about one)
    def directive(self, paras: list[Paragraph]) -> None:
        self.plan["kind"] = "directive"
        opening = next((i for i, p in enumerate(paras)
                        if re.search(r"ban hanh (cong van|chi thi|ke hoach|quyet dinh) so", p.folded)),
                       None)
        if opening is None:
            for para in paras:
                self.report(para, "no plan or directive found")
            return
        for para in paras[:opening]:
            self.report(para, "before the document")
        first = paras[opening]
        text = first.text
        kind = re.search(r"ban hành (Công văn|Chỉ thị|Kế hoạch|Quyết định) số ([\w/.\-Đđ]+)", text)
        if kind:
            self.plan["document_type"] = kind.group(1)
            self.plan["number"] = kind.group(2).rstrip(".,")
        dated = re.search(r"(\d{1,2})/(\d{1,2})/(20\d\d)", text)
        if dated:
            day, month, year = (int(g) for g in dated.groups())
            self.plan["date"] = f"{year:04d}-{month:02d}-{day:02d}"
            self.plan["year"] = year
        issuer = re.search(r"\d{4},\s*(.+?)\s+ban hành", text)
        if issuer:
            self.plan["issuer"] = issuer.group(1)
        subject = re.search(r"về việc (.+?)\.\s", text)
        if subject:
            self.plan["title"] = subject.group(1)
        self.plan["legal_basis"].append(text)
        self.use(first, "legal_basis")
        ended = False
        count = 0
        for para in paras[opening + 1:]:
            if ended:
                self.report(para, "after the document")
                continue
            clause = re.match(r"^Đối với (.+?):\s*(.*)$", para.text) or \
                re.search(r"đề nghị\s+(.{3,120}?):\s*(.*)$", para.text)
            found = agencies.find(self.province_code, clause.group(1))[0] if clause else []
            if clause and found:
                self.close_task()
                count += 1
                self.task = _Task(str(count), None, clause.group(2) or para.text, list(para.lines),
                                  lead_text=clause.group(1))
                self.use(para, "task")
            elif self.task is not None:
                self.task.description.append(para.text)
                self.task.lines += para.lines
                self.use(para, "task")
            else:
                self.plan["purpose"].append(para.text)
                self.use(para, "purpose")
            if para.text.endswith("./."):
                ended = True

    # after the walk
    def finish(self) -> None:
        self.close_task()
        for section in list(self.plan["sections"]):
            if not any(t.section == section["number"] for t in self.tasks):
                # A numbered item without sub-items is itself a task.
                self.plan["sections"].remove(section)
                self.tasks.append(_Task(section["number"], None, section["title"],
                                        list(section["lines"]), description=list(section["text"])))
        self.tasks.sort(key=lambda t: min(t.lines))
        if self.plan["issuer"] is None:
            basis = " ".join(self.plan["legal_basis"])
            found = re.search(r"((?:Chủ tịch )?(?:UBND|Ủy ban nhân dân) [^.,;]+?) (?:xây dựng|ban hành)", basis)
            if found:
                self.plan["issuer"] = found.group(1)
        if self.plan["issuer"] and fold(self.plan["issuer"]).endswith(" tinh"):
            name = agencies.province_name(self.province_code)
            if name:
                self.plan["issuer"] += f" {name}"
        self.plan_year()
        year = self.plan["year"]
        self.signer()
        if self.plan["date"] and not self.plan["place"]:
            self.issue("place_missing", "The document's date names no place.", None)
        if self.plan["kind"] == "plan":
            if not self.seen_number:
                self.issue("number_missing", "The document has no number (Số: ...).", None)
            if not self.seen_date:
                self.issue("date_missing", "The document has no place and date.", None)
        numbers: dict[str, int] = {}
        for task in self.tasks:
            base = task.number.split("#")[0]
            numbers[base] = numbers.get(base, 0) + 1
        for task in self.tasks:
            self.plan["tasks"].append(self.structured(task, numbers))
        for section in self.plan["sections"]:
            section["tasks"] = [t["number"] for t in self.plan["tasks"]
                                if t["section"] == section["number"]]
            section.pop("lines", None)
        named = [y for t in self.plan["tasks"] for y in timeframes.years_named(t["timeframe"])]
        if year is not None:
            self.plan["first_year"] = year
            self.plan["last_year"] = max([year, *[y for y in named + self.plan["title_years"]
                                                  if y <= year + 10]])
        for t in self.plan["tasks"]:
            t["due_dates"] = timeframes.due_dates(t["timeframe"], self.plan["first_year"] or 0,
                                                  self.plan["last_year"] or 0)
            early = [d for d in t["due_dates"] if self.plan["date"] and d < self.plan["date"]]
            if early:  # due before the plan was signed: a wrong year somewhere
                self.issue("due_before_date", f"Due {early[0]}, before the plan's date {self.plan['date']}.",
                           (t["lines"] or [None])[0], t["number"])
        self.deadlines()

    def plan_year(self) -> None:
        """The year the plan is for: the one its title names ("... năm 2021"), else the year
        it was signed, unless it was signed in the last quarter and its tasks name only the
        next year (a doubt); else the year its opening names. Never a silent guess."""
        title = _plan_years(self.plan["title"] or "")
        named = sorted({int(y) for t in self.tasks for line in t.timeframe_lines
                        for y in re.findall(r"20\d\d", line)})
        source, year = None, None
        if self.plan["kind"] == "directive" and self.plan["year"]:
            source, year = "date", self.plan["year"]
        elif title:
            source, year = "title", title[0]
        elif self.signed_year:
            source, year = "date", self.signed_year
            month = int(self.plan["date"][5:7]) if self.plan["date"] else None
            if (month is None or month >= 10) and named and year not in named and named[0] == year + 1:
                source, year = "tasks", year + 1
                self.issue("year_inferred", f"Signed in {self.signed_year}, the tasks name {year} only: "
                           f"the plan is read as the plan for {year}.", None)
            elif month is not None and month >= 10 and not named:
                # Signed late in the year, no year in the title or the tasks: this year's plan
                # or next year's? Read as this year's, and asked.
                self.issue("year_inferred", f"Signed in month {month} of {year} and no year named "
                           f"elsewhere: the plan is read as the plan for {year}.", None)
        else:
            opening = _plan_years(" ".join(self.plan["legal_basis"]))
            if opening:
                source, year = "opening", opening[-1]
                if len(set(opening)) > 1:
                    self.issue("year_inferred", f"The opening names the years {sorted(set(opening))}: "
                               f"the plan is read as the plan for {year}.", None)
        self.plan["year"], self.plan["year_source"] = year, source
        self.plan["title_years"] = title
        if year is None:
            self.issue("year_missing", "No year found for the plan.", None)

    def structured(self, task: _Task, counts: dict[str, int]) -> dict:
        base, _, part = task.number.partition("#")
        number = f"{base}.{part}" if part else (f"{base}.1" if counts[base] > 1 else base)
        if part == "" and counts[base] > 1:
            number = base  # the first activity keeps the item's number
        text = " ".join([task.title, *task.description])
        lead_text = task.lead_text or self._lead_from(task.title) or self._lead_from_description(task) \
            or task.inherited_lead
        coordinating_text = task.coordinating_text or self._coordinating_from(task.title) \
            or task.inherited_coordinating \
            or next(filter(None, map(self._coordinating_from, task.description[:2])), "")
        lead, lead_unmatched = agencies.match_list(self.province_code, lead_text) if lead_text else ([], [])
        coordinating, coordinating_unmatched = (agencies.match_list(self.province_code, coordinating_text)
                                                if coordinating_text else ([], []))
        line = task.lines[0]
        for text_ in (lead_text, coordinating_text):
            if text_ and agencies.names_all_levels(text_):
                self.issue("agency_levels_assumed", "\"UBND các cấp\" read as the district and the "
                           "commune people's committees.", line, number)
        for unmatched in lead_unmatched + coordinating_unmatched:
            self.issue("agency_unmatched", f"Agency not in the reference data: {unmatched}", line, number)
        if not lead:
            self.issue("lead_missing", "No lead agency found for the task.", line, number)
        timeframe = None
        if task.timeframe_lines:
            timeframe = timeframes.parse_parts(task.timeframe_lines, self.plan["year"])
        else:
            dated = _DEADLINE_RE.search(text)
            if dated:
                timeframe = timeframes.parse(dated.group(0), self.plan["year"])
        if timeframe is None:
            self.issue("timeframe_missing", "No timeframe given for the task.", line, number)
        elif timeframe["kind"] == "unknown" or any(p["kind"] == "unknown" for p in timeframe.get("parts", [])):
            self.issue("timeframe_unknown", f"Timeframe not understood: {timeframe['text']}",
                       task.timeframe_line or line, number)
        elif timeframe.get("ambiguous") or any(p.get("ambiguous") for p in timeframe.get("parts", [])):
            self.issue("timeframe_ambiguous", f"Timeframe names a period and an undated form: "
                       f"{timeframe['text']}", task.timeframe_line or line, number)
        return {
            "number": number, "section": task.section, "title": task.title,
            "description": task.description, "lead_text": lead_text,
            "lead_agencies": lead, "coordinating_text": coordinating_text,
            "coordinating_agencies": coordinating, "timeframe": timeframe,
            "outputs": task.outputs, "lines": sorted(set(task.lines)),
        }

    def _lead_from(self, text: str) -> str:
        folded = fold(text)
        chu_tri = re.search(r"\s+chu tri\b", folded)
        if chu_tri:
            return text[:chu_tri.start()]
        if text.endswith(":") and len(text.split()) <= 25:
            return text[:-1]
        cut = _first_verb(folded, _VERBS)
        clause = text[:cut]
        asked = re.search(r"(?:^|\s)đề\s*nghị\s+", clause, re.IGNORECASE)
        if asked:  # "UBND thị xã đề nghị UBND các xã, phường triển khai": the asked lead
            clause = clause[asked.end():]
        found, _ = agencies.find(self.province_code, clause)
        return clause if found and not re.match(r"^(" + "|".join(_VERBS) + ")", folded) else ""

    def _lead_from_description(self, task: _Task) -> str:
        for text in task.description[:2]:
            lead = self._lead_from(text)
            if lead:
                return lead
        return ""

    def _coordinating_from(self, text: str) -> str:
        folded = fold(text)
        match = re.search(r"phoi hop voi\s+", folded)
        if not match:
            return ""
        rest = text[match.end():]
        folded_rest = folded[match.end():]
        stops = [folded_rest.find(":"), _first_verb(folded_rest, _VERBS + _COORDINATION_STOPS)]
        stops = [s for s in stops if 0 < s < len(rest)]
        return rest[:min(stops)] if stops else rest

    def deadlines(self) -> None:
        for number, raw in enumerate(self.lines, start=1):
            for match in _DEADLINE_RE.finditer(unicodedata.normalize("NFC", raw)):
                day, month, year = (int(g) for g in match.groups())
                self.plan["deadlines"].append({"text": match.group(0), "line": number,
                                               "date": f"{year:04d}-{month:02d}-{day:02d}"})

    def result(self) -> dict:
        non_empty = [n for n, raw in enumerate(self.lines, start=1) if raw.strip()]
        unparsed_lines = {u["line"] for u in self.unparsed}
        missing = [n for n in non_empty if n not in self.used and n not in unparsed_lines]
        for number in missing:  # defensive: the walk should have placed every line
            self.unparsed.append({"line": number, "text": self.lines[number - 1].strip(),
                                  "reason": "not read"})
        self.unparsed.sort(key=lambda u: u["line"])
        self.plan["review"] = {
            "lines_total": len(non_empty),
            "lines_used": len([n for n in non_empty if n in self.used]),
            "used_lines": sorted(self.used),
            "unparsed": self.unparsed,
            "issues": self.issues,
        }
        return self.plan


def import_plan(content: str | bytes, file_name: str | None = None,
                province_code: str | None = None, district_code: str | None = None) -> dict:
    """The structured plan read from ``content`` (text, Markdown or .docx bytes), for review."""
    lines = source_lines(content, file_name)
    return _Importer(lines, province_code, district_code).run()
