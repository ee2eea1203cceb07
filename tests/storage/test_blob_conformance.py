"""The blob store conformance suite: the local directory and S3 (a real S3-protocol server,
moto's) keep files the same way. Content-addressed by a SHA-256 the store computes itself,
kept once however often stored, read back whole, refused on the way out when changed in the
store, and never visible half-written, even when the writing process dies mid-write."""

import hashlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from storage.blobs import LocalBlobStore, StoredFileCorrupted, StoredFileMissing
from storage.s3 import S3BlobStore
from storage.settings import EvidenceSettings, open_store
from tests.storage.crashing_store import PART, content
from tests.support.s3 import new_bucket

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.7\n" + b"bi\xc3\xaan b\xe1\xba\xa3n h\xe1\xbb\x8dp\n" * 100


@pytest.fixture(params=["local", "s3"])
def kind(request):
    return request.param


@pytest.fixture
def place(kind, tmp_path, request):
    """(store, what a crashing process needs to open the same store)."""
    if kind == "local":
        return LocalBlobStore(tmp_path / "evidence"), (str(tmp_path / "evidence"), "")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)
    return (S3BlobStore(bucket, "evidence", endpoint_url=endpoint, multipart_threshold=PART),
            (bucket, endpoint))


@pytest.fixture
def store(place):
    return place[0]


def visible_files(store) -> list[str]:
    """Every file a reader could find, by listing the store's own space."""
    if isinstance(store, LocalBlobStore):
        return sorted(p.name for p in (store.root / "sha256").rglob("*") if p.is_file())
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
    return sorted(o["Key"].rsplit("/", 1)[-1] for o in listing.get("Contents", []))


def test_a_file_is_named_by_the_sha256_the_store_computes_and_reads_back_whole(store):
    blob = store.store(io.BytesIO(PDF))
    assert blob.sha256 == hashlib.sha256(PDF).hexdigest() and blob.size == len(PDF)
    assert store.exists(blob.sha256) and store.size(blob.sha256) == len(PDF)
    with store.open(blob.sha256) as stored:
        assert stored.read() == PDF
    with store.read_verified(blob.sha256) as copy:
        assert copy.read() == PDF
    assert visible_files(store) == [blob.sha256]


def test_storing_the_same_bytes_again_keeps_one_copy(store):
    first = store.store_bytes(PDF)
    again = store.store(io.BytesIO(PDF))
    assert again == first
    assert visible_files(store) == [first.sha256]
    other = store.store_bytes(PDF + b"%%EOF\n")
    assert other.sha256 != first.sha256
    assert visible_files(store) == sorted([first.sha256, other.sha256])


def test_a_source_is_read_from_where_it_stands(store):
    source = io.BytesIO(b"header-not-kept" + PDF)
    source.seek(len(b"header-not-kept"))
    assert store.store(source).sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_file_larger_than_a_multipart_part_is_kept_whole(store):
    data = content(2 * PART + 12345)
    blob = store.store(io.BytesIO(data))
    assert blob.size == len(data) and store.size(blob.sha256) == len(data)
    with store.read_verified(blob.sha256) as copy:
        assert hashlib.sha256(copy.read()).hexdigest() == blob.sha256


def test_an_unknown_file_is_missing(store):
    unknown = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(unknown) and store.size(unknown) is None
    with pytest.raises(StoredFileMissing) as refused:
        store.open(unknown)
    assert refused.value.details["sha256"] == unknown
    with pytest.raises(StoredFileMissing):
        store.read_verified(unknown)


def test_a_name_that_is_no_sha256_is_refused_before_the_store_is_asked(store):
    for name in ("../../etc/passwd", "A" * 64, "abc", ""):
        with pytest.raises(ValueError):
            store.open(name)


def _edit_in_place(store, sha256: str, data: bytes) -> None:
    """What someone with access to the store's files does to one of them."""
    if isinstance(store, LocalBlobStore):
        path = store.path_of(sha256)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        path.write_bytes(data)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.key_of(sha256), Body=data)


def test_a_file_changed_in_the_store_is_refused_on_the_way_out(store):
    blob = store.store_bytes(PDF)
    edited = PDF.replace(b"h\xe1\xbb\x8dp", b"hop!", 1)
    _edit_in_place(store, blob.sha256, edited)
    with pytest.raises(StoredFileCorrupted) as refused:
        store.read_verified(blob.sha256)
    assert refused.value.details["found_sha256"] == hashlib.sha256(edited).hexdigest()
    assert refused.value.http_status == 500 and "SHA-256" in refused.value.message


def test_local_files_are_read_only_once_stored(tmp_path):
    store = LocalBlobStore(tmp_path / "evidence")
    path = store.path_of(store.store_bytes(PDF).sha256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o440


@pytest.mark.timeout(120)
def test_a_process_killed_mid_write_leaves_no_file_anyone_can_see(kind, place, tmp_path):
    store, (location, endpoint) = place
    size = 2 * PART + 4096
    # local: half-way through the one pass; S3: inside the upload's second part (the first
    # part is already sent), after the hashing pass read everything once
    die_after = size // 2 if kind == "local" else size + PART + PART // 2
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.storage.crashing_store", kind, location, endpoint,
         str(size), str(die_after)], cwd=ROOT, capture_output=True, text=True, timeout=100,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    sha256 = hashlib.sha256(content(size)).hexdigest()
    assert not store.exists(sha256)
    assert visible_files(store) == []
    if kind == "local":  # what it had written is under incoming/, away from readers
        assert [p.stat().st_size for p in (store.root / "incoming").iterdir()] != []
    else:  # the first part reached the server, in an upload never completed
        uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
        assert [u["Key"] for u in uploads] == [store.key_of(sha256)]
    # Storing it again afterwards works, and keeps it once.
    assert store.store(io.BytesIO(content(size))).sha256 == sha256
    assert visible_files(store) == [sha256]


def test_the_config_names_the_store(tmp_path, s3_endpoint):
    local = EvidenceSettings.from_config({"EVIDENCE_STORE": str(tmp_path / "ev")}).open_store()
    assert isinstance(local, LocalBlobStore) and local.root == tmp_path / "ev"
    assert isinstance(open_store(f"file://{tmp_path}/ev2"), LocalBlobStore)
    bucket = new_bucket(s3_endpoint)
    remote = EvidenceSettings.from_config({
        "EVIDENCE_STORE": f"s3://{bucket}/tcpl/evidence", "EVIDENCE_S3_ENDPOINT": s3_endpoint,
        "EVIDENCE_S3_REGION": "us-east-1"}).open_store()
    assert isinstance(remote, S3BlobStore) and remote.prefix == "tcpl/evidence/"
    blob = remote.store_bytes(PDF)
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=s3_endpoint)
            .list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"tcpl/evidence/sha256/{blob.sha256[:2]}/{blob.sha256}"]
    assert "tcpl-test-secret" not in remote.describe()
    with pytest.raises(ValueError, match="unknown kind of store"):
        open_store("ftp://somewhere/evidence")
    with pytest.raises(ValueError, match="EVIDENCE_MAX_BYTES"):
        EvidenceSettings.from_config({"EVIDENCE_MAX_BYTES": "20MB"})
