"""Files of every kind an officer might upload as evidence, made by the tests: the accepted
ones (PNG, JPEG, .docx, .xlsx; PDFs are in tests/support/pdfs.py) and the refused ones (a
program, an old .doc, a plain zip, a macro-enabled document, zip bombs)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import docx
import openpyxl

# The smallest baseline JPEG (1×1, grey), as cameras and scanners write the format.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334"
    "32ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
    "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a4344454647"
    "48494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798"
    "999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4"
    "e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9")
# A Windows program's first bytes: "MZ", the DOS stub.
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 200)
# An old Office (OLE2) document's signature.
OLD_DOC = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504


def png(width: int = 2, height: int = 2, noise: bool = False) -> bytes:
    """A grey image; with ``noise`` random pixels, which do not compress (a photo's size)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    pixels = random.Random(width * height) if noise else None
    rows = b"".join(b"\x00" + (pixels.randbytes(3 * width) if pixels else b"\x80\x80\x80" * width)
                    for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def docx_file(text: str = "Biên bản họp xét tự đánh giá chuẩn tiếp cận pháp luật") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Chỉ tiêu", "Số liệu"])
    sheet.append(["C1.I1", 3])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return out.getvalue()


def content_types(main_type: str, part: str = "/word/document.xml", doctype: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + doctype
            + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + b'<Default Extension="xml" ContentType="application/xml"/>'
            + f'<Override PartName="{part}" ContentType="{main_type}"/>'.encode() + b"</Types>")


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_WORD_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def macro_enabled_document() -> bytes:
    return zip_of({"[Content_Types].xml": content_types(MACRO_WORD_MAIN),
                   "word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"\x00" * 64})


def zip_bomb(unpacked_bytes: int) -> bytes:
    """A .docx-shaped zip whose document unpacks to ``unpacked_bytes`` of zeros (written in
    pieces: the test never holds them in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", content_types(WORD_MAIN))
        with package.open("word/document.xml", "w") as entry:
            block = b"\x00" * (1024 * 1024)
            for start in range(0, unpacked_bytes, len(block)):
                entry.write(block[:unpacked_bytes - start])
    return out.getvalue()


def lying_zip_bomb(unpacked_bytes: int, declared: int = 1000) -> bytes:
    """A zip bomb that declares its document small: the sizes in both headers say
    ``declared`` bytes."""
    data = bytearray(zip_bomb(unpacked_bytes))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo("word/document.xml")
    # local file header: uncompressed size at offset 22
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    position = data.find(b"PK\x01\x02")
    while position >= 0:  # the central directory entry of the document: size at offset 24
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, position + 24, declared)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)
