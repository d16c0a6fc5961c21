"""Outgoing slash commands (issue 82) against the real ``twistd chatroom``.

The plugin runs as a process with its line and IRC doors on port 0 and
``--outbound-allow 127.0.0.1:PORT`` naming a real HTTP receiver here
(:class:`~tests.slash_receiver.Receiver`). alice owns ``tea``; bob is in it
at the line door and ivy at the IRC door (with ``message-tags``):

- ``slash_command``: ``/command add|list|remove`` and its refusals; bob's
  ``/weather paris`` reaches the receiver with Mattermost's fields; an
  ``in_channel`` answer is seen at both doors from ``weather[bot]`` tagged
  ``bot``; an ``ephemeral`` one by bob alone; a ``500`` is ``ERR
  UNAVAILABLE``; removed, ``/weather`` is ``ERR UNKNOWN_COMMAND`` and the
  receiver hears nothing more.
- ``slash_command_guard``: loopback outside the allow list, ``localhost``
  and ``169.254.169.254`` are refused at add; a ``302`` from the receiver
  to a forbidden port is ``ERR UNAVAILABLE``, and a listener on that port
  sees no connection.
- ``survives_restart``: an admin's command (``--admins``) in a room she
  does not own, kept in the ``--db`` file, answers after a restart.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from typing import Any

from twisted.internet import defer, error, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.trial import unittest

from tests.doors.irc.test_ircv3 import tags_of
from tests.integration.test_http_limits import IRC_PORT, LOCAL
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.push_endpoint import Listener
from tests.slash_receiver import Answer, Receiver, ephemeral, in_channel
from tests.support import LineClient, connect_client

PASSWORD = "correct horse battery"


def erred(line: str) -> bool:
    return line.startswith("ERR ")


class SlashCommandCase(unittest.TestCase):
    """A receiver, and ``twistd chatroom`` allowed to call it."""

    timeout = 60

    def setUp(self) -> None:
        self.receiver = Receiver().start()
        self.addCleanup(self.receiver.port.stopListening)

    @defer.inlineCallbacks
    def serve(self, *options: str) -> Generator[Any, Any, TwistdProcess]:
        self.process = spawn_twistd(
            self,
            *("--port", LOCAL, "--irc", LOCAL, "--rate", "0", "--name", "chat.test"),
            *("--outbound-allow", f"127.0.0.1:{self.receiver.number}"),
            *options,
        )
        self.line_port = yield self.process.listening
        yield self.process.when_output(b"IRCFactory starting on")
        match = IRC_PORT.search(self.process.output)
        assert match is not None
        self.irc_port = int(match.group(1))
        return self.process

    @defer.inlineCallbacks
    def line_client(self, name: str, *lines: str) -> Generator[Any, Any, LineClient]:
        client = yield connect_client(reactor, self.line_port, name)
        self.addCleanup(client.transport.loseConnection)
        for line in lines:
            client.say(line)
        return client

    @defer.inlineCallbacks
    def irc_client(self, nick: str) -> Generator[Any, Any, LineClient]:
        """An IRC client with ``message-tags``, in ``#tea``."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.addCleanup(client.transport.loseConnection)
        client.say("CAP LS 302")
        client.say("CAP REQ :message-tags")
        yield client.expect(lambda line: " CAP * ACK " in line)
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line)
        client.say("JOIN #tea")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def tea(self) -> Generator[Any, Any, tuple[LineClient, LineClient]]:
        """alice owns ``tea`` and bob is in it."""
        alice = yield self.line_client("alice", "/create tea")
        yield alice.expect_line("MEMBERS tea")
        bob = yield self.line_client("bob", "/join tea")
        yield bob.expect_line("MEMBERS tea")
        return alice, bob

    @defer.inlineCallbacks
    def add(self, owner: LineClient, name: str, url: str) -> Generator[Any, Any, str]:
        """``/command add``: the command's token."""
        owner.say(f"/command add {name} {url}")
        line = yield owner.expect(lambda x: x.startswith(("COMMAND ", "ERR ")))
        _, named, kept, token = line.split(" ")
        self.assertEqual((named, kept), (name, url))
        return token

    @defer.inlineCallbacks
    def until(self, check: Any) -> Generator[Any, Any, None]:
        for _ in range(2000):
            if check():
                return
            yield task.deferLater(reactor, 0.01, lambda: None)
        raise AssertionError(f"never: {check}")


