"""The web page beside the Matrix bridge on two nodes of one
redis-server: the page opens node one, Synapse pushes to node two. The
matrix mark, and a conversation from the page (a message, a reply, a
reaction, an edit and a deletion, both ways), with the very assertions
that prove them on one server, also across a restart of Synapse and of
chatroom (both nodes, started again on what Redis keeps)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from tests.client.tmux import wait_for
from tests.integration import test_matrix_web
from tests.integration.two_nodes import serving, start_two_nodes


class MatrixWebOnTwoNodesTests(test_matrix_web.MatrixWebTests):
    """mxbob's words reach the page through node two; the page's words
    reach him through node one."""

    timeout = 360

    def start_servers(self) -> None:
        options = ("--rate", "0", *self.bridged())
        # Both serve while Synapse is not up yet (the bridge keeps trying).
        self.server, self.other = start_two_nodes(self.folder, options, self.addCleanup)
        self.push_to(self.other)

    def restart_chatroom(self, meanwhile: Callable[[], object]) -> None:
        nodes = (self.server, self.other)
        for node in nodes:
            node.stop()
        meanwhile()
        for node in nodes:
            node.launch()
        for node in nodes:
            node.wait_started()
            wait_for("the node to serve", partial(serving, node.url))
