"""Files kept by their content: a file's name in the store is the SHA-256 of its bytes.

The store computes the hash itself while it reads the bytes it keeps, so nobody can file
content under another content's name, and keeping the same bytes twice keeps one copy (the
second ``store`` finds it and changes nothing). A file only appears under its name once all
of it is written: a local store writes to a temporary name in the same directory tree and
renames it (atomic on POSIX), an object store completes the upload; a crash in between
leaves nothing that ``exists``, ``size`` or ``open`` can see. Nothing is ever deleted
through this interface: a file that nothing refers to any more simply stays.

``read_verified`` hashes a file again on the way out and refuses one whose bytes no longer
give its name (someone edited the store), so a reader is never handed altered content.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kernel.errors import KernelError

CHUNK = 256 * 1024
SPOOL_BYTES = 1024 * 1024  # verified copies up to this size stay in memory
SHA256 = re.compile(r"[0-9a-f]{64}")
INCOMING_KEEP_SECONDS = 24 * 3600  # leftovers of an interrupted write are removed after a day


class StoredFileMissing(KernelError):
    """A file the platform recorded is not in the store (lost with a volume, a bucket)."""

    code, http_status = "stored_file_missing", 500


class StoredFileCorrupted(KernelError):
    """A stored file's bytes no longer give its SHA-256: it was changed in the store."""

    code, http_status = "stored_file_corrupted", 500


class StorageUnavailable(KernelError):
    code, http_status = "storage_unavailable", 503


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


def check_name(sha256: str) -> str:
    if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 in lowercase hex: {sha256!r}")
    return sha256


def pause() -> None:
    """Let other green threads run between chunks: under eventlet's monkey patching
    ``time.sleep(0)`` yields to the hub; without it, it only releases the GIL."""
    time.sleep(0)


class BlobStore(ABC):
    """What every store offers; ``tests/storage/test_blob_conformance.py`` holds each
    implementation to it."""

    @abstractmethod
    def store(self, source: BinaryIO) -> Blob:
        """Keep the bytes of ``source`` (a binary file, read from its current position to its
        end; seekable, since an object store reads it twice: to name it, then to send it)."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, as a file to read; StoredFileMissing if there are none."""

    @abstractmethod
    def size(self, sha256: str) -> int | None:
        """The stored file's size in bytes, None if there is no such file."""

    @abstractmethod
    def describe(self) -> str:
        """Where the files are, for logs and /health (no credentials)."""

    def exists(self, sha256: str) -> bool:
        return self.size(sha256) is not None

    def store_bytes(self, data: bytes) -> Blob:
        return self.store(io.BytesIO(data))

    def read_verified(self, sha256: str) -> BinaryIO:
        """A private copy of the stored file, positioned at its start, whose SHA-256 has been
        checked: what the caller serves is exactly what was hashed, even if the store
        changes meanwhile. StoredFileCorrupted when the bytes no longer give ``sha256``."""
        check_name(sha256)
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        digest = hashlib.sha256()
        try:
            with self.open(sha256) as stored:
                while chunk := stored.read(CHUNK):
                    digest.update(chunk)
                    copy.write(chunk)
                    pause()
            if digest.hexdigest() != sha256:
                raise StoredFileCorrupted("file.corrupted", {"sha256": sha256, "found_sha256": digest.hexdigest()})
            copy.seek(0)
            return copy
        except BaseException:
            copy.close()
            raise


class LocalBlobStore(BlobStore):
    """Files under ``root``: ``sha256/ab/cd/<hash>``, written first under ``incoming/``.

    ``incoming/`` is in the same tree, hence on the same file system, so the final rename is
    atomic; the file's data and the directory entry are flushed to disk before the rename is
    reported. Stored files are made read-only (0440): an edit needs a deliberate chmod first.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._files = self.root / "sha256"
        self._incoming = self.root / "incoming"
        self._files.mkdir(parents=True, exist_ok=True)
        self._incoming.mkdir(parents=True, exist_ok=True)
        self._remove_old_leftovers()

    def describe(self) -> str:
        return f"local directory {self.root}"

    def path_of(self, sha256: str) -> Path:
        check_name(sha256)
        return self._files / sha256[:2] / sha256[2:4] / sha256

    def store(self, source: BinaryIO) -> Blob:
        self._incoming.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self._incoming, prefix="part-")
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                    pause()
                out.flush()
                os.fsync(out.fileno())
            blob = Blob(digest.hexdigest(), size)
            final = self.path_of(blob.sha256)
            if self.size(blob.sha256) == size:  # kept before: one copy is enough
                os.unlink(temporary)
                return blob
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temporary, 0o440)
            os.replace(temporary, final)
            _fsync_directory(final.parent)
            return blob
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_of(sha256), "rb")  # the caller closes it
        except FileNotFoundError:
            raise missing_file(sha256) from None

    def size(self, sha256: str) -> int | None:
        try:
            return self.path_of(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def _remove_old_leftovers(self) -> None:
        cutoff = time.time() - INCOMING_KEEP_SECONDS
        if not self._incoming.is_dir():
            return
        for leftover in self._incoming.glob("part-*"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
            except FileNotFoundError:  # another process removed it first
                pass


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def missing_file(sha256: str) -> StoredFileMissing:
    return StoredFileMissing("file.missing", {"sha256": sha256})
