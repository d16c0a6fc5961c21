"""IRCv3 at the IRC door, continued: history as messages, CHATHISTORY,
labeled responses, and lines that never pass 512 bytes.

As :mod:`tests.doors.irc.test_ircv3`: real protocols on ``StringTransport``, a line
user saying what IRC users read; irctest tests of the same behaviour are
named in comments.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chatroom.doors.irc.tags import MAX_LINE
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import STAMP

HISTORY_CAPS = ("batch", "server-time", "message-tags")


class ReplayTests(CapsTestCase):
    """What a joiner gets of the room's past."""

    def said_by_bob(self, *texts: str) -> None:
        """Room tea, made by line user bob, who said ``texts`` (and stays)."""
        bob = self.line("bob")
        bob.send("/create tea")
        for text in texts:
            bob.send(text)
        bob.send("/me waves")
        self.bob = bob

    def test_batched_original_messages_with_their_time(self) -> None:
        """With batch and server-time: a chathistory batch of PRIVMSGs from
        the original nick, each with its original time and msgid."""
        self.said_by_bob("hello", "again")
        alice = self.capped("alice", *HISTORY_CAPS)
        alice.send("JOIN #tea")
        lines = alice.received()
        start = lines.index(next(x for x in lines if " BATCH +" in x))
        ref = lines[start].split(" ")[2][1:]
        self.assertEqual(lines[start], f":chatroom BATCH +{ref} chathistory #tea")
        inside = lines[start + 1 : start + 4]
        self.assertEqual(
            [untagged(x) for x in inside],
            [
                ":bob!bob@chatroom PRIVMSG #tea :hello",
                ":bob!bob@chatroom PRIVMSG #tea :again",
                ":bob!bob@chatroom PRIVMSG #tea :\x01ACTION waves\x01",
            ],
        )
        self.assertEqual(
            [tags_of(x) for x in inside],
            [
                {"batch": ref, "time": STAMP, "msgid": self.msgid("tea", 1)},
                {"batch": ref, "time": STAMP, "msgid": self.msgid("tea", 2)},
                {"batch": ref, "time": STAMP, "msgid": self.msgid("tea", 3)},
            ],
        )
        self.assertEqual(lines[start + 4], f":chatroom BATCH -{ref}")

    def test_readable_without_server_time(self) -> None:
        """Without capabilities: the same messages from their nicks, the
        time they were said before the text; never server notices."""
        self.said_by_bob("hello")
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        lines = alice.received()
        self.assertIn(":bob!bob@chatroom PRIVMSG #tea :[18:04] hello", lines)
        self.assertIn(
            ":bob!bob@chatroom PRIVMSG #tea :\x01ACTION [18:04] waves\x01", lines
        )
        self.assertFalse([x for x in lines if " NOTICE " in x])

    def test_no_replay_for_chathistory_clients(self) -> None:
        """A draft/chathistory client asks for history itself: its JOIN
        brings none (irctest chathistory.py: history only on request)."""
        self.said_by_bob("hello")
        alice = self.capped("alice", "draft/chathistory", *HISTORY_CAPS)
        alice.send("JOIN #tea")
        self.assertFalse([x for x in alice.received() if "PRIVMSG" in x])


