"""``--port``, ``--irc`` and ``--http`` given more than once (and as arrays
in the ``--config`` file): every one listens; ``--irc-sts-duration`` and
``--irc-no-sts``."""

from __future__ import annotations

import tempfile

from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from chatroom.doors.irc.protocol import IRCPort
from chatroom.doors.irc.sts import STSPolicy
from chatroom.doors.line.protocol import LineFactory
from chatroom.wiring.tap import makeService
from tests.integration.test_server import write_self_signed
from tests.wiring.test_configfile import ConfigFileTestCase
from tests.wiring.test_tap import parse


class RepeatedOptionsTests(unittest.TestCase):
    """On the command line."""

    def test_each_is_kept_in_order(self) -> None:
        """Every value given is kept; one alone is a tuple of one; the
        default goes at the first ``--port``."""
        options = parse(
            "--irc", "6667", "--irc", "ssl:6697:privateKey=k.pem:certKey=c.pem",
            "-p", "8080", "--port", "tcp:8081:interface=::1",
            "--http", "8000",
        )  # fmt: skip
        self.assertEqual(
            options["irc"], ("tcp:6667", "ssl:6697:privateKey=k.pem:certKey=c.pem")
        )
        self.assertEqual(options["port"], ("tcp:8080", "tcp:8081:interface=::1"))
        self.assertEqual(options["http"], ("tcp:8000",))
        self.assertIsNone(parse()["irc"])

    def test_sts_options(self) -> None:
        """``--irc-sts-duration`` is whole seconds, 0 by default; a negative
        one is refused in one line."""
        self.assertEqual(parse()["irc-sts-duration"], 0)
        self.assertEqual(
            parse("--irc-sts-duration", "2592000")["irc-sts-duration"], 2592000
        )
        self.assertFalse(parse()["irc-no-sts"])
        with self.assertRaises(usage.UsageError) as refused:
            parse("--irc-sts-duration", "-1")
        self.assertIn("--irc-sts-duration", str(refused.exception))


class RepeatedInTheFileTests(ConfigFileTestCase):
    """In the ``--config`` file: an array of endpoints."""

    def test_an_array_listens_on_each(self) -> None:
        options = self.parsed('irc = [6667, "tcp:6668"]\nhttp = 8000\n')
        self.assertEqual(options["irc"], ("tcp:6667", "tcp:6668"))
        self.assertEqual(options["http"], ("tcp:8000",))

    def test_the_command_line_replaces_the_array(self) -> None:
        """An ``--irc`` on the command line replaces the file's, rather
        than listening beside them (as every other option overrides it)."""
        options = self.parsed(
            "irc = [6667, 6697]\nport = 9000\n", "--irc", "7000", "-p", "9001"
        )
        self.assertEqual(options["irc"], ("tcp:7000",))
        self.assertEqual(options["port"], ("tcp:9001",))

    def test_a_bad_item_names_its_line(self) -> None:
        self.assertEqual(
            self.refused('name = "x"\nirc = [6667, true]\n'),
            "FILE:2: irc: must be a port number, an endpoint string or an "
            "array of them",
        )
        self.assertEqual(
            self.refused("irc = [6667, 99999]\n"),
            "FILE:1: irc: 99999 is not a port number (0-65535)",
        )


class ListenersTests(unittest.TestCase):
    """What ``makeService`` builds of them."""

    def setUp(self) -> None:
        folder = FilePath(tempfile.mkdtemp()).child("tls")
        self.addCleanup(folder.parent().remove)
        key, cert = write_self_signed(folder)
        self.tls = f"ssl:6697:privateKey={key.path}:certKey={cert.path}"

    def test_every_port_listens(self) -> None:
        """Two line ports, a plain and a TLS IRC port, two HTTP ports: each
        listens, the IRC ones with one door between them."""
        reactor = MemoryReactorClock()
        options = parse(
            "--port", "8080", "--port", "8081",
            "--irc", "6667", "--irc", self.tls,
            "--http", "8000", "--http", "8001",
        )  # fmt: skip
        service = makeService(options, reactor=reactor)
        service.startService()
        self.addCleanup(service.stopService)
        tcp = {port: factory for port, factory, _, _ in reactor.tcpServers}
        self.assertEqual(sorted(tcp), [6667, 8000, 8001, 8080, 8081])
        self.assertIsInstance(tcp[8080], LineFactory)
        self.assertIs(tcp[8080], tcp[8081])
        ((port, tls_factory, _, _, _),) = reactor.sslServers
        self.assertEqual(port, 6697)
        plain = tcp[6667]
        assert isinstance(plain, IRCPort) and isinstance(tls_factory, IRCPort)
        self.assertIs(plain.door, tls_factory.door)
        self.assertEqual((plain.secure, tls_factory.secure), (False, True))
        self.assertEqual(len(service.listeners), 6)

    def test_sts_follows_the_tls_port(self) -> None:
        """Once the TLS port listens, the door's policy is its number and
        the duration given; ``--irc-no-sts``: none; no TLS port: none."""
        reactor = MemoryReactorClock()
        options = parse("--irc", "6667", "--irc", self.tls, "--irc-sts-duration", "60")
        service = makeService(options, reactor=reactor)
        service.startService()
        self.addCleanup(service.stopService)
        ((_, tls, _, _, _),) = reactor.sslServers
        self.assertEqual(tls.door.sts, STSPolicy(port=6697, duration=60))
        for quiet in (("--irc", self.tls, "--irc-no-sts"), ("--irc", "6667")):
            reactor = MemoryReactorClock()
            service = makeService(parse(*quiet), reactor=reactor)
            service.startService()
            self.addCleanup(service.stopService)
            (irc,) = [
                found[1]
                for found in (*reactor.sslServers, *reactor.tcpServers)
                if isinstance(found[1], IRCPort)
            ]
            self.assertIsNone(irc.door.sts)
