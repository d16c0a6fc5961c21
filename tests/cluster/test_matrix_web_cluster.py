"""The web page beside the Matrix bridge on two nodes of one
redis-server: the page opens node one, Synapse pushes to node two. The
matrix mark, and a conversation from the page (a message, a reply, a
reaction, an edit and a deletion, both ways), with the very assertions
that prove them on one server."""

from __future__ import annotations

from tests.integration.test_matrix_web import MatrixWebTests
from tests.integration.two_nodes import start_two_nodes


class MatrixWebOnTwoNodesTests(MatrixWebTests):
    """mxbob's words reach the page through node two; the page's words
    reach him through node one."""

    timeout = 360

    def start_servers(self) -> None:
        options = ("--rate", "0", *self.bridged())
        # Both serve while Synapse is not up yet (the bridge keeps trying).
        self.server, self.other = start_two_nodes(self.folder, options, self.addCleanup)
        self.push_to(self.other)
