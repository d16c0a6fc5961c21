"""Per-room notification levels, run against every registry: ``/notify``.

With the in-process registry (``tests/backends/local/test_notify_levels.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_notify_levels.py``);
the pushes they govern are :mod:`tests.backends.contracts.push`'s.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient


class NotifyLevelsContract(ContractBase):
    """alice (an account) and bob in tea."""

    @defer.inlineCallbacks
    def test_a_muted_room_has_no_unread_count(self) -> Generator[Any, Any, None]:
        """``/notify tea`` answers the level (``mentions`` at first);
        ``none`` leaves tea out of ``/unread``, mentions and all; the
        level is the account's: another device sees it; ``all`` counts
        again; a wrong level, or a plain name, is refused."""
        alice = yield self.connect("alice")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea")
        bob.say("alice: ready?")
        yield self.expect(alice, "MSG tea bob ")
        alice.say("/notify tea")
        self.assertEqual((yield self.expect(alice, "NOTIFY ")), "NOTIFY tea mentions")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD ")), "UNREAD tea 1 1")
        alice.say("/notify TEA none")
        self.assertEqual((yield self.expect(alice, "NOTIFY ")), "NOTIFY tea none")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD")), "UNREAD_END")
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "WELCOME alice")
        phone.say("/join tea")
        yield self.expect(phone, "MEMBERS tea")
        phone.say("/notify tea")
        self.assertEqual((yield self.expect(phone, "NOTIFY ")), "NOTIFY tea none")
        phone.say("/notify tea all")
        self.assertEqual((yield self.expect(phone, "NOTIFY ")), "NOTIFY tea all")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD ")), "UNREAD tea 1 1")
        yield self.refusal(alice, "/notify tea loud", "BAD_ARGS")
        yield self.refusal(bob, "/notify tea none", "NOT_ALLOWED")
