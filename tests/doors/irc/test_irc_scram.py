"""Unit tests for SASL SCRAM-SHA-256 at the IRC door.

Real IRC sessions on ``StringTransport`` against a server on a
``task.Clock``, as in :mod:`tests.doors.irc.test_irc_moderation`; the client's side
of each exchange is ``scramp``'s ``ScramClient``, a second implementation,
so a test passes only if the door speaks RFC 7677 as another party reads
it. Accounts are registered through the line door and the IRC door as
users would.
"""

from __future__ import annotations

import base64

from scramp import ScramClient
from twisted.internet.defer import ensureDeferred

from chatroom.core.accounts.accounts import Account, registering
from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import local_server

MECHANISM = "SCRAM-SHA-256"
FAILED = ":chatroom 904 * :SASL authentication failed: "
LOGGED_IN = [
    ":chatroom 900 * alice!alice@chatroom alice :You are now logged in as alice",
    ":chatroom 903 * :SASL authentication successful",
]


def encoded(message: str) -> str:
    return base64.b64encode(message.encode()).decode()


def authenticate(message: str) -> list[str]:
    """``message`` as a client sends it: base64 in 400-byte lines."""
    text = encoded(message)
    lines = [f"AUTHENTICATE {text[at : at + 400]}" for at in range(0, len(text), 400)]
    return [*lines, "AUTHENTICATE +"] if len(text) % 400 == 0 else lines


def decoded(lines: list[str]) -> str:
    """The message that ``AUTHENTICATE`` lines carry, chunks joined."""
    chunks = []
    for line in lines:
        command, chunk = line.split(" ")
        assert command == "AUTHENTICATE", line
        chunks.append("" if chunk == "+" else chunk)
    return base64.b64decode("".join(chunks)).decode()


class ScramCase(AccountsCase):
    """SASL-capable IRC clients, and a SCRAM client's side of an exchange."""

    def sasl_client(self, nick: str = "alice") -> IRCClient:
        """A client that asked for ``sasl`` and started SCRAM-SHA-256."""
        client = IRCClient(self.factory)
        client.send(
            "CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :N", "CAP REQ :sasl"
        )
        client.received()
        client.send(f"AUTHENTICATE {MECHANISM}")
        self.assertEqual(client.received(), ["AUTHENTICATE +"])
        return client

    def first(
        self, client: IRCClient, name: str, password: str, **options: str
    ) -> ScramClient:
        """Send the client-first message; the server-first is read."""
        scram = ScramClient([MECHANISM], name, password, **options)
        client.send(f"AUTHENTICATE {encoded(scram.get_client_first())}")
        scram.set_server_first(decoded(client.received()))
        return scram

    def exchange(self, client: IRCClient, name: str, password: str) -> list[str]:
        """A whole exchange; the lines after the client's proof, and after
        its last empty message if the server sent its own proof."""
        scram = self.first(client, name, password)
        client.send(f"AUTHENTICATE {encoded(scram.get_client_final())}")
        answer = client.received()
        if not answer[0].startswith("AUTHENTICATE "):
            return answer
        scram.set_server_final(decoded(answer))  # the server knows the keys
        client.send("AUTHENTICATE +")
        return client.received()


