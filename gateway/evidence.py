"""Evidence files at the gateway: what an upload is, keeping it, and serving it back.

An upload (gateway/uploads.py: hashed while received, within ``EVIDENCE_MAX_BYTES``) is
judged by its bytes (storage/filetypes.py), its name checked against what it is, and a PDF's
signatures checked against ``EVIDENCE_TRUST_ROOTS`` (storage/pdf_signatures.py). That is CPU
work on the officer's own bytes, so it runs in an OS thread (``eventlet.tpool``) while the
gateway's green threads go on serving; it happens here, before anything is stored, because a
refused file must leave nothing behind, and because the gateway already holds the bytes: the
assessment service would otherwise have to fetch them back from the store. Only then is the
file stored (by its SHA-256, computed again by the store) and described to the service.

A download is served from a private copy whose SHA-256 was checked on the way out (a file
changed in the store is refused, never served), as an attachment with its Vietnamese name
(RFC 6266 / RFC 5987), the media type found at upload and ``X-Content-Type-Options:
nosniff``, so no browser runs it as a page.
"""

from __future__ import annotations

import base64
import logging
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from eventlet import tpool
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from gateway.uploads import Upload
from kernel.errors import KernelError
from storage import filetypes, pdf_signatures
from storage.blobs import CHUNK, BlobStore
from storage.pdf_signatures import TrustRoots
from storage.settings import EvidenceSettings

log = logging.getLogger(__name__)


class StoredNotAsReceived(KernelError):
    code, http_status = "stored_not_as_received", 500


@dataclass(frozen=True)
class EvidenceFiles:
    store: BlobStore
    max_bytes: int
    max_unpacked_bytes: int
    trust_roots: TrustRoots

    def inspect(self, upload: Upload) -> dict:
        """What the file is (plain CPU work on a private file: safe in an OS thread)."""
        kind = filetypes.detect(upload.file, self.max_unpacked_bytes)
        filetypes.check_file_name(upload.file_name, kind)
        signatures = (pdf_signatures.check(upload.file, self.trust_roots)
                      if kind == filetypes.PDF else None)
        return {"file_name": upload.file_name, "media_type": kind.media_type,
                "size": upload.size, "sha256": upload.sha256, "signatures": signatures}

    def keep(self, upload: Upload) -> dict:
        """Inspect the upload, then store it; what the assessment service is told of it."""
        described = tpool.execute(self.inspect, upload)
        upload.file.seek(0)
        blob = self.store.store(upload.file)
        if (blob.sha256, blob.size) != (upload.sha256, upload.size):
            raise StoredNotAsReceived("upload.stored_not_as_received", {"received": upload.describe(), "stored": {"sha256": blob.sha256,
                                                           "size": blob.size}})
        return described

    def download(self, request, file: dict) -> Response:
        """The file the assessment recorded, checked against its SHA-256."""
        copy = self.store.read_verified(file["sha256"])
        digest = base64.b64encode(bytes.fromhex(file["sha256"])).decode("ascii")
        return Response(wrap_file(request.environ, copy, buffer_size=CHUNK),
                        mimetype=file["media_type"],
                        direct_passthrough=True, headers={
                            "Content-Length": str(file["size"]),
                            "Content-Disposition": content_disposition(file["file_name"]),
                            "X-Content-Type-Options": "nosniff",
                            "Content-Security-Policy": "sandbox; default-src 'none'",
                            "Cache-Control": "private, no-store",
                            "Repr-Digest": f"sha-256=:{digest}:"})


class EvidenceFilesProvider(DependencyProvider):
    """The gateway's store and limits (``EVIDENCE_*`` in config/nameko.yaml). Trust roots that
    are configured but unreadable stop the gateway from starting."""

    def setup(self):
        settings = EvidenceSettings.from_config(self.container.config)
        roots = TrustRoots.from_directory(settings.trust_roots)
        self.files = EvidenceFiles(settings.open_store(), settings.max_bytes,
                                   settings.max_unpacked_bytes, roots)
        log.info("evidence files: %s, at most %d bytes each, %s", self.files.store.describe(),
                 settings.max_bytes, f"{len(roots.certificates)} trust roots from "
                 f"{roots.directory}" if roots.certificates else "no trust roots")

    def get_dependency(self, worker_ctx) -> EvidenceFiles:
        return self.files


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in UTF-8 (RFC 6266, 5987):
    “Biên bản họp.pdf” → ``filename="Bien ban hop.pdf"; filename*=UTF-8''Bi%C3%AAn%20…``."""
    return (f'attachment; filename="{ascii_name(file_name)}"; '
            f"filename*=UTF-8''{quote(file_name, safe='')}")


def ascii_name(file_name: str) -> str:
    """The name without diacritics (đ → d included), anything else unsafe in a quoted
    header value replaced by "_"."""
    text = file_name.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9 ._()-]", "_", text).strip()
    return text if text.strip("._ ") else "tai-lieu"
