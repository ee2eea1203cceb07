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