class ScramSignInTests(ScramCase):
    """The exchange, its refusals, and what it shares with PLAIN."""

    def test_scram_signs_in(self) -> None:
        """The server's signature checks out with scramp's client; then
        900 and 903, and registration after CAP END is as the account."""
        self.account("alice")
        client = self.sasl_client()
        self.assertEqual(self.exchange(client, "alice", PASSWORD), LOGGED_IN)
        client.send("CAP END")
        self.assertIn(":chatroom 001 alice ", client.received()[0])
        self.assertEqual(
            self.server.registry.sessions.account_of(client.session), "alice"
        )

    def test_unknown_mechanism_lists_both(self) -> None:
        """908 names PLAIN and SCRAM-SHA-256, then 904."""
        client = IRCClient(self.factory)
        client.send("CAP REQ :sasl", "AUTHENTICATE SCRAM-SHA-1")
        self.assertEqual(
            client.received()[1:],
            [
                ":chatroom 908 * PLAIN,SCRAM-SHA-256 :are available SASL mechanisms",
                ":chatroom 904 * :SASL authentication failed",
            ],
        )

    def test_wrong_password_is_904(self) -> None:
        """A wrong proof is 904 with the reason PLAIN gives, and the
        client's next try on the same connection can succeed."""
        self.account("alice")
        client = self.sasl_client()
        self.assertEqual(
            self.exchange(client, "alice", "not-the-password"),
            [FAILED + "wrong password"],
        )
        client.send(f"AUTHENTICATE {MECHANISM}")
        client.received()
        self.assertEqual(self.exchange(client, "alice", PASSWORD), LOGGED_IN)

    def test_failures_slow_down_plain_too(self) -> None:
        """Wrong SCRAM proofs count against the same back-off as PLAIN:
        after five, even the right password waits, at either mechanism."""
        self.account("alice")
        for _ in range(5):
            client = self.sasl_client()
            self.exchange(client, "alice", "not-the-password")
        client = self.sasl_client()
        client.send(f"AUTHENTICATE {encoded('n,,n=alice,r=abcdefgh')}")
        (refusal,) = client.received()
        self.assertTrue(refusal.startswith(FAILED + "too many failed sign-ins"))
        right = encoded(f"alice\0alice\0{PASSWORD}")
        client.send("AUTHENTICATE PLAIN", f"AUTHENTICATE {right}")
        (refusal,) = client.received()[1:]
        self.assertTrue(refusal.startswith(FAILED + "too many failed sign-ins"))
        self.clock.advance(2)
        client.send(f"AUTHENTICATE {MECHANISM}")
        client.received()
        self.assertEqual(self.exchange(client, "alice", PASSWORD), LOGGED_IN)

    def test_open_exchanges_count_until_settled(self) -> None:
        """An exchange counts as a failure from its first message (guesses
        sent at once meet the back-off too); an abort before the proof
        gives it back (906)."""
        self.account("alice")
        started = []
        for _ in range(5):
            client = self.sasl_client()
            self.first(client, "alice", PASSWORD)
            started.append(client)
        late = self.sasl_client()
        late.send(f"AUTHENTICATE {encoded('n,,n=alice,r=abcdefgh')}")
        (refusal,) = late.received()
        self.assertTrue(refusal.startswith(FAILED + "too many failed sign-ins"))
        for client in started:
            client.send("AUTHENTICATE *")
            self.assertEqual(
                client.received(), [":chatroom 906 * :SASL authentication aborted"]
            )
        late.send(f"AUTHENTICATE {MECHANISM}")
        late.received()
        self.assertEqual(self.exchange(late, "alice", PASSWORD), LOGGED_IN)

    def test_unknown_account_and_malformed(self) -> None:
        """Nobody's name, and a first message that is not SCRAM: 904."""
        client = self.sasl_client()
        client.send(f"AUTHENTICATE {encoded('n,,n=nobody,r=abcdefgh')}")
        self.assertEqual(client.received(), [FAILED + "nobody has registered nobody"])
        client.send(f"AUTHENTICATE {MECHANISM}")
        client.received()
        client.send(f"AUTHENTICATE {encoded('hello')}")
        self.assertEqual(client.received(), [FAILED + "malformed"])

    def test_long_messages_travel_in_400_byte_lines(self) -> None:
        """A client-first longer than one line arrives in 400-byte chunks,
        and the server's answer (which repeats the long nonce) leaves in
        400-byte lines that scramp reads back whole."""
        self.account("alice")
        client = self.sasl_client()
        scram = ScramClient([MECHANISM], "alice", PASSWORD, c_nonce="n" * 400)
        first = authenticate(scram.get_client_first())
        self.assertEqual(len(first), 2)
        client.send(*first)
        answer = client.received()
        self.assertGreater(len(answer), 1)
        self.assertEqual(len(answer[0]), len("AUTHENTICATE ") + 400)
        scram.set_server_first(decoded(answer))
        client.send(*authenticate(scram.get_client_final()))
        scram.set_server_final(decoded(client.received()))
        client.send("AUTHENTICATE +")
        self.assertEqual(client.received(), LOGGED_IN)


