"""A name's claim as the core decides it, on every back-end.

The core decides a claim with no read, on a fresh name's facts (nobody's
account, no server ban on it: what most claims find), and hands the
back-end the claim resting on them (:func:`chatroom.core.moderation.admin.claimed_on`).
The back-end checks them in the same step as it gives the name; if one
does not hold it gives nothing and answers the facts as they are, and the
core decides again on those. :class:`ClaimsContract` runs claims whose
premise was wrong from the start (the name is an account's, the account
is banned) or went wrong between the decision and the apply (the name
registered, banned or taken meanwhile): the user is told why, holds no
name, and may choose another.

It runs against the in-process back-end
(``tests/backends/local/test_claims.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_claims.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.model.changes.server import NameHolding
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.presence import Presence
from chatroom.core.moderation.netbans import BanTerms, ServerBan
from chatroom.core.moderation.serverbans import banning
from tests.backends.contracts.account_changes import AccountsBase
from tests.backends.contracts.handler import User
from tests.support import FakeClient

CONFIG = ServerConfig(rate=0, rooms=())

PASSWORD = "horse-battery-staple"
ADDRESS = "192.0.2.7"


class ClaimsContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @property
    def backend(self) -> Any:
        return cast(Any, self.server.registry).backend

    @defer.inlineCallbacks
    def refused_then_named(
        self, user: User, name: str, code: str
    ) -> Generator[Any, Any, str]:
        """``user`` chooses ``name`` and is refused with ``code`` (the
        reply); then chooses ``dora`` and is welcomed."""
        reply = yield self.refusal(user, name, code)
        user.say("dora")
        yield self.expect(user, "WELCOME dora")
        return reply

    @defer.inlineCallbacks
    def test_an_accounts_name_is_refused_bare(self) -> Generator[Any, Any, None]:
        """The claim rests on ``alice`` being nobody's account, which it
        is not (the guess was wrong from the start): refused
        ``NAME_REGISTERED``, with how to sign in."""
        yield self.registered("alice", PASSWORD)
        mallory = User(FakeClient(self.server))
        reply = yield self.refused_then_named(mallory, "alice", "NAME_REGISTERED")
        self.assertEqual(
            reply, "ERR NAME_REGISTERED alice is registered: /login alice PASSWORD"
        )

    @defer.inlineCallbacks
    def test_a_name_registered_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """bob's claim is decided on ``bob`` being nobody's account; before
        it is applied, an account ``bob`` is made (on another node, say):
        decided again on that, ``NAME_REGISTERED``, and the account's
        password signs in to it."""

        async def registered_elsewhere() -> None:
            await self.accounts.register("bob", PASSWORD, ADDRESS)

        self.race_before("apply", registered_elsewhere, subject=NameHolding)
        bob = User(FakeClient(self.server))
        yield self.refused_then_named(bob, "bob", "NAME_REGISTERED")
        self.assertEqual((yield self.sign_in("bob", PASSWORD)), "WELCOME")

    @defer.inlineCallbacks
    def test_a_name_banned_meanwhile_is_refused(self) -> Generator[Any, Any, None]:
        """bob's claim is decided on no ban of ``name:bob``; an admin bans
        it before the claim is applied: ``BANNED``, bob holds no name, and
        ``carol`` is still free to anyone."""
        ban = ServerBan("name:bob", BanTerms("root", 0.0, "spam"))

        async def banned() -> None:
            await self.backend.apply(banning(ban, False))

        self.race_before("apply", banned, subject=NameHolding)
        bob = User(FakeClient(self.server))
        reply = yield self.refused_then_named(bob, "bob", "BANNED")
        self.assertEqual(reply, "ERR BANNED you are banned from this server")
        yield self.refusal(User(FakeClient(self.server)), "bob", "BANNED")
        yield self.connect("carol")

    @defer.inlineCallbacks
    def test_a_name_taken_meanwhile_is_taken(self) -> Generator[Any, Any, None]:
        """bob's claim is decided; carol takes ``bob`` before it is
        applied: ``NAME_TAKEN``, and the name stays hers."""
        taken: list[User] = []

        async def carol_takes_it() -> None:
            taken.append(await self.connect("bob"))

        self.race_before("apply", carol_takes_it, subject=NameHolding)
        bob = User(FakeClient(self.server))
        yield self.refused_then_named(bob, "bob", "NAME_TAKEN")
        yield self.refusal(User(FakeClient(self.server)), "bob", "NAME_TAKEN")
        taken[0].say("/create tea")
        yield self.expect(taken[0], "MEMBERS tea bob")

    @defer.inlineCallbacks
    def test_a_claim_keeps_the_presence_given_with_it(
        self,
    ) -> Generator[Any, Any, None]:
        """A first claim given the user's presence (an IRC sign-on's) keeps
        it as a write of it right after the claim would: a read finds
        ivy's, claimed with it, as it finds ian's, written after his
        claim (in one process, where no other node asks, neither)."""
        registry = self.server.registry
        ivy, ian = FakeClient(self.server), FakeClient(self.server)
        ivy_facts = Presence("ivy", "uivy", "Real ivy", "", True, False, 5.0)
        ian_facts = Presence("ian", "uivy", "Real ivy", "", True, False, 5.0)
        yield defer.ensureDeferred(
            registry.claim_name(ivy.protocol.session.member, "ivy", presence=ivy_facts)
        )
        member = ian.protocol.session.member
        yield defer.ensureDeferred(registry.claim_name(member, "ian"))
        yield defer.ensureDeferred(registry.presence.set_presence(member, ian_facts))
        kept = yield defer.ensureDeferred(registry.presence.presence_of(["ivy", "ian"]))
        self.assertEqual(set(kept), self.presence_kept)
        if kept:
            self.assertEqual(kept["ivy"], replace(kept["ian"], name="ivy"))
            self.assertEqual(replace(kept["ivy"], account=""), ivy_facts)

    #: The users whose presence a back-end keeps for other nodes (the
    #: in-process one keeps none: no other node asks).
    presence_kept: frozenset[str] = frozenset()
