"""IRCv3 at the IRC door: capability negotiation, tags, echo, batches,
labeled responses, history as messages, CHATHISTORY and long lines.

Real :class:`IRCProtocol` objects over ``StringTransport`` with line users
(:class:`tests.support.FakeClient`) on one server and a ``task.Clock``, as
in :mod:`tests.doors.irc.test_irc`. Where a test checks what an irctest server test
checks, the comment names it (``progval/irctest``, ``irctest/server_tests``);
these are our own tests of the same behaviour, not its code.
"""

from __future__ import annotations

from chatroom.core.model.events import Invitation, Message
from chatroom.wire.tags import parse_tags
from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import STAMP, in_process_only, local_backend


def tags_of(line: str) -> dict[str, str]:
    """The tags of a line the server sent ({} for none)."""
    if not line.startswith("@"):
        return {}
    return parse_tags(line[1:].partition(" ")[0])


def untagged(line: str) -> str:
    """The line without its tag section."""
    return line.partition(" ")[2] if line.startswith("@") else line


class CapsTestCase(IRCTestCase):
    """Clients that negotiate capabilities."""

    def capped(self, nick: str, *caps: str) -> IRCClient:
        """An IRC client registered as ``nick`` with ``caps`` enabled."""
        client = IRCClient(self.next_door())
        client.send("CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        if caps:
            client.send(f"CAP REQ :{' '.join(caps)}")
        client.received()
        client.send("CAP END")
        lines = client.received()
        self.assertIn(f" 001 {nick} ", lines[0])
        return client


class NegotiationTests(CapsTestCase):
    """CAP LS, REQ, LIST, END as the capability-negotiation spec says."""

    def test_ls_302_has_values_and_implies_cap_notify(self) -> None:
        """CAP LS 302 shows values (sasl=PLAIN, multiline limits) and enables
        cap-notify; irctest cap.py testReqOne's listing."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302")
        lines = client.received()  # continued with "*" past 400 bytes
        offered = [o for line in lines for o in line.split(" :", 1)[1].split()]
        self.assertIn("sasl=PLAIN,SCRAM-SHA-256", offered)
        self.assertIn("server-time", offered)
        self.assertIn("draft/chathistory", offered)
        self.assertTrue(
            any(o.startswith("draft/multiline=max-bytes=") for o in offered)
        )
        client.send("CAP LIST")
        self.assertEqual(client.received(), [":chatroom CAP * LIST :cap-notify"])

    def test_ls_301_has_no_values(self) -> None:
        """A plain CAP LS gets names without values, on one line
        (irctest cap.py testIrc301CapLs, testNoMultiline301Response)."""
        client = IRCClient(self.factory)
        client.send("CAP LS")
        (line,) = client.received()
        self.assertNotIn("=", line.split(" :", 1)[1])
        self.assertNotIn(" LS * ", line)

    def test_empty_list_and_bad_subcommand(self) -> None:
        """CAP LIST with nothing on is an empty parameter; an unknown
        subcommand is 410 (irctest cap.py testEmptyCapList,
        testInvalidCapSubcommand)."""
        client = IRCClient(self.factory)
        client.send("CAP LIST")
        self.assertEqual(client.received(), [":chatroom CAP * LIST :"])
        client.send("CAP NOTACOMMAND")
        self.assertEqual(
            client.received(), [":chatroom 410 * NOTACOMMAND :Invalid CAP command"]
        )

    def test_req_is_all_or_nothing(self) -> None:
        """One unknown capability NAKs the whole request, exactly as sent,
        and changes nothing (irctest cap.py testNakWhole, testNakExactString)."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302", "CAP REQ :server-time foo")
        self.assertEqual(client.received()[-1], ":chatroom CAP * NAK :server-time foo")
        client.send("CAP LIST")
        self.assertEqual(client.received(), [":chatroom CAP * LIST :cap-notify"])

    def test_req_after_registration_and_removal(self) -> None:
        """REQ works once registered; -cap removes it (irctest cap.py
        testReqPostRegistration, testCapRemovalByClient)."""
        alice = self.irc("alice")
        alice.send("CAP REQ :server-time echo-message")
        self.assertEqual(
            alice.received(), [":chatroom CAP alice ACK :server-time echo-message"]
        )
        alice.send("CAP REQ :-echo-message", "CAP LIST")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom CAP alice ACK :-echo-message",
                ":chatroom CAP alice LIST :server-time",
            ],
        )

    def test_isupport_names_chathistory_limits(self) -> None:
        """005 says how many messages CHATHISTORY gives and what references."""
        client = IRCClient(self.factory)
        client.send("NICK alice", "USER alice 0 * :A")
        isupport = [
            token
            for line in client.received()
            if " 005 " in line
            for token in line.split()
        ]
        self.assertIn("CHATHISTORY=200", isupport)
        self.assertIn("MSGREFTYPES=msgid,timestamp", isupport)


