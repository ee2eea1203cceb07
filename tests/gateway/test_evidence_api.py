"""Evidence files through the real gateway and the real assessment service, on SQLite and
PostgreSQL: uploads judged by their bytes, their PDF signatures checked against the test's
own CA, stored by a SHA-256 the server computes, listed in the assessment, downloaded only by
its readers and only as stored; refusals change nothing, neither the assessment nor the
store; the workflow decides when files may come and go."""

import hashlib
import stat
import urllib.parse
from pathlib import Path

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel.errors import ValidationFailed
from rules.criteria import load_builtin_sets
from storage.blobs import LocalBlobStore
from tests.support import evidence_files, pdfs
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import assessment_platform, send, token

pytestmark = pytest.mark.broker

DONG_QUANG, DONG_PHU, YEAR = "16426", "16420", 2022  # Đông Sơn (405), Thanh Hóa (38)
URL = f"/api/v1/communes/{DONG_QUANG}/assessments/{YEAR}"
FILES = f"{URL}/evidence"
OFFICER = token("commune_officer", "38", "405", DONG_QUANG, sub="congchuc.dongquang@test")
PHU_OFFICER = token("commune_officer", "38", "405", DONG_PHU, sub="congchuc.dongphu@test")
JUSTICE = token("justice_officer", "38", "405", sub="tuphap.dongson@test")
PROVINCE_JUSTICE = token("justice_officer", "38")
OTHER_DISTRICT = token("justice_officer", "38", "406")
OTHER_PROVINCE = token("council_secretary", "01")
CHAIRMAN = token("chairman", "38", "405")
ADMIN, AUDITOR = token("administrator"), token("auditor")
MAX_BYTES = 256 * 1024
MAX_UNPACKED = 4 * 1024 * 1024
PDF_NAME = "Biên bản họp đánh giá.pdf"


@pytest.fixture(scope="module")
def signing(tmp_path_factory):
    ca = pdfs.certificate_authority()
    officer = pdfs.signer_certified_by(ca, "Lê Thị Hoa", "UBND xã Đông Quang")
    blank = pdfs.blank_pdf()
    signed = pdfs.signed(blank, officer, (ca,))
    return {"roots": pdfs.write_trust_roots(tmp_path_factory.mktemp("roots"), ca),
            "blank": blank, "signed": signed,
            "stranger": pdfs.signed(blank, pdfs.self_signed("Người lạ", "Không rõ")),
            "modified": pdfs.modified_after_signing(signed)}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory, signing):
    folder = tmp_path_factory.mktemp(f"evidence-{request.param}")
    settings = {"EVIDENCE_STORE": str(folder / "evidence"), "EVIDENCE_MAX_BYTES": MAX_BYTES,
                "EVIDENCE_MAX_UNPACKED_BYTES": MAX_UNPACKED,
                "EVIDENCE_TRUST_ROOTS": str(signing["roots"])}
    if request.param == "sqlite":
        database = f"sqlite:///{folder}/assessment.sqlite"
        with assessment_platform(database, **settings) as client:
            yield _opened(client, folder)
    else:
        from tests.support import databases
        with databases.fresh_postgres_database() as database, \
                assessment_platform(database, **settings) as client:
            yield _opened(client, folder)


def _opened(client, folder: Path):
    for commune, officer in ((DONG_QUANG, OFFICER), (DONG_PHU, PHU_OFFICER)):
        opened = send(client, "POST", f"/api/v1/communes/{commune}/assessments/{YEAR}", officer)
        assert opened.status_code == 201, opened.text
    client.store = LocalBlobStore(folder / "evidence")
    return client


def upload(api, data: bytes, name: str, who=OFFICER, indicator="C1.I1", url=FILES, headers=None,
           fields=None):
    return api.request("POST", f"{url}/{indicator}", who, files={"file": (name, data)},
                       data=fields or {}, headers=headers or {})


def stored_files(api) -> list[str]:
    return sorted(p.name for p in (api.store.root / "sha256").rglob("*") if p.is_file())


