"""``/txn`` through the real doors, on one server and on two nodes.

A page's WebSocket (``/ws``), line clients and an IRC client in one room
over real sockets: a keyed line sent again (at once, after its sender's
connection dropped with the answer unread, from the account's other
device, under a plain name taken back) gets its first ``ACK`` and reaches
each member once, under the ``ACK``'s id. On two nodes
(:class:`KeyedOnTwoNodesTests`) the browsers are on node one and the line
and IRC users on node two, and the account's devices are one on each.
"""

from __future__ import annotations

from twisted.internet import defer, reactor

from chatroom.wiring.tap import ChatroomService
from tests.cluster.test_doors_two_nodes import DoorsOnTwoNodes
from tests.integration.test_doors import DoorsTestCase
from tests.support import LineClient, connect_client, port_of

PASSWORD = "horse-battery-staple"


def ack_of(line: str) -> tuple[str, str, str]:
    """An ``ACK`` line's key, target and id."""
    word, key, target, event_id = line.split(" ")[:4]
    assert word == "ACK", line
    return key, target, event_id


def ids_of(client, room: str, text: str) -> list[str]:
    """The ids of the messages ``text`` in ``room`` that ``client`` (an
    ``ids`` line client, or a page) got live."""
    lines = client.lines if isinstance(client, LineClient) else client.lines.lines
    return [
        line.split(" ", 1)[0][1:]
        for line in lines
        if line.startswith("@") and f" MSG {room} " in line and line.endswith(text)
    ]


