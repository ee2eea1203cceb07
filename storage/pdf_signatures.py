"""What the digital signatures of a PDF say, checked with pyHanko: for each signature who
signed (the certificate's common name and organisation), when (a timestamp authority's time,
else the time the signer's software wrote), whether what was signed is intact (the signed
byte ranges still hash to the signed digest, the signature verifies with the signer's key),
whether the file was changed after signing (the signature covers the whole file, or
pyHanko's difference analysis says what later revisions did), and whether the signer is
trusted: a path from the signer's certificate to one of the configured trust roots (a
directory of CA certificates, ``EVIDENCE_TRUST_ROOTS``). With no roots configured nobody is
trusted, and the report says so; the system's own CA list is never used.

Nothing is fetched from the network (no CRL, OCSP or AIA): revocation is checked only from
what the PDF itself embeds (soft-fail), so a certificate revoked after signing is not
detected unless the file carries the proof. The check is CPU work (hashing the file,
analysing its revisions): the gateway runs it in an OS thread (eventlet.tpool).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from kernel import clock
from storage.filetypes import UnreadableFile

log = logging.getLogger(__name__)
PYHANKO_VERSION = metadata.version("pyHanko")
# pyHanko logs every signer without a trust path as a warning, and every file changed after
# signing as an error, each with a traceback: the report says both (trust, verdict), so the
# gateway's log keeps only what pyHanko itself cannot recover from.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
logging.getLogger("pyhanko.sign.diff_analysis").setLevel(logging.CRITICAL)

TRUSTED, UNTRUSTED, NO_TRUST_ROOTS = "trusted", "untrusted", "no_trust_roots"
VALID, UNTRUSTED_SIGNER, MODIFIED, BROKEN = "valid", "untrusted", "modified", "broken"
CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")
# Changes a document's signature policy allows after signing: adding signatures, filling in
# forms, adding validation data (pyHanko's ModificationLevel, in increasing order).
ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                         ModificationLevel.FORM_FILLING)
TRUST_PROBLEMS_VI = {
    "NO_CERTIFICATE_CHAIN_FOUND": "không có chuỗi chứng thư dẫn tới một chứng thư gốc tin cậy",
    "REVOKED": "chứng thư của người ký đã bị thu hồi",
    "REVOKED_NO_POE": "chứng thư của người ký đã bị thu hồi",
    "REVOKED_CA_NO_POE": "chứng thư của tổ chức cấp đã bị thu hồi",
    "EXPIRED": "chứng thư của người ký đã hết hạn",
    "OUT_OF_BOUNDS_NO_POE": "chứng thư đã hết hạn và không có dấu thời gian chứng minh lúc ký",
    "OUT_OF_BOUNDS_NOT_REVOKED": "chứng thư đã hết hạn và không có dấu thời gian chứng minh lúc ký",
    "NOT_YET_VALID": "chứng thư của người ký chưa có hiệu lực",
    "CHAIN_CONSTRAINTS_FAILURE": "chứng thư của người ký không dẫn tới một chứng thư gốc tin cậy "
                                 "hợp lệ",
    "SIG_CONSTRAINTS_FAILURE": "chứng thư của người ký không được dùng để ký văn bản",
}


@dataclass(frozen=True)
class TrustRoots:
    """The CA certificates signers are trusted through; empty when none are configured."""

    certificates: tuple = ()
    directory: str | None = None

    @classmethod
    def from_directory(cls, directory: str | None) -> TrustRoots:
        """Every certificate in the directory's .pem/.crt/.cer (PEM, several per file) and .der
        files. A directory that is configured but missing or holds none is an error: the
        process must not start believing it trusts someone."""
        if not directory:
            return cls()
        path = Path(directory)
        if not path.is_dir():
            raise ValueError(f"EVIDENCE_TRUST_ROOTS: {directory} is not a directory")
        found = []
        for file in sorted(path.iterdir()):
            if file.suffix.lower() in CERTIFICATE_SUFFIXES and file.is_file():
                found.extend(_certificates_in(file.read_bytes()))
        if not found:
            raise ValueError(f"EVIDENCE_TRUST_ROOTS: {directory} holds no CA certificate "
                             f"({', '.join(CERTIFICATE_SUFFIXES)})")
        return cls(tuple(found), str(path))

    def describe(self) -> list[dict]:
        return [{"subject": c.subject.human_friendly, "sha256": c.sha256.hex()}
                for c in self.certificates]


def _certificates_in(data: bytes) -> list:
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [asn1_x509.Certificate.load(data)]


def check(file: BinaryIO, roots: TrustRoots) -> dict:
    """The signature report of a PDF (read from the start of ``file``); UnreadableFile when
    it is not a PDF that can be read. ``{"signed", "signatures": [...], "trust_roots",
    "checked_at", "checked_with"}``, every value JSON."""
    file.seek(0)
    signatures = _embedded_signatures(file)
    reports = [_report(signature, roots) for signature in signatures]
    return {"signed": bool(reports), "signatures": reports,
            "trust_roots": len(roots.certificates),
            "checked_at": clock.now().isoformat(timespec="seconds"),
            "checked_with": f"pyHanko {PYHANKO_VERSION}"}


def _embedded_signatures(file: BinaryIO) -> list:
    # Any exception while parsing is the file's fault, not the platform's: a damaged PDF is
    # refused with 400, never answered with 500.
    try:
        reader = PdfFileReader(file, strict=False)
        if reader.encrypted and not _opened_without_password(reader):
            raise UnreadableFile("file.encrypted_pdf", {"reason": "encrypted_pdf"})
        int(reader.root["/Pages"]["/Count"])  # a document with a page tree
        return list(reader.embedded_signatures)
    except UnreadableFile:
        raise
    except Exception as error:  # see above
        log.info("refused an unreadable PDF: %s: %s", type(error).__name__, error)
        raise UnreadableFile("file.damaged_pdf", {"reason": "damaged_pdf", "error": type(error).__name__}) from None


def _opened_without_password(reader) -> bool:
    """Encrypted with an empty user password (restrictions only) opens for everyone."""
    try:
        return bool(reader.decrypt(b"").status.name in ("USER", "OWNER"))
    except Exception:  # a damaged encryption dictionary: not opened
        return False


def _report(signature, roots: TrustRoots) -> dict:
    name = signature.field_name
    context = ValidationContext(trust_roots=list(roots.certificates), allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signature, context)
    except Exception as error:  # a damaged signature is reported, not fatal
        log.info("signature %s could not be checked: %s: %s", name, type(error).__name__, error)
        return {"field": name, "signer": None, "signing_time": None, "signing_time_source": None,
                "intact": False, "valid": False, "coverage": None,
                "modified_after_signing": None, "modifications": None, "trusted": False,
                "trust": UNTRUSTED if roots.certificates else NO_TRUST_ROOTS,
                "trust_problem": None, "verdict": BROKEN,
                "summary_vi": "Chữ ký bị hỏng, không kiểm tra được."}
    return _summarised(name, status, roots)


def _summarised(name: str, status, roots: TrustRoots) -> dict:
    intact = bool(status.intact and status.valid)
    coverage = status.coverage
    level = status.modification_level
    modified = coverage != SignatureCoverageLevel.ENTIRE_FILE
    changes_allowed = not modified or (level in ALLOWED_LATER_CHANGES and status.docmdp_ok)
    if not roots.certificates:
        trust, trusted, problem = NO_TRUST_ROOTS, False, None
    else:
        trusted = bool(status.trusted)
        problem = None if trusted or status.trust_problem_indic is None \
            else status.trust_problem_indic.name
        trust = TRUSTED if trusted else UNTRUSTED
    timestamp = status.timestamp_validity
    when = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
    verdict = (BROKEN if not intact else MODIFIED if not changes_allowed
               else VALID if trusted else UNTRUSTED_SIGNER)
    report = {
        "field": name, "signer": _signer(status.signing_cert),
        "signing_time": when.astimezone(clock.VIETNAM).isoformat() if when else None,
        "signing_time_source": None if when is None else (
            "timestamp" if timestamp is not None else "signer"),
        "intact": intact, "valid": bool(status.valid),
        "coverage": coverage.name.lower() if coverage is not None else None,
        "modified_after_signing": modified,
        "modifications": level.name.lower() if level is not None else None,
        "trusted": trusted, "trust": trust, "trust_problem": problem, "verdict": verdict,
    }
    report["summary_vi"] = summary_vi(report)
    return report


def _signer(certificate) -> dict:
    subject = certificate.subject.native
    return {"common_name": _one(subject.get("common_name")),
            "organisation": _one(subject.get("organization_name")),
            "subject": certificate.subject.human_friendly,
            "issuer": certificate.issuer.human_friendly,
            "serial_number": format(certificate.serial_number, "x"),
            "valid_from": certificate["tbs_certificate"]["validity"]["not_before"].native.isoformat(),
            "valid_until": certificate["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
            "sha256": certificate.sha256.hex()}


def _one(value):
    if isinstance(value, list):  # a name may repeat an attribute
        return ", ".join(str(v) for v in value)
    return None if value is None else str(value)


def summary_vi(report: dict) -> str:
    """One sentence a person reads: who signed, and what can be said of it."""
    signer = report.get("signer") or {}
    who = signer.get("common_name") or signer.get("subject") or "không rõ người ký"
    if signer.get("organisation"):
        who += f" ({signer['organisation']})"
    if report["verdict"] == BROKEN:
        return f"Chữ ký của {who} không hợp lệ: nội dung được ký đã bị thay đổi hoặc chữ ký bị hỏng."
    if report["verdict"] == MODIFIED:
        text = f"Chữ ký của {who} đúng với bản được ký, nhưng tệp đã bị sửa đổi sau khi ký."
    else:
        text = f"Chữ ký của {who} hợp lệ, tệp không bị sửa đổi sau khi ký."
    if report["trust"] == TRUSTED:
        return text + " Người ký được tin cậy."
    if report["trust"] == NO_TRUST_ROOTS:
        return text + (" Chưa xác định được người ký có đáng tin cậy hay không: hệ thống chưa "
                       "cấu hình chứng thư gốc tin cậy.")
    reason = TRUST_PROBLEMS_VI.get(report.get("trust_problem") or "",
                                   "không xác minh được chứng thư của người ký")
    return text + f" Người ký không được tin cậy: {reason}."
