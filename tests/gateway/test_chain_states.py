"""The gateway's view of the services' chains (gateway/chains.py): the X-Chain-Verification
headers on every answer, the warning on every board page (kept pages included), a service
that does not answer counted as unverified, the publication's checks of the others, and the
signatures page with its exports, each head checked with the gateway's own pinned keys.

Real gateway, peer services answering ``chain_status`` with states the tests set."""

import csv
import io
import time
from dataclasses import replace

import pytest
from nameko.rpc import rpc

from kernel.merkle import Frontier, event_leaf
from kernel.signing import SignedHead, generate_keys
from tests.gateway import peers
from tests.gateway.conftest import start_gateway
from tests.gateway.test_board_pages import DONG_QUANG, BoardPublicationPeer
from tests.support import tampering

pytestmark = pytest.mark.broker
FAILED_WARNING = "Cảnh báo: dữ liệu có dấu hiệu bị sửa đổi"
UNVERIFIED_NOTICE = "Chưa xác minh được tính toàn vẹn của dữ liệu"
STATES = {"assessment": "ok", "plans": "ok", "publication": "ok", "survey": "ok",
          "accounts": "ok"}
COPIES = {"assessment": {"status": "ok"}}
SILENT = set()  # services whose chain_status fails
HEADS = {}  # source -> heads the publication peer lists


class ChainStatus:
    @rpc
    def chain_status(self):
        if self.name in SILENT:
            raise RuntimeError("verifier unreachable")
        body = {"source": self.name, "status": STATES[self.name], "unsigned_events": 0,
                "broken": [] if STATES[self.name] != "failed" else [
                    {"kind": "signed_head", "position": 9, "from_position": 5, "to_position": 9,
                     "reason": "events 5 to 9 do not match the head signed at …"}],
                "last_full_sweep": {"finished_at": "2025-12-20T09:00:00+07:00", "checked": 9,
                                    "ok": STATES[self.name] != "failed"}}
        if self.name == "publication":
            body["copies"] = COPIES
        return body


class AssessmentChain(ChainStatus, peers.AssessmentPeer):
    pass


class PlansChain(ChainStatus, peers.PlansPeer):
    pass


class SurveyChain(ChainStatus, peers.SurveyPeer):
    pass


class AccountsChain(ChainStatus, peers.AccountsPeer):
    pass


class PublicationChain(ChainStatus, BoardPublicationPeer):
    @rpc
    def changes_after(self, after=None, epoch=None, limit=1000):
        """A record that does not change: pages stay kept (gateway/board/cache.py)."""
        return {"epoch": "still", "head": 0, "complete": after == 0 and epoch == "still",
                "changes": []}

    @rpc
    def signed_heads(self, limit=10):
        return {"keyring": True, "sources": [
            {"source": source, "keys": [], "heads": [h.to_dict() for h in heads],
             "copies": None if source == "publication" else len(heads),
             "refused": [] if source != "assessment" else [
                 {"position": 99, "signed_at": "2025-12-20T09:10:00+07:00", "key_id": "x",
                  "reason": "its signature does not verify: forged or altered",
                  "received_at": "2025-12-20T09:10:02+07:00"}],
             "refused_count": 1 if source == "assessment" else 0,
             "check": None} for source, heads in sorted(HEADS.items())]}


def signed(key, source, position):
    tree = Frontier()
    for i in range(position):
        tree.append(event_leaf(f"{i:064x}"))
    return SignedHead.sign(key, source, position, f"{position:064x}", tree)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = tmp_path_factory.mktemp("keys")
    generate_keys(directory, ["assessment", "publication"])
    return directory


@pytest.fixture(scope="module")
def gateway(amqp_uri, keys):
    runner, client = start_gateway(amqp_uri, AssessmentChain, PlansChain, SurveyChain, AccountsChain,
                                   PublicationChain, CHAIN_STATUS_SECONDS=0.1,
                                   SIGNING_KEYRING=str(keys))
    yield client
    client.session.close()
    runner.kill()


@pytest.fixture(autouse=True)
def all_ok():
    STATES.update(assessment="ok", plans="ok", publication="ok", survey="ok", accounts="ok")
    COPIES.update(assessment={"status": "ok"})
    SILENT.clear()
    yield


def headers_become(client, value, detail="", path="/api/v1/units/provinces", timeout=5.0):
    """The first answer whose X-Chain-Verification is ``value`` (and detail has ``detail``)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(path)
        if ((answer.headers.get("X-Chain-Verification") == value
             and detail in answer.headers.get("X-Chain-Verification-Detail", ""))
                or time.monotonic() > deadline):
            return answer
        time.sleep(0.05)


def kept(client, path, timeout=5.0):
    """Ask for ``path`` until the gateway serves it from its page cache."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(path)
        if answer.headers.get("X-Cache") == "hit" or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_every_answer_says_ok_when_every_chain_is_ok(gateway):
    answer = headers_become(gateway, "ok", timeout=10)
    assert answer.headers["X-Chain-Verification"] == "ok"
    assert answer.headers["X-Chain-Verification-Detail"] == (
        "assessment=ok, plans=ok, publication=ok, survey=ok, accounts=ok")
    assert gateway.get("/health").headers["X-Chain-Verification"] == "ok"
    page = gateway.get(f"/ket-qua/xa/{DONG_QUANG}")
    assert page.headers["X-Chain-Verification"] == "ok"
    assert FAILED_WARNING not in page.text and UNVERIFIED_NOTICE not in page.text


