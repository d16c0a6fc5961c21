"""A bot's mark in the web page on two nodes of one redis-server: the
page opens node one, the bot's account is made at node two's line door
and it posts through node two's REST API, and the page marks what it
says "bot", live and in the history a later page gets, with the very
assertions that prove it on one server."""

from __future__ import annotations

from tests.integration import test_web_bots
from tests.integration.real_clients import Server
from tests.integration.two_nodes import OnTwoNodes


class WebBotAccountOnTwoNodesTests(OnTwoNodes, test_web_bots.WebBotAccountTests):
    """The page on node one; alice, and the bot's REST calls, on node two."""

    def api_server(self) -> Server:
        return self.other
