"""Ignoring someone over real sockets: one account's devices at the three
doors (the line protocol, IRC and the page's WebSocket), on one server and
on two nodes.

alice has a device at each door; mallory and carol are plain names on the
line door, all in ``general`` with ``/caps multi rich``. After alice's
``/ignore mallory`` (said on one device), mallory does everything an
ignore list holds back: a message, an action, an edit, typing, a reaction,
a mention, a private message and an invitation. carol then does the same,
and each of alice's devices, once carol's last event reaches it, has heard
carol's and none of mallory's. After ``SILENCE -mallory`` (IRC) mallory's
private message reaches every device again.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.backends.contracts.handler import MixedIntoTestCase
from tests.cluster.support import ClusterTestCase
from tests.integration.test_doors import DoorsTestCase, WebSocketClient, open_browser
from tests.support import LineClient, connect_client, port_of

PASSWORD = "correct-horse-staple"

#: Every door of a server or node, on port 0.
DOORS = (
    *("--irc", "tcp:0:interface=127.0.0.1"),
    *("--http", "tcp:0:interface=127.0.0.1"),
)


class Place:
    """One server's or node's doors' ports."""

    def __init__(self, line: int, irc: int, http: int) -> None:
        self.line, self.irc, self.http = line, irc, http


@defer.inlineCallbacks
def place_of(service: Any):
    """The ports of ``service``'s three doors."""
    irc = yield service.doors["irc"].whenListening()
    http = yield service.doors["http"].whenListening()
    return Place(port_of(service.listener.port), port_of(irc), port_of(http))


class IgnoringAtEveryDoor(MixedIntoTestCase):
    """The test, given two places to connect (one server twice, or two
    nodes) by :meth:`places`; mixed into a TestCase with ``clients``."""

    clients: list[LineClient]
    sockets: list[WebSocketClient]

    def places(self) -> Any:
        raise NotImplementedError

    @defer.inlineCallbacks
    def rich_line(self, place: Place, name: str):
        """A line client at ``place`` named ``name``, rich, in general."""
        client = yield connect_client(reactor, place.line, name)
        self.clients.append(client)
        client.say("/caps multi rich")
        client.say("/join general")
        yield client.expect_line("MEMBERS general ")
        return client

    @defer.inlineCallbacks
    def alice_on_irc(self, place: Place):
        """alice's IRC client at ``place``, signed in, in #general."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", place.irc)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        for line in (
            "CAP LS 302",
            "CAP REQ :message-tags server-time",
            f"PASS alice:{PASSWORD}",
            "NICK alice",
            "USER alice 0 * :alice",
            "CAP END",
            "JOIN #general",
        ):
            client.say(line)
        yield client.expect(lambda line: " 366 alice #general " in line)
        return client

    @defer.inlineCallbacks
    def alice_on_page(self, place: Place):
        """alice's page's WebSocket at ``place``, signed in: in general,
        where the account is."""
        socket = yield open_browser(place.http)
        self.sockets.append(socket)
        yield socket.expect_line("HELLO ")
        socket.say("/caps ids multi rich")
        socket.say(f"/login alice {PASSWORD}")
        yield socket.expect_line("WELCOME alice")
        yield socket.expect_line("MEMBERS general ")  # the account's room
        return socket

    @defer.inlineCallbacks
    def test_nothing_of_the_ignored_reaches_any_device(self):
        """alice's phone (line door), laptop (IRC) and page: after the
        page's ``/ignore mallory`` none hears anything of mallory's, all
        hear carol's same eight events; unsilenced on IRC, mallory's
        private message reaches all three."""
        one, two = yield self.places()
        phone = yield connect_client(reactor, one.line)
        self.clients.append(phone)
        phone.say(f"/register alice {PASSWORD}")
        yield phone.expect_line("REGISTERED alice")
        phone.say("/caps multi rich")
        phone.say("/join general")
        yield phone.expect_line("MEMBERS general ")
        ircer = yield self.alice_on_irc(two)
        page = yield self.alice_on_page(one)
        mallory = yield self.rich_line(two, "mallory")
        carol = yield self.rich_line(one, "carol")
        carol.say("hello all")
        heard = yield mallory.expect(lambda line: " MSG general carol " in line)
        hello = heard.split()[0][1:]  # its id
        page.say("/ignore mallory")
        yield page.expect_line("IGNORED mallory")
        devices = {"line": phone.lines, "irc": ircer.lines, "web": page.lines.lines}
        heard_before = {door: len(lines) for door, lines in devices.items()}
        for who, name, room in ((mallory, "mallory", "den"), (carol, "carol", "cafe")):
            yield self.everything(who, name, hello, room)
        yield phone.expect_line("INVITED cafe carol")
        yield page.expect_line("INVITED cafe carol")
        yield ircer.expect(lambda line: line.endswith(" INVITE alice :#cafe"))
        for door, lines in devices.items():
            since = lines[heard_before[door] :]
            self.assertEqual(len([x for x in since if "carol" in x]), 8, (door, since))
            self.assertEqual([x for x in since if "mallory" in x], [], door)
        ircer.say("SILENCE -mallory")
        yield ircer.expect_line(":alice!alice@chatroom SILENCE -mallory!*@*")
        mallory.say("/msg alice again")
        yield phone.expect(lambda line: "PRIVMSG mallory alice " in line)
        yield page.expect(lambda line: "PRIVMSG mallory alice " in line)
        yield ircer.expect(
            lambda line: " :mallory!mallory@chatroom PRIVMSG alice " in line
        )

    @defer.inlineCallbacks
    def everything(self, who: LineClient, name: str, hello: str, room: str):
        """``who`` says, does and sends to alice all an ignore list holds
        back, each taken (its own copy heard, or no error)."""
        who.say("spam")
        mine = yield who.expect(lambda line: f" MSG general {name} " in line)
        who.say("/me waves")
        who.say(f"/edit {mine.split()[0][1:]} spam edited")
        who.say("/typing active")
        who.say(f"/react {hello} :tea:")
        who.say("alice: look")
        who.say("/msg alice psst")
        yield who.expect(lambda line: "PRIVMSG " in line and " alice " in line)
        who.say(f"/create {room}")
        yield who.expect_line(f"MEMBERS {room} ")
        who.say("/invite alice")
        yield who.expect_line(f"INVITE {room} alice ")
        self.assertEqual([x for x in who.lines if x.startswith("ERR ")], [], name)


class OneServerTests(IgnoringAtEveryDoor, DoorsTestCase):
    """One server (the in-process back-end): both places are it."""

    def places(self):
        here = Place(self.port, self.irc_port, self.http_port)
        return defer.succeed((here, here))


class TwoNodesTests(IgnoringAtEveryDoor, ClusterTestCase):
    """Two nodes sharing one redis-server."""

    node_options = (*ClusterTestCase.node_options, *DOORS)

    @defer.inlineCallbacks
    def places(self):
        self.sockets = []
        self.addCleanup(self.close_sockets)
        nodes = yield self.start_nodes(2)
        places = []
        for node in nodes:
            places.append((yield place_of(node)))
        return places

    @defer.inlineCallbacks
    def close_sockets(self):
        for socket in self.sockets:
            if not socket.is_closed:
                socket.transport.loseConnection()
        yield defer.gatherResults([socket.closed for socket in self.sockets])
