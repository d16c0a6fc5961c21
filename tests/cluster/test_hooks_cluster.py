"""Webhooks across nodes: two real nodes share one real redis-server, each
with its HTTP door and the admin API.

A hook made with ``chatroom-admin`` through node A is posted to through
node B by apprise's CLI and seen on A, at the line and IRC doors; one made
with ``/webhook add`` on A takes a real Alertmanager's alert through B.
Removed through B, a hook's address answers ``404`` at once on both nodes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from io import BytesIO
from typing import Any

from twisted.internet import defer, reactor
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from tests.cluster.support import ClusterTestCase, tags_of
from tests.integration.hook_senders import Alertmanager, apprise, mattermost_url
from tests.integration.test_admin import TOKEN, admin_tool
from tests.support import port_of

WEB = ("--http", "tcp:0:interface=127.0.0.1", "--irc", "tcp:0:interface=127.0.0.1")


class HooksAcrossNodesTests(ClusterTestCase):
    timeout = 180

    @defer.inlineCallbacks
    def nodes_with_ops(self) -> Any:
        """Two nodes with the admin API; alice (line, ``/caps rich``) and
        ivy (IRC, ``message-tags``) in ``ops`` on the first."""
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home, True)
        self.token_file = os.path.join(self.home, "admin.token")
        with open(self.token_file, "w") as file:
            file.write(TOKEN + "\n")
        os.chmod(self.token_file, 0o600)
        nodes = yield self.start_nodes(2, *WEB, "--admin-token-file", self.token_file)
        self.web = [port_of(node.doors["http"].port) for node in nodes]
        alice = yield self.client(nodes[0], "alice")
        alice.say("/caps rich")
        yield alice.expect_line("CAPS ")
        alice.say("/create ops")
        yield alice.expect(lambda line: "MEMBERS ops" in line)
        ivy = yield self.irc_client(nodes[0], "ivy", caps="message-tags")
        ivy.say("JOIN #ops")
        yield ivy.expect(lambda line: " 366 " in line)
        return alice, ivy

    @defer.inlineCallbacks
    def admin_json(self, node: int, *command: str) -> Any:
        """``chatroom-admin --json COMMAND`` through node ``node``'s door."""
        status, out, err = yield admin_tool(
            self.web[node], self.token_file, self.home, "--json", *command
        )
        self.assertEqual((status, err), (0, ""), out)
        return json.loads(out)

    @defer.inlineCallbacks
    def bot_said(self, alice: Any, ivy: Any, name: str) -> Any:
        """The next message from ``name`` as alice (``bot`` tag) and ivy
        (``@bot``) see it: the line door's text."""
        line = yield alice.expect(lambda line: f" MSG ops {name} " in line)
        self.assertIn("bot", line.partition(" ")[0].split(";")[1:], line)
        privmsg = yield ivy.expect(
            lambda line: f":{name}!" in line and " PRIVMSG #ops :" in line
        )
        self.assertIn("bot", tags_of(privmsg), privmsg)
        return line.partition(" ")[2].split(" ", 4)[4]

    @defer.inlineCallbacks
    def post(self, node: int, secret: str) -> Any:
        """A plain ``POST`` of Slack's JSON to a hook's address on node
        ``node``: the answer's status."""
        response = yield Agent(reactor).request(
            b"POST",
            f"http://127.0.0.1:{self.web[node]}/hooks/{secret}".encode(),
            Headers({b"content-type": [b"application/json"]}),
            FileBodyProducer(BytesIO(b'{"text": "late"}')),
        )
        yield readBody(response)
        return response.code

    @defer.inlineCallbacks
    def test_a_hook_made_on_one_node_posts_through_the_other(self) -> Any:
        """The operator adds a hook through A; B lists it (its own address
        for it); apprise posts through B as ``deployer`` and alice and ivy,
        on A, see ``deployer[bot]``. Removed through B, its address is
        ``404`` at once on A and on B, apprise fails, and nothing
        arrives."""
        alice, ivy = yield self.nodes_with_ops()
        made = yield self.admin_json(0, "hooks", "add", "ops", "--name", "deploy")
        secret = made["url"].rsplit("/", 1)[1]
        (listed,) = (yield self.admin_json(1, "hooks", "list", "ops"))["hooks"]
        self.assertEqual((listed["name"], listed["by"]), ("deploy", "chatroom"))
        self.assertEqual(
            listed["url"], f"http://localhost:{self.web[1]}/hooks/{secret}"
        )
        url = mattermost_url(made["url"], "deployer", self.web[1])
        status, printed = yield apprise(url, "build 7 is out", title="Deploy")
        self.assertEqual(status, 0, printed)
        said = yield self.bot_said(alice, ivy, "deployer[bot]")
        self.assertEqual(said, "Deploy build 7 is out")
        removed = yield self.admin_json(1, "hooks", "remove", "ops", "deploy")
        self.assertEqual(removed, {"removed": "deploy", "room": "ops"})
        for node in (0, 1):
            self.assertEqual((yield self.post(node, secret)), 404, node)
        status, printed = yield apprise(mattermost_url(made["url"]), "after")
        self.assertNotEqual(status, 0, printed)
        alice.say("marker")
        line = yield alice.expect(lambda line: "MSG ops " in line)
        self.assertTrue(line.endswith(" marker"), line)

    @defer.inlineCallbacks
    def test_alertmanager_through_the_other_node(self) -> Any:
        """A hook made with ``/webhook add`` on A, given to Alertmanager
        with B's address: the alert is said by ``Alertmanager[bot]`` to
        alice and ivy on A."""
        alice, ivy = yield self.nodes_with_ops()
        alice.say("/webhook add alerts")
        url = (yield alice.expect_line("WEBHOOK alerts ")).split(" ")[2]
        through_b = url.replace(f":{self.web[0]}/", f":{self.web[1]}/")
        alertmanager = Alertmanager(self, through_b)
        self.assertEqual((yield alertmanager.fire("DiskFull", "disk / is full")), 200)
        said = yield self.bot_said(alice, ivy, "Alertmanager[bot]")
        self.assertIn("DiskFull", said)
        self.assertTrue(said.endswith(" disk / is full"), said)
