"""Pinned messages, run against every registry: ``/pin``, ``/unpin``, ``/pins``.

With the in-process registry (``tests/backends/local/test_pins.py``) and
with a real ``redis-server`` (``tests/backends/redis/test_pins.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import ContractBase


class PinsContract(ContractBase):
    """alice owns tea; bob is a member; carol joins later."""

    @defer.inlineCallbacks
    def test_the_owner_pins_and_everyone_hears(self) -> Generator[Any, Any, None]:
        """``/pin ID``: ``PIN tea ID alice`` to every member; pinning again
        changes nothing; ``/pins`` lists the pinned message as it reads;
        a joiner's welcome says how many are pinned; ``/unpin`` is heard
        as ``UNPIN``; both steps are in the moderation log."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        alice.say("rules: be kind")
        rules = (yield self.expect(alice, "@")).split()[0][1:]
        alice.say("see you at five")
        yield self.expect(bob, "MSG tea alice ")
        alice.say(f"/pin {rules}")
        self.assertEqual((yield self.expect(bob, "PIN ")), f"PIN tea {rules} alice")
        self.assertEqual((yield self.expect(alice, "PIN ")), f"PIN tea {rules} alice")
        alice.say(f"/pin {rules}")  # again: nothing
        bob.say("/pins")
        pinned = yield self.expect(bob, "PINNED ")
        self.assertRegex(pinned, rf"^PINNED tea {rules} alice \S+ rules: be kind$")
        self.assertEqual((yield self.expect(bob, "PINS_END ")), "PINS_END tea 1")
        dave = yield self.connect("dave")  # a plain client: no PINS line
        dave.say("/join tea")
        yield self.expect(dave, "MEMBERS tea ")
        dave.say("/leave")
        yield self.expect(dave, "LEFT tea")
        self.assertFalse([x for x in dave.lines if x.startswith("PINS")])
        carol = yield self.connect("carol")
        carol.say("/caps rich")  # a client that shows a pinned bar
        yield self.expect(carol, "CAPS")
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea ")
        self.assertEqual((yield self.expect(carol, "PINS ")), "PINS tea 1")
        alice.say(f"/unpin {rules}")
        self.assertEqual(
            (yield self.expect(carol, "UNPIN ")), f"UNPIN tea {rules} alice"
        )
        bob.say("/pins")
        self.assertEqual((yield self.expect(bob, "PINS_END ")), "PINS_END tea 0")
        self.assertEqual(bob.take("PIN "), None)  # the second /pin said nothing
        alice.say("/modlog")
        yield self.expect(alice, "MODLOG_END tea 2")
        logged = [line.split()[4:6] for line in alice.lines if "MODLOG tea" in line]
        self.assertEqual(logged, [["pin", rules], ["unpin", rules]])

    @defer.inlineCallbacks
    def test_a_room_whose_name_is_not_its_key(self) -> Generator[Any, Any, None]:
        """A room called ``Q1cafe`` (its key is ``qlcafe``: the case folded,
        the digit one read as the l it looks like) lists the messages it
        pinned, and pinning one again says nothing, as in a room whose name
        is its key."""
        alice, bob = yield self.in_room("Q1cafe", "alice", "bob")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        alice.say("rules: be kind")
        rules = (yield self.expect(alice, "@")).split()[0][1:]
        alice.say(f"/pin {rules}")
        self.assertEqual((yield self.expect(bob, "PIN ")), f"PIN Q1cafe {rules} alice")
        alice.say(f"/pin {rules}")  # again: nothing
        alice.say("/pins")  # answered once the /pin before it is done
        yield self.expect(alice, "PINS_END ")
        bob.say("/pins")
        pinned = yield self.expect(bob, "PINNED ")
        self.assertRegex(pinned, rf"^PINNED Q1cafe {rules} alice \S+ rules: be kind$")
        self.assertEqual((yield self.expect(bob, "PINS_END ")), "PINS_END Q1cafe 1")
        self.assertEqual(bob.take("PIN "), None)  # the second /pin said nothing

    @defer.inlineCallbacks
    def test_only_owner_and_operators_pin(self) -> Generator[Any, Any, None]:
        """A member is refused; once an operator, may pin; an unknown id is
        ``NO_SUCH_MESSAGE``; a deleted pinned message leaves ``/pins``."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("hello")
        yield self.expect(bob, "MSG tea alice ")
        yield self.refusal(bob, "/pin 1", "NOT_ALLOWED")
        alice.say("/op bob")
        yield self.expect(bob, "OP tea bob alice")
        bob.say("/pin 1")
        yield self.expect(alice, "PIN tea 1 bob")
        yield self.refusal(bob, "/pin 99", "NO_SUCH_MESSAGE")
        yield self.refusal(bob, "/pin", "BAD_ARGS")
        alice.say("/redact 1")
        yield self.wait()
        alice.say("/pins")
        self.assertEqual((yield self.expect(alice, "PINS_END ")), "PINS_END tea 0")
