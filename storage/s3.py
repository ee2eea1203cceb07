"""The blob store over S3-compatible object storage (AWS S3, MinIO, Ceph, …), for
deployments whose gateway and services run on several machines.

Objects are ``<prefix>sha256/ab/<hash>`` in one bucket. The key is the hash, known only once
every byte is read, so ``store`` reads its (seekable) source twice: once to hash it, once to
upload it. An object becomes visible only when its upload completes (a single PUT, or the
completion of a multipart upload), so an interrupted upload leaves nothing under the key
(an unfinished multipart upload lingers, invisible, until the bucket's lifecycle rule
``AbortIncompleteMultipartUpload`` removes it; docs/deployment.md). The upload carries the
SHA-256 checksum for the server to verify as well.

Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` in the environment, a profile, an instance role): never from the
platform's config file.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.blobs import (
    CHUNK,
    Blob,
    BlobStore,
    StorageUnavailable,
    check_name,
    missing_file,
    pause,
)

MULTIPART_THRESHOLD = 8 * 1024 * 1024
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore(BlobStore):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, multipart_threshold: int = MULTIPART_THRESHOLD,
                 client=None):
        if not bucket:
            raise ValueError("an S3 store needs a bucket")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        self.client = client or boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=region or None,
            config=Config(connect_timeout=5, read_timeout=60,
                          retries={"max_attempts": 3, "mode": "standard"},
                          # MinIO and most S3-compatible servers want the bucket in the path
                          s3={"addressing_style": "path" if self.endpoint_url else "auto"}))
        # One part after another, in the calling (green) thread: no thread pool of its own.
        self.transfer = TransferConfig(multipart_threshold=multipart_threshold,
                                       multipart_chunksize=multipart_threshold, use_threads=False)

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3 bucket {self.bucket}{where}, prefix {self.prefix or '(none)'}"

    def key_of(self, sha256: str) -> str:
        check_name(sha256)
        return f"{self.prefix}sha256/{sha256[:2]}/{sha256}"

    def store(self, source: BinaryIO) -> Blob:
        start = source.tell()
        digest, size = hashlib.sha256(), 0
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            pause()
        blob = Blob(digest.hexdigest(), size)
        if self.size(blob.sha256) == size:  # kept before: one copy is enough
            return blob
        source.seek(start)
        with _unavailable_on_error(self):
            self.client.upload_fileobj(
                source, self.bucket, self.key_of(blob.sha256), Config=self.transfer,
                ExtraArgs={"ContentType": "application/octet-stream",
                           "ChecksumAlgorithm": "SHA256"})
        return blob

    def open(self, sha256: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NOT_FOUND:
                raise missing_file(sha256) from None
            raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        return _Body(answer["Body"], self)

    def size(self, sha256: str) -> int | None:
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NOT_FOUND:
                return None
            raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        return int(answer["ContentLength"])

    def _unavailable(self, error: Exception) -> StorageUnavailable:
        return StorageUnavailable("file.storage_unavailable", {"store": self.describe(), "reason": type(error).__name__})


@contextmanager
def _unavailable_on_error(store: S3BlobStore):
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise store._unavailable(error) from None


class _Body:
    """An object's body as a file to read, whose network errors are StorageUnavailable."""

    def __init__(self, body, store: S3BlobStore):
        self._body, self._store = body, store

    def read(self, size: int = -1) -> bytes:
        try:
            return self._body.read(None if size < 0 else size)
        except (ClientError, BotoCoreError) as error:
            raise self._store._unavailable(error) from None

    def close(self) -> None:
        self._body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
