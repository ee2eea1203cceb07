"""The board when the publication service does not answer: a page it kept, saying that it may
be out of date, or else a Vietnamese 503 page, not JSON. (Its own module: the board tests'
"publication" peer must not be running meanwhile.) tests/gateway/test_bulkheads.py has the
same under load, with the service hung rather than stopped."""

import pytest

from gateway.service import GatewayService
from tests.gateway import peers
from tests.gateway.conftest import Platform, gateway_config

pytestmark = pytest.mark.broker

# Each page waits for the gateway's deadline on the absent service: a short one here.
RPC_TIMEOUT = 0.5


def test_the_board_says_so_when_publication_is_down(runner_factory, amqp_uri):
    config = {**gateway_config(amqp_uri), "RPC_TIMEOUT": RPC_TIMEOUT}
    runner_factory(config, GatewayService, peers.AssessmentPeer).start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    for path in ("/ket-qua", "/ket-qua/xa/10105", "/ket-qua/tinh/01/2024",
                 "/ket-qua/toan-quoc/2024"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Hệ thống tạm thời chưa trả lời" in response.text


def test_kept_pages_are_served_with_a_notice_while_publication_is_down(tmp_path):
    """With the real services: while the publication service is stopped (its queue stays, so
    calls wait for their deadline), a kept page is served with the notice that it may be out
    of date, never as if it were current; a page nobody kept gets the 503 page; once the
    service is back, the kept page is served as current again."""
    from nameko.containers import ServiceContainer

    from rules.criteria import load_builtin_sets
    from services.publication.service import PublicationService
    from tests.gateway.test_board_live import live_board, wait_until, walk_to_appraised

    found = []
    with live_board(tmp_path, found, RPC_TIMEOUT=2) as (client, assessment):
        runner, config = found
        walk_to_appraised(assessment, "00004", 2025, load_builtin_sets()[("27-2025", 2)])
        page = "/ket-qua/xa/00004"
        assert wait_until(lambda: client.get(page).headers.get("X-Cache") == "hit")
        publication = next(c for c in runner.containers if c.service_name == "publication")
        publication.stop()
        found = wait_until(lambda: (r := client.get(page)).headers.get("X-Cache") == "stale"
                           and [r], timeout=10)
        assert found, "the kept page was not served as a stale one"
        [stale] = found
        assert stale.status_code == 200 and "Dữ liệu có thể chưa được cập nhật" in stale.text
        assert stale.headers["X-Stale-Since"] and "ETag" not in stale.headers
        never_kept = client.get("/ket-qua/xa/00070")
        assert never_kept.status_code == 503
        assert "Hệ thống tạm thời chưa trả lời" in never_kept.text
        back = ServiceContainer(PublicationService, config)
        back.start()
        try:
            assert wait_until(lambda: client.get(page).headers.get("X-Cache") == "hit",
                              timeout=15), "the cache never served again"
            assert "Dữ liệu có thể chưa được cập nhật" not in client.get(page).text
        finally:
            back.kill()
