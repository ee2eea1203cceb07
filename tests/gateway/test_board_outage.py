"""The board when the publication service does not answer: a Vietnamese 503 page, not JSON.
(Its own module: the board tests' "publication" peer must not be running meanwhile.)"""

import pytest

from tests.gateway import peers

pytestmark = pytest.mark.broker


def test_the_board_says_so_when_publication_is_down(start_platform):
    client = start_platform(peers.AssessmentPeer)
    for path in ("/ket-qua", "/ket-qua/xa/10105", "/ket-qua/tinh/01/2024",
                 "/ket-qua/toan-quoc/2024"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Hệ thống tạm thời chưa trả lời" in response.text


def test_kept_pages_are_not_served_while_publication_is_down(tmp_path):
    """With the real services: a kept page stops being served as soon as the gateway cannot
    read the record's change log, and is served again once the service is back."""
    from nameko.containers import ServiceContainer

    from services.assessment.criteria import load_builtin_sets
    from services.publication.service import PublicationService
    from tests.gateway.test_board_live import live_board, wait_until, walk_to_appraised

    found = []
    with live_board(tmp_path, found, RPC_TIMEOUT=2) as (client, assessment):
        runner, config = found
        walk_to_appraised(assessment, "00004", 2025, load_builtin_sets()[("27-2025", 1)])
        page = "/ket-qua/xa/00004"
        assert wait_until(lambda: client.get(page).headers.get("X-Cache") == "hit")
        publication = next(c for c in runner.containers if c.service_name == "publication")
        publication.stop()
        found = wait_until(lambda: (r := client.get(page)).status_code == 503 and [r], timeout=10)
        assert found, "a kept page was still served with the publication service down"
        [down] = found  # (a 503 response is falsy)
        assert "Hệ thống tạm thời chưa trả lời" in down.text  # not the kept page
        assert "ETag" not in down.headers
        back = ServiceContainer(PublicationService, config)
        back.start()
        try:
            assert wait_until(lambda: client.get(page).headers.get("X-Cache") == "hit",
                              timeout=15), "the cache never served again"
        finally:
            back.kill()