class ChathistoryTests(CapsTestCase):
    """CHATHISTORY's subcommands (irctest chathistory.py testChathistory
    for LATEST, BEFORE, AFTER, BETWEEN, AROUND)."""

    def setUp(self) -> None:
        super().setUp()
        bob = self.line("bob")
        bob.send("/create tea")
        for n in range(1, 11):
            self.clock.advance(1)
            bob.send(f"message {n}")
        self.alice = self.capped("alice", "draft/chathistory", *HISTORY_CAPS)
        self.alice.send("JOIN #tea")
        self.alice.received()

    def ref(self, event_id: int) -> str:
        """A reference to message ``event_id`` of tea: ``msgid=`` its msgid."""
        return f"msgid={self.msgid('tea', event_id)}"

    def history(self, request: str) -> list[str]:
        """The texts of the messages CHATHISTORY answers, checking the batch."""
        self.alice.send(f"CHATHISTORY {request}")
        lines = self.alice.received()
        ref = lines[0].split(" ")[2][1:]
        self.assertEqual(lines[0], f":chatroom BATCH +{ref} chathistory #tea")
        self.assertEqual(lines[-1], f":chatroom BATCH -{ref}")
        for line in lines[1:-1]:
            self.assertEqual(tags_of(line)["batch"], ref)
        return [untagged(x).split(" :", 1)[1] for x in lines[1:-1]]

    def test_latest(self) -> None:
        """LATEST * gives the newest, oldest first; LATEST msgid= only
        those after it."""
        self.assertEqual(
            self.history("LATEST #tea * 3"), [f"message {n}" for n in (8, 9, 10)]
        )
        self.assertEqual(
            self.history(f"LATEST #tea {self.ref(8)} 5"), ["message 9", "message 10"]
        )

    def test_before_after_around_between(self) -> None:
        """Each subcommand's window, by msgid and by timestamp; a timestamp
        names the message said then as its msgid would (references are
        exclusive: irctest testChathistory[AFTER], [LATEST])."""
        texts = [f"message {n}" for n in range(11)]
        self.assertEqual(self.history(f"BEFORE #tea {self.ref(5)} 2"), texts[3:5])
        self.assertEqual(self.history(f"AFTER #tea {self.ref(5)} 2"), texts[6:8])
        self.assertEqual(self.history(f"AROUND #tea {self.ref(5)} 3"), texts[4:7])
        self.assertEqual(
            self.history(f"BETWEEN #tea {self.ref(2)} {self.ref(6)} 10"), texts[3:6]
        )
        self.assertEqual(
            self.history(f"BETWEEN #tea {self.ref(6)} {self.ref(2)} 2"), texts[4:6]
        )
        # message n was said at NOW + n seconds
        at = "2026-11-21T18:04:10.500Z"  # message 5
        self.assertEqual(self.history(f"BEFORE #tea timestamp={at} 2"), texts[3:5])
        self.assertEqual(self.history(f"AFTER #tea timestamp={at} 2"), texts[6:8])
        self.assertEqual(self.history(f"LATEST #tea timestamp={at} 2"), texts[9:11])
        between = f"BETWEEN #tea timestamp={at} {self.ref(8)} 10"
        self.assertEqual(self.history(between), texts[6:8])

    def test_timestamps_are_the_original_times(self) -> None:
        """Each message carries the time it was said, and its msgid."""
        self.alice.send("CHATHISTORY LATEST #tea * 1")
        line = self.alice.received()[1]
        self.assertEqual(tags_of(line)["time"], "2026-11-21T18:04:15.500Z")
        self.assertEqual(tags_of(line)["msgid"], self.msgid("tea", 10))

    def test_empty_batch_and_private_targets(self) -> None:
        """Nothing to give is still a batch; a nick (private messages are
        not stored) gets an empty one."""
        self.assertEqual(self.history(f"AFTER #tea {self.ref(10)} 5"), [])
        self.alice.send("CHATHISTORY LATEST bob * 5")
        lines = self.alice.received()
        self.assertEqual(len(lines), 2)
        self.assertIn(" BATCH +", lines[0])

    def test_targets(self) -> None:
        """TARGETS lists rooms with messages between two times, each with
        the bare time of its newest (irctest testChathistoryTargets)."""
        self.alice.send(
            "CHATHISTORY TARGETS timestamp=2026-11-21T00:00:00Z "
            "timestamp=2026-11-22T00:00:00Z 10"
        )
        lines = self.alice.received()
        self.assertIn(" draft/chathistory-targets", lines[0])
        self.assertEqual(
            untagged(lines[1]),
            ":chatroom CHATHISTORY TARGETS #tea 2026-11-21T18:04:15.500Z",
        )

    def test_refusals(self) -> None:
        """Bad requests are FAIL CHATHISTORY with the specification's codes
        (irctest chathistory.py testInvalidTargets); a msgid that is not
        one of the room's is unknown."""
        cases = {
            "LATEST #nowhere * 10": "FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere",
            "SIDEWAYS #tea * 10": "FAIL CHATHISTORY INVALID_PARAMS SIDEWAYS",
            "LATEST #tea *": "FAIL CHATHISTORY NEED_MORE_PARAMS LATEST",
            "BEFORE #tea msgid=x 5": "FAIL CHATHISTORY INVALID_PARAMS BEFORE",
            # the line door's id, and another room's msgid, name none of tea
            "AFTER #tea msgid=5 5": "FAIL CHATHISTORY INVALID_PARAMS AFTER",
            f"AROUND #tea msgid={self.msgid('cafe', 5)} 5": (
                "FAIL CHATHISTORY INVALID_PARAMS AROUND"
            ),
            "BEFORE #tea timestamp=then 5": "FAIL CHATHISTORY INVALID_PARAMS BEFORE",
            "LATEST #tea * none": "FAIL CHATHISTORY INVALID_PARAMS LATEST",
        }
        for request, expected in cases.items():
            self.alice.send(f"CHATHISTORY {request}")
            (line,) = self.alice.received()
            self.assertTrue(line.startswith(f":chatroom {expected} "), (request, line))


