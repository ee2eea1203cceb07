"""Which store a process keeps its files in, and what an upload may be, from its config
(config/nameko.yaml; each key can be set in the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from storage.blobs import BlobStore, LocalBlobStore

DEFAULT_STORE = "var/evidence"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNPACKED_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceSettings:
    #: a directory (``var/evidence``, ``file:///srv/tcpl/evidence``) or ``s3://bucket/prefix``
    store: str = DEFAULT_STORE
    #: an S3-compatible server's URL (MinIO, Ceph); empty: AWS itself
    s3_endpoint: str | None = None
    s3_region: str | None = None
    #: the largest file an upload may carry
    max_bytes: int = DEFAULT_MAX_BYTES
    #: the most a .docx or .xlsx (a zip) may unpack to: above it, a zip bomb is refused
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
    #: a directory of the CA certificates PDF signers are trusted through; None: none
    trust_roots: str | None = None

    @classmethod
    def from_config(cls, config: dict) -> EvidenceSettings:
        def text(key: str) -> str | None:
            value = config.get(key)
            return (str(value).strip() or None) if value is not None else None

        def number(key: str, default: int) -> int:
            value = text(key)
            if value is None:
                return default
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{key} must be a positive whole number of bytes, not {value!r}")
            return int(value)

        return cls(store=text("EVIDENCE_STORE") or DEFAULT_STORE,
                   s3_endpoint=text("EVIDENCE_S3_ENDPOINT"), s3_region=text("EVIDENCE_S3_REGION"),
                   max_bytes=number("EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES),
                   max_unpacked_bytes=number("EVIDENCE_MAX_UNPACKED_BYTES",
                                             DEFAULT_MAX_UNPACKED_BYTES),
                   trust_roots=text("EVIDENCE_TRUST_ROOTS"))

    def open_store(self) -> BlobStore:
        return open_store(self.store, self.s3_endpoint, self.s3_region)


def open_store(location: str, s3_endpoint: str | None = None,
               s3_region: str | None = None) -> BlobStore:
    parts = urlsplit(location)
    if parts.scheme == "s3":
        from storage.s3 import S3BlobStore  # boto3 is loaded only by processes that use it

        return S3BlobStore(parts.netloc, parts.path, endpoint_url=s3_endpoint, region=s3_region)
    if parts.scheme == "file":
        return LocalBlobStore(parts.path)
    if parts.scheme:
        raise ValueError(f"EVIDENCE_STORE: unknown kind of store {parts.scheme!r} "
                         "(a directory, file:///path or s3://bucket/prefix)")
    return LocalBlobStore(location)
