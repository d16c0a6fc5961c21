"""Coming back (issue 79): each room shows its recent messages at once,
older ones go above in time order, conversations are restored with their
marks, and the client's own questions stay quiet.

The model is fed server lines; the controller runs on the fake server of
``test_controller`` and a ``task.Clock``; the screen is rendered.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.entries import EntryKind, LogEntry
from chatroom.client.history import EARLIER_MARKER, NEW_MARKER, merge
from chatroom.client.model import Page, SessionModel, log_key
from chatroom.client.view import ChatScreen
from tests.client.support import IN_TEA, RecordedActions, feed, screen_text
from tests.client.test_buffers import counts, texts
from tests.client.test_controller import ControllerTestCase

STAMP = "2026-11-21T18:04:05.123Z"


def said(number: int) -> LogEntry:
    return LogEntry(EntryKind.MESSAGE, f"line {number}", user="bob", id=number)


def history(first: int, last: int, room: str = "tea") -> list[str]:
    return [f"@{n} HISTORY {room} bob {STAMP} line {n}" for n in range(first, last + 1)]


def numbers(log: list[LogEntry]) -> list[int]:
    """The numbered lines of a log, top to bottom."""
    return [int(e.text.split()[-1]) for e in log if e.text.startswith("line ")]


class MergeTests(unittest.TestCase):
    """Fetched lines go where their ids say, each once."""

    def test_older_lines_go_above_in_order_each_once(self) -> None:
        """Lines fetched in any order, some already shown, end up in id
        order under the join line and a marker, above what was there."""
        joined = LogEntry(EntryKind.NOTICE, "you joined tea")
        log = [joined, said(31), said(32), LogEntry(EntryKind.NOTICE, "later")]
        added = merge(log, [said(n) for n in (20, 13, 31, 14, 30)], None, joined)
        self.assertEqual([entry.id for entry in added], [13, 14, 20, 30])
        self.assertEqual(log[:2], [joined, EARLIER_MARKER])
        self.assertEqual(numbers(log), [13, 14, 20, 30, 31, 32])
        self.assertEqual(log[-1].text, "later")

    def test_a_log_without_stored_lines_gets_them_under_the_join(self) -> None:
        """Coming back to a room read to the end: the join line, the marker,
        then the messages, then what came after the join (its topic)."""
        joined = LogEntry(EntryKind.NOTICE, "you joined tea")
        topic = LogEntry(EntryKind.TOPIC, "Tea", user="bob")
        log = [joined, topic]
        merge(log, [said(n) for n in range(11, 31)], None, joined)
        self.assertEqual(log[0], joined)
        self.assertEqual(log[1], EARLIER_MARKER)
        self.assertEqual(numbers(log), list(range(11, 31)))
        self.assertEqual(log[-1], topic)

    def test_read_lines_go_above_the_new_messages_divider(self) -> None:
        """With the divider after the marker (25), 20-25 go above it and
        nothing fetched goes below it but what is newer."""
        log = [EARLIER_MARKER, NEW_MARKER, said(26), said(27)]
        merge(log, [said(n) for n in range(20, 28)], 25, None)
        divider = log.index(NEW_MARKER)
        self.assertEqual(numbers(log[:divider]), list(range(20, 26)))
        self.assertEqual(numbers(log[divider:]), [26, 27])


class ComingBackModelTests(unittest.TestCase):
    """A room's log as the model keeps it on coming back."""

    def setUp(self) -> None:
        self.model = SessionModel()
        feed(self.model, *IN_TEA)

    def test_typed_history_puts_older_lines_above(self) -> None:
        """Back with two new lines (31, 32) and 11-30 filled in, a typed
        ``/history 20`` (13-32) adds nothing twice: the numbers strictly
        increase top to bottom."""
        feed(self.model, *history(31, 32))
        key = log_key(Page.ROOM, "tea")
        self.model.expect_history(key, paging=False)
        feed(self.model, *history(11, 30), "HISTORY_END tea 20")
        self.model.expect_history(key, paging=True)
        feed(self.model, *history(13, 32), "HISTORY_END tea 20")
        self.assertEqual(numbers(self.model.log), list(range(11, 33)))

    def test_the_new_messages_divider_at_the_marker(self) -> None:
        """A catch-up from the marker (25) brings 26-30: the divider stands
        above them, and the messages fetched before go above it."""
        feed(self.model, "JOINED news 2 256", *history(26, 30, "news"), "READ news 25")
        log = self.model.log
        self.assertEqual(log[log.index(NEW_MARKER) + 1].id, 26)
        self.model.expect_history(log_key(Page.ROOM, "news"), paging=False)
        feed(self.model, *history(6, 25, "news"), "HISTORY_END news 20")
        divider = log.index(NEW_MARKER)
        self.assertEqual(numbers(log[:divider]), list(range(6, 26)))
        self.assertEqual(numbers(log[divider:]), list(range(26, 31)))
        self.assertIn("──── new messages ────", "\n".join(self.screen_text()))

    def test_no_divider_when_nothing_came_after_the_marker(self) -> None:
        """Read to the end: no divider."""
        feed(self.model, "JOINED news 2 256", "READ news 30")
        self.assertNotIn(NEW_MARKER, self.model.log)

    def screen_text(self) -> list[str]:
        screen = ChatScreen(self.model, RecordedActions(), "example:8080")
        return screen_text(screen, (80, 40))


