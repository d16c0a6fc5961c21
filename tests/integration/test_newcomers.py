"""Newcomers held back (``--newcomer-wait``) over real sockets, on one
server and on two nodes, the wait running out on the real clock.

A new account's private message to someone it shares no room with, and
its message with a link, are ``ERR NOT_YET <seconds left>`` until the
wait is over; then both go through. On two nodes the account registers
on one and its stranger is on the other, so its age and their rooms are
read from Redis.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor, task

from tests.backends.contracts.handler import MixedIntoTestCase
from tests.cluster.support import ClusterTestCase
from tests.support import LineClient, ServerTestCase, connect_client

PASSWORD = "correct-horse-staple"
#: The wait, in seconds: short, so the test sees it run out, and long
#: enough that the first refusals (four round trips after ``/register``)
#: come within it on a loaded machine (2 s was not).
WAIT = "6"
#: The wait, and no link previews (a link taken would be fetched, past the
#: test's end).
OPTIONS = ("--newcomer-wait", WAIT, "--previews", "off")
#: The answers while it runs: the seconds left, rounded up.
NOT_YET = tuple(f"ERR NOT_YET {left}" for left in range(int(WAIT), 0, -1))


class NewcomerWaits(MixedIntoTestCase):
    """The test, given the line doors' ports of two places (one server
    twice, or two nodes) by :meth:`places`; mixed into a TestCase with
    ``clients``."""

    clients: list[LineClient]

    def places(self) -> Any:
        raise NotImplementedError

    @defer.inlineCallbacks
    def named(self, port: int, name: str):
        client = yield connect_client(reactor, port, name)
        self.clients.append(client)
        return client

    @defer.inlineCallbacks
    def answer(self, client: LineClient, line: str, taken: str):
        """What ``line`` is answered: its ``taken`` line, or an ``ERR``."""
        client.say(line)
        return (yield client.expect(lambda heard: heard.startswith((taken, "ERR "))))

    @defer.inlineCallbacks
    def test_held_back_until_the_wait_is_over(self):
        """newbie, just registered, alone in den: its private message to
        stranger and its link are refused with the seconds left, a plain
        message is not; once the wait is over (looked for every 50 ms),
        stranger hears the private message and the link is taken."""
        one, two = yield self.places()
        stranger = yield self.named(two, "stranger")
        newbie = yield self.named(one, "newbie")
        newbie.say(f"/register {PASSWORD}")
        yield newbie.expect_line("REGISTERED newbie")
        newbie.say("/create den")
        yield newbie.expect_line("MEMBERS den ")
        whisper = ("/msg stranger hi", "PRIVMSG newbie stranger ")
        link = ("see https://spam.example/", "MSG den newbie ")
        for line, taken in (whisper, link):
            self.assertIn((yield self.answer(newbie, line, taken)), NOT_YET)
        newbie.say("no link here")
        yield newbie.expect_line("MSG den newbie ")
        for _ in range(400):  # at least 20 s, the wait's end looked for
            answer = yield self.answer(newbie, *whisper)
            if not answer.startswith("ERR "):
                break
            self.assertIn(answer, NOT_YET)
            yield task.deferLater(reactor, 0.05, lambda: None)
        else:
            self.fail("the wait never ended")
        yield stranger.expect_line("PRIVMSG newbie stranger ")
        self.assertTrue((yield self.answer(newbie, *link)).startswith(link[1]))


class OneServerTests(NewcomerWaits, ServerTestCase):
    """One server, the in-process back-end."""

    options = (*ServerTestCase.options, *OPTIONS)

    def places(self):
        return defer.succeed((self.port, self.port))


class TwoNodesTests(NewcomerWaits, ClusterTestCase):
    """Two nodes sharing one redis-server."""

    node_options = (*ClusterTestCase.node_options, *OPTIONS)

    @defer.inlineCallbacks
    def places(self):
        nodes = yield self.start_nodes(2)
        return [self.port_of(node) for node in nodes]
