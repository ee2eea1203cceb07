"""A real S3-protocol server for the tests: moto's standalone server (``moto_server``, from
the dev dependencies) started on a free port, with a bucket."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import requests
from nameko.testing.utils import find_free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
# moto accepts any credentials; boto3 wants some, from the environment as in production.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "tcpl-test", "AWS_SECRET_ACCESS_KEY": "tcpl-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        """As an object store that went away: nothing answers on its port any more."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def moto_server(log_path: Path):
    """The running server (its endpoint URL is ``.url``)."""
    port = find_free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited: {log_path.read_text()[-2000:]}")
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield MotoServer(url, process)
    finally:
        MotoServer(url, process).stop()


@contextlib.contextmanager
def aws_credentials():
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def new_bucket(endpoint: str) -> str:
    name = f"tcpl-evidence-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name
