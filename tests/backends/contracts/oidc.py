"""Accounts bound to an OpenID provider's subject, on every back-end.

The provider's protocol (its keys, the code flow, the tokens' checks) is
``tests/wiring/test_oidc_provider.py``'s and the integration tests', with
a real provider; here the core is handed what the provider vouched for
(:class:`~chatroom.core.accounts.oidc.ProviderClaims`) and decides the account,
written through the back-end's one change of an account's record
(:class:`~chatroom.core.model.changes.accounts.BindOidc` resting on
:class:`~chatroom.core.model.changes.accounts.OidcUnbound`). :class:`KeptTokens` stands
for the provider's check of an access token as :class:`KeptLetters`
stands for the mail server: tokens it was told of, and their claims.

It runs against the in-process back-end (``tests/backends/local/
test_oidc.py``) and the Redis one on a real redis-server
(``tests/backends/redis/test_oidc.py``).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.accounts import dropping
from chatroom.core.accounts.oidc import OidcSignIn, ProviderClaims
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import NO_PASSWORD, Account
from chatroom.core.model.text import name_key
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import FIRST, AccountsBase
from tests.backends.contracts.handler import User
from tests.support import FakeClient

ISSUER = "https://sso.example.org/realms/staff"
ALICE = ProviderClaims(ISSUER, "u-1001", "alice")
#: Another person whose provider calls her alice too.
OTHER_ALICE = ProviderClaims(ISSUER, "u-1002", "alice@example.org")


class KeptTokens:
    """The provider's token check: the tokens it was told of."""

    def __init__(self) -> None:
        self.tokens: dict[str, ProviderClaims] = {}

    async def start(self, redirect_uri: str) -> tuple[str, str]:
        raise AssertionError("no browser here")

    async def finish(
        self, code: str, state: str, kept: str, redirect_uri: str, iss: str = ""
    ) -> ProviderClaims:
        raise AssertionError("no browser here")

    async def access_token_claims(self, token: str) -> ProviderClaims:
        if token not in self.tokens:
            raise errors.bad_token("not signed by the provider")
        return self.tokens[token]


def with_provider(server: DoorHub, kept: KeptTokens) -> OidcSignIn:
    """``server`` signs in through "Example SSO", whose tokens are
    ``kept``'s: its sign-ins, as the wiring gives them to the doors."""
    server.oidc = OidcSignIn(
        server.registry.accounts.store,
        server.registry.accounts.bans,
        server.registry.accounts.apply,
        server.clock,
        "Example SSO",
        b"a key every node shares",
        kept,
    )
    return server.oidc


class OidcContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @property
    def oidc(self) -> OidcSignIn:
        if self.server.oidc is None:
            self.kept = KeptTokens()
            with_provider(self.server, self.kept)
        assert self.server.oidc is not None
        return self.server.oidc

    def signed_in(self, claims: ProviderClaims) -> defer.Deferred[Account]:
        return defer.ensureDeferred(self.oidc.signed_in(claims))

    def stored(self, name: str) -> defer.Deferred[Account | None]:
        return defer.ensureDeferred(self.accounts.store.get(name_key(name)))

    def with_ticket(self, ticket: str) -> defer.Deferred[str]:
        """A new connection's ``/oidc TICKET``: its ``WELCOME`` or ``ERR``."""
        return self.first_answer(f"/oidc {ticket}")

    @defer.inlineCallbacks
    def test_the_first_sign_in_makes_the_account_and_the_next_finds_it(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's first sign-in makes account alice, bound to her subject
        and with no password; her next one is the same account."""
        first = yield self.signed_in(ALICE)
        self.assertEqual(first.name, "alice")
        again = yield self.signed_in(ALICE)
        self.assertEqual(again.key, first.key)
        kept = yield self.stored("alice")
        self.assertEqual(kept.hash, NO_PASSWORD)
        self.assertEqual(kept.oidc, first.oidc)
        # no password signs in to it, not even its "hash"
        self.assertEqual((yield self.sign_in("alice", NO_PASSWORD * 8)), "BAD_PASSWORD")

    @defer.inlineCallbacks
    def test_the_binding_outlives_a_new_name_at_the_provider(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's provider now calls her alicia (the username claim
        changed, her subject the same): she signs in to her account alice,
        and no account alicia is made; the name alicia stays free for
        another subject."""
        first = yield self.signed_in(ALICE)
        renamed = ProviderClaims(ALICE.issuer, ALICE.subject, "alicia")
        again = yield self.signed_in(renamed)
        self.assertEqual((again.key, again.name), (first.key, "alice"))
        self.assertIsNone((yield self.stored("alicia")))
        someone = yield self.signed_in(ProviderClaims(ISSUER, "u-1003", "alicia"))
        self.assertEqual(someone.name, "alicia")

    @defer.inlineCallbacks
    def test_a_taken_name_gets_a_free_variant(self) -> Generator[Any, Any, None]:
        """alice is someone's password account: the provider's alice is
        made alice2, and the other alice (another subject, an address for
        a name) alice3; the password account is untouched."""
        yield self.registered("alice", FIRST)
        mine = yield self.signed_in(ALICE)
        other = yield self.signed_in(OTHER_ALICE)
        self.assertEqual((mine.name, other.name), ("alice2", "alice3"))
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")
        self.assertEqual((yield self.signed_in(OTHER_ALICE)).name, "alice3")

    @defer.inlineCallbacks
    def test_two_first_sign_ins_at_once_make_one_account(
        self,
    ) -> Generator[Any, Any, None]:
        """Between the core's read (no account bound) and the back-end's
        apply, the same subject's other sign-in (another node's) makes the
        account: the binding's premise fails, and the core, deciding again,
        finds that account instead of making alice2."""
        made: list[Account] = []

        async def racing() -> None:
            made.append(await self.oidc.signed_in(ALICE))

        self.between(racing, service=self.oidc)
        found = yield self.signed_in(ALICE)
        self.assertEqual(found.key, made[0].key)
        self.assertIsNone((yield self.stored("alice2")))

    @defer.inlineCallbacks
    def test_a_ticket_signs_the_page_in(self) -> Generator[Any, Any, None]:
        """``/oidc TICKET`` is ``WELCOME alice``; a ticket changed by one
        character, or of an account since gone, is ``BAD_TOKEN``."""
        account = yield self.signed_in(ALICE)
        ticket = self.oidc.ticket(account)
        self.assertTrue((yield self.with_ticket(ticket)).startswith("WELCOME alice"))
        forged = ticket[:-1] + ("A" if ticket[-1] != "A" else "B")
        self.assertTrue((yield self.with_ticket(forged)).startswith("ERR BAD_TOKEN "))
        yield defer.ensureDeferred(self.accounts.apply(dropping(account)))
        self.assertTrue((yield self.with_ticket(ticket)).startswith("ERR BAD_TOKEN "))

    @defer.inlineCallbacks
    def test_an_account_dropped_frees_its_subject(self) -> Generator[Any, Any, None]:
        """alice's account goes: her next sign-in makes a new one (its
        binding went with the old), which her old ticket does not reach."""
        old = yield self.signed_in(ALICE)
        yield defer.ensureDeferred(self.accounts.apply(dropping(old)))
        new = yield self.signed_in(ALICE)
        self.assertEqual(new.name, "alice")
        self.assertEqual((yield self.stored("alice")).oidc, old.oidc)

    @defer.inlineCallbacks
    def test_a_provider_token_signs_in_to_the_bound_account(
        self,
    ) -> Generator[Any, Any, None]:
        """An access token of alice's subject signs in to her account (IRC's
        OAUTHBEARER); one the provider did not issue is ``BAD_TOKEN``; one
        naming nobody, for a subject with no account yet, is too."""
        account = yield self.signed_in(ALICE)
        self.oidc  # noqa: B018  (made, with its kept tokens)
        self.kept.tokens["alice's"] = ALICE
        found = yield defer.ensureDeferred(self.oidc.sign_in_token("alice's"))
        self.assertEqual(found.key, account.key)
        for token, claims in (
            ("forged", None),
            ("nameless", ProviderClaims(ISSUER, "u-9999", "")),
        ):
            if claims is not None:
                self.kept.tokens[token] = claims
            with self.assertRaises(errors.ChatError) as refused:
                yield defer.ensureDeferred(self.oidc.sign_in_token(token))
            self.assertEqual(refused.exception.code, "BAD_TOKEN")

    @defer.inlineCallbacks
    def test_the_export_names_the_provider(self) -> Generator[Any, Any, None]:
        """alice's ``/export`` says which provider's subject her account is
        bound to."""
        ticket = self.oidc.ticket((yield self.signed_in(ALICE)))
        alice = User(FakeClient(self.server))
        alice.say(f"/oidc {ticket}")
        yield self.expect(alice, "WELCOME alice")
        archive = yield self.exported(alice)
        self.assertEqual(
            json.loads(archive)["account"]["provider"],
            {"issuer": ISSUER, "subject": "u-1001"},
        )
