"""The board's fixture "publication" service with a change log that never changes, to run as
a process of its own (`nameko run tests.gateway.publication_process:FixturePublication`) that
a test stops with SIGSTOP: its RPC queue stays and its consumer stays connected, but nobody
answers, which is how a hung service fails (not nameko's immediate UnknownService)."""

from nameko.rpc import rpc

from tests.gateway.test_board_pages import BoardPublicationPeer

EPOCH = "fixture-log"


class FixturePublication(BoardPublicationPeer):
    name = "publication"

    @rpc
    def changes_after(self, after=None, epoch=None, limit=1000):
        return {"epoch": EPOCH, "head": 0, "complete": after == 0 and epoch == EPOCH,
                "changes": []}
