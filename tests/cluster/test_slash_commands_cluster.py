"""Outgoing slash commands (issue 82) on two nodes over one redis-server:
the command part of the spec's ``two_nodes`` check. Each node is the real
``makeService`` with ``--redis``, its line and IRC doors on port 0, and
``--outbound-allow`` naming a real HTTP receiver here
(:class:`~tests.slash_receiver.Receiver`)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase, tags_of
from tests.slash_receiver import Receiver, ephemeral, in_channel

LOCAL = "tcp:0:interface=127.0.0.1"


class SlashCommandsOnTwoNodesTests(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def test_made_on_one_node_used_on_the_other(self) -> Generator[Any, Any, None]:
        """alice adds ``/weather`` on node A; bob, on node B, uses it: the
        receiver hears B's call with the command's token, and the
        ``in_channel`` answer reaches alice (A, line door) and ivy (A, IRC
        door, tagged ``bot``). An ephemeral answer to bob's ``/mine`` is
        his alone. alice removes ``/mine`` on A: on B it is unknown, and
        nothing is called."""
        receiver = Receiver().start()
        self.addCleanup(receiver.port.stopListening)
        receiver.answers["/weather"] = in_channel("rain on B's word")
        receiver.answers["/mine"] = ephemeral("for bob only")
        allow = ("--outbound-allow", f"127.0.0.1:{receiver.number}", "--irc", LOCAL)
        one, two = yield self.start_nodes(2, *allow)
        alice = yield self.client(one, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea")
        bob = yield self.client(two, "bob")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea")
        ivy = yield self.irc_client(one, "ivy", caps="message-tags")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: " 366 " in line)
        tokens = {}
        for name in ("weather", "mine"):
            alice.say(f"/command add {name} {receiver.url('/' + name)}")
            tokens[name] = (yield alice.expect_line(f"COMMAND {name} ")).split(" ")[3]
        bob.say("/command list")
        self.assertTrue((yield bob.expect_line("ERR ")).startswith("ERR NOT_ALLOWED "))
        bob.say("/weather tomorrow")
        said = yield alice.expect(lambda x: x.startswith("MSG tea weather[bot] "))
        self.assertTrue(said.endswith(" rain on B's word"), said)
        yield bob.expect(lambda x: x.startswith("MSG tea weather[bot] "))
        heard = yield ivy.expect(lambda x: "PRIVMSG #tea :rain on B's word" in x)
        self.assertIn("bot", tags_of(heard))
        (call,) = receiver.calls
        self.assertEqual(
            (call.form["token"], call.form["user_name"], call.form["text"]),
            (tokens["weather"], "bob", "tomorrow"),
        )
        bob.say("/mine")
        shown = yield bob.expect_line("EPHEMERAL ")
        self.assertTrue(shown.endswith(" for bob only"), shown)
        self.assertTrue(shown.startswith("EPHEMERAL tea mine[bot] "), shown)
        bob.say("and now")
        yield alice.expect(lambda x: x.endswith(" and now"))
        yield ivy.expect(lambda x: x.endswith(":and now"))
        self.assertFalse(any("for bob" in x for x in alice.lines + ivy.lines))
        alice.say("/command remove mine")
        yield alice.expect_line("COMMAND_REMOVED mine")
        bob.say("/mine")
        self.assertEqual(
            (yield bob.expect_line("ERR ")),
            "ERR UNKNOWN_COMMAND no command /mine; try /help",
        )
        self.assertEqual(len(receiver.calls), 2)
