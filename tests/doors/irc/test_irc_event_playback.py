"""``draft/event-playback``: topic changes and tags-only messages kept in a
room's history and played back to the IRC clients that ask (irctest
chathistory.py testChathistoryEventPlayback, testChathistoryTagmsg);
everyone else's history is as before.

Real :class:`IRCProtocol` objects and line sessions over
``StringTransport`` on one server with a ``task.Clock``
(:mod:`tests.doors.irc.test_irc`).
"""

from __future__ import annotations

from chatroom.wire.lines import format_time
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged

HISTORY = ("message-tags", "server-time", "echo-message", "batch", "draft/chathistory")
#: A client replayed a room's history on joining (no draft/chathistory).
REPLAYED = ("message-tags", "server-time", "batch")


class EventPlaybackTests(CapsTestCase):
    """alice sets the topic and speaks, in turns, in #tea."""

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.capped("alice", *HISTORY, "draft/event-playback")
        self.alice.send("JOIN #tea")
        self.alice.received()
        #: What alice was sent back for each line: a TOPIC, a PRIVMSG...
        self.echoes: list[str] = []
        for n in range(3):
            self.clock.advance(1)
            self.alice.send(f"TOPIC #tea :topic {n}")
            self.echoes += self.alice.received()
            self.clock.advance(1)
            self.alice.send(f"PRIVMSG #tea :message {n}")
            self.echoes += self.alice.received()

    def history(
        self, client: IRCClient, request: str
    ) -> list[tuple[dict[str, str], str]]:
        """The lines inside the batch answering ``CHATHISTORY request``,
        their ``batch`` tag taken off."""
        client.send(f"CHATHISTORY {request}")
        _start, *inner, _end = client.received()
        out = []
        for line in inner:
            tags = tags_of(line)
            del tags["batch"]
            out.append((tags, untagged(line)))
        return out

    def test_topics_are_played_back_with_their_echoes_ids_and_times(self) -> None:
        """The echo of each TOPIC has a msgid and a time; CHATHISTORY gives
        TOPIC and PRIVMSG lines in order, each exactly as echoed."""
        self.assertEqual(len(self.echoes), 6)
        self.assertTrue(all("msgid" in tags_of(echo) for echo in self.echoes))
        echoed = [(tags_of(echo), untagged(echo)) for echo in self.echoes]
        self.assertEqual(self.history(self.alice, "LATEST #tea * 10"), echoed)
        self.assertEqual(
            untagged(self.echoes[2]), ":alice!alice@chatroom TOPIC #tea :topic 1"
        )
        msgid = tags_of(self.echoes[2])["msgid"]
        self.assertEqual(
            self.history(self.alice, f"BEFORE #tea msgid={msgid} 10"), echoed[:2]
        )
        stamp = tags_of(self.echoes[2])["time"]
        self.assertEqual(
            self.history(self.alice, f"AFTER #tea timestamp={stamp} 10"), echoed[3:]
        )

    def test_without_playback_only_messages(self) -> None:
        """bob (chathistory, no event-playback) gets the PRIVMSGs only; a
        plain joiner's replay has the messages, not the topic changes."""
        bob = self.capped("bob", *HISTORY)
        bob.send("JOIN #tea")
        bob.received()
        got = [line for _tags, line in self.history(bob, "LATEST #tea * 10")]
        self.assertEqual(
            got, [f":alice!alice@chatroom PRIVMSG #tea :message {n}" for n in range(3)]
        )
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        lines = carol.received()
        self.assertEqual(sum(" PRIVMSG #tea " in line for line in lines), 3)
        self.assertFalse([line for line in lines if " TOPIC " in line])

    def test_line_users_see_topics_as_before(self) -> None:
        """A line user's /history has the messages only; with /caps ids a
        live TOPIC carries its id, and with rich its time too."""
        said = format_time(self.clock.seconds())  # message 2's time
        lina = self.line("lina", "tea")
        lina.send("/history 10")
        lines = lina.received()
        self.assertEqual(
            [x for x in lines if x.startswith("HISTORY ")][-1:],
            [f"HISTORY tea alice {said} message 2"],
        )
        self.assertFalse([x for x in lines if "TOPIC" in x])
        lina.send("/caps rich")
        lina.received()
        self.clock.advance(1)
        self.alice.send("TOPIC #tea :rich")
        self.assertEqual(
            lina.received(),
            [f"@7;time={format_time(self.clock.seconds())} TOPIC tea alice rich"],
        )


class TagPlaybackTests(CapsTestCase):
    """alice sends #tea a message, then a TAGMSG of her client's own tags."""

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.capped("alice", *HISTORY, "draft/event-playback")
        self.alice.send("JOIN #tea")
        self.alice.received()
        self.clock.advance(1)
        self.alice.send("PRIVMSG #tea :hello", "@+example/emoji=tea TAGMSG #tea")
        #: alice's echoes: the PRIVMSG, the TAGMSG.
        self.echoes = self.alice.received()

    def replayed(self, client: IRCClient) -> list[tuple[dict[str, str], str]]:
        """What ``client`` is replayed on joining #tea: the lines of its
        ``chathistory`` batch (after NAMES' end), their ``batch`` tag taken
        off."""
        client.send("JOIN #tea")
        lines = client.received()
        start = next(i for i, x in enumerate(lines) if " chathistory #tea" in x)
        self.assertIn(" 366 ", lines[start - 1])
        end = next(i for i in range(start, len(lines)) if " BATCH -" in lines[i])
        out = []
        for line in lines[start + 1 : end]:
            tags = tags_of(line)
            del tags["batch"]
            out.append((tags, untagged(line)))
        return out

    def echoed(self) -> list[tuple[dict[str, str], str]]:
        """alice's echoes as :meth:`replayed` gives lines."""
        return [(tags_of(line), untagged(line)) for line in self.echoes]

    def test_a_joiner_with_event_playback_is_replayed_the_tagmsg(self) -> None:
        """The TAGMSG's echo carries the room's msgid (one after the
        message's) and its time; a joiner with event-playback is replayed
        both lines exactly as echoed, after NAMES as every replay is."""
        message, tags = (tags_of(line)["msgid"] for line in self.echoes)
        self.assertEqual(tags.rpartition("-")[0], message.rpartition("-")[0])
        self.assertEqual(int(tags.rpartition("-")[2]), int(message[-1]) + 1)
        bob = self.capped("bob", *REPLAYED, "draft/event-playback")
        self.assertEqual(self.replayed(bob), self.echoed())
        self.assertEqual(tags_of(self.echoes[1])["+example/emoji"], "tea")

    def test_without_event_playback_no_tagmsg(self) -> None:
        """A joiner with message-tags but no event-playback is replayed the
        message alone (as it was, but for its account); a plain client sees
        no TAGMSG either."""
        bob = self.capped("bob", *REPLAYED)
        self.assertEqual(self.replayed(bob), self.echoed()[:1])
        carol = self.irc("carol")
        carol.send("JOIN #tea")
        self.assertFalse([x for x in carol.received() if "TAGMSG" in x])
