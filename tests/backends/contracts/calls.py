"""A room's call through a room's rename and a participant's ``/nick``, on
every registry.

The same conversations with the in-process registry
(``tests/backends/local/test_calls.py``) and with a real ``redis-server``
in each layout (``tests/backends/redis/test_calls.py``): alice owns
``tea``, bob and carol are in it, alice and bob in its call. The call is
the back-end's (``RoomStore.room_calls``): after a rename it is read under
the new name, and after a ``/nick`` its participant has the new name.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import ContractBase, Looks, User
from tests.backends.contracts.moderation import PASSWORD
from tests.support import FakeClient

OFFER = json.dumps({"description": {"type": "offer", "sdp": "v=0 secret-sdp"}})


class CallsContract(ContractBase):
    """What a call's participants and the room's other members see."""

    @defer.inlineCallbacks
    def heard(self, user: User, line: str) -> Generator[Any, Any, None]:
        """Wait until ``user`` got ``line``, before or after the lines read."""
        looks = Looks()
        while looks.more():
            user.poll()
            if line in user.lines:
                user.seen = max(user.seen, user.lines.index(line) + 1)
                return
            yield looks.wait(self.wait())
        raise AssertionError(f"no line {line!r}; unread: {user.unread()}")

    @defer.inlineCallbacks
    def in_call(self) -> Generator[Any, Any, tuple[list[User], str]]:
        """alice (the owner), bob and carol in tea; alice and bob in its
        call. The users and the call's id."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/call start")
        started = yield self.expect(alice, "CALL tea ")
        call = started.split(" ")[2]
        yield self.expect(alice, f"CALL_MEMBERS tea {call} alice")
        bob.say("/call join")
        yield self.expect(bob, f"CALL_MEMBERS tea {call} alice bob")
        yield self.expect(alice, f"CALL tea {call} joined bob")
        yield self.expect(carol, f"CALL tea {call} joined bob")
        return [alice, bob, carol], call

    @defer.inlineCallbacks
    def test_a_call_goes_on_under_the_rooms_new_name(
        self,
    ) -> Generator[Any, Any, None]:
        """tea renamed chai during its call: ``/call`` answers under chai with
        the same call and participants, a signal arrives named chai, a
        joiner of chai is told of the call, and leaving it is told under
        chai to the end."""
        (alice, bob, carol), call = yield self.in_call()
        alice.say("/rename chai")
        for user in (alice, bob, carol):
            yield self.expect(user, "RENAMED tea chai alice")
        carol.say("/call")
        yield self.expect(carol, f"CALL_MEMBERS chai {call} alice bob")
        bob.say(f"/call signal alice {OFFER}")
        signal = yield self.expect(alice, "SIGNAL ")
        self.assertEqual(signal, f"SIGNAL chai bob {OFFER}")
        alice.say('/call signal bob {"candidate": null}')
        yield self.expect(bob, 'SIGNAL chai alice {"candidate": null}')
        carol.say("/leave")
        yield self.expect(carol, "LEFT chai")
        carol.say("/join chai")
        yield self.expect(carol, "MEMBERS chai ")
        yield self.expect(carol, f"CALL_MEMBERS chai {call} alice bob")
        carol.say("/call join")
        yield self.expect(carol, f"CALL_MEMBERS chai {call} alice bob carol")
        yield self.expect(alice, f"CALL chai {call} joined carol")
        carol.say("/leave")
        yield self.expect(alice, f"CALL chai {call} left carol")
        alice.say("/call leave")
        yield self.expect(bob, f"CALL chai {call} left alice")
        bob.say("/call leave")
        yield self.expect(alice, f"CALL chai {call} left bob")
        yield self.expect(alice, f"CALL chai {call} ended bob ")
        alice.say("/call")
        yield self.expect(alice, "CALL_MEMBERS chai -")
        alice.say("/call start")
        members = yield self.expect(alice, "CALL_MEMBERS chai ")
        self.assertNotEqual(members.split(" ")[2], call)

    @defer.inlineCallbacks
    def test_a_participants_new_name(self) -> Generator[Any, Any, None]:
        """bob, in the call, says ``/nick robert``: every member of the room
        is told the participants anew (``CALL_MEMBERS tea <call> alice
        robert``), signals to robert reach him and to bob are refused, and
        his leave is told as robert's."""
        (alice, bob, carol), call = yield self.in_call()
        bob.say("/nick robert")
        for user in (alice, bob, carol):  # in either order
            yield self.heard(user, "NICK bob robert")
            yield self.heard(user, f"CALL_MEMBERS tea {call} alice robert")
        carol.say("/call")
        yield self.expect(carol, f"CALL_MEMBERS tea {call} alice robert")
        alice.say(f"/call signal robert {OFFER}")
        yield self.expect(bob, f"SIGNAL tea alice {OFFER}")
        yield self.refusal(alice, f"/call signal bob {OFFER}", "NOT_ALLOWED")
        bob.say('/call signal alice {"candidate": null}')
        yield self.expect(alice, 'SIGNAL tea robert {"candidate": null}')
        bob.say("/call leave")
        yield self.expect(alice, f"CALL tea {call} left robert")
        yield self.expect(carol, f"CALL tea {call} left robert")
        alice.say("/call leave")
        yield self.expect(carol, f"CALL tea {call} ended alice ")
        carol.poll()
        self.assertFalse([x for x in carol.lines if x.startswith("SIGNAL")])

    @defer.inlineCallbacks
    def test_an_account_out_of_the_room_by_another_device_leaves_the_call(
        self,
    ) -> Generator[Any, Any, None]:
        """bob, an account, is in alice's call from his laptop; his phone
        (both with ``multi``) takes the account out of tea: the laptop's
        participant leaves the call (``left bob``), ``/call`` lists alice
        alone, and a signal to bob is refused."""
        (alice,) = yield self.in_room("tea", "alice")
        laptop = yield self.connect("bob")
        laptop.say(f"/register {PASSWORD}")
        yield self.expect(laptop, "REGISTERED bob")
        phone = User(FakeClient(self.server))
        for device in (laptop, phone):
            device.say("/caps multi")
            yield self.expect(device, "CAPS ")
        laptop.say("/join tea")
        yield self.expect(alice, "JOIN tea bob")
        alice.say("/call start")
        started = yield self.expect(laptop, "CALL tea ")
        call = started.split(" ")[2]
        laptop.say("/call join")
        yield self.expect(alice, f"CALL tea {call} joined bob")
        phone.say(f"/login bob {PASSWORD}")
        yield self.expect(phone, "WELCOME bob")
        yield self.expect(phone, "JOINED tea ")
        phone.say("/leave tea")
        yield self.expect(laptop, "LEFT tea")
        yield self.expect(alice, f"CALL tea {call} left bob")
        alice.say("/call")
        yield self.expect(alice, f"CALL_MEMBERS tea {call} alice")
        yield self.refusal(alice, f"/call signal bob {OFFER}", "NOT_ALLOWED")
