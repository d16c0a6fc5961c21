"""The second day's server side on two nodes (issue 79): two real nodes
share one real redis-server, and what a person does through one node is
seen, answered and kept through the other.

- ``/in ROOM LINE``: a line and a room command addressed to a room that
  is not the connection's current one reach that room's members on the
  other node, and are answered for that room.
- Device sessions: a token ``/session new`` gave through one node signs
  in through the other; ``/logout ID`` from one node of the device that
  signed in with it on the other ends it there.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

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


class DeviceSessionsAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def test_a_token_made_on_one_node_signs_in_on_the_other(self) -> Any:
        """alice makes a token through node one; a page signs in with it
        through node two, a device of hers there; her ``/logout`` of that
        device from node one closes it and ends the token, so the next
        try through either node is ``BAD_TOKEN``."""
        one, two = yield self.start_nodes(2)
        alice: LineClient = yield self.client(one)
        alice.say(f"/register alice {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/session new")
        token = (yield alice.expect_line("SESSION ")).split()[1]
        page: LineClient = yield self.client(two)
        page.say(f"/session {token}")
        yield page.expect_line("WELCOME alice")
        alice.say("/devices")
        listed = []
        for _ in range(2):
            listed.append((yield alice.expect_line("DEVICE ")))
        yield alice.expect_line("DEVICES_END 2")
        (theirs,) = [line for line in listed if not line.endswith(" current")]
        number = theirs.split()[1]
        alice.say(f"/logout {number}")
        yield alice.expect_line(f"LOGGED_OUT {number}")
        yield page.expect_line("BYE ")
        for node in (two, one):
            again: LineClient = yield self.client(node)
            again.say(f"/session {token}")
            yield again.expect_line("ERR BAD_TOKEN ")