class LabeledTests(CapsTestCase):
    """labeled-response (irctest labeled_responses.py)."""

    def test_single_reply_ack_and_batch(self) -> None:
        """One reply carries the label (testNoBatchForSingleMessage); no reply
        is a labeled ACK (testEmptyBatchForNoResponse); several are a
        labeled-response batch (testBatchedJoinMessages); a refusal is
        labeled too (testUnknownCommand)."""
        alice = self.capped("alice", "batch", "labeled-response")
        alice.send("@label=98765 PING adhoc")
        self.assertEqual(
            alice.received(), ["@label=98765 :chatroom PONG chatroom :adhoc"]
        )
        alice.send("@label=1 PONG adhoc")
        self.assertEqual(alice.received(), ["@label=1 :chatroom ACK"])
        alice.send("@label=deadbeef NONEXISTENT")
        (line,) = alice.received()
        self.assertTrue(line.startswith("@label=deadbeef :chatroom 421 "), line)
        alice.send("@label=12345 JOIN #xyz")
        lines = alice.received()
        ref = lines[0].split(" ")[3][1:]
        self.assertEqual(
            lines[0], f"@label=12345 :chatroom BATCH +{ref} labeled-response"
        )
        self.assertEqual(lines[-1], f":chatroom BATCH -{ref}")
        for line in lines[1:-1]:
            self.assertEqual(tags_of(line)["batch"], ref)

    def test_echo_is_labeled(self) -> None:
        """A labeled PRIVMSG's echo is its labeled answer
        (testLabeledPrivmsgResponsesToChannel)."""
        alice = self.capped("alice", "batch", "labeled-response", "echo-message")
        alice.send("JOIN #tea")
        alice.received()
        alice.send("@label=abc PRIVMSG #tea :hi")
        self.assertEqual(
            alice.received(), ["@label=abc :alice!alice@chatroom PRIVMSG #tea :hi"]
        )


