"""Signing in over real sockets, against a scripted server with accounts.

The server in this checkout has no accounts yet, so :class:`AccountServer`
speaks the part of docs/protocol.md the client needs (*Accounts*, and
the keepalive and ``/caps`` it always uses) on 127.0.0.1 port 0. The
clients are the real controller, model and screen of ``end_to_end.py``:
keys pressed, screens rendered, reconnect timers on a ``task.Clock``.
"""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.endpoints import TCP4ServerEndpoint
from twisted.internet.protocol import Factory
from twisted.protocols.basic import LineReceiver

from chatroom.client.model import Page
from tests.client.end_to_end import Client, ClientTestCase

PASSWORD = "hunter22"


class AccountSession(LineReceiver):
    """One connection to :class:`AccountFactory`: names, ``/login``,
    ``/register``, takeover, and enough of the lobby for the client."""

    delimiter = b"\n"
    factory: AccountFactory

    def __init__(self) -> None:
        self.name: str | None = None

    def connectionMade(self) -> None:
        self.factory.connections += 1
        self.factory.open.add(self)
        self.say("HELLO chatroom 1 scripted accounts server")

    def connectionLost(self, reason: object = None) -> None:
        self.factory.open.discard(self)
        if self.name is not None and self.factory.sessions.get(self.name) is self:
            del self.factory.sessions[self.name]

    def say(self, line: str) -> None:
        self.sendLine(line.encode() + b"\r")

    def lineReceived(self, data: bytes) -> None:
        line = data.rstrip(b"\r").decode()
        self.factory.received.append(line)
        command, _, rest = line.partition(" ")
        if command == "PING":
            self.say(f"PONG {rest}")
        elif command == "/caps":
            self.say("CAPS ids")
        elif self.name is None:
            self.choose(line)
        elif command == "/register":
            self.factory.accounts[self.name] = rest
            self.say(f"REGISTERED {self.name}")
        elif command == "/watch":
            self.say("LOBBY watching")
        else:
            self.say(f"ERR UNKNOWN_COMMAND {command}")

    def choose(self, line: str) -> None:
        accounts = self.factory.accounts
        words = line.split()
        if words[0] == "/login":
            name, password = words[1], words[2]
            if name not in accounts:
                self.say(f"ERR NO_SUCH_ACCOUNT no account called {name}")
            elif accounts[name] != password:
                self.say("ERR BAD_PASSWORD wrong password")
            else:
                holder = self.factory.sessions.get(name)
                if holder is not None:
                    holder.say("BYE signed in elsewhere")
                    assert holder.transport is not None
                    holder.transport.loseConnection()
                self.welcome(name)
        elif line in accounts:
            self.say(
                f"ERR NAME_REGISTERED {line} is registered: /login {line} PASSWORD"
            )
        elif line in self.factory.sessions:
            self.say(f"ERR NAME_TAKEN {line} is taken")
        else:
            self.welcome(line)

    def welcome(self, name: str) -> None:
        self.name = name
        self.factory.sessions[name] = self
        self.say(f"WELCOME {name}")
        self.say("ROOMS 1")
        self.say("ROOM general 0 256")


class AccountFactory(Factory[AccountSession]):
    """The scripted server's shared state: accounts, who holds each name."""

    protocol = AccountSession

    def __init__(self) -> None:
        self.accounts: dict[str, str] = {}
        self.sessions: dict[str, AccountSession] = {}
        self.received: list[str] = []
        self.connections = 0
        self.open: set[AccountSession] = set()


class SignInEndToEndTests(ClientTestCase):
    """The client signs in, and in again, over real connections."""

    async def start_server(self) -> None:
        self.accounts = AccountFactory()
        self.accounts.accounts["alice"] = PASSWORD
        endpoint = TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
        self.listening = await endpoint.listen(self.accounts)
        self.port = self.listening.getHost().port

    async def stop_server(self) -> None:
        await self.listening.stopListening()
        for session in list(self.accounts.open):
            assert session.transport is not None
            session.transport.loseConnection()

    async def signed_in(self) -> Client:
        """A client that types alice, is asked for the password, types it."""
        client = await self.connect()
        client.type_line("alice")
        await client.when(lambda model: model.password_for == "alice")
        self.assertIn("Password for alice: ", client.text())
        client.type_line(PASSWORD)
        await client.when(lambda model: model.page == Page.LOBBY)
        self.assertNotIn(PASSWORD, client.text())
        return client

    async def test_sign_in_and_again_after_a_dropped_connection(self) -> None:
        """The password prompt signs in; after the connection drops the
        client signs in again by itself, never sending the bare name."""
        alice = await self.signed_in()
        self.assertIn("you are alice", alice.text())
        self.accounts.received.clear()
        await alice.lose_connection()
        alice.clock.advance(1)
        await alice.when(alice.has_message("reconnected as alice"))
        self.assertIn(f"/login alice {PASSWORD}", self.accounts.received)
        self.assertNotIn("alice", self.accounts.received)

    async def test_registered_then_back_after_a_drop(self) -> None:
        """bob registers from the lobby; after a drop he is signed in again."""
        bob = await self.connect("bob")
        bob.type_line(f"/register {PASSWORD}")
        await bob.when(
            bob.has_message("bob is now your account and you are signed in to it")
        )
        await bob.lose_connection()
        bob.clock.advance(1)
        await bob.when(bob.has_message("reconnected as bob"))
        self.assertIn(f"/login bob {PASSWORD}", self.accounts.received)

    async def test_takeover_is_not_fought(self) -> None:
        """A second client signing in to alice throws the first out; the
        first says so and does not reconnect (no sign-in ping-pong)."""
        first = await self.signed_in()
        second = await self.signed_in()
        await first.when(lambda model: not model.connected)
        connections = self.accounts.connections
        first.clock.advance(300)
        self.assertEqual(self.accounts.connections, connections)
        self.assertIn(
            "signed in from somewhere else",
            "\n".join(entry.text for entry in first.model.log),
        )
        self.assertTrue(second.model.connected)
