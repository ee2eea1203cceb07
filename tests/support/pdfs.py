"""PDFs the tests sign themselves: a test CA, signers it certifies and a self-signed one, a
one-page PDF, signed with pyHanko, modified after signing or tampered with."""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

A4 = (595, 842)


@dataclass(frozen=True)
class Identity:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: x509.Name, issuer: x509.Name, public_key, issuer_key, is_ca: bool,
                 serial: int) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(serial)
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if is_ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:  # digital signature and non-repudiation, as signing certificates carry
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    return builder.add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256())


def certificate_authority(common_name: str = "CA thử nghiệm TCPL",
                          organisation: str = "Tổ chức chứng thực thử nghiệm") -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, organisation)
    return Identity(_certificate(name, name, key.public_key(), key, True, x509.random_serial_number()), key)


def signer_certified_by(ca: Identity, common_name: str, organisation: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    return Identity(_certificate(_name(common_name, organisation), ca.certificate.subject,
                                 key.public_key(), ca.key, False, x509.random_serial_number()), key)


def self_signed(common_name: str, organisation: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, organisation)
    return Identity(_certificate(name, name, key.public_key(), key, False, x509.random_serial_number()), key)


def write_trust_roots(directory: Path, *authorities: Identity) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for number, authority in enumerate(authorities):
        (directory / f"ca-{number}.pem").write_bytes(authority.pem())
    return directory


def blank_pdf(extra_bytes: int = 0) -> bytes:
    """A one-page A4 PDF with a line drawn on it; ``extra_bytes`` of random data in an object
    nothing refers to make it as large as a scanned dossier."""
    writer = PdfFileWriter()
    if extra_bytes:
        writer.root["/Padding"] = writer.add_object(generic.StreamObject(
            stream_data=random.Random(extra_bytes).randbytes(extra_bytes)))
    contents = writer.add_object(generic.StreamObject(stream_data=b"72 700 m 520 700 l S"))
    writer.insert_page(PageObject(contents=contents, media_box=generic.ArrayObject(
        [generic.NumberObject(0), generic.NumberObject(0), generic.NumberObject(A4[0]),
         generic.NumberObject(A4[1])])))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed(pdf: bytes, signer: Identity, chain: tuple[Identity, ...] = (),
           field: str = "ChuKy1") -> bytes:
    key = asn1_keys.PrivateKeyInfo.load(signer.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    pdf_signer = signers.SimpleSigner(
        signing_cert=signer.asn1(), signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([c.asn1() for c in chain]))
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)),
                           signers.PdfSignatureMetadata(field_name=field), signer=pdf_signer)
    return out.getvalue()


def modified_after_signing(pdf: bytes) -> bytes:
    """An incremental update replacing the first page's drawing: the signed revision stays
    intact, the file no longer is what was signed."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"72 600 m 520 600 l S"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tampered(pdf: bytes) -> bytes:
    """One byte of the signed content changed, same length: the signed digest no longer
    matches."""
    marker = b"72 700 m 520 700 l S"
    assert marker in pdf
    return pdf.replace(marker, b"72 701 m 520 700 l S", 1)