class IRCScramKeysTests(ScramCase):
    """Where the keys come from: registration, a new password, a sign-in."""

    def legacy_account(self, name: str) -> None:
        """An account as stored before SCRAM: its Argon2id hash only."""
        service = self.server.registry.accounts
        hashed = service.hasher.hash(PASSWORD)
        made = registering(None, Account(name, name, hashed))
        self.successResultOf(ensureDeferred(service.apply(made)))

    def test_registered_at_the_irc_door(self) -> None:
        """NickServ REGISTER makes the keys: SCRAM works at once."""
        irc = self.irc("alice")
        irc.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
        self.assertIn("Account created", "".join(irc.received()))
        client = self.sasl_client()
        self.assertEqual(self.exchange(client, "alice", PASSWORD), LOGGED_IN)

    def test_older_account_gets_keys_at_its_next_sign_in(self) -> None:
        """An account from before SCRAM is refused with a reason saying
        what to do; one sign-in with the password by any means (PLAIN,
        /login, NickServ IDENTIFY) makes its keys."""
        ways = {
            "alice": lambda: self.line("alice").send(f"/login alice {PASSWORD}"),
            "bob": lambda: self.irc("guest").send(f"NS IDENTIFY bob {PASSWORD}"),
            "carol": lambda: self.plain("carol"),
        }
        for name, sign_in in ways.items():
            self.legacy_account(name)
            client = self.sasl_client(name)
            client.send(f"AUTHENTICATE {encoded(f'n,,n={name},r=abcdefgh')}")
            self.assertEqual(
                client.received(),
                [
                    FAILED + f"{name} has no SCRAM keys yet: sign in once with "
                    "its password (SASL PLAIN, PASS or NickServ IDENTIFY), "
                    "then SCRAM works"
                ],
            )
            sign_in()
            client = self.sasl_client(name)
            lines = self.exchange(client, name, PASSWORD)
            self.assertEqual(lines[-1], LOGGED_IN[-1], name)

    def plain(self, name: str) -> None:
        """Sign in to ``name`` with SASL PLAIN."""
        client = IRCClient(self.factory)
        client.send("CAP REQ :sasl", "AUTHENTICATE PLAIN")
        payload = encoded("\0".join((name, name, PASSWORD)))
        client.send(f"AUTHENTICATE {payload}")
        self.assertIn(LOGGED_IN[-1], client.received())

    def test_new_password_new_keys(self) -> None:
        """After /password, SCRAM with the old password is refused and
        the new one works."""
        self.account("alice")
        line = self.line("alice")
        line.send(f"/login alice {PASSWORD}")
        line.send(f"/password {PASSWORD} new-password-9")
        self.assertIn("PASSWORD_CHANGED alice", " ".join(line.received()))
        client = self.sasl_client()
        self.assertEqual(
            self.exchange(client, "alice", PASSWORD), [FAILED + "wrong password"]
        )
        client.send(f"AUTHENTICATE {MECHANISM}")
        client.received()
        self.assertEqual(self.exchange(client, "alice", "new-password-9"), LOGGED_IN)


class ScramIterationsTests(ScramCase):
    """``--scram-iterations``: what every SCRAM client pays at sign-in."""

    config = ServerConfig(rate=0, scram_iterations=5000)

    def setUp(self) -> None:
        super().setUp()
        # The server's own count, not the cheaper one AccountsCase sets.
        self.server.registry.accounts.scram_iterations = self.config.scram_iterations

    def test_the_challenge_asks_for_the_configured_count(self) -> None:
        """Keys made under the option carry its count: the server-first
        message asks the client for 5000 iterations, and the exchange
        succeeds with them."""
        self.account("alice")
        client = self.sasl_client()
        scram = ScramClient([MECHANISM], "alice", PASSWORD)
        client.send(f"AUTHENTICATE {encoded(scram.get_client_first())}")
        server_first = decoded(client.received())
        self.assertIn(",i=5000", server_first)
        scram.set_server_first(server_first)
        client.send(f"AUTHENTICATE {encoded(scram.get_client_final())}")
        scram.set_server_final(decoded(client.received()))
        client.send("AUTHENTICATE +")
        self.assertEqual(client.received(), LOGGED_IN)

    def test_the_service_takes_it_from_the_config(self) -> None:
        """A server made from the config hashes with its count."""
        server = local_server(self.config, self.clock)
        self.assertEqual(server.registry.accounts.scram_iterations, 5000)


class RequireEmailScramTests(ScramCase):
    """``--require-email``: an account yet to verify an address signs in
    with SCRAM nowhere else, as with PLAIN or ``/login``."""

    config = ServerConfig(rate=0, require_email=True)

    def test_an_unverified_account_is_refused(self) -> None:
        """Its right proof is 904 saying so, as PLAIN's right password is,
        and the connection is signed in to nothing."""
        self.account("alice")
        client = self.sasl_client()
        [refused] = self.exchange(client, "alice", PASSWORD)
        self.assertTrue(refused.startswith(FAILED), refused)
        self.assertIn("e-mail address", refused)
        self.assertEqual(self.server.registry.sessions.account_of(client.session), "")
        plain = IRCClient(self.factory)
        plain.send("CAP REQ :sasl", "AUTHENTICATE PLAIN")
        plain.received()
        given = "\0".join(("alice", "alice", PASSWORD))
        plain.send(f"AUTHENTICATE {encoded(given)}")
        self.assertEqual(plain.received(), [refused])
