"""The second day's server side on two nodes (issue 79): two real nodes
share one real redis-server, and what a person does through one node is
seen, answered and kept through the other.

- ``/in ROOM LINE``: a line and a room command addressed to a room that
  is not the connection's current one reach that room's members on the
  other node, and are answered for that room.
- Device sessions: a token ``/session new`` gave through one node signs
  in through the other; ``/logout ID`` from one node of the device that
  signed in with it on the other ends it there.
- Coming back shows the room: an account that read a room to its end
  through one node signs in through the other, alone or while a device
  of it stays on the first, and is shown the room's newest messages.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.task import deferLater

from tests.cluster.support import ClusterTestCase
from tests.support import LineClient


class InAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def test_in_reaches_the_named_room_on_the_other_node(self) -> Any:
        """alice (node one, ``multi``) is in tea then cafe, so cafe is
        current; bob (node two) is in tea, carol (node two) in cafe.
        ``/in tea ...`` reaches bob and never carol; ``/in tea /info`` is
        answered for tea; a plain line still goes to cafe."""
        one, two = yield self.start_nodes(2)
        bob: LineClient = yield self.client(two, "bob")
        bob.say("/create tea")
        yield bob.expect_line("MEMBERS tea")
        carol: LineClient = yield self.client(two, "carol")
        carol.say("/create cafe")
        yield carol.expect_line("MEMBERS cafe")
        alice: LineClient = yield self.client(one, "alice")
        alice.say("/caps multi")
        yield alice.expect_line("CAPS multi")
        for room in ("tea", "cafe"):
            alice.say(f"/join {room}")
            yield alice.expect_line(f"JOINED {room} ")
        alice.say("/in tea typed in tea")
        said = yield bob.expect_line("MSG tea alice ")
        self.assertTrue(said.endswith(" typed in tea"), said)
        alice.say("/in tea /info")
        yield alice.expect_line("INFO tea ")
        yield alice.expect_line("INFO_END tea")
        alice.say("typed in cafe")
        said = yield carol.expect_line("MSG cafe alice ")
        self.assertTrue(said.endswith(" typed in cafe"), said)
        self.assertFalse([line for line in carol.lines if "typed in tea" in line])
        self.assertFalse([line for line in bob.lines if "typed in cafe" in line])
        self.assertFalse([line for line in alice.lines if line.startswith("FOCUS")])


PASSWORD = "correct horse staple"
#: How long one step of a test below may wait, well inside the test's own
#: timeout.
STEP_SECONDS = 15


class DeviceSessionsAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def both_devices(self, alice: LineClient) -> Any:
        """alice's ``/devices`` once it lists both (the other node tells
        its device a moment after that device's ``WELCOME``, as every node
        tells its devices' changes): the two ``DEVICE`` lines."""
        while True:
            alice.say("/devices")
            listed = []
            while True:
                line = yield alice.expect_line("DEVICE")
                if line.startswith("DEVICES_END"):
                    break
                listed.append(line)
            if len(listed) == 2:
                return listed
            yield deferLater(reactor, 0.05, lambda: None)

    def within(self, waiting: defer.Deferred[Any], step: str, *clients: LineClient):
        """``waiting``, failed after :data:`STEP_SECONDS` with the step's
        name and what each of ``clients`` read last, so a hang under load
        says where it waited instead of running into the test's timeout."""

        def stuck(failure: Any) -> Any:
            failure.trap(defer.TimeoutError)
            heard = "; ".join(repr(client.lines[-8:]) for client in clients)
            self.fail(f"no answer at {step!r} after {STEP_SECONDS} s: {heard}")

        waiting.addTimeout(STEP_SECONDS, reactor)
        return waiting.addErrback(stuck)

    @defer.inlineCallbacks
    def test_a_token_made_on_one_node_signs_in_on_the_other(self) -> Any:
        """alice makes a token through node one; a page signs in with it
        through node two, a device of hers there; her ``/logout`` of that
        device from node one closes it and ends the token, so the next
        try through either node is ``BAD_TOKEN``."""
        one, two = yield self.start_nodes(2)
        alice: LineClient = yield self.client(one)
        alice.say(f"/register alice {PASSWORD}")
        yield self.within(alice.expect_line("REGISTERED alice"), "register", alice)
        alice.say("/session new")
        made = yield self.within(alice.expect_line("SESSION "), "session new", alice)
        token = made.split()[1]
        page: LineClient = yield self.client(two)
        page.say(f"/session {token}")
        yield self.within(page.expect_line("WELCOME alice"), "sign-in", page)
        listed = yield self.within(self.both_devices(alice), "devices", alice)
        (theirs,) = [line for line in listed if not line.endswith(" current")]
        number = theirs.split()[1]
        alice.say(f"/logout {number}")
        logged_out = alice.expect_line(f"LOGGED_OUT {number}")
        yield self.within(logged_out, "logout", alice, page)
        yield self.within(page.expect_line("BYE "), "BYE", alice, page)
        for node, place in ((two, "node two"), (one, "node one")):
            again: LineClient = yield self.client(node)
            again.say(f"/session {token}")
            refused = again.expect_line("ERR BAD_TOKEN ")
            yield self.within(refused, f"the ended token through {place}", again)


class CatchUpAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def read_to_the_end(self) -> Any:
        """Two nodes; bob says m1..m30 in tea through node one; alice
        (``multi``, node one) joins, reads to the end. Returns the nodes
        and alice's connection."""
        one, two = yield self.start_nodes(2)
        bob: LineClient = yield self.client(one, "bob")
        bob.say("/create tea")
        yield bob.expect_line("MEMBERS tea")
        for number in range(1, 31):
            bob.say(f"m{number}")
            yield bob.expect_line("MSG tea bob ")
        alice: LineClient = yield self.client(one)
        alice.say("/caps ids multi")
        alice.say(f"/register alice {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/join tea")
        yield alice.expect_line("READ tea ")
        alice.say("/read tea 30")
        yield alice.expect_line("READ tea 30")
        return one, two, alice

    @defer.inlineCallbacks
    def signed_in_multi(self, node: Any) -> Any:
        """A ``multi`` sign-in of alice through ``node``: the ids of the
        messages tea is shown with, and its ``READ``."""
        page: LineClient = yield self.client(node)
        page.say("/caps ids multi")
        page.say(f"/login alice {PASSWORD}")
        yield page.expect_line("MEMBERS tea ")
        start = len(page.lines)
        read = yield page.expect_line("READ tea ")
        shown = page.lines[start : page.lines.index(read)]
        ids = [int(line.split()[0][1:]) for line in shown if " HISTORY " in line]
        return ids, read

    @defer.inlineCallbacks
    def test_back_through_the_other_node_alone(self) -> Any:
        """alice quits; back through node two, tea shows m11..m30."""
        _, two, alice = yield self.read_to_the_end()
        alice.say("/quit")
        yield alice.closed
        ids, read = yield self.signed_in_multi(two)
        self.assertEqual(ids, list(range(11, 31)))
        self.assertEqual(read, "READ tea 30")

    @defer.inlineCallbacks
    def test_back_through_the_other_node_beside_a_device(self) -> Any:
        """alice's device stays on node one; a page of hers signs in
        through node two and is shown tea with m11..m30 too."""
        _, two, _alice = yield self.read_to_the_end()  # her device stays
        ids, read = yield self.signed_in_multi(two)
        self.assertEqual(ids, list(range(11, 31)))
        self.assertEqual(read, "READ tea 30")
