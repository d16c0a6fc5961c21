"""Issue 34's reload, as it is done when: a hundred users, one ``SIGHUP``.

The real ``twistd chatroom`` plugin, started with ``--config`` only, opens
the line door and the web door on plain TCP and the IRC door on ``ssl:``
with a certificate made here, all on port 0 of the loopback interface. A
hundred clients connect over real sockets: a third at the line door, a
third at the IRC door over TLS, a third at the web door's ``/ws``. The file
is rewritten (a new MOTD, a new flood rate, a renewed certificate) and
the server is sent ``SIGHUP``:

- nobody is disconnected: each of the hundred still sends a private
  message that a watcher hears;
- a new connection sees the new MOTD, and the IRC door's new certificate
  (its SHA-256 fingerprint, as the client reads it from the handshake);
- the new flood rate holds a connection that was already open: the burst
  it sent unslowed before is slowed now.

Then a broken file and another ``SIGHUP`` keep it all as it runs, and the
log says why.
"""

from __future__ import annotations

import tempfile
from typing import Any

from twisted.internet import defer, reactor, ssl
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from tests.integration.test_config_file import HERE, listening_ports
from tests.integration.test_doors import irc_client, open_browser
from tests.integration.test_server import write_self_signed
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import connect_client

#: Clients at each door (line, IRC over TLS, web): a hundred in all.
AT_EACH = (34, 33, 33)
#: The flood limits before and after: a burst of 6 goes unslowed at the
#: first, and is slowed at the second.
OLD_RATE, OLD_BURST = 5, 10
NEW_RATE, NEW_BURST = 0.5, 2


def fingerprint(client: Any) -> str:
    """The SHA-256 fingerprint of the certificate the server showed."""
    peer = ssl.Certificate(client.transport.getPeerCertificate())
    return str(peer.digest("sha256"))


class HundredClientsHangUpTests(unittest.TestCase):
    """``SIGHUP`` with a hundred clients connected at three doors."""

    timeout = 60

    def write(self, rate: float, burst: int) -> None:
        self.file.setContent(
            (
                f'[doors]\nport = "{HERE}"\nirc = "{self.tls}"\nhttp = "{HERE}"\n'
                f'[server]\ndb = ":memory:"\nmotd = "{self.motd.path}"\n'
                f"[limits]\nrate = {rate}\nburst = {burst}\nmax-per-ip = 500\n"
            ).encode()
        )

    @defer.inlineCallbacks
    def started(self):
        """The server of :meth:`write`; fires with its process and its
        three ports (line, IRC, HTTP: the order it opens them)."""
        directory = FilePath(tempfile.mkdtemp())
        self.addCleanup(directory.remove)
        self.directory = directory
        self.key, self.cert = write_self_signed(directory.child("tls"))
        self.motd = directory.child("motd.txt")
        self.motd.setContent(b"Tea at five.\n")
        self.file = directory.child("chatroom.toml")
        self.tls = (
            f"ssl:0:interface=127.0.0.1:privateKey={self.key.path}"
            f":certKey={self.cert.path}"
        )
        self.write(OLD_RATE, OLD_BURST)
        process = spawn_twistd(self, "--config", self.file.path)
        ports = yield listening_ports(process, 3)
        return process, ports

    @defer.inlineCallbacks
    def test_hundred_clients_through_a_reload(self):
        """Nobody disconnected, each heard after; the new MOTD and
        certificate for newcomers; the new rate for one already in; a
        broken file then changes nothing."""
        process: TwistdProcess
        process, (line_port, irc_port, http_port) = yield self.started()
        old_authority = ssl.Certificate.loadPEM(self.cert.getContent())
        old_tls = ssl.optionsForClientTLS("127.0.0.1", old_authority)
        watcher = yield connect_client(reactor, line_port, "watcher")
        lines, ircs, webs = AT_EACH
        connecting = [connect_client(reactor, line_port, f"l{n}") for n in range(lines)]
        connecting += [irc_client(irc_port, f"i{n}", old_tls) for n in range(ircs)]
        connecting += [open_browser(http_port) for _ in range(webs)]
        clients = yield defer.gatherResults(connecting)
        browsers = clients[lines + ircs :]
        for number, browser in enumerate(browsers):
            yield browser.expect_line("HELLO ")
            browser.say(f"w{number}")
        yield defer.gatherResults([b.expect_line("WELCOME ") for b in browsers])
        self.assertEqual(len(clients), 100)
        old_fingerprint = fingerprint(clients[lines])

        hasty = clients[0]  # within the old rate: a burst of 6, unslowed
        for number in range(6):
            hasty.say(f"/nick hasty{number}")
        yield hasty.expect_line("NICK hasty4 hasty5")  # each answered, in turn
        self.assertFalse([said for said in hasty.lines if said.startswith("SLOW")])

        self.motd.setContent(b"Scones today.\n")
        renewed_key, renewed_cert = write_self_signed(self.directory.child("new"))
        self.key.setContent(renewed_key.getContent())
        self.cert.setContent(renewed_cert.getContent())
        self.write(NEW_RATE, NEW_BURST)
        assert process.transport is not None
        process.transport.signalProcess("HUP")
        yield process.when_output(b"configuration reloaded")
        self.assertIn(
            "applied: rate, burst, motd; certificates read again: --irc",
            process.output.decode(),
        )

        for number, client in enumerate(clients):
            if lines <= number < lines + ircs:
                client.say(f"PRIVMSG watcher :still-here-{number}")
            else:
                client.say(f"/msg watcher still-here-{number}")
        heard: set[str] = set()

        def everyone_heard(said: str) -> bool:
            if "still-here-" in said:
                heard.add(said.rpartition("still-here-")[2])
            return len(heard) == 100

        yield watcher.expect(everyone_heard)
        self.assertFalse([c for c in (watcher, *clients) if c.is_closed])

        for number in range(6, 12):  # the same burst again: slowed now
            hasty.say(f"/nick hasty{number}")
        yield hasty.expect_line("SLOW ")

        new_authority = ssl.Certificate.loadPEM(renewed_cert.getContent())
        iris = yield irc_client(
            irc_port, "iris", ssl.optionsForClientTLS("127.0.0.1", new_authority)
        )
        self.assertIn(":chatroom 372 iris :- Scones today.", iris.lines)
        self.assertEqual(fingerprint(iris), str(new_authority.digest("sha256")))
        self.assertNotEqual(fingerprint(iris), old_fingerprint)
        lina = yield connect_client(reactor, line_port, "lina")
        yield lina.expect_line("MOTD Scones today.")

        self.file.setContent(self.file.getContent() + b"rate = [\n")  # broken
        process.transport.signalProcess("HUP")
        yield process.when_output(b"configuration not reloaded")
        self.assertIn(
            f"configuration not reloaded: {self.file.path}:", process.output.decode()
        )
        nina = yield irc_client(
            irc_port, "nina", ssl.optionsForClientTLS("127.0.0.1", new_authority)
        )
        self.assertIn(":chatroom 372 nina :- Scones today.", nina.lines)
        for number in range(3):  # the new rate still holds
            lina.say(f"/nick lina{number}")
        yield lina.expect_line("SLOW ")

        everyone = [watcher, *clients, iris, lina, nina]
        self.assertFalse([c for c in everyone if c.is_closed])
        for client in everyone:
            client.transport.loseConnection()
        yield defer.gatherResults([c.closed for c in everyone])
