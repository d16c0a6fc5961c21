"""``CHATHISTORY`` on a nick: the account's private conversation (irctest
chathistory.py testChathistoryDMs, testChathistoryDMClientOnlyTags, and
testChathistoryTagmsg's TAGMSG to a nick).

Real :class:`IRCProtocol` objects over ``StringTransport`` on one server
with a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); accounts registered through
a line session, signed in with ``PASS``.
"""

from __future__ import annotations

from chatroom.wire.lines import format_time
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import tags_of, untagged

CAPS = "message-tags server-time echo-message batch draft/chathistory"


class PrivateChathistoryTests(AccountsCase):
    """Two accounts talk; each reads the conversation back by nick."""

    def client(self, nick: str, account: bool = True, caps: str = CAPS) -> IRCClient:
        """``nick`` with the history capabilities (``caps``), signed in if
        ``account``."""
        client = self.irc()
        if account:
            client.send(f"PASS {nick}:{PASSWORD}")
        client.send(f"CAP REQ :{caps}", f"NICK {nick}", f"USER {nick} 0 * :N")
        client.send("CAP END")
        client.received()
        return client

    def setUp(self) -> None:
        super().setUp()
        self.account("foo")
        self.account("bar")
        self.foo, self.bar = self.client("foo"), self.client("bar")
        #: Each message's echo, as its sender saw it.
        self.echoes: list[str] = []
        for n in range(6):
            sender, to = (self.foo, "bar") if n % 2 == 0 else (self.bar, "foo")
            self.clock.advance(1)
            sender.send(f"PRIVMSG {to} :message {n}")
            (echo,) = sender.received()
            self.echoes.append(echo)
            (self.bar if sender is self.foo else self.foo).received()
        self.foo.received(), self.bar.received()

    def asked(self, client: IRCClient, request: str) -> list[str]:
        """The PRIVMSG lines of the answer to ``CHATHISTORY request``, their
        ``batch`` tag taken off; checks the batch around them."""
        client.send(f"CHATHISTORY {request}")
        start, *inner, end = client.received()
        self.assertIn(" BATCH +", start)
        self.assertTrue(start.endswith(" chathistory " + request.split()[1]), start)
        self.assertIn(" BATCH -", end)
        out = []
        for line in inner:
            tags = tags_of(line)
            del tags["batch"]
            shown = ";".join(f"{k}={v}" for k, v in sorted(tags.items()))
            out.append(f"{shown} {untagged(line)}")
        return out

    def echoed(self, *indices: int) -> list[str]:
        """The echoes of messages ``indices``, in the form :meth:`asked` gives."""
        out = []
        for index in indices:
            line = self.echoes[index]
            tags = sorted(tags_of(line).items())
            out.append(f"{';'.join(f'{k}={v}' for k, v in tags)} {untagged(line)}")
        return out

    def echo_msgid(self, index: int) -> str:
        """The msgid of the echo of message ``index``."""
        return tags_of(self.echoes[index])["msgid"]

    def test_latest_from_both_sides(self) -> None:
        """``LATEST <nick> * N``: the newest N of the conversation, as the
        echoes were (same msgid, time, source, target), from either side
        and whatever case the nick is given in."""
        self.assertEqual(
            self.asked(self.foo, "LATEST bar * 10"), self.echoed(*range(6))
        )
        self.assertEqual(self.asked(self.bar, "LATEST FOO * 2"), self.echoed(4, 5))

    def test_references(self) -> None:
        """BEFORE, AFTER, AROUND and BETWEEN by msgid and by timestamp, as
        for a room: references exclusive, AROUND's msgid included."""
        ask = self.foo
        third = self.echo_msgid(2)
        self.assertEqual(
            self.asked(ask, f"BEFORE bar msgid={third} 10"), self.echoed(0, 1)
        )
        self.assertEqual(
            self.asked(ask, f"AFTER bar msgid={third} 2"), self.echoed(3, 4)
        )
        self.assertEqual(
            self.asked(ask, f"AROUND bar msgid={third} 3"), self.echoed(1, 2, 3)
        )
        self.assertEqual(
            self.asked(
                ask,
                f"BETWEEN bar msgid={self.echo_msgid(0)} msgid={self.echo_msgid(4)} 10",
            ),
            self.echoed(1, 2, 3),
        )
        stamp = tags_of(self.echoes[3])["time"]
        self.assertEqual(
            self.asked(ask, f"AFTER bar timestamp={stamp} 10"), self.echoed(4, 5)
        )
        self.assertEqual(
            self.asked(ask, f"LATEST bar timestamp={stamp} 10"), self.echoed(4, 5)
        )
        self.assertEqual(
            self.asked(ask, f"BEFORE bar timestamp={stamp} 10"), self.echoed(0, 1, 2)
        )

    def test_other_conversations_apart(self) -> None:
        """A third user's messages with foo are not in foo's conversation
        with bar; a plain user reads nothing, and an account registered
        later under the plain name does not read the plain name's."""
        baz = self.client("baz", account=False)
        baz.send("PRIVMSG foo :separate")
        baz.received(), self.foo.received()
        self.assertEqual(len(self.asked(self.foo, "LATEST baz * 10")), 1)
        self.assertEqual(
            self.asked(self.foo, "LATEST bar * 10"), self.echoed(*range(6))
        )
        self.assertEqual(self.asked(baz, "LATEST foo * 10"), [])
        baz.send("QUIT")
        self.account("baz")
        again = self.client("baz")
        self.assertEqual(self.asked(again, "LATEST foo * 10"), [])

    def test_targets_include_conversations(self) -> None:
        """TARGETS lists foo's conversation with bar beside his channel,
        oldest newest-message first, each with its newest message's bare
        time; a window ending at bar's last message leaves him out (both
        bounds are excluded)."""
        self.clock.advance(1)
        self.foo.send("JOIN #tea", "PRIVMSG #tea :in the room")
        in_room = format_time(self.clock.seconds())
        self.foo.received()
        window = "timestamp=2026-01-01T00:00:00Z timestamp=2027-01-01T00:00:00Z"
        self.foo.send(f"CHATHISTORY TARGETS {window} 10")
        start, *inner, _end = self.foo.received()
        self.assertIn(" draft/chathistory-targets", start)
        last_to_bar = tags_of(self.echoes[-1])["time"]
        self.assertEqual(
            [untagged(line).split(" ")[3:] for line in inner],
            [["bar", last_to_bar], ["#tea", in_room]],
        )
        early = "timestamp=2026-01-01T00:00:00Z"
        self.foo.send(f"CHATHISTORY TARGETS {early} timestamp={last_to_bar} 10")
        _start, *inner, _end = self.foo.received()
        self.assertEqual(inner, [])

    def test_unknown_msgid(self) -> None:
        """A msgid that is no message of the conversation is
        ``FAIL CHATHISTORY INVALID_PARAMS``."""
        self.foo.send("CHATHISTORY BEFORE bar msgid=nothing 10")
        (line,) = self.foo.received()
        self.assertIn(" FAIL CHATHISTORY INVALID_PARAMS ", line)

    def test_client_tags_kept(self) -> None:
        """A private message's client-only tags come back in its history,
        with the msgid its echo had."""
        self.foo.send("@+example=success PRIVMSG bar :tagged")
        (echo,) = self.foo.received()
        self.bar.received()
        (line,) = self.asked(self.bar, "LATEST foo * 1")
        self.assertIn("+example=success", line)
        self.assertIn(f"msgid={tags_of(echo)['msgid']}", line)

    def test_tags_only_with_event_playback(self) -> None:
        """foo's TAGMSG to bar is kept in their conversation: bar (no
        event-playback) reads the messages alone; foo's new session with
        event-playback reads the TAGMSG too, as bar got it live (msgid,
        time, tags), after the messages before it."""
        self.clock.advance(1)
        self.foo.send("@+example=tea TAGMSG bar")
        self.foo.received()
        (live,) = self.bar.received()
        self.assertEqual(
            self.asked(self.bar, "LATEST foo * 10"), self.echoed(*range(6))
        )
        played = self.client("foo", caps=f"{CAPS} draft/event-playback")
        got = self.asked(played, "LATEST bar * 2")
        tags = ";".join(f"{k}={v}" for k, v in sorted(tags_of(live).items()))
        self.assertEqual(got, [*self.echoed(5), f"{tags} {untagged(live)}"])
