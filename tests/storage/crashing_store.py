"""Run as a process the test kills: stores a file and dies (SIGKILL, as a power cut or the
OOM killer would) once it has read ``die_after`` bytes of it, in the middle of the write.

    python -m tests.storage.crashing_store KIND LOCATION ENDPOINT SIZE DIE_AFTER

The content is ``content(SIZE)``, so the test knows its SHA-256 without being told.
"""

import io
import os
import random
import signal
import sys

from storage.blobs import LocalBlobStore
from storage.s3 import S3BlobStore

PART = 5 * 1024 * 1024  # the smallest multipart part S3 accepts


def content(size: int) -> bytes:
    return random.Random(size).randbytes(size)


class DyingReader(io.BytesIO):
    def __init__(self, data: bytes, die_after: int):
        super().__init__(data)
        self.read_so_far, self.die_after = 0, die_after

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_so_far += len(chunk)
        if self.read_so_far >= self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return chunk


def main(kind, location, endpoint, size, die_after):
    store = (LocalBlobStore(location) if kind == "local"
             else S3BlobStore(location, "evidence", endpoint_url=endpoint, multipart_threshold=PART))
    store.store(DyingReader(content(int(size)), int(die_after)))
    print("stored without dying", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