class KeyedThroughTheDoorsTests(DoorsTestCase):
    """Keyed lines at the line door and ``/ws``; members at every door."""

    timeout = 30

    def line_node(self) -> ChatroomService:
        """Where the account's first device and plain names connect."""
        return self.service

    def other_node(self) -> ChatroomService:
        """Where the account's second device connects."""
        return self.service

    @defer.inlineCallbacks
    def line_on(self, node: ChatroomService, name: str | None = None):
        port = port_of((yield node.listener.whenListening()))
        client: LineClient = yield connect_client(reactor, port, name)
        self.clients.append(client)
        return client

    @defer.inlineCallbacks
    def signed_in(self, node: ChatroomService, name: str, room: str = "general"):
        """A line client of ``node`` signed in to ``name`` (``ids``), in ``room``."""
        client = yield self.line_on(node)
        client.say("/caps ids")
        yield client.expect_line("CAPS ")
        client.say(f"/login {name} {PASSWORD}")
        yield client.expect_line(f"WELCOME {name}")
        client.say(f"/join {room}")
        yield client.expect_line(f"MEMBERS {room}")
        return client

    @defer.inlineCallbacks
    def gathered(self):
        """lina (line, ``ids``), ivy (IRC) and wes (a page, ``ids``) in general."""
        lina, ivy, wes = yield self.three_in_general()
        for client in (lina, wes):
            client.say("/caps ids")
            yield client.expect_line("CAPS ")
        return lina, ivy, wes

    @defer.inlineCallbacks
    def heard_once(self, members, text: str, event_id: str, marker: str):
        """Once ``marker`` (said after) reached them: each member had
        ``text`` once, the ``ids`` ones under ``event_id``."""
        lina, ivy, wes = members
        lina.say(marker)
        for client in (lina, wes):
            yield client.expect(lambda line: line.endswith(" " + marker))
        yield ivy.expect(lambda line: line.endswith(":" + marker))
        for client in (lina, wes):
            self.assertEqual(ids_of(client, "general", " " + text), [event_id])
        privmsgs = [line for line in ivy.lines if line.endswith(":" + text)]
        self.assertEqual(len(privmsgs), 1, privmsgs)

    @defer.inlineCallbacks
    def test_a_page_says_it_once(self):
        """wes's page sends one key twice over ``/ws``: its own copy then
        ``ACK``, then only the same ``ACK``; lina and the IRC member ivy
        each get it once, under the ``ACK``'s id."""
        members = yield self.gathered()
        _, _, wes = members
        keyed = "/txn w1 /say general from the page"
        wes.say(keyed)
        own = yield wes.expect(lambda line: line.endswith(" from the page"))
        first = yield wes.expect_line("ACK ")
        key, target, event_id = ack_of(first)
        self.assertEqual((key, target), ("w1", "general"))
        self.assertTrue(own.startswith(f"@{event_id} MSG general wes "), own)
        wes.say(keyed)
        self.assertEqual((yield wes.expect_line("ACK ")), first)
        yield self.heard_once(members, "from the page", event_id, "after the page")
        self.assertEqual(ids_of(wes, "general", " from the page"), [event_id])

    @defer.inlineCallbacks
    def test_an_account_after_reconnects_and_on_its_other_device(self):
        """alice's key, acknowledged, then sent again after her connection
        dropped and she signed in again, and from her other device: the
        same ``ACK``. So does a key sent just as her connection went down
        (answer unread), sent again after the reconnect, then by the other
        device. Each member gets each once."""
        members = yield self.gathered()
        laptop = yield self.line_on(self.line_node(), "alice")
        laptop.say(f"/register {PASSWORD}")
        yield laptop.expect_line("REGISTERED alice")
        laptop.say("/join general")
        yield laptop.expect_line("MEMBERS general")
        keyed = "/txn a1 /say general first of alice"
        laptop.say(keyed)
        first = yield laptop.expect_line("ACK ")
        laptop.transport.abortConnection()  # no /quit
        yield laptop.closed

        laptop = yield self.signed_in(self.line_node(), "alice")
        laptop.say(keyed)
        self.assertEqual((yield laptop.expect_line("ACK ")), first)
        phone = yield self.signed_in(self.other_node(), "alice")
        phone.say(keyed)
        self.assertEqual((yield phone.expect_line("ACK ")), first)

        dropped = "/txn a2 /say general said as it dropped"
        laptop.transport.write(f"{dropped}\r\n".encode())
        laptop.transport.loseConnection()
        yield laptop.closed
        laptop = yield self.signed_in(self.line_node(), "alice")
        laptop.say(dropped)
        second = yield laptop.expect_line("ACK ")
        phone.say(dropped)
        self.assertEqual((yield phone.expect_line("ACK ")), second)

        yield self.heard_once(members, "first of alice", ack_of(first)[2], "m1")
        yield self.heard_once(members, "said as it dropped", ack_of(second)[2], "m2")

    @defer.inlineCallbacks
    def test_one_key_from_both_devices_at_once(self):
        """alice's two devices send one key in the same moment: one
        message, and the same ``ACK`` on both."""
        members = yield self.gathered()
        laptop = yield self.line_on(self.line_node(), "alice")
        laptop.say(f"/register {PASSWORD}")
        yield laptop.expect_line("REGISTERED alice")
        laptop.say("/join general")
        yield laptop.expect_line("MEMBERS general")
        phone = yield self.signed_in(self.other_node(), "alice")
        keyed = b"/txn both1 /say general from both devices\r\n"
        laptop.transport.write(keyed)
        phone.transport.write(keyed)
        one = yield laptop.expect_line("ACK ")
        two = yield phone.expect_line("ACK ")
        self.assertEqual(one, two)
        yield self.heard_once(members, "from both devices", ack_of(one)[2], "m3")

    @defer.inlineCallbacks
    def test_a_plain_name_taken_back_is_the_same_sender(self):
        """dave (no account) says a keyed line, drops, comes back as dave
        and sends it again: the same ``ACK``, and one message."""
        members = yield self.gathered()
        dave = yield self.line_on(self.line_node(), "dave")
        dave.say("/join general")
        yield dave.expect_line("MEMBERS general")
        keyed = "/txn d1 /say general plain words"
        dave.say(keyed)
        first = yield dave.expect_line("ACK ")
        dave.transport.abortConnection()
        yield dave.closed
        yield members[0].expect_line("PART general dave ")  # the name is free

        dave = yield self.line_on(self.line_node(), "dave")
        dave.say("/join general")
        yield dave.expect_line("MEMBERS general")
        dave.say(keyed)
        self.assertEqual((yield dave.expect_line("ACK ")), first)
        yield self.heard_once(members, "plain words", ack_of(first)[2], "m4")

    @defer.inlineCallbacks
    def test_a_keyed_private_message_between_accounts(self):
        """alice's ``/txn p1 /msg bob ...`` twice: ``ACK p1 @bob ID`` both
        times, bob's ``PRIVMSG`` once."""
        alice = yield self.line_on(self.line_node(), "alice")
        alice.say(f"/register {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        bob = yield self.line_on(self.other_node(), "bob")
        bob.say(f"/register {PASSWORD}")
        yield bob.expect_line("REGISTERED bob")
        keyed = "/txn p1 /msg bob hello bob"
        alice.say(keyed)
        first = yield alice.expect_line("ACK ")
        key, target, event_id = ack_of(first)
        self.assertEqual((key, target), ("p1", "@bob"))
        self.assertNotEqual(event_id, "-")
        alice.say(keyed)
        self.assertEqual((yield alice.expect_line("ACK ")), first)
        alice.say("/msg bob after it")
        yield bob.expect(lambda line: line.endswith(" after it"))
        got = [line for line in bob.lines if line.endswith(" hello bob")]
        self.assertEqual(len(got), 1, got)


class KeyedOnTwoNodesTests(DoorsOnTwoNodes, KeyedThroughTheDoorsTests):
    """The same on two nodes: an account's devices one on each."""

    def line_node(self) -> ChatroomService:
        return self.service

    def other_node(self) -> ChatroomService:
        return self.other