class SlashCommandTests(SlashCommandCase):
    """The spec's ``slash_command`` and ``slash_command_guard`` checks."""

    @defer.inlineCallbacks
    def test_slash_command(self) -> Generator[Any, Any, None]:
        self.receiver.answers.update(
            {
                "/weather": in_channel("Paris: *sunny*, 21 C"),
                "/mine": ephemeral("only you see this"),
                "/broken": Answer(500, "text/plain", b"oops"),
            }
        )
        yield self.serve("--db", ":memory:")
        alice, bob = yield self.tea()
        ivy = yield self.irc_client("ivy")
        rita = yield self.line_client("rita", "/caps rich", "/join tea")
        yield rita.expect_line("MEMBERS tea")
        url = self.receiver.url("/weather")
        token = yield self.add(alice, "weather", url)
        yield self.add(alice, "mine", self.receiver.url("/mine"))
        yield self.add(alice, "broken", self.receiver.url("/broken"))
        # refusals
        bob.say(f"/command add mine2 {url}")
        self.assertEqual(
            (yield bob.expect(erred)),
            "ERR NOT_ALLOWED only the owner of tea can manage its commands",
        )
        alice.say(f"/command add join {url}")
        self.assertTrue((yield alice.expect(erred)).startswith("ERR NAME_TAKEN "))
        alice.say(f"/command add Weather {url}")
        self.assertEqual(
            (yield alice.expect(erred)),
            "ERR NAME_TAKEN tea has a command /Weather already",
        )
        alice.say("/command list")
        listed = yield alice.expect_line("COMMANDS_END")
        self.assertEqual(listed, "COMMANDS_END tea 3")
        self.assertIn(f"COMMAND weather {url} {token}", alice.lines)
        # in_channel, at both doors
        bob.say("/weather paris now")
        said = yield alice.expect(lambda x: x.startswith("MSG tea weather[bot] "))
        self.assertTrue(said.endswith(" Paris: *sunny*, 21 C"), said)
        yield bob.expect(lambda x: x.startswith("MSG tea weather[bot] "))
        heard = yield ivy.expect(lambda x: "PRIVMSG #tea :Paris" in x)
        self.assertTrue(heard.split(" ", 2)[1].startswith(":weather[bot]!"), heard)
        self.assertIn("bot", tags_of(heard))
        tagged = yield rita.expect(lambda x: " MSG tea weather[bot] " in x)
        self.assertRegex(tagged, r"^@\d+;(\S+;)?bot(;\S+)? MSG tea weather\[bot\] ")
        (call,) = self.receiver.calls
        self.assertEqual(call.kind, "application/x-www-form-urlencoded")
        self.assertEqual(
            call.form,
            {
                "token": token,
                "command": "/weather",
                "text": "paris now",
                "user_name": "bob",
                "channel_name": "tea",
                "channel_id": "tea",
                "user_id": "bob",
                "team_domain": "chat.test",
            },
        )
        self.assertFalse(any("paris now" in line for line in alice.lines + ivy.lines))
        # ephemeral: bob alone
        bob.say("/mine")
        shown = yield bob.expect_line("EPHEMERAL ")
        self.assertRegex(shown, r"^EPHEMERAL tea mine\[bot\] \S+Z only you see this$")
        bob.say("after the answer")
        yield alice.expect(lambda x: x.endswith(" after the answer"))
        yield ivy.expect(lambda x: x.endswith(":after the answer"))
        yield rita.expect(lambda x: x.endswith(" after the answer"))
        bystanders = alice.lines + ivy.lines + rita.lines
        self.assertFalse(any("only you" in line for line in bystanders))
        # a failure
        bob.say("/broken")
        self.assertEqual(
            (yield bob.expect(erred)),
            "ERR UNAVAILABLE /broken did not answer (status 500)",
        )
        # removed
        alice.say("/command remove weather")
        self.assertEqual(
            (yield alice.expect_line("COMMAND_REMOVED")), "COMMAND_REMOVED weather"
        )
        calls = len(self.receiver.calls)
        bob.say("/weather")
        self.assertEqual(
            (yield bob.expect(erred)),
            "ERR UNKNOWN_COMMAND no command /weather; try /help",
        )
        self.assertEqual(len(self.receiver.calls), calls)

    @defer.inlineCallbacks
    def test_slash_command_guard(self) -> Generator[Any, Any, None]:
        forbidden = Listener().start()
        self.addCleanup(forbidden.port.stopListening)
        elsewhere = f"http://127.0.0.1:{forbidden.number}/"
        self.receiver.answers["/moved"] = Answer(
            302, "text/plain", b"", (("Location", elsewhere),)
        )
        yield self.serve("--db", ":memory:")
        alice, bob = yield self.tea()
        for url in (
            elsewhere,
            f"http://localhost:{forbidden.number}/",
            "http://169.254.169.254/latest/meta-data/",
        ):
            alice.say(f"/command add w {url}")
            self.assertEqual(
                (yield alice.expect(erred)),
                "ERR BAD_ARGS the address is not a public address",
            )
        yield self.add(alice, "moved", self.receiver.url("/moved"))
        bob.say("/moved")
        self.assertEqual(
            (yield bob.expect(erred)),
            "ERR UNAVAILABLE /moved did not answer (it redirected: 302)",
        )
        self.assertEqual([call.path for call in self.receiver.calls], ["/moved"])
        self.assertEqual(forbidden.connected, [])


class RestartTests(SlashCommandCase):
    """The command part of the spec's ``survives_restart``."""

    @defer.inlineCallbacks
    def test_an_admins_command_answers_after_a_restart(
        self,
    ) -> Generator[Any, Any, None]:
        """alice, a server admin, adds ``/weather`` to bob's room ``tea``;
        after a restart on the same ``--db``, bob's ``/weather`` answers."""
        self.receiver.answers["/weather"] = in_channel("still sunny")
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process = yield self.serve("--db", db, "--admins", "alice")
        alice = yield self.line_client("alice", f"/register {PASSWORD}")
        yield alice.expect_line("REGISTERED ")
        bob = yield self.line_client("bob", "/create tea", "/set permanent on")
        yield bob.expect_line("MEMBERS tea")
        alice.say("/join tea")
        yield alice.expect_line("MEMBERS tea")
        token = yield self.add(alice, "weather", self.receiver.url("/weather"))
        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone, error.ProcessTerminated)

        yield self.serve("--db", db, "--admins", "alice")
        carol = yield self.line_client("carol", "/join tea")
        yield carol.expect_line("MEMBERS tea")
        carol.say("/weather today")
        said = yield carol.expect(
            lambda x: x.startswith(("MSG tea weather[bot] ", "ERR"))
        )
        self.assertTrue(said.endswith(" still sunny"), said)
        (call,) = self.receiver.calls
        self.assertEqual(
            (call.form["token"], call.form["user_name"], call.form["text"]),
            (token, "carol", "today"),
        )
