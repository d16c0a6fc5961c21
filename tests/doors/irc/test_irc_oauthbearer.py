"""Unit tests for SASL OAUTHBEARER (RFC 7628) at the IRC door.

Real IRC sessions on ``StringTransport`` against a server on a
``task.Clock``; the provider's check of a token is
:class:`~tests.backends.contracts.oidc.KeptTokens` (the tokens it was told
of), as the real provider's is ``tests/integration/test_oidc.py``'s.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.sasl import bearer_token
from tests.backends.contracts.oidc import ALICE, KeptTokens, with_provider
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import AccountsCase
from tests.doors.irc.test_irc_scram import FAILED, authenticate


def bearer(token: str, authzid: str = "") -> str:
    """RFC 7628's client response for ``token``."""
    header = f"n,a={authzid}," if authzid else "n,,"
    return (
        f"{header}\x01host=chat.example.org\x01port=6697\x01auth=Bearer {token}\x01\x01"
    )


class OAuthBearerTests(AccountsCase):
    def setUp(self) -> None:
        super().setUp()
        self.kept = KeptTokens()
        self.kept.tokens["alices-token"] = ALICE
        with_provider(self.server, self.kept)

    def bearer_client(self, nick: str) -> IRCClient:
        client = IRCClient(self.factory)
        client.send(
            "CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :N", "CAP REQ :sasl"
        )
        offered = " ".join(client.received())
        self.assertIn("sasl=PLAIN,SCRAM-SHA-256,OAUTHBEARER", offered)
        client.send("AUTHENTICATE OAUTHBEARER")
        self.assertEqual(client.received(), ["AUTHENTICATE +"])
        return client

    def test_a_token_signs_in_to_the_bound_account(self) -> None:
        """alice's token signs in to account alice (made now, named from
        the token's claim); the nick she asked for is kept as hers."""
        client = self.bearer_client("ali")
        client.send(*authenticate(bearer("alices-token")))
        lines = client.received()
        self.assertIn(" 900 ", lines[0])
        self.assertIn(" alice :You are now logged in as alice", lines[0])
        self.assertEqual(lines[1], ":chatroom 903 * :SASL authentication successful")

    def test_a_long_token_in_many_chunks(self) -> None:
        """A token of 3,000 characters (a JWT with many claims) travels in
        400-byte chunks and signs in."""
        long = "x" * 3000
        self.kept.tokens[long] = ALICE
        client = self.bearer_client("ali")
        client.send(*authenticate(bearer(long)))
        self.assertIn(" 903 ", client.received()[-1])

    def test_refusals(self) -> None:
        """A token the provider did not issue, another account's authzid,
        and a message that is no RFC 7628 response are each 904, saying
        why."""
        client = self.bearer_client("ali")
        client.send(*authenticate(bearer("forged")))
        self.assertEqual(
            client.received(),
            [
                FAILED + "sign-in through the provider refused: not signed by the "
                "provider"
            ],
        )
        client.send("AUTHENTICATE OAUTHBEARER")
        client.received()
        client.send(*authenticate(bearer("alices-token", authzid="bob")))
        self.assertEqual(
            client.received(), [FAILED + "the authzid is not the token's account"]
        )
        client.send("AUTHENTICATE OAUTHBEARER")
        client.received()
        client.send(*authenticate("auth=Bearer alices-token"))
        self.assertEqual(client.received(), [FAILED + "malformed"])

    def test_not_offered_without_a_provider(self) -> None:
        """Without --oidc-issuer, CAP LS offers PLAIN and SCRAM only, and
        OAUTHBEARER is 908 with those."""
        self.server.oidc = None
        client = IRCClient(self.factory)
        client.send("CAP LS 302", "NICK ali", "USER ali 0 * :N", "CAP REQ :sasl")
        offered = " ".join(client.received())
        self.assertIn("sasl=PLAIN,SCRAM-SHA-256 ", offered + " ")
        self.assertNotIn("OAUTHBEARER", offered)
        client.send("AUTHENTICATE OAUTHBEARER")
        self.assertIn(" 908 * PLAIN,SCRAM-SHA-256 ", client.received()[0])


class BearerTokenTests(unittest.TestCase):
    def test_the_response_read(self) -> None:
        """The authzid and the token, whatever the other pairs and the
        scheme's case; None for what is no response."""
        self.assertEqual(bearer_token(bearer("t0k")), ("", "t0k"))
        self.assertEqual(bearer_token(bearer("t0k", "alice")), ("alice", "t0k"))
        lower = "n,,\x01auth=bearer t0k\x01\x01"
        self.assertEqual(bearer_token(lower), ("", "t0k"))
        for wrong in (
            "",
            "n,,",
            "p=x,,\x01auth=Bearer t\x01\x01",
            "n,,\x01auth=Basic t\x01\x01",
        ):
            self.assertIsNone(bearer_token(wrong), wrong)


class OidcOnlyTests(AccountsCase):
    """``--oidc-only``: IRC's REGISTER and NickServ's make no account."""

    config = ServerConfig(rate=0, oidc_only=True, oidc_name="Example SSO")

    def test_account_registration_not_offered(self) -> None:
        """CAP LS leaves draft/account-registration out (a client would
        show a form that can only fail), and asking for it is NAK."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302")
        offered = " ".join(client.received())
        self.assertIn("sasl=", offered)
        self.assertNotIn("account-registration", offered)
        client.send("CAP REQ :draft/account-registration")
        self.assertIn(" NAK :draft/account-registration", client.received()[0])

    def test_nickserv_help_leaves_register_out(self) -> None:
        client = IRCClient(self.factory)
        client.send("NICK zoe", "USER zoe 0 * :Z")
        client.received()
        client.send("PRIVMSG NickServ :HELP")
        shown = " ".join(client.received())
        self.assertIn("IDENTIFY [account] <password>", shown)
        self.assertNotIn("REGISTER <password>", shown)

    def test_register_is_refused(self) -> None:
        client = IRCClient(self.factory)
        client.send("CAP LS 302", "NICK zoe", "USER zoe 0 * :Z", "CAP END")
        client.received()
        client.send("REGISTER * * correct-horse-battery")
        (refused,) = client.received()
        self.assertIn("FAIL REGISTER", refused)
        self.assertIn("accounts here are made by signing in with Example SSO", refused)
        client.send("PRIVMSG NickServ :REGISTER correct-horse-battery")
        self.assertIn(
            "accounts here are made by signing in with Example SSO",
            " ".join(client.received()),
        )