def test_a_failed_chain_marks_every_answer_and_every_board_page_kept_ones_too(gateway):
    headers_become(gateway, "ok")
    before = kept(gateway, "/ket-qua/tinh/01/2024")
    assert before.headers["X-Cache"] == "hit" and FAILED_WARNING not in before.text
    STATES["assessment"] = "failed"
    answer = headers_become(gateway, "failed")
    assert answer.headers["X-Chain-Verification"] == "failed"
    assert "assessment=failed" in answer.headers["X-Chain-Verification-Detail"]
    for path in ("/ket-qua/tinh/01/2024", f"/ket-qua/xa/{DONG_QUANG}", "/ket-qua",
                 "/ket-qua/toan-quoc/2024"):
        page = gateway.get(path)
        assert page.status_code == 200 and FAILED_WARNING in page.text, path
        assert 'role="alert"' in page.text and "đánh giá, công nhận" in page.text
        assert page.headers["X-Chain-Verification"] == "failed"
    # the export of a kept list says it in its header
    assert gateway.get("/ket-qua/tinh/01/2024.csv").headers["X-Chain-Verification"] == "failed"
    STATES["assessment"] = "ok"
    headers_become(gateway, "ok")
    back = gateway.get("/ket-qua/tinh/01/2024")
    assert back.headers["X-Cache"] == "hit" and back.text == before.text


def test_a_chain_of_a_service_the_board_does_not_show_marks_answers_not_pages(gateway):
    STATES["plans"] = "failed"
    headers_become(gateway, "failed", "plans=failed")
    page = gateway.get(f"/ket-qua/xa/{DONG_QUANG}")
    assert page.headers["X-Chain-Verification"] == "failed"
    assert FAILED_WARNING not in page.text and UNVERIFIED_NOTICE not in page.text


def test_a_verifier_that_does_not_answer_or_is_still_verifying_is_not_ok(gateway):
    SILENT.add("survey")
    answer = headers_become(gateway, "unverified", "survey=unverified")
    assert "survey=unverified" in answer.headers["X-Chain-Verification-Detail"]
    page = gateway.get("/ket-qua")
    assert UNVERIFIED_NOTICE in page.text and "khảo sát sự hài lòng" in page.text
    assert FAILED_WARNING not in page.text
    SILENT.clear()
    STATES["publication"] = "verifying"
    answer = headers_become(gateway, "unverified", "publication=unverified")
    assert "publication=unverified" in answer.headers["X-Chain-Verification-Detail"]


def test_the_publication_services_check_of_a_log_against_its_copies_fails_that_service(gateway):
    COPIES["assessment"] = {"status": "failed", "broken": [{"position": 7, "reason": "…"}]}
    answer = headers_become(gateway, "failed", "assessment=failed")
    assert "publication=ok" in answer.headers["X-Chain-Verification-Detail"]
    assert FAILED_WARNING in gateway.get(f"/ket-qua/xa/{DONG_QUANG}").text


def test_the_signatures_page_checks_each_head_with_the_gateways_own_keys(gateway, keys):
    assessment = tampering.signing_key(keys, "assessment")
    publication = tampering.signing_key(keys, "publication")
    genuine = signed(assessment, "assessment", 8)
    forged = replace(signed(assessment, "assessment", 9), head_hash="ee" * 32)
    HEADS.clear()
    HEADS.update(assessment=[forged, genuine], publication=[signed(publication, "publication", 3)])
    headers_become(gateway, "ok")  # nothing left of an earlier test's states
    STATES["assessment"] = "failed"
    headers_become(gateway, "failed", "assessment=failed")
    page = gateway.get("/ket-qua/chu-ky")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-source="assessment" data-state="failed"' in html
    assert 'data-source="publication" data-state="ok"' in html
    fingerprint = assessment.public.fingerprint
    assert " ".join(fingerprint[i:i + 4] for i in range(0, 64, 4)) in html
    assert html.count("Hợp lệ") >= 2 and "Không hợp lệ" in html
    assert "1 chữ ký bị từ chối" in html and "Vị trí sai lệch" in html
    assert "Sự kiện 5 đến 9" in html
    exported = gateway.get("/ket-qua/chu-ky.json").json()
    assert exported["services"]["assessment"] == "failed"
    verified = {(r["source"], r["position"]): r["verified"] for r in exported["rows"]}
    assert verified == {("assessment", 9): False, ("assessment", 8): True, ("publication", 3): True}
    assert {k["key_id"] for k in exported["keys"]} == {assessment.key_id, publication.key_id}
    table = gateway.get("/ket-qua/chu-ky.csv")
    assert table.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Dịch vụ", "Vị trí trong sổ", "Thời điểm ký"] and len(rows) == 4
    assert gateway.get("/ket-qua/chu-ky.xml").status_code == 404
