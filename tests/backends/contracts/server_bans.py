"""Server bans as decided changes, on every back-end.

The core reads whether a mask is banned, decides (``/gban`` of a mask not
banned yet, ``/gunban`` of one that is) and hands the back-end one change
of the server's bans (:mod:`chatroom.core.moderation.serverbans`) resting on what it
read. :class:`ServerBanChangesContract` runs those through a back-end with
the premise failing between the core's read and the back-end's apply
(another admin, or another node's timer, acted first), and a change of
several bans whose last premise fails: nothing of it is applied, nobody's
session ends.

It runs against the in-process back-end
(``tests/backends/local/test_server_bans.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_server_bans.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.moderation import (
    AddBan,
    Banned,
    EndSessions,
    LiftBan,
    ServerBanList,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.moderation.netbans import BanTerms, ServerBan, bye
from chatroom.core.moderation.serverbans import banning, covered, lifting
from tests.backends.contracts.account_changes import AccountsBase
from tests.backends.contracts.handler import User
from tests.support import FakeClient

#: ``root`` is a server admin once signed in.
CONFIG = ServerConfig(rate=0, admins=("root",))

PASSWORD = "horse-battery-staple"


def byes(user: User) -> list[str]:
    """Every ``BYE`` ``user`` was shown."""
    user.poll()
    return [line for line in user.lines if line.startswith("BYE ")]


class ServerBanChangesContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @property
    def backend(self) -> Any:
        return cast(Any, self.server.registry).backend

    def apply(self, change: DecidedChange) -> defer.Deferred[None]:
        """The back-end's one write of ``change``, as the core hands it."""
        return defer.ensureDeferred(self.backend.apply(change))

    @defer.inlineCallbacks
    def bans(self, root: User) -> Generator[Any, Any, str]:
        """What ``/gbans`` shows ``root`` now."""
        root.say("/gbans")
        return (yield self.expect(root, "GBANS"))

    @defer.inlineCallbacks
    def test_a_mask_banned_meanwhile_is_banned_once(
        self,
    ) -> Generator[Any, Any, None]:
        """root's ``/gban bob`` was decided on bob not banned; another admin
        banned him first: the decision is made again, and root is told he
        is banned already. bob's session ended once, with the first ban's
        words."""
        root = yield self.registered("root", PASSWORD)
        bob = yield self.registered("bob", PASSWORD)
        first = ServerBan("account:bob", BanTerms("admin2", 0.0, "raced"))

        async def another_admin() -> None:
            await self.backend.apply(banning(first, False))

        self.race_before("apply", another_admin)
        refused = yield self.refusal(root, "/gban bob flooding", "BAD_ARGS")
        self.assertIn("already banned", refused)
        self.assertEqual((yield self.expect(bob, "BYE ")), f"BYE {bye('raced')}")
        self.assertEqual((yield self.bans(root)), "GBANS account:bob")
        self.assertEqual(byes(bob), [f"BYE {bye('raced')}"])
        again = User(FakeClient(self.server))
        yield self.refusal(again, f"/login bob {PASSWORD}", "BANNED")

    @defer.inlineCallbacks
    def test_a_ban_lifted_meanwhile_is_lifted_once(
        self,
    ) -> Generator[Any, Any, None]:
        """root's ``/gunban bob`` was decided on bob banned; the ban's end
        (another node's timer) lifted it first: root is told it is not
        banned, and bob signs in."""
        root = yield self.registered("root", PASSWORD)
        yield self.registered("bob", PASSWORD)
        root.say("/gban bob")
        yield self.expect(root, "GBAN account:bob root")

        async def ended_elsewhere() -> None:
            await self.backend.apply(lifting("account:bob", True))

        self.race_before("apply", ended_elsewhere)
        refused = yield self.refusal(root, "/gunban bob", "BAD_ARGS")
        self.assertIn("not banned", refused)
        self.assertEqual((yield self.bans(root)), "GBANS")
        bob = User(FakeClient(self.server))
        bob.say(f"/login bob {PASSWORD}")
        self.assertEqual((yield self.expect(bob, "WELCOME ")), "WELCOME bob")

    @defer.inlineCallbacks
    def test_a_premise_failing_mid_change_applies_none_of_it(
        self,
    ) -> Generator[Any, Any, None]:
        """Bans of bob and carol in one change, resting on neither being
        banned; carol was: nothing is applied (bob is not banned, his
        session goes on) and the refusal names carol's premise."""
        root = yield self.registered("root", PASSWORD)
        bob = yield self.registered("bob", PASSWORD)
        carol = yield self.registered("carol", PASSWORD)
        root.say("/gban carol")
        yield self.expect(root, "GBAN account:carol root")
        yield self.expect(carol, "BYE ")
        told = bye("both")
        change = DecidedChange(
            ServerBanList(),
            (Banned("account:bob", False), Banned("account:carol", False)),
            (
                AddBan("account:bob", ""),
                AddBan("account:carol", ""),
                EndSessions("", "bob", told),
                EndSessions("", "carol", told),
            ),
        )
        failed = yield self.assertFailure(self.apply(change), PremiseFailedError)
        self.assertEqual(failed.premise, Banned("account:carol", False))
        self.assertEqual((yield self.bans(root)), "GBANS account:carol")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea ")
        self.assertEqual(byes(bob), [])
        # A lift and a ban together: the ban's premise fails, the lift
        # is not applied either.
        change = DecidedChange(
            ServerBanList(),
            (Banned("account:carol", True), Banned("account:carol", False)),
            (
                LiftBan("account:carol"),
                AddBan("account:carol", ""),
                EndSessions("", "carol", told),
            ),
        )
        failed = yield self.assertFailure(self.apply(change), PremiseFailedError)
        self.assertEqual(failed.premise, Banned("account:carol", False))
        self.assertEqual((yield self.bans(root)), "GBANS account:carol")

    @defer.inlineCallbacks
    def test_the_sessions_a_ban_ends_are_the_cores_decision(
        self,
    ) -> Generator[Any, Any, None]:
        """A ban with no :class:`EndSessions` ends nobody: the back-end
        keeps the ban (a new sign-in is refused) and leaves bob's session
        as it is, for it decides nothing of what a mask covers. The ends
        the core adds (:func:`covered`) end bob's session, and not
        carol's."""
        root = yield self.registered("root", PASSWORD)
        bob = yield self.registered("bob", PASSWORD)
        carol = yield self.registered("carol", PASSWORD)
        yield self.apply(
            DecidedChange(
                ServerBanList(),
                (Banned("account:bob", False),),
                (AddBan("account:bob", ""),),
            )
        )
        self.assertEqual((yield self.bans(root)), "GBANS account:bob")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea ")
        self.assertEqual(byes(bob), [])
        self.assertEqual((yield self.sign_in("bob", PASSWORD)), "BANNED")
        told = bye("decided")
        yield self.apply(
            DecidedChange(ServerBanList(), (), covered("account:bob", told))
        )
        self.assertEqual((yield self.expect(bob, "BYE ")), f"BYE {told}")
        carol.say("/create matcha")
        yield self.expect(carol, "MEMBERS matcha ")
        self.assertEqual(byes(carol), [])

    @defer.inlineCallbacks
    def test_a_name_ban_ends_the_names_holder_only(
        self,
    ) -> Generator[Any, Any, None]:
        """``/gban name:dave`` ends the session holding the plain name
        dave, told why; erin, connected beside it, goes on."""
        root = yield self.registered("root", PASSWORD)
        dave = yield self.connect("dave")
        erin = yield self.connect("erin")
        root.say("/gban name:dave spam")
        yield self.expect(root, "GBAN name:dave root")
        self.assertEqual((yield self.expect(dave, "BYE ")), f"BYE {bye('spam')}")
        erin.say("/create tea")
        yield self.expect(erin, "MEMBERS tea ")
        self.assertEqual(byes(erin), [])

    def test_what_a_mask_covers(self) -> None:
        """The core's reading of a mask: a name's holder, an account's
        sessions, none for a network (its connections are the nodes'
        listeners' to end)."""
        self.assertEqual(covered("name:dave", "x"), (EndSessions("dave", "", "x"),))
        self.assertEqual(covered("account:bob", "x"), (EndSessions("", "bob", "x"),))
        self.assertEqual(covered("ip:192.0.2.0/24", "x"), ())
