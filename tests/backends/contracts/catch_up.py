"""Coming back shows the room (issue 79, the second day), on every back-end.

A page or a terminal client draws each room afresh when it signs in: the
catch-up from the account's read marker is all it has. A room read to
its end must not come back empty, and news must come with what it
answers: a ``multi`` device is shown the events after the marker and
the 20 before it (:func:`chatroom.core.policy.rules.from_marker`), then ``READ``
naming the marker. A brand-new account's first join shows the room's
last ``--history``, as a guest's does. The line protocol's ``/history``
pages back in time order.

It runs against the in-process back-end
(``tests/backends/local/test_catch_up.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_catch_up.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.core.policy.rules import BEFORE_MARKER
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient

#: The product's --history and --resume-bound.
CONFIG = ServerConfig(rate=0)
PASSWORD = "correct horse staple"


class CatchUpContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def page(self, *lines: str) -> Generator[Any, Any, User]:
        """A new ``/caps ids multi`` connection that says ``lines`` (its
        sign-in), its room list read."""
        user = User(FakeClient(self.server))
        user.say("/caps ids multi")
        yield self.expect(user, "CAPS ")
        for line in lines:
            user.say(line)
        yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def replayed(
        self, user: User, room: str
    ) -> Generator[Any, Any, tuple[list[str], str]]:
        """The texts of ``room``'s replayed messages (after ``MEMBERS``),
        and the ``READ`` that ends them."""
        members = yield self.expect(user, f"MEMBERS {room}")
        start = user.lines.index(members) + 1
        read = yield self.expect(user, f"READ {room} ")
        shown = user.lines[start : user.lines.index(read)]
        return [line.split()[-1] for line in shown if " HISTORY " in line], read

    @defer.inlineCallbacks
    def talked(self, count: int, first: int = 1) -> Generator[Any, Any, User]:
        """bob makes tea and says ``m<first>``... ``count`` times (ids
        ``first``... in a new room)."""
        bob = User(FakeClient(self.server))
        bob.say("bob")
        yield self.expect(bob, "WELCOME bob")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea")
        yield self.more(bob, count, first)
        return bob

    @defer.inlineCallbacks
    def more(self, bob: User, count: int, first: int) -> Generator[Any, Any, None]:
        for number in range(first, first + count):
            bob.say(f"m{number}")
            yield self.expect(bob, "MSG tea bob ")

    @defer.inlineCallbacks
    def test_a_room_read_to_its_end_comes_back_with_its_newest(
        self,
    ) -> Generator[Any, Any, None]:
        """A brand-new account joins a room of 30 messages and sees them all
        (as a guest does: the last ``--history``); it reads to the end and
        leaves. Signed in again, the room comes back with its 20 newest
        messages, in time order, then ``READ tea 30``."""
        yield self.talked(30)
        guest = yield self.page("carol")
        guest.say("/join tea")
        shown, _ = yield self.replayed(guest, "tea")
        self.assertEqual(shown, [f"m{n}" for n in range(1, 31)])
        alice = yield self.page(f"/register alice {PASSWORD}")
        alice.say("/join tea")
        shown, read = yield self.replayed(alice, "tea")
        self.assertEqual(shown, [f"m{n}" for n in range(1, 31)])
        self.assertEqual(read, "READ tea *")
        alice.say("/read tea 30")
        yield self.expect(alice, "READ tea 30")
        alice.say("/quit")
        yield self.expect(alice, "BYE")
        again = yield self.page(f"/login alice {PASSWORD}")
        shown, read = yield self.replayed(again, "tea")
        self.assertEqual(shown, [f"m{n}" for n in range(31 - BEFORE_MARKER, 31)])
        self.assertEqual(read, "READ tea 30")

    @defer.inlineCallbacks
    def test_news_comes_with_what_came_before(self) -> Generator[Any, Any, None]:
        """alice read a room to m25 of 30 and left; five more came. Back,
        she is shown all ten after her marker and the 20 before it, then
        ``READ tea 25`` (where the client draws *new messages*); a second
        device of hers, turning ``multi`` on, is shown the same."""
        bob = yield self.talked(30)
        alice = yield self.page(f"/register alice {PASSWORD}")
        alice.say("/join tea")
        yield self.expect(alice, "READ tea *")
        alice.say("/read tea 25")
        yield self.expect(alice, "READ tea 25")
        alice.say("/quit")
        yield self.expect(alice, "BYE")
        yield self.more(bob, 5, 31)
        again = yield self.page(f"/login alice {PASSWORD}")
        shown, read = yield self.replayed(again, "tea")
        self.assertEqual(shown, [f"m{n}" for n in range(26 - BEFORE_MARKER, 36)])
        self.assertEqual(read, "READ tea 25")
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "ROOMS ")
        phone.say("/caps ids multi")
        shown, read = yield self.replayed(phone, "tea")
        self.assertEqual(shown, [f"m{n}" for n in range(26 - BEFORE_MARKER, 36)])
        self.assertEqual(read, "READ tea 25")

    @defer.inlineCallbacks
    def test_history_pages_back_in_time_order(self) -> Generator[Any, Any, None]:
        """``/history 20`` (what a client asks when a replay brought fewer
        than 20) is the 20 newest, oldest first; ``before ID`` the page
        before, oldest first, each message once."""
        bob = yield self.talked(45)
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS")
        bob.say("/history 20")
        first = yield self.paged(bob)
        self.assertEqual(first, list(range(26, 46)))
        bob.say("/history 20 before 26")
        second = yield self.paged(bob)
        self.assertEqual(second, list(range(6, 26)))

    @defer.inlineCallbacks
    def paged(self, user: User) -> Generator[Any, Any, list[int]]:
        """The ids of one ``/history`` reply's messages, in the order sent."""
        yield self.expect(user, "HISTORY_END tea ")
        lines = user.lines[: user.seen - 1]  # those before the end just read
        page: list[int] = []
        for line in reversed(lines):
            if " HISTORY tea " not in line:
                break
            page.insert(0, int(line.split()[0][1:]))
        return page