def state(api, url=URL) -> tuple:
    body = send(api, "GET", url, AUDITOR).json()
    return body["version"], stored_files(api)


def listed(api, indicator="C1.I1", url=URL) -> list[dict]:
    return send(api, "GET", url, OFFICER if url == URL else PHU_OFFICER).json()["evidence"].get(
        indicator, [])


def test_a_signed_pdf_is_stored_by_its_hash_and_listed_with_its_signature_report(api, signing):
    data = signing["signed"]
    answer = upload(api, data, PDF_NAME)
    assert answer.status_code == 201, answer.text
    sha256 = hashlib.sha256(data).hexdigest()
    [file] = [f for f in listed(api) if f["sha256"] == sha256]
    assert (file["file_name"], file["media_type"], file["size"]) == (PDF_NAME, "application/pdf",
                                                                     len(data))
    assert file["uploaded_by"] == "congchuc.dongquang@test" and file["supplement"] is None
    assert file["uploaded_at"].endswith("+07:00")
    [signature] = file["signatures"]["signatures"]
    assert (signature["verdict"], signature["trust"], signature["intact"]) == ("valid", "trusted", True)
    assert signature["signer"]["common_name"] == "Lê Thị Hoa"
    assert sha256 in stored_files(api)
    assert api.store.read_verified(sha256).read() == data
    [event] = [e for e in send(api, "GET", f"{URL}/events", AUDITOR).json()["events"]
               if e["type"] == "EvidenceAttached" and e["data"]["sha256"] == sha256]
    assert event["metadata"]["actor"] == "congchuc.dongquang@test"
    assert event["data"]["signatures"] == file["signatures"]


@pytest.mark.parametrize("fixture, verdict, trust", [
    ("stranger", "untrusted", "untrusted"), ("modified", "modified", "trusted")])
def test_a_signature_that_does_not_hold_is_recorded_as_it_is(api, signing, fixture, verdict, trust):
    answer = upload(api, signing[fixture], f"{fixture}.pdf", indicator="C1.I2")
    assert answer.status_code == 201, answer.text
    [file] = [f for f in listed(api, "C1.I2") if f["file_name"] == f"{fixture}.pdf"]
    [signature] = file["signatures"]["signatures"]
    assert (signature["verdict"], signature["trust"]) == (verdict, trust)


