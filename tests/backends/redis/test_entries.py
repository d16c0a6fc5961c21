"""Joins, creates and leaves against the Redis back-end on a real
redis-server (``tests/backends/entries_contract.py``): a premise is checked
by the script that applies the change, and a refusal brings the room's
seating, on which the core decides again."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.backends.contracts.entries import CONFIG, EntriesContract
from tests.cluster.support import RedisRegistryTestCase, TwoNodeRegistryTestCase


class RedisEntriesTests(RedisRegistryTestCase, EntriesContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class TwoNodeEntriesTests(TwoNodeRegistryTestCase):
    """A join decided on node two's last-known seating while node one
    changed the room: the script refuses on the premise, and the core
    decides again on the seating it brings; a refusal decided on the
    last-known seating is decided again on the latest."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_full_by_the_other_node_and_freed_again(self) -> Any:
        """Node two last saw tea with two members; node one seats a third.
        dave's join on node two, decided on two members, is refused by the
        script and decided again: full. Then node one's carol leaves, and
        dave's next join, refused on the three node two saw last, is
        decided again on the latest seating: he is in."""
        (alice,) = yield self.in_room("tea", "alice")
        bob = yield self.on_two("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea alice bob")
        carol = yield self.connect("carol")
        carol.say("/join tea")
        yield self.expect(alice, "JOIN tea carol")
        dave = yield self.on_two("dave")
        reply = yield self.refusal(dave, "/join tea", "ROOM_FULL")
        self.assertEqual(reply, "ERR ROOM_FULL tea is full (3)")
        carol.say("/leave")
        yield self.expect(alice, "PART tea carol")
        dave.say("/join tea")
        yield self.expect(dave, "MEMBERS tea alice bob dave")
        yield self.expect(alice, "JOIN tea dave")
