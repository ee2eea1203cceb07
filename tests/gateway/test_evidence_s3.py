"""Evidence files in S3-compatible storage (a real S3-protocol server, moto's), as a
deployment on several machines keeps them: the gateway stores the upload in the bucket, the
assessment service finds it there before recording it, downloads come from the bucket and
are checked on the way out; a store that does not answer is a 503 that records nothing."""

import hashlib

import boto3
import pytest

from tests.support import pdfs
from tests.support.assessment_platform import assessment_platform, send, token
from tests.support.s3 import aws_credentials, moto_server, new_bucket

pytestmark = pytest.mark.broker

DONG_QUANG, YEAR = "16426", 2022
URL = f"/api/v1/communes/{DONG_QUANG}/assessments/{YEAR}"
OFFICER = token("commune_officer", "38", "405", DONG_QUANG, sub="congchuc.dongquang@test")
JUSTICE = token("justice_officer", "38", "405")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with aws_credentials(), moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture(scope="module")
def api(s3, tmp_path_factory):
    bucket = new_bucket(s3.url)
    database = f"sqlite:///{tmp_path_factory.mktemp('evidence-s3')}/assessment.sqlite"
    with assessment_platform(database, EVIDENCE_STORE=f"s3://{bucket}/tcpl/evidence",
                             EVIDENCE_S3_ENDPOINT=s3.url, EVIDENCE_S3_REGION="us-east-1") as client:
        assert send(client, "POST", URL, OFFICER).status_code == 201
        client.bucket = boto3.client("s3", endpoint_url=s3.url), bucket
        yield client


def test_a_file_goes_to_the_bucket_and_comes_back_checked(api):
    # 3 MB: spooled to disk by the gateway, more than one read everywhere
    data = pdfs.signed(pdfs.blank_pdf(extra_bytes=3 * 1024 * 1024),
                       pdfs.self_signed("Lê Thị Hoa", "UBND xã Đông Quang"))
    sha256 = hashlib.sha256(data).hexdigest()
    answer = api.request("POST", f"{URL}/evidence/C1.I1", OFFICER,
                         files={"file": ("Biên bản.pdf", data)})
    assert answer.status_code == 201, answer.text
    client, bucket = api.bucket
    key = f"tcpl/evidence/sha256/{sha256[:2]}/{sha256}"
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    download = send(api, "GET", f"{URL}/evidence/C1.I1/{sha256}", JUSTICE)
    assert download.status_code == 200 and download.content == data
    client.put_object(Bucket=bucket, Key=key, Body=data.replace(b"%%EOF", b"%%EOX"))
    refused = send(api, "GET", f"{URL}/evidence/C1.I1/{sha256}", JUSTICE)
    assert (refused.status_code, refused.json()["error"]) == (500, "stored_file_corrupted")


def test_a_store_that_does_not_answer_is_a_503_and_nothing_is_recorded(api, s3):
    before = send(api, "GET", URL, OFFICER).json()
    s3.stop()
    answer = api.request("POST", f"{URL}/evidence/C1.I2", OFFICER,
                         files={"file": ("Kế hoạch.pdf", pdfs.blank_pdf())})
    assert (answer.status_code, answer.json()["error"]) == (503, "storage_unavailable")
    assert "thử lại" in answer.json()["message"]
    [file] = before["evidence"]["C1.I1"]
    download = send(api, "GET", f"{URL}/evidence/C1.I1/{file['sha256']}", OFFICER)
    assert (download.status_code, download.json()["error"]) == (503, "storage_unavailable")
    after = send(api, "GET", URL, OFFICER).json()
    assert after["version"] == before["version"] and after["evidence"] == before["evidence"]
