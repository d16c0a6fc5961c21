"""Invitations on every back-end: ``--registration invite|closed``,
``/invite-link``, ``/invite-links``, ``/redeem`` and the registration they
let through, at the line door.

An invitation is kept under its code's hash, written through one change
resting on the invitation as read (:class:`~chatroom.core.model.changes.
InvitationIs`), so that its last use is spent once even when two
connections (two nodes) redeem it at the same moment:
:meth:`InvitationsContract.test_the_last_use_is_spent_once` redeems it
between the core's read and the back-end's apply.

It runs against the in-process back-end
(``tests/backends/local/test_invitations.py``) and the Redis one on a
real redis-server (``tests/backends/redis/test_invitations.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from chatroom.core.accounts.invitations import InviteLink
from chatroom.core.model.codes import code_hash
from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.account_changes import FIRST, AccountsBase
from tests.backends.contracts.handler import User
from tests.support import FakeClient

#: An invite-only server whose admin is ``boss``, with a room to invite into.
INVITE = ServerConfig(rate=0, rooms=("hall",), admins=("boss",), registration="invite")
#: The same, closed to all but the admins' invitations.
CLOSED = replace(INVITE, registration="closed")

ADDRESS = "192.0.2.9"


class InvitationsBase(AccountsBase):
    """Helpers: invitations made by the operator, users who redeem them."""

    @defer.inlineCallbacks
    def operator_code(self, uses: int = 1, room: str = "") -> Generator[Any, Any, str]:
        """A code the operator made (``chatroom-admin invitations create``)."""
        operator = operating.operator(self.server.config)
        code, _ = yield defer.ensureDeferred(
            self.server.invitations.make(operator, uses, 24, room)
        )
        return code

    @defer.inlineCallbacks
    def invited(self, name: str, code: str) -> Generator[Any, Any, User]:
        """``name`` connects, redeems ``code`` and registers."""
        user = yield self.connect(name)
        user.say(f"/redeem {code}")
        yield self.expect(user, f"REDEEMED {code}")
        user.say(f"/register {FIRST}")
        yield self.expect(user, f"REGISTERED {name}")
        return user

    @defer.inlineCallbacks
    def kept(self) -> Generator[Any, Any, dict[str, InviteLink]]:
        """Every invitation as the back-end keeps it, by its hash."""
        found = yield defer.ensureDeferred(self.accounts.store.invitations())
        return {code: InviteLink.decoded(code, kept) for code, kept in found.items()}

    def between_spending(self, racing: Callable[[], Awaitable[object]]) -> None:
        """Run ``racing`` once, between the core's read of an invitation
        and the back-end's apply of the next change of one."""
        service: Any = self.server.invitations
        apply = service.apply
        raced: list[bool] = []

        async def applying(change: Any) -> None:
            if not raced:
                raced.append(True)
                await racing()
            await apply(change)

        service.apply = applying
        self.addCleanup(setattr, service, "apply", apply)