class ComingBackControllerTests(ControllerTestCase):
    """What the client asks on coming back, and what it keeps to itself."""

    def signed_in(self, *conversations: str) -> None:
        """alice signs in to her account; her ``/conversations`` answered
        with ``conversations``."""
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.controller.sign_in("secret99")
        self.server.answer("WELCOME alice", "ROOMS 0")
        self.server.answer("LOBBY watching")
        self.server.answer(*conversations, f"CONVERSATIONS_END {len(conversations)}")
        self.server.sent()
        self.assertEqual(self.server.conversations, 1)

    def test_a_room_read_to_the_end_shows_its_recent_messages(self) -> None:
        """The catch-up after the marker brings nothing: the 20 messages
        before it are asked, quietly, and shown at once in order."""
        self.signed_in()
        self.server.say("JOINED tea 2 256", "MEMBERS tea bob alice", "READ tea 30")
        self.assertIn("/in tea /history 20", self.server.sent())
        self.server.answer("MEMBERS tea bob alice")  # its /who
        self.server.answer(*history(11, 30), "HISTORY_END tea 20")
        self.assertEqual(numbers(self.model.log), list(range(11, 31)))
        self.assertNotIn("no earlier messages", texts(self.model, "tea"))

    def test_enough_after_the_marker_asks_nothing(self) -> None:
        """A catch-up of 20 or more after the marker is enough."""
        self.signed_in()
        self.server.say("JOINED tea 2 256", *history(11, 31), "READ tea 10")
        self.assertFalse([line for line in self.server.sent() if "/history" in line])

    def test_a_refused_question_is_not_shown(self) -> None:
        """The room was left meanwhile: the refusal of the client's own
        ``/history`` is not the user's business, and PgUp asks again."""
        self.signed_in()
        self.server.say("JOINED tea 2 256", "MEMBERS tea bob alice", "READ tea 3")
        self.assertEqual(
            self.server.sent(),
            [
                "/in tea /who",
                "/notify tea",
                "/profile bob",  # for his display name
                "/in tea /history 20",
            ],
        )
        self.server.answer("MEMBERS tea bob alice")
        self.server.answer("NOTIFY tea mentions")
        self.server.answer("PROFILE_END bob 0")
        self.server.answer("ERR NOT_IN_ROOM you are not in tea")
        self.assertNotIn("you are not in tea", texts(self.model, "tea"))
        self.controller.load_older()
        self.assertEqual(self.server.sent(), ["/in tea /history 50"])

    def test_page_up_in_an_empty_log_fetches(self) -> None:
        """PgUp at the top of a room with no stored line asks for the newest;
        at the true start the log says so, once."""
        self.into_room()
        self.controller.load_older()
        self.assertEqual(self.server.sent(), ["/in tea /history 50"])
        self.server.answer("MEMBERS tea alice")
        self.server.answer("HISTORY_END tea 0")
        self.assertEqual(texts(self.model, "tea").count("no earlier messages"), 1)
        self.controller.load_older()
        self.assertEqual(self.server.sent(), [])

    def test_conversations_restored_with_their_marks(self) -> None:
        """``/conversations`` on signing in: each a buffer (not shown) with
        its unread count as a mark; opening one fetches its messages (not
        counted, not in the lobby), and reading it says so to the server."""
        self.signed_in(
            f"CONVERSATION carol 1 7 {STAMP}", f"CONVERSATION bob 0 3 {STAMP}"
        )
        self.assertEqual(counts(self.model), {"carol": (1, 1), "bob": (0, 0)})
        self.assertEqual(self.model.page, Page.LOBBY)
        self.controller.switch_to(1)
        self.assertEqual(self.server.sent(), ["/history @carol 50"])
        self.server.answer(
            f"@6 PRIVMSG alice carol {STAMP} coming to tea?",
            f"@7 PRIVMSG carol alice {STAMP} yes, at four",
            "HISTORY_END @carol 2",
        )
        self.assertEqual(
            [entry.text for entry in self.model.log], ["coming to tea?", "yes, at four"]
        )
        self.assertEqual(counts(self.model)["carol"], (0, 0))
        self.clock.advance(2)
        self.assertEqual(self.server.sent(), ["/profile carol", "/read @carol 7"])

    def test_another_devices_read_clears_the_mark(self) -> None:
        """``READ @USER ID`` (another device read it) and ``UNREAD @USER``."""
        self.signed_in(f"CONVERSATION carol 2 7 {STAMP}")
        self.server.say("READ @carol 7")
        self.assertEqual(counts(self.model)["carol"], (0, 0))
        self.server.say("UNREAD @carol 3 3", "UNREAD_END")
        self.assertEqual(counts(self.model)["carol"], (3, 3))

    def test_a_plain_name_asks_no_conversations(self) -> None:
        """A plain name's conversations are not kept: nothing is asked,
        nothing marked read."""
        self.into_room()
        self.assertEqual(self.server.conversations, 0)
        self.server.say(f"@3 PRIVMSG carol alice {STAMP} hi")
        self.assertEqual(self.server.sent(), ["/profile carol"])  # for her name
        self.controller.switch_to(2)
        self.clock.advance(2)
        self.assertEqual(self.server.sent(), [])

    def test_msg_typed_anywhere_opens_its_conversation_with_the_echo(self) -> None:
        """``/msg carol ...`` typed in a room: the conversation's buffer is
        listed at once with the message in it, and the room shows its copy."""
        self.into_room()
        self.controller.submit("/msg carol see you at four")
        self.assertEqual(self.server.sent(), ["/txn K /msg carol see you at four"])
        self.server.answer("MEMBERS tea alice")
        self.server.answer(f"PRIVMSG alice carol {STAMP} see you at four")
        self.assertEqual(list(counts(self.model)), ["#tea", "carol"])
        carol = self.model.logs.by_key["private:carol"]
        self.assertEqual([entry.text for entry in carol], ["see you at four"])
        self.assertEqual(self.model.log[-1].text, "see you at four")

    def test_typed_history_of_a_conversation_shown_there(self) -> None:
        """``/history 10`` in a conversation is that conversation's."""
        self.signed_in()
        self.server.say(f"@4 PRIVMSG carol alice {STAMP} hello")
        self.controller.switch_to(1)
        self.server.sent()
        self.controller.submit("/history 10")
        self.assertEqual(self.server.sent(), ["/history @carol 10"])

    def test_a_fetch_lost_with_the_connection_is_asked_again(self) -> None:
        """A ``/history`` unanswered when the connection went is forgotten:
        the conversation's live messages are shown, PgUp asks again."""
        self.signed_in(f"CONVERSATION carol 0 7 {STAMP}")
        self.controller.switch_to(1)
        self.assertEqual(self.server.sent(), ["/history @carol 50"])
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice", "ROOMS 0")
        self.server.say(f"@8 PRIVMSG carol alice {STAMP} still there?")
        self.assertEqual(self.model.log[-1].text, "still there?")

    def test_a_typed_conversations_is_answered_in_the_log(self) -> None:
        """``/conversations`` typed: the list in the log, as well."""
        self.signed_in()
        self.controller.submit("/conversations")
        self.server.answer(f"CONVERSATION carol 2 7 {STAMP}", "CONVERSATIONS_END 1")
        self.assertEqual(
            [entry.text for entry in self.model.log][-2:],
            ["  carol, 2 unread", "1 conversation(s), newest first"],
        )


class DividerAgainTests(unittest.TestCase):
    """A second return moves the divider, leaving one."""

    def test_one_divider_at_the_latest_marker(self) -> None:
        """Back twice: the divider stands once, at the newer marker."""
        model = SessionModel()
        feed(
            model,
            *IN_TEA,
            "JOINED news 2 256",
            *history(26, 30, "news"),
            "READ news 25",
        )
        feed(model, "JOINED news 2 256", *history(31, 33, "news"), "READ news 30")
        log = model.log
        self.assertEqual(log.count(NEW_MARKER), 1)
        self.assertEqual(log[log.index(NEW_MARKER) + 1].id, 31)