class TagsTests(CapsTestCase):
    """server-time, msgid, echo-message, and the cost of variants."""

    def test_time_and_msgid_match_the_line_doors_id(self) -> None:
        """A line user's message reaches a server-time + message-tags client
        with its time and the msgid of the id the line door shows with
        /caps ids (irctest time.py testTime, message_tags.py testBasic)."""
        line, _ = self.line_room("bob")
        alice = self.capped("alice", "server-time", "message-tags")
        alice.send("JOIN #tea")
        alice.received()
        line.send("/caps ids")
        line.received()
        line.send("hello")
        (mine,) = [x for x in line.received() if " hello" in x]
        (got,) = alice.received()
        self.assertEqual(untagged(got), ":bob!bob@chatroom PRIVMSG #tea :hello")
        self.assertEqual(tags_of(got)["time"], STAMP)
        self.assertEqual(
            tags_of(got)["msgid"], self.msgid("tea", mine.split(" ")[0][1:])
        )

    @in_process_only("broadcasts an event straight into an in-process room")
    def test_plain_clients_get_the_old_bytes_once_per_variant(self) -> None:
        """Clients without capabilities get untagged lines; one event is
        rendered once per variant in use, however many members share it."""
        clients = [self.irc(f"plain{n}") for n in range(3)]
        clients += [self.capped(f"timed{n}", "server-time") for n in range(3)]
        for client in clients:
            client.send("JOIN #general")
        for client in clients:
            client.received()
        event = Message("general", "someone", STAMP, "hi", id="7")
        local_backend(self.server).rooms.by_key["general"].broadcast(event)
        self.assertEqual(len(event._encoded or {}), 2)
        plain = {c.transport.value() for c in clients[:3]}
        timed = {c.transport.value() for c in clients[3:]}
        self.assertEqual(plain, {b":someone!someone@chatroom PRIVMSG #general :hi\r\n"})
        self.assertEqual(
            timed,
            {
                b"@time="
                + STAMP.encode()
                + b" :someone!someone@chatroom PRIVMSG #general :hi\r\n"
            },
        )

    def test_echo_message(self) -> None:
        """With echo-message one's own channel and private messages come
        back, tagged like everyone's (irctest echo_message.py
        testEchoMessage, testDirectMessageEcho); without it they do not."""
        _, (bob,) = self.line_room("carol", "bob")
        alice = self.capped("alice", "echo-message", "server-time", "message-tags")
        alice.send("JOIN #tea")
        alice.received()
        bob.received()
        alice.send("PRIVMSG #tea :hi all")
        (echo,) = alice.received()
        (seen,) = bob.received()
        self.assertEqual(untagged(echo), seen)
        self.assertEqual(tags_of(echo)["time"], STAMP)
        alice.send("PRIVMSG bob :psst")
        (echo,) = alice.received()
        self.assertEqual(untagged(echo), ":alice!alice@chatroom PRIVMSG bob :psst")
        self.assertTrue(tags_of(echo)["msgid"])
        self.assertEqual(bob.received(), [":alice!alice@chatroom PRIVMSG bob :psst"])
        bob.send("PRIVMSG #tea :me too")
        self.assertEqual(bob.received(), [])

    def test_tagmsg_reaches_message_tags_clients_only(self) -> None:
        """Client-only tags travel with TAGMSG to IRC members who asked for
        message-tags (irctest message_tags.py testRecipientCapability)."""
        _, (plain,) = self.line_room("carol", "plain")
        alice = self.capped("alice", "message-tags")
        bob = self.capped("bob", "message-tags")
        for client in (alice, bob):
            client.send("JOIN #tea")
        alice.received()
        bob.received()
        plain.received()
        alice.send("@+typing=active;label=x TAGMSG #tea")
        (relayed,) = bob.received()
        self.assertEqual(untagged(relayed), ":alice!alice@chatroom TAGMSG #tea")
        self.assertEqual(tags_of(relayed)["+typing"], "active")
        self.assertTrue(tags_of(relayed)["msgid"])  # a TAGMSG has its own id
        self.assertEqual(plain.received(), [])
        self.assertEqual(alice.received(), [])

    def test_setname_and_userhost_in_names(self) -> None:
        """SETNAME answers with SETNAME and WHOIS shows the new name
        (irctest setname.py testSetnameMessage); userhost-in-names gives
        nick!user@host in 353."""
        alice = self.capped("alice", "setname", "userhost-in-names")
        alice.send("SETNAME :Alice Liddell")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom SETNAME :Alice Liddell"]
        )
        alice.send("JOIN #tea")
        names = next(x for x in alice.received() if " 353 " in x)
        self.assertTrue(names.endswith(":@alice!alice@chatroom"), names)
        alice.send("WHOIS alice")
        whois = next(x for x in alice.received() if " 311 " in x)
        self.assertTrue(whois.endswith(":Alice Liddell"), whois)
        alice.send("SETNAME :bad\x07name")
        self.assertEqual(
            alice.received(),
            [":chatroom FAIL SETNAME INVALID_REALNAME :Realname is not valid"],
        )

    def test_personal_events_are_timed(self) -> None:
        """A kick addressed to a server-time client carries the time too."""
        line, _ = self.line_room("carol")
        alice = self.capped("alice", "server-time")
        alice.send("JOIN #tea")
        alice.received()
        line.send("/kick alice bye")
        (kick,) = [x for x in alice.received() if " KICK " in x]
        self.assertEqual(tags_of(kick), {"time": STAMP})
        self.assertEqual(untagged(kick), ":carol!carol@chatroom KICK #tea alice :bye")

    def test_a_nick_is_timed_in_a_channel_or_none(self) -> None:
        """The core tells a user its own rename, in channels or none, so a
        server-time client's NICK carries the time either way."""
        alice = self.capped("alice", "server-time")
        alice.send("NICK alicia")
        (nick,) = alice.received()
        self.assertEqual(tags_of(nick), {"time": STAMP})
        self.assertEqual(untagged(nick), ":alice!alice@chatroom NICK :alicia")
        alice.send("JOIN #tea")
        alice.received()
        alice.send("NICK alice")
        (nick,) = alice.received()
        self.assertEqual(tags_of(nick), {"time": STAMP})

    @in_process_only("broadcasts an event straight into an in-process room")
    def test_invite_notify(self) -> None:
        """An invitation shows as INVITE to members with invite-notify, and
        not at all to the others (irctest invite
        testInviteNoNotificationForOtherMembers)."""
        _, (plain,) = self.line_room("carol", "plain")
        alice = self.capped("alice", "invite-notify")
        alice.send("JOIN #tea")
        alice.received()
        plain.received()
        event = Invitation("tea", "dave", "carol")
        local_backend(self.server).rooms.by_key["tea"].broadcast(event)
        self.assertEqual(alice.received(), [":carol!carol@chatroom INVITE dave :#tea"])
        self.assertEqual(plain.received(), [])