class InvitationsContract(InvitationsBase):
    """On an invite-only server (``INVITE``): subclasses mix in a TestCase
    and provide ``server``."""

    @defer.inlineCallbacks
    def test_registering_takes_an_invitation(self) -> Generator[Any, Any, None]:
        """Without one, ``/register`` is ``INVITE_REQUIRED`` (before a name
        too); a code of 2 uses registers two accounts, each put in its room,
        and a third is refused: the code is kept as its hash alone."""
        plain = yield self.connect("mallory")
        yield self.refusal(plain, f"/register {FIRST}", "INVITE_REQUIRED")
        early = User(FakeClient(self.server))
        yield self.refusal(early, f"/register mallory2 {FIRST}", "INVITE_REQUIRED")
        code = yield self.operator_code(uses=2, room="hall")
        kept = yield self.kept()
        self.assertEqual(list(kept), [code_hash(code)])
        self.assertEqual(
            (kept[code_hash(code)].uses, kept[code_hash(code)].room), (2, "hall")
        )
        found = yield defer.ensureDeferred(self.accounts.store.invitations())
        self.assertNotIn(code, "".join(found.values()))
        carol = yield self.invited("carol", code)
        yield self.expect(carol, "JOINED hall ")
        dave = yield self.invited("dave", code)
        yield self.expect(dave, "JOINED hall ")
        self.assertEqual((yield self.kept()), {})  # used up: gone
        erin = yield self.connect("erin")
        yield self.refusal(erin, f"/redeem {code}", "BAD_CODE")
        yield self.refusal(erin, f"/register {FIRST}", "INVITE_REQUIRED")
        self.assertEqual((yield self.sign_in("carol", FIRST)), "WELCOME")

    @defer.inlineCallbacks
    def test_a_redeemed_invitation_registers_once(self) -> Generator[Any, Any, None]:
        """A connection that redeemed a code registers one account: after
        ``/unregister`` it must redeem another to register again."""
        code = yield self.operator_code(uses=3)
        carol = yield self.invited("carol", code)
        carol.say(f"/unregister {FIRST}")
        yield self.expect(carol, "UNREGISTERED carol")
        yield self.refusal(carol, f"/register {FIRST}", "INVITE_REQUIRED")

    @defer.inlineCallbacks
    def test_the_last_use_is_spent_once(self) -> Generator[Any, Any, None]:
        """carol's ``/redeem`` is decided on the code's last use; before it
        applies, another connection (another node) spends that use. Decided
        again on the invitation as it is then: ``BAD_CODE``, and carol
        cannot register."""
        code = yield self.operator_code(uses=1)
        self.between_spending(
            lambda: self.server.invitations.redeem(code, "198.51.100.1")
        )
        carol = yield self.connect("carol")
        yield self.refusal(carol, f"/redeem {code}", "BAD_CODE")
        yield self.refusal(carol, f"/register {FIRST}", "INVITE_REQUIRED")
        self.assertEqual((yield self.kept()), {})

    @defer.inlineCallbacks
    def test_a_use_spent_meanwhile_leaves_the_rest(self) -> Generator[Any, Any, None]:
        """Of 2 uses, one is spent between carol's read and her apply: hers
        is decided again on the one left, and spends it."""
        code = yield self.operator_code(uses=2)
        self.between_spending(
            lambda: self.server.invitations.redeem(code, "198.51.100.1")
        )
        yield self.invited("carol", code)
        self.assertEqual((yield self.kept()), {})

    @defer.inlineCallbacks
    def test_an_owner_invites_into_their_room(self) -> Generator[Any, Any, None]:
        """Under ``invite`` a room's owner makes links into their room (not
        another, nor none); ``/invite-links`` shows them their own, an
        admin every one; a revoked code admits nobody."""
        owner_code = yield self.operator_code()
        olive = yield self.invited("olive", owner_code)
        olive.say("/create den")
        yield self.expect(olive, "JOINED den ")
        yield self.refusal(olive, "/invite-link 1 1 hall", "NOT_ALLOWED")
        yield self.refusal(olive, "/invite-link", "NOT_ALLOWED")
        olive.say("/invite-link 3 2 den")
        line = yield self.expect(olive, "INVITE_LINK ")
        code = line.split(" ")[1]
        olive.say("/invite-links")
        listed = yield self.expect(olive, "INVITATION ")
        _, ident, uses, _until, by, room = listed.split(" ")
        self.assertEqual((uses, by, room), ("3", "olive", "den"))
        self.assertEqual(ident, code_hash(code)[:8])
        yield self.expect(olive, "INVITATIONS_END 1")
        boss = yield self.invited("boss", (yield self.operator_code()))
        boss.say("/invite-link 1 1")
        yield self.expect(boss, "INVITE_LINK ")
        boss.say("/invite-links")
        yield self.expect(boss, "INVITATIONS_END 2")
        olive.say("/invite-links")
        yield self.expect(olive, "INVITATIONS_END 1")
        olive.say(f"/invite-link revoke {ident}")
        yield self.expect(olive, f"INVITE_REVOKED {ident}")
        stranger = yield self.connect("stranger")
        yield self.refusal(stranger, f"/redeem {code}", "BAD_CODE")

    @defer.inlineCallbacks
    def test_only_admins_and_owners_invite(self) -> Generator[Any, Any, None]:
        """A plain name and an account owning nothing are refused."""
        plain = yield self.connect("mallory")
        yield self.refusal(plain, "/invite-link", "NOT_ALLOWED")
        yield self.refusal(plain, "/invite-links", "NOT_ALLOWED")
        carol = yield self.invited("carol", (yield self.operator_code()))
        yield self.refusal(carol, "/invite-link 1 1 hall", "NOT_ALLOWED")
        yield self.refusal(carol, "/invite-link 0", "BAD_ARGS")


class ClosedContract(InvitationsBase):
    """On a server closed to registration (``CLOSED``)."""

    @defer.inlineCallbacks
    def test_only_an_admins_invitation_registers(self) -> Generator[Any, Any, None]:
        """``/register`` is ``NOT_ALLOWED``; an owner makes no links; an
        admin's code registers."""
        plain = yield self.connect("mallory")
        yield self.refusal(plain, f"/register {FIRST}", "NOT_ALLOWED")
        olive = yield self.invited("olive", (yield self.operator_code()))
        olive.say("/create den")
        yield self.expect(olive, "JOINED den ")
        yield self.refusal(olive, "/invite-link 1 1 den", "NOT_ALLOWED")
        boss = yield self.invited("boss", (yield self.operator_code()))
        boss.say("/invite-link")
        line = yield self.expect(boss, "INVITE_LINK ")
        yield self.invited("carol", line.split(" ")[1])
