"""The server's side of the OpenID provider's protocol
(:class:`chatroom.wiring.oidc_provider.OidcProvider`) against a real
provider, node-oidc-provider on 127.0.0.1 (:mod:`tests.oidc`): the code
flow's checks (state, nonce, the ID token's signature and claims) and an
access token's, each refusal one a user would meet."""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey
from twisted.internet import defer, reactor
from twisted.internet.task import Clock
from twisted.trial import unittest
from twisted.web.client import Agent

from chatroom.core.accounts.oidc import ProviderClaims, seal, unsealed
from chatroom.core.model.errors import ChatError
from chatroom.wiring.oidc import OidcSettings
from chatroom.wiring.oidc_provider import OidcProvider
from tests.oidc import CLIENT_ID, TEST_CALLBACK, OpenIDProvider, authorize, sign_in


class OidcProviderTests(unittest.TestCase):
    timeout = 60

    def setUp(self) -> None:
        folder = Path(self.mktemp()).resolve()
        folder.mkdir(parents=True)
        self.provider = OpenIDProvider(folder, TEST_CALLBACK)
        self.addCleanup(self.provider.stop)

    def checker(self, later: float = 0.0, issuer: str | None = None) -> OidcProvider:
        """The server's provider, its clock ``later`` seconds ahead."""
        clock = Clock()
        clock.advance(time.time() + later)
        settings = OidcSettings(
            issuer or self.provider.issuer,
            CLIENT_ID,
            self.provider.secret,
            "Example SSO",
            "preferred_username",
        )
        return OidcProvider(settings, clock, Agent(reactor))

    @defer.inlineCallbacks
    def refusal(self, work: Any) -> Generator[Any, Any, str]:
        with self.assertRaises(ChatError) as refused:
            yield defer.ensureDeferred(work)
        self.assertEqual(refused.exception.code, "BAD_TOKEN")
        return refused.exception.text

    @defer.inlineCallbacks
    def test_the_code_flow(self) -> Generator[Any, Any, None]:
        """start() sends the browser to the provider with PKCE, state and
        nonce; back with the code, finish() gives alice's claims. The same
        code again is refused (the provider spends it), as is an answer
        with another state, or a flow kept with another nonce."""
        checker = self.checker()
        url, kept = yield defer.ensureDeferred(checker.start(TEST_CALLBACK))
        self.assertIn("code_challenge_method=S256", url)
        answer = authorize(url, "u-1001")
        claims = yield defer.ensureDeferred(
            checker.finish(
                answer["code"], answer["state"], kept, TEST_CALLBACK, answer["iss"]
            )
        )
        self.assertEqual(
            claims, ProviderClaims(self.provider.issuer, "u-1001", "alice")
        )
        again = checker.finish(
            answer["code"], answer["state"], kept, TEST_CALLBACK, answer["iss"]
        )
        self.assertIn("the provider answered 400", (yield self.refusal(again)))

        url, kept = yield defer.ensureDeferred(checker.start(TEST_CALLBACK))
        answer = authorize(url, "u-1001")
        wrong_state = checker.finish(answer["code"], "guessed", kept, TEST_CALLBACK)
        self.assertIn("not this sign-in's", (yield self.refusal(wrong_state)))
        state, _nonce, verifier = unsealed(checker.flow_key, kept, time.time())
        other = seal(checker.flow_key, [state, "another-nonce", verifier], 2e9)
        wrong_nonce = checker.finish(
            answer["code"], state, other, TEST_CALLBACK, answer["iss"]
        )
        self.assertIn("nonce does not hold", (yield self.refusal(wrong_nonce)))

    @defer.inlineCallbacks
    def test_an_access_token(self) -> Generator[Any, Any, None]:
        """bob's access token gives his claims; two hours on it has
        expired; the same claims signed with a key not the provider's are
        refused."""
        token = sign_in(self.provider, "u-1003")["access_token"]
        claims = yield defer.ensureDeferred(self.checker().access_token_claims(token))
        self.assertEqual(claims, ProviderClaims(self.provider.issuer, "u-1003", "bob"))
        expired = self.checker(later=7200).access_token_claims(token)
        self.assertIn("exp does not hold", (yield self.refusal(expired)))

        real = jwt.decode(
            token, (yield defer.ensureDeferred(self.checker()._keys(False)))
        )
        forged = jwt.encode(
            {"alg": "RS256", "kid": real.header["kid"]},
            real.claims,
            RSAKey.generate_key(2048),
        )
        refused = self.checker().access_token_claims(forged)
        self.assertIn("not signed by the provider", (yield self.refusal(refused)))

    @defer.inlineCallbacks
    def test_another_issuer_is_refused(self) -> Generator[Any, Any, None]:
        """A provider whose discovery names another issuer than the one
        configured (a typo, a proxy rewriting it) signs nobody in."""
        checker = self.checker(issuer=self.provider.issuer + "/")
        started = checker.start(TEST_CALLBACK)
        self.assertIn("names another issuer", (yield self.refusal(started)))
