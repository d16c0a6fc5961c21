"""A network's IRC ports together: ``--irc`` plain and ``--irc ssl:`` from
one ``twistd``, and IRCv3 STS between them.

The real plugin as an operator runs it (a separate process, as in
:mod:`tests.integration.test_twistd`), every port on 127.0.0.1 port 0;
the ports it got are read from its ``listening on ... (DESCRIPTION)``
log lines.
"""

from __future__ import annotations

import re
import tempfile

from twisted.internet import defer, reactor, ssl
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    connectProtocol,
    wrapClientTLS,
)
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from tests.integration.test_server import write_self_signed
from tests.integration.test_twistd import _until, spawn_twistd
from tests.support import LineClient

#: A listening line: the port it got and the description it was given.
LISTENING = re.compile(r"listening on IPv4Address\(.*?port=(\d+)\) \((.*?)\)\n")
#: The plain IRC port, spelt apart from the line door's ``tcp:0:...``.
PLAIN = "tcp:interface=127.0.0.1:port=0"


@defer.inlineCallbacks
def cap_ls(client: LineClient):
    """``CAP LS 302``'s capabilities, over all its lines (a long list
    runs over lines that say ``LS *``)."""
    client.say("CAP LS 302")
    words: list[str] = []
    while True:
        line = yield client.expect(lambda line: " CAP * LS " in line)
        words += line.split(" :", 1)[1].split()
        if " LS * " not in line:
            return words


class PlainAndTLSTests(unittest.TestCase):
    """``--irc PLAIN --irc ssl:...``: both listen and serve the same rooms."""

    timeout = 30

    def setUp(self) -> None:
        folder = FilePath(tempfile.mkdtemp()).child("tls")
        self.addCleanup(folder.parent().remove)
        key, self.cert = write_self_signed(folder)
        self.tls_description = (
            f"ssl:0:interface=127.0.0.1:privateKey={key.path}:certKey={self.cert.path}"
        )

    @defer.inlineCallbacks
    def ports(self, *options: str):
        """Start twistd with ``options``; the IRC ports it got, by description."""
        process = spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1", "--db", ":memory:",
            "--irc", PLAIN, "--irc", self.tls_description, *options,
        )  # fmt: skip
        yield _until(lambda: len(LISTENING.findall(process.output.decode())) == 3)
        return {
            description: int(port)
            for port, description in LISTENING.findall(process.output.decode())
        }

    @defer.inlineCallbacks
    def connect(self, port: int, tls: bool = False):
        endpoint: IStreamClientEndpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        if tls:
            authority = ssl.Certificate.loadPEM(self.cert.getContent())
            options = ssl.optionsForClientTLS("127.0.0.1", trustRoot=authority)
            endpoint = wrapClientTLS(options, endpoint)
        client = yield connectProtocol(endpoint, LineClient())
        self.addCleanup(client.transport.loseConnection)
        return client

    @defer.inlineCallbacks
    def register(self, client: LineClient, nick: str):
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line)

    @defer.inlineCallbacks
    def test_both_ports_serve_with_sts(self):
        """Both ports listen; a plain client is offered ``sts=port=`` the
        TLS port's number, a TLS one ``sts=duration=`` as configured (and
        no port); their users talk in one channel."""
        ports = yield self.ports("--irc-sts-duration", "300")
        plain_port, tls_port = ports[PLAIN], ports[self.tls_description]
        plain = yield self.connect(plain_port)
        words = yield cap_ls(plain)
        self.assertEqual(
            [word for word in words if word.startswith("sts")],
            [f"sts=port={tls_port}"],
        )
        yield self.register(plain, "plain")
        tls = yield self.connect(tls_port, tls=True)
        words = yield cap_ls(tls)
        self.assertEqual(
            [word for word in words if word.startswith("sts")], ["sts=duration=300"]
        )
        yield self.register(tls, "secure")
        plain.say("JOIN #tea")
        yield plain.expect(lambda line: " 366 " in line)
        tls.say("JOIN #tea")
        yield tls.expect(lambda line: " 366 " in line)
        tls.say("PRIVMSG #tea :over tls")
        said = yield plain.expect(lambda line: "PRIVMSG #tea" in line)
        self.assertTrue(said.startswith(":secure!"), said)

    @defer.inlineCallbacks
    def test_no_sts(self):
        """``--irc-no-sts``: both ports, no ``sts`` on either."""
        ports = yield self.ports("--irc-no-sts")
        for port, tls in ((ports[PLAIN], False), (ports[self.tls_description], True)):
            client = yield self.connect(port, tls)
            words = yield cap_ls(client)
            self.assertEqual([word for word in words if "sts" in word], [])
