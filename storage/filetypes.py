"""What a file is, judged by its bytes: the kinds of evidence the platform accepts.

A PDF, a PNG or JPEG image, a Word document (.docx) or an Excel workbook (.xlsx), told apart
by their first bytes and, for the two Office formats (zip packages), by the package's
``[Content_Types].xml`` naming a main part of that kind which the package holds. A file's
name never decides: a program renamed ``.pdf`` is refused, and so is a PDF named ``.docx``
(the name must carry the extension of what the file is, so that whoever downloads it opens
it with the right program).

A zip is read before it is accepted, every entry decompressed and its CRC checked, but never
more than ``max_unpacked`` bytes in all: Python's zipfile stops each entry at its declared
size (a larger one fails its CRC), so the declared sizes bound the work, and their sum is
checked first. A zip bomb is refused without being unpacked.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

from kernel.errors import KernelError, ValidationFailed

MAX_ZIP_ENTRIES = 10_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
OOXML_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@dataclass(frozen=True)
class FileType:
    media_type: str
    extensions: tuple[str, ...]
    name_vi: str


PDF = FileType("application/pdf", (".pdf",), "PDF")
PNG = FileType("image/png", (".png",), "ảnh PNG")
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), "ảnh JPEG")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                (".docx",), "văn bản Word (.docx)")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                (".xlsx",), "bảng tính Excel (.xlsx)")
ALLOWED = (PDF, PNG, JPEG, DOCX, XLSX)
MEDIA_TYPES = {kind.media_type: kind for kind in ALLOWED}
ALLOWED_VI = "PDF, ảnh PNG hoặc JPEG, văn bản Word (.docx) và bảng tính Excel (.xlsx)"

# The main part of a package says what it is (ECMA-376 part 1, 11.3.10 and 12.3.23).
_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"
_JPEG = b"\xff\xd8\xff"
_ZIP = b"PK\x03\x04"
# Kinds people send that are refused, to say what was sent.
_REFUSED = (
    (b"MZ", "một chương trình Windows (.exe, .dll)"),
    (b"\x7fELF", "một chương trình Linux"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "một tài liệu Office kiểu cũ (.doc, .xls): hãy lưu lại "
                                          "thành .docx, .xlsx hoặc PDF"),
    (b"GIF8", "một ảnh GIF"),
    (b"RIFF", "một tệp RIFF (ảnh WebP, âm thanh, video)"),
    (b"II*\x00", "một ảnh TIFF"),
    (b"MM\x00*", "một ảnh TIFF"),
    (b"Rar!", "một tệp nén RAR"),
    (b"7z\xbc\xaf\x27\x1c", "một tệp nén 7z"),
    (b"\x1f\x8b", "một tệp nén gzip"),
    (_ZIP, "một tệp nén .zip hoặc một tài liệu Office không phải .docx, .xlsx"),
)


class UnsupportedFileType(KernelError):
    code, http_status = "unsupported_file_type", 415


class UnreadableFile(KernelError):
    """A file of an accepted kind that is damaged, encrypted or built to exhaust a reader."""

    code, http_status = "unreadable_file", 400


def detect(file: BinaryIO, max_unpacked: int) -> FileType:
    """The kind of ``file`` (a seekable binary file; read from its start), or
    UnsupportedFileType / UnreadableFile."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF  # its structure is read by the signature check (storage/pdf_signatures.py)
    if head.startswith(_PNG):
        return PNG
    if head.startswith(_JPEG):
        return JPEG
    if head.startswith(_ZIP):
        kind = _office_package(file, max_unpacked)
        file.seek(0)
        if kind is not None:
            return kind
    raise _unsupported(head)


def check_file_name(file_name: str, kind: FileType) -> None:
    """The name must end with an extension of what the file is (in any letter case)."""
    lowered = file_name.lower()
    if lowered.endswith(kind.extensions):
        return
    dot = lowered.rfind(".")
    given = f"đuôi {file_name[dot:]}" if dot > 0 else "không có đuôi"
    raise ValidationFailed(
        f"Tên tệp “{file_name}” {given} nhưng nội dung tệp là {kind.name_vi}: hãy đặt tên tệp có "
        f"đuôi {' hoặc '.join(kind.extensions)} rồi tải lên lại.",
        {"file": [f"Đuôi tên tệp phải là {' hoặc '.join(kind.extensions)}."],
         "detected_media_type": kind.media_type})


def _unsupported(head: bytes) -> UnsupportedFileType:
    what = next((words for magic, words in _REFUSED if head.startswith(magic)),
                "một loại tệp không được nhận")
    return UnsupportedFileType(
        f"Tệp này là {what}. Tài liệu minh chứng chỉ nhận {ALLOWED_VI}; loại tệp được xác định "
        "theo nội dung tệp, không theo tên tệp.",
        {"allowed_media_types": [kind.media_type for kind in ALLOWED]})


def _unreadable(reason: str, message: str, **details) -> UnreadableFile:
    return UnreadableFile(message, {"reason": reason, **details})


def _office_package(file: BinaryIO, max_unpacked: int) -> FileType | None:
    """DOCX or XLSX when the zip is one (checked whole), None when it is another zip."""
    try:
        with zipfile.ZipFile(file) as package:
            entries = package.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise _bomb(max_unpacked)
            if sum(entry.file_size for entry in entries) > max_unpacked:
                raise _bomb(max_unpacked)
            kind = _main_part_kind(package)
            if kind is None:
                return None
            for entry in entries:  # every entry whole, each stopped at its declared size
                with package.open(entry) as unpacked:
                    while unpacked.read(256 * 1024):
                        pass
            return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, OSError, zlib.error, ValueError) as error:
        # RuntimeError: an encrypted entry; NotImplementedError: a compression zipfile lacks
        raise _unreadable("damaged_zip", "Tệp Word/Excel bị hỏng hoặc có mật khẩu nên không đọc "
                          "được; hãy mở và lưu lại tệp rồi tải lên lại.",
                          error=type(error).__name__) from None


def _bomb(max_unpacked: int) -> UnreadableFile:
    return _unreadable(
        "too_large_unpacked",
        f"Tệp nén này khi giải nén lớn hơn {max_unpacked // (1024 * 1024)} MB (hoặc có quá nhiều "
        "thành phần): không nhận, vì có thể làm treo máy của người mở.",
        max_unpacked_bytes=max_unpacked)


def _main_part_kind(package: zipfile.ZipFile) -> FileType | None:
    try:
        info = package.getinfo("[Content_Types].xml")
    except KeyError:
        return None  # not an Office package at all
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise _unreadable("damaged_zip", "Tệp Word/Excel có phần mô tả nội dung bất thường nên "
                          "không đọc được.")
    text = package.read(info)
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:  # OOXML has none; entities can explode
        raise _unreadable("damaged_zip", "Tệp Word/Excel có phần mô tả nội dung bất thường nên "
                          "không đọc được.")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise _unreadable("damaged_zip", "Tệp Word/Excel bị hỏng nên không đọc được; hãy mở và "
                          "lưu lại tệp rồi tải lên lại.") from None
    names = set(package.namelist())
    found = set()
    for override in root.iter(f"{OOXML_CONTENT_TYPES}Override"):
        kind = _OOXML_MAIN_PARTS.get(override.get("ContentType", ""))
        if kind is not None and override.get("PartName", "").lstrip("/") in names:
            found.add(kind)
    return found.pop() if len(found) == 1 else None
