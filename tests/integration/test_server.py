"""The real service over real sockets, as a user would meet it.

Each test starts the service the twistd plugin builds
(``chatroom.wiring.tap.makeService``) on 127.0.0.1 port 0, talks to it through
TCP (or TLS) clients, and waits on Deferreds for the lines it expects: no
sleeps, and a trial ``timeout`` bounds every test.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import struct
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twisted.internet import defer, ssl
from twisted.python.filepath import FilePath

from tests.support import ServerTestCase


class FanOutTests(ServerTestCase):
    """Room messages reach every member exactly once and in order."""

    options = ("--rate", "0", "--max-per-ip", "0")

    @defer.inlineCallbacks
    def test_fifty_members(self):
        """5 senders x 20 messages in a 50-member room: each member sees all
        100, each sender's in its order, none twice."""
        names = [f"user{n:02d}" for n in range(50)]
        members = yield defer.gatherResults([self.client(name) for name in names])
        for member in members:
            member.say("/join general")
        yield defer.gatherResults(
            [member.expect_line("MEMBERS general ") for member in members]
        )
        last = members[-1]
        # Everyone is in once the last joiner's JOIN reached the first member.
        yield members[0].expect_line(f"JOIN general {names[-1]}")
        senders = members[:5]
        for number in range(20):
            for sender in senders:
                sender.say(f"m{number}")
        last.say("done")
        yield defer.gatherResults(
            [
                member.expect(
                    lambda line: (
                        line.startswith(f"MSG general {names[-1]} ")
                        and line.endswith(" done")
                    )
                )
                for member in members
            ]
        )
        expected = [f"m{number}" for number in range(20)]
        for member in members:
            got: dict[str, list[str]] = {}
            for line in member.lines:
                if line.startswith("MSG general "):
                    _, _, user, _, text = line.split(" ", 4)
                    got.setdefault(user, []).append(text)
            for sender in names[:5]:
                self.assertEqual(got[sender], expected)
            self.assertEqual(got[names[-1]], ["done"])
            self.assertEqual(len(got), 6)


class RoomLifeTests(ServerTestCase):
    """Create, join, leave and delete over the wire."""

    @defer.inlineCallbacks
    def test_create_join_leave_delete(self):
        """The documented sequence of events for each step."""
        alice = yield self.client("alice")
        bob = yield self.client("bob")
        alice.say("/create tea")
        self.assertEqual((yield alice.expect_line("JOINED ")), "JOINED tea 1 256")
        self.assertEqual((yield alice.expect_line("MEMBERS ")), "MEMBERS tea alice")
        alice.say("/topic Tea and biscuits")
        yield alice.expect_line("TOPIC tea alice")
        alice.say("hello")
        yield alice.expect_line("MSG tea alice ")
        bob.say("/join tea")
        self.assertEqual((yield bob.expect_line("JOINED ")), "JOINED tea 2 256")
        self.assertEqual((yield bob.expect_line("MEMBERS ")), "MEMBERS tea alice bob")
        history = yield bob.expect_line("HISTORY ")
        self.assertTrue(history.startswith("HISTORY tea alice "))
        self.assertTrue(history.endswith(" hello"))
        self.assertEqual(
            (yield bob.expect_line("TOPIC ")), "TOPIC tea alice Tea and biscuits"
        )
        self.assertEqual((yield alice.expect_line("JOIN ")), "JOIN tea bob")
        bob.say("/leave")
        self.assertEqual((yield bob.expect_line("LEFT ")), "LEFT tea")
        self.assertEqual((yield alice.expect_line("PART ")), "PART tea bob left")
        bob.say("/join tea")
        yield alice.expect_line("JOIN tea bob")
        bob.say("/delete tea")
        self.assertTrue((yield bob.expect_line("ERR ")).startswith("ERR NOT_ALLOWED"))
        alice.say("/delete tea")
        for member in (alice, bob):
            self.assertEqual(
                (yield member.expect_line("DELETED ")), "DELETED tea alice"
            )
            self.assertEqual((yield member.expect_line("ROOMS ")), "ROOMS 1")
        self.assertEqual((yield self.room_names(bob)), ["general"])