def test_an_unsigned_pdf_and_the_other_kinds_are_accepted(api, signing):
    for name, data, media_type in [
            ("Kế hoạch.PDF", signing["blank"], "application/pdf"),
            ("ảnh niêm yết.png", evidence_files.png(), "image/png"),
            ("ảnh chụp.jpeg", evidence_files.JPEG, "image/jpeg"),
            ("Báo cáo.docx", evidence_files.docx_file(),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("Số liệu.xlsx", evidence_files.xlsx_file(),
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]:
        answer = upload(api, data, name, indicator="C2.I1")
        assert answer.status_code == 201, (name, answer.text)
        [file] = [f for f in listed(api, "C2.I1") if f["file_name"] == name]
        assert file["media_type"] == media_type
        assert (file["signatures"] is None) == (media_type != "application/pdf")
    unsigned = next(f for f in listed(api, "C2.I1") if f["file_name"] == "Kế hoạch.PDF")
    assert (unsigned["signatures"]["signed"], unsigned["signatures"]["signatures"]) == (False, [])


@pytest.mark.parametrize("name, data, status, error", [
    ("bien-ban.pdf", evidence_files.EXE, 415, "unsupported_file_type"),
    ("bien-ban.doc", evidence_files.OLD_DOC, 415, "unsupported_file_type"),
    ("tep-nen.docx", evidence_files.macro_enabled_document(), 415, "unsupported_file_type"),
    ("bom.docx", evidence_files.zip_bomb(16 * 1024 * 1024), 400, "unreadable_file"),
    ("bom-noi-doi.docx", evidence_files.lying_zip_bomb(16 * 1024 * 1024), 400, "unreadable_file"),
    ("hong.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100, 400, "unreadable_file"),
    ("bao-cao.docx", pdfs.blank_pdf(), 400, "validation_failed"),
    ("rong.pdf", b"", 400, "validation_failed"),
    ("qua-lon.pdf", b"%PDF-1.7\n" + b"0" * MAX_BYTES, 413, "payload_too_large"),
])
def test_a_refused_upload_changes_nothing(api, name, data, status, error):
    before = state(api)
    answer = upload(api, data, name)
    assert (answer.status_code, answer.json()["error"]) == (status, error), answer.text
    assert answer.json()["message"] and not answer.json()["message"].isascii()  # Vietnamese
    assert state(api) == before


def test_a_file_near_the_limit_arrives_whole_over_many_reads(api):
    photo = evidence_files.png(280, 300, noise=True)  # ~250 KB: four of the parser's reads
    assert 3 * 65536 < len(photo) <= MAX_BYTES
    answer = upload(api, photo, "ảnh chụp hiện trường.png", indicator="C3.I2")
    assert answer.status_code == 201, answer.text
    sha256 = hashlib.sha256(photo).hexdigest()
    assert api.store.read_verified(sha256).read() == photo
    assert download(api, sha256, indicator="C3.I2").content == photo


def test_an_upload_too_large_is_refused_before_it_is_read(api):
    before = state(api)
    answer = api.request("POST", f"{FILES}/C1.I1", OFFICER, data=b"x" * (2 * MAX_BYTES),
                         headers={"Content-Type": "multipart/form-data; boundary=abc"})
    assert answer.status_code == 413 and "256 KB" in answer.json()["message"]
    assert answer.json()["details"]["max_bytes"] == MAX_BYTES
    assert state(api) == before


@pytest.mark.parametrize("kwargs, status, field", [
    ({"json": {"file": "bien-ban.pdf"}}, 415, None),
    ({"files": {"tep": ("a.png", evidence_files.png())}}, 400, "tep"),
    ({"files": [("file", ("a.png", evidence_files.png())), ("file", ("b.png", evidence_files.png()))]},
     400, "file"),
    ({"files": {"file": ("a.png", evidence_files.png())}, "data": {"ghi_chu": "x"}}, 400, "ghi_chu"),
    ({"files": {"file": ("a.png", evidence_files.png())}, "data": {"expected_version": "một"}},
     400, "expected_version"),
    ({"data": {"file": "khong-phai-tep"}}, 415, None),  # a form without a file: urlencoded
    ({"files": {"file": (None, "khong-phai-tep")}}, 400, "file"),  # a text field, no file
    ({"files": {"file": ("a\x00b.png", evidence_files.png())}}, 400, "file"),
    ({"data": b"--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
              b"\x89PNG", "headers": {"Content-Type": "multipart/form-data; boundary=abc"}},
     400, "file"),
])
def test_a_malformed_upload_gets_a_clear_4xx_and_changes_nothing(api, kwargs, status, field):
    before = state(api)
    answer = api.request("POST", f"{FILES}/C1.I1", OFFICER, **kwargs)
    assert answer.status_code == status, answer.text
    if field:
        assert field in answer.json()["details"]
    assert state(api) == before


@pytest.mark.parametrize("who, status", [
    (PHU_OFFICER, 403), (JUSTICE, 403), (ADMIN, 403), (AUDITOR, 403), (None, 401)])
def test_only_the_communes_officer_uploads(api, who, status):
    before = state(api)
    answer = upload(api, evidence_files.png(3, 3), "anh.png", who=who)
    assert answer.status_code == status
    assert state(api) == before


def test_the_same_file_twice_on_one_indicator_is_a_conflict_and_a_retry_is_replayed(api):
    photo = evidence_files.png(5, 5)
    key = {"Idempotency-Key": "minh-chung-anh-5x5"}
    first = upload(api, photo, "ảnh 5x5.png", indicator="C3.I1", headers=key)
    assert first.status_code == 201
    before = state(api)
    again = upload(api, photo, "ảnh 5x5.png", indicator="C3.I1", headers=key)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert state(api) == before
    other = upload(api, photo, "tên khác.png", indicator="C3.I1")
    assert (other.status_code, other.json()["error"]) == (409, "evidence_already_attached")
    assert "ảnh 5x5.png" in other.json()["message"]
    assert state(api) == before
    reused = upload(api, evidence_files.png(6, 6), "khác.png", indicator="C3.I1", headers=key)
    assert (reused.status_code, reused.json()["error"]) == (409, "idempotency_key_reused")


def download(api, sha256, who=OFFICER, indicator="C1.I1", url=FILES):
    return send(api, "GET", f"{url}/{indicator}/{sha256}", who)


@pytest.mark.parametrize("who, status", [
    (OFFICER, 200), (JUSTICE, 200), (PROVINCE_JUSTICE, 200), (CHAIRMAN, 200), (AUDITOR, 200),
    (ADMIN, 200), (PHU_OFFICER, 403), (OTHER_DISTRICT, 403), (OTHER_PROVINCE, 403), (None, 401)])
def test_a_file_is_downloaded_by_the_assessments_readers_only(api, signing, who, status):
    sha256 = hashlib.sha256(signing["signed"]).hexdigest()
    answer = download(api, sha256, who)
    assert answer.status_code == status
    if status != 200:
        assert answer.headers["Content-Type"] == "application/json"
        return
    assert answer.content == signing["signed"]
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Length"] == str(len(signing["signed"]))
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Bien ban hop danh gia.pdf"; ')
    assert disposition.endswith("filename*=UTF-8''" + urllib.parse.quote(PDF_NAME, safe=""))
    assert answer.headers["Repr-Digest"].startswith("sha-256=:")


def test_a_file_not_attached_to_the_indicator_is_not_served(api, signing):
    sha256 = hashlib.sha256(signing["signed"]).hexdigest()
    assert download(api, sha256, indicator="C5.I1").status_code == 404
    assert download(api, "0" * 64).status_code == 404
    assert download(api, "ABC").status_code == 400


def test_a_file_changed_in_the_store_is_refused_not_served(api):
    data = evidence_files.png(7, 7)
    assert upload(api, data, "ảnh 7x7.png", indicator="C4.I1").status_code == 201
    sha256 = hashlib.sha256(data).hexdigest()
    path = api.store.path_of(sha256)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(evidence_files.png(8, 8))
    answer = download(api, sha256, indicator="C4.I1")
    assert (answer.status_code, answer.json()["error"]) == (500, "stored_file_corrupted")
    assert "đã bị thay đổi" in answer.json()["message"]
    path.write_bytes(data)  # restored from a backup: served again
    assert download(api, sha256, indicator="C4.I1").content == data


def test_a_removed_file_is_no_longer_listed_nor_served_but_stays_stored(api):
    data = evidence_files.png(9, 9)
    sha256 = hashlib.sha256(data).hexdigest()
    assert upload(api, data, "ảnh gỡ.png", indicator="C5.I1").status_code == 201
    answer = send(api, "DELETE", f"{FILES}/C5.I1/{sha256}", OFFICER)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"commune_code", "year", "version", "state", "status_vi"}
    assert sha256 not in [f["sha256"] for f in listed(api, "C5.I1")]
    assert download(api, sha256, indicator="C5.I1").status_code == 404
    assert sha256 in stored_files(api)
    again = send(api, "DELETE", f"{FILES}/C5.I1/{sha256}", OFFICER)
    assert again.status_code == 404
    assert send(api, "DELETE", f"{FILES}/C5.I1/{sha256}", JUSTICE).status_code == 403


def test_the_service_records_only_files_the_store_holds(api):
    """A caller reaching the RPC without the gateway cannot make up a file."""
    before = state(api)
    made_up = {"file_name": "bịa.pdf", "media_type": "application/pdf", "size": 10,
               "sha256": "ab" * 32, "signatures": {"signed": False, "signatures": []}}
    with ClusterRpcProxy({"AMQP_URI": api.amqp_uri}, timeout=15) as proxy:
        with pytest.raises(ValidationFailed) as refused:
            proxy.assessment.attach_evidence(DONG_QUANG, YEAR, "C1.I1", made_up, None,
                                             {"actor": {"subject": "intruder", "role": "x"}})
    assert "kho lưu trữ" in refused.value.message
    assert state(api) == before


def _figures_of_dong_phu(api):
    """Đông Phú's figures for every indicator, through the API."""
    url = f"/api/v1/communes/{DONG_PHU}/assessments/{YEAR}"
    for indicator in load_builtin_sets()[("25-2021", 2)].indicators():
        answer = send(api, "PUT", f"{url}/figures/{indicator.id}", PHU_OFFICER,
                      {"figures": full_figures(indicator)})
        assert answer.status_code == 200, answer.text
    return url


def test_files_come_and_go_as_the_workflow_allows(api):
    url = _figures_of_dong_phu(api)
    files = f"{url}/evidence"
    draft = evidence_files.png(10, 10)
    assert upload(api, draft, "nháp.png", who=PHU_OFFICER, url=files).status_code == 201
    steps = [("POST", "/self-assessment", {}),
             ("POST", "/posting", {"start": f"{YEAR}-12-15", "channel": "portal"}),
             ("POST", "/posting/end", {"ended_on": f"{YEAR}-12-21"})]
    for method, path, body in steps:
        assert send(api, method, url + path, PHU_OFFICER, body).status_code == 200
        # once submitted, a file may still be added, not removed
        sha256 = hashlib.sha256(draft).hexdigest()
        removal = send(api, "DELETE", f"{files}/C1.I1/{sha256}", PHU_OFFICER)
        assert (removal.status_code, removal.json()["error"]) == (409, "illegal_transition")
    assert upload(api, evidence_files.png(11, 11), "sau niêm yết.png", who=PHU_OFFICER,
                  url=files).status_code == 201
    assert send(api, "POST", url + "/dossier", PHU_OFFICER,
                {"submitted_on": f"{YEAR}-12-28"}).status_code == 200
    before = state(api, url)
    late = upload(api, evidence_files.png(12, 12), "muộn.png", who=PHU_OFFICER, url=files)
    assert (late.status_code, late.json()["error"]) == (409, "illegal_transition")
    assert state(api, url)[0] == before[0]
    assert send(api, "POST", url + "/dossier/supplement-requests", JUSTICE, {
        "reason": "Thiếu ảnh niêm yết", "requested_on": f"{YEAR + 1}-01-03"}).status_code == 200
    answer = upload(api, evidence_files.png(12, 12), "ảnh bổ sung.png", who=PHU_OFFICER,
                    url=files, indicator="C2.I1")
    assert answer.status_code == 201, answer.text
    [added] = listed(api, "C2.I1", url=url)
    assert added["supplement"] == 1
    assert [f["file_name"] for f in listed(api, url=url)] == ["nháp.png", "sau niêm yết.png"]


def test_the_upload_is_documented_as_multipart_for_clients_and_the_fuzz_run(api):
    document = send(api, "GET", "/openapi.json", None).json()
    operation = document["paths"][
        "/api/v1/communes/{commune_code}/assessments/{year}/evidence/{indicator_id}"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"] == {"$ref": "#/components/schemas/EvidenceUpload"}
    schema = document["components"]["schemas"]["EvidenceUpload"]
    assert schema["properties"]["file"] == {**schema["properties"]["file"], "type": "string",
                                            "format": "binary"}
    assert schema["required"] == ["file"]
    assert {"201", "413", "415"} <= set(operation["responses"])
    download_op = document["paths"][
        "/api/v1/communes/{commune_code}/assessments/{year}/evidence/{indicator_id}/{sha256}"]
    assert set(download_op) == {"get", "delete"}
    assert "application/pdf" in download_op["get"]["responses"]["200"]["content"]
