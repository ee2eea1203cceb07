"""A moto S3 server shared by the storage tests."""

import pytest

from tests.support.s3 import aws_credentials, moto_server


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    with aws_credentials(), moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server.url