class HarvestTests(ServerTestCase):
    """Vanished clients are harvested at once."""

    @defer.inlineCallbacks
    def test_closed_client(self):
        """A closed socket: the room sees PART, the name and the room are freed."""
        bob = yield self.client("bob")
        bob.say("/create tea")
        yield bob.expect_line("MEMBERS tea")
        (alice,) = yield self.in_room("tea", "alice")
        bob.transport.loseConnection()
        part = yield alice.expect_line("PART ")
        self.assertEqual(part, "PART tea bob connection closed")
        self.assertEqual((yield alice.expect_line("OWNER ")), "OWNER tea alice")
        yield self.client("BOB")  # the name is free again
        alice.transport.loseConnection()
        yield alice.closed
        carol = yield self.client("carol")
        self.assertEqual((yield self.room_names(carol)), ["general"])

    @defer.inlineCallbacks
    def test_reset_connection(self):
        """A connection reset (SO_LINGER 0, then close) is harvested too."""
        (alice, bob) = yield self.in_room("general", "alice", "bob")
        bob.transport.getHandle().setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        bob.transport.loseConnection()
        part = yield alice.expect_line("PART ")
        self.assertTrue(part.startswith("PART general bob "), part)
        yield self.client("bob")

    @defer.inlineCallbacks
    def test_aborted_connection(self):
        """``abortConnection`` (no FIN, no flush) is harvested too."""
        (alice, bob) = yield self.in_room("general", "alice", "bob")
        bob.transport.abortConnection()
        part = yield alice.expect_line("PART ")
        self.assertTrue(part.startswith("PART general bob "), part)
        alice.say("/who")
        self.assertEqual((yield alice.expect_line("MEMBERS ")), "MEMBERS general alice")


class ShutdownTests(ServerTestCase):
    """Stopping the service says BYE to everyone, then closes them all."""

    @defer.inlineCallbacks
    def test_bye_and_close(self):
        """Named, unnamed and in-room clients all get BYE and are disconnected."""
        (alice, bob) = yield self.in_room("general", "alice", "bob")
        carol = yield self.client("carol")
        stranger = yield self.client()
        clients = [alice, bob, carol, stranger]
        byes = [client.expect_line("BYE ") for client in clients]
        yield self.service.stopService()
        lines = yield defer.gatherResults(byes)
        self.assertEqual(lines, ["BYE server shutting down"] * 4)
        yield defer.gatherResults([client.closed for client in clients])
        for client in (alice, bob):
            self.assertFalse([line for line in client.lines if line.startswith("PART")])


def write_self_signed(directory: FilePath) -> tuple[FilePath, FilePath]:
    """A fresh key and self-signed certificate for 127.0.0.1, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory.makedirs()
    key_path, cert_path = directory.child("key.pem"), directory.child("cert.pem")
    key_path.setContent(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.setContent(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class TLSTests(ServerTestCase):
    """An ``ssl:`` endpoint serves the same protocol over TLS."""

    def setUp(self):
        directory = FilePath(tempfile.mkdtemp()).child("tls")
        self.addCleanup(directory.parent().remove)
        self.key, self.cert = write_self_signed(directory)
        self.port_spec = (
            "ssl:0:interface=127.0.0.1"
            f":privateKey={self.key.path}:certKey={self.cert.path}"
        )
        return super().setUp()

    @defer.inlineCallbacks
    def test_chat_over_tls(self):
        """Two TLS clients that verify the server's certificate can chat."""
        authority = ssl.Certificate.loadPEM(self.cert.getContent())
        options = ssl.optionsForClientTLS("127.0.0.1", trustRoot=authority)
        alice = yield self.client("alice", tls=options)
        bob = yield self.client("bob", tls=options)
        for member in (alice, bob):
            member.say("/join general")
            yield member.expect_line("MEMBERS general")
        alice.say("secret handshake")
        line = yield bob.expect_line("MSG ")
        self.assertTrue(line.startswith("MSG general alice "))
        self.assertTrue(line.endswith(" secret handshake"))