class IRCv3HistoryLongLineTests(CapsTestCase):
    """Nothing over 512 bytes (tags aside) reaches an IRC client."""

    def long_text(self) -> str:
        words = [f"wörd{n}" for n in range(500)] + ["x" * 700, "€" * 300]
        return " ".join(words)

    def check_split(self, lines: list[str], text: str, action: bool = False) -> None:
        pieces = []
        for line in lines:
            self.assertLessEqual(
                len(untagged(line).encode("utf-8")) + 2, MAX_LINE, line
            )
            piece = untagged(line).split(" :", 1)[1]
            if action:
                self.assertTrue(
                    piece.startswith("\x01ACTION ") and piece.endswith("\x01")
                )
                piece = piece[8:-1]
            pieces.append(piece)
        self.assertGreater(len(pieces), 3)
        self.assertEqual("".join(pieces), text)
        self.assertTrue(all(p.endswith(" ") for p in pieces[:3]))  # word boundaries

    def test_long_message_split_at_words(self) -> None:
        """A 4,000-byte message from a line user reaches a plain client as
        several PRIVMSGs of at most 512 bytes, cut between words, never
        inside a character; together they are the text."""
        line, (alice,) = self.line_room("bob", "alice")
        text = self.long_text()[:3900]
        text = text.encode("utf-8")[:3900].decode("utf-8", "ignore")
        line.send(text)
        self.check_split(alice.received(), text)
        line.send("/me " + text[:2000])
        self.check_split(alice.received(), text[:2000], action=True)

    def test_tags_keep_their_own_budget(self) -> None:
        """With server-time and msgid the split is the same; the msgid is on
        the first piece only (each msgid names one message)."""
        line, _ = self.line_room("bob")
        alice = self.capped("alice", "server-time", "message-tags")
        alice.send("JOIN #tea")
        alice.received()
        text = self.long_text()[:3000]
        line.send(text)
        lines = alice.received()
        self.check_split(lines, text)
        self.assertEqual([("msgid" in tags_of(x)) for x in lines[:2]], [True, False])

    def test_multiline_clients_get_one_batch(self) -> None:
        """A draft/multiline client gets one batch whose lines, glued with
        draft/multiline-concat, are the text."""
        line, _ = self.line_room("bob")
        alice = self.capped("alice", "batch", "draft/multiline", "message-tags")
        alice.send("JOIN #tea")
        alice.received()
        text = self.long_text()[:3000]
        line.send(text)
        lines = alice.received()
        ref = untagged(lines[0]).split(" ")[2][1:]
        self.assertTrue(
            untagged(lines[0]).endswith(f"BATCH +{ref} draft/multiline #tea")
        )
        self.assertEqual(tags_of(lines[0])["msgid"], self.msgid("tea", 1))
        self.assertEqual(lines[-1], f":chatroom BATCH -{ref}")
        self.check_split(lines[1:-1], text)
        self.assertNotIn("draft/multiline-concat", tags_of(lines[1]))
        self.assertIn("draft/multiline-concat", tags_of(lines[2]))

    def test_multiline_from_a_client(self) -> None:
        """A client's multiline batch is one message: a line user gets its
        lines in one MSG (concat lines glued, others joined by a space);
        past the limits it is FAIL and nothing is said (irctest
        multiline.py testBasic, testLineLimit)."""
        line, _ = self.line_room("bob")
        alice = self.capped("alice", "batch", "draft/multiline")
        alice.send("JOIN #tea")
        alice.received()
        line.received()
        alice.send(
            "BATCH +m1 draft/multiline #tea",
            "@batch=m1 PRIVMSG #tea :hello ",
            "@batch=m1;draft/multiline-concat PRIVMSG #tea :world",
            "@batch=m1 PRIVMSG #tea :second line",
            "BATCH -m1",
        )
        said = [x for x in line.received() if x.startswith("MSG")]
        self.assertEqual(len(said), 1)
        self.assertTrue(said[0].endswith(" hello world second line"), said)
        alice.send("BATCH +m2 draft/multiline #tea")
        alice.send(*[f"@batch=m2 PRIVMSG #tea :line {n}" for n in range(40)])
        alice.send("BATCH -m2")
        (failed,) = alice.received()
        self.assertTrue(
            failed.startswith(":chatroom FAIL BATCH MULTILINE_MAX_LINES 32")
        )
        self.assertFalse([x for x in line.received() if x.startswith("MSG")])
        alice.send(
            "BATCH +m3 draft/multiline #tea",
            "@batch=m3 PRIVMSG #elsewhere :wrong target",
            "BATCH -m3",
        )
        (failed,) = alice.received()
        self.assertTrue(failed.startswith(":chatroom FAIL BATCH MULTILINE_INVALID "))
        self.assertFalse([x for x in line.received() if x.startswith("MSG")])

    def test_long_topic_cut_to_fit(self) -> None:
        """A topic of 300 three-byte characters reaches IRC as a TOPIC line
        of at most 512 bytes, cut between characters."""
        line, (alice,) = self.line_room("bob", "alice")
        line.send("/topic " + "€" * 300)
        (topic,) = alice.received()
        self.assertLessEqual(len(topic.encode("utf-8")) + 2, MAX_LINE)
        self.assertTrue(topic.startswith(":bob!bob@chatroom TOPIC #tea :€€€"))
        alice.send("TOPIC #tea")
        shown, who = alice.received()
        self.assertLessEqual(len(shown.encode("utf-8")) + 2, MAX_LINE)
        self.assertIn(" 333 alice #tea bob ", who)

    def test_plain_client_unchanged(self) -> None:
        """A short message to a client without capabilities is one line,
        exactly as before IRCv3."""
        line, (alice,) = self.line_room("bob", "alice")
        line.send("short")
        self.assertEqual(alice.received(), [":bob!bob@chatroom PRIVMSG #tea :short"])
        self.assertIsInstance(alice, IRCClient)


class ReactionsInHistoryTests(CapsTestCase):
    """A room's stored reactions keep no time: a ``timestamp=`` is placed
    among its messages only."""

    def test_a_timestamp_is_placed_among_messages(self) -> None:
        """A reaction stored between messages 3 and 4 does not move where
        ``AFTER timestamp=`` (just after message 4) starts."""
        bob = self.line("bob")
        bob.send("/caps rich")
        bob.send("/create cafe")
        for n in range(1, 7):
            self.clock.advance(1)
            bob.send(f"message {n}")
            if n == 3:
                bob.send("/react 1 x")
        alice = self.capped("alice", "draft/chathistory", *HISTORY_CAPS)
        alice.send("JOIN #cafe")
        alice.received()
        alice.send("CHATHISTORY LATEST #cafe * 1")
        newest = tags_of(alice.received()[1])["time"]  # message 6's, 2 s after 4
        said = datetime.fromisoformat(newest.replace("Z", "+00:00"))
        just_after_4 = (said - timedelta(seconds=1.8)).isoformat()
        alice.send(f"CHATHISTORY AFTER #cafe timestamp={just_after_4} 2")
        lines = alice.received()[1:-1]
        self.assertEqual(
            [untagged(x).split(" :", 1)[1] for x in lines], ["message 5", "message 6"]
        )
