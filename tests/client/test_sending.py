"""The send queue: paced lines, replies matched to lines, refused lines resent."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.client.sending import QUIET_BURST, Outbox, Outgoing
from chatroom.client.view import ChatScreen
from tests.client.support import SIZE, screen_text, type_text
from tests.client.test_controller import ControllerTestCase
from tests.client.test_view import attributes_of


class OutboxTestCase(unittest.TestCase):
    """A queue writing into a list, on a clock the test moves."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.written: list[str] = []
        self.refused: list[Outgoing] = []
        self.lags: list[float] = []
        self.queue = Outbox(
            self.clock,
            self.written.append,
            on_refused=self.refused.append,
            on_lag=self.lags.append,
            rate=1,
            burst=8,
        )

    def lines(self) -> list[str]:
        """What reached the server, without the client's PINGs."""
        return [line for line in self.written if not line.startswith("PING ")]

    def pong_all(self) -> None:
        """The server answers every PING written so far, in order."""
        for line in list(self.written):
            if line.startswith("PING q"):
                self.queue.pong(line.removeprefix("PING "))


class PacingTests(OutboxTestCase):
    """A paste goes out whole, in order, no faster than the server allows."""

    def test_paste_paced_in_order(self) -> None:
        """30 lines: 8 at once, then one a second, in the order pasted."""
        pasted = [f"line {number}" for number in range(30)]
        for text in pasted:
            self.queue.send(text, typed=True)
        self.assertEqual(self.lines(), pasted[:8])
        self.clock.advance(0.99)
        self.assertEqual(len(self.lines()), 8)
        self.clock.advance(0.01)
        self.assertEqual(len(self.lines()), 9)
        self.clock.pump([1.0] * 21)
        self.assertEqual(self.lines(), pasted)

    def test_each_line_followed_by_its_ping(self) -> None:
        """Every line is followed by a PING whose PONG closes its replies."""
        self.queue.send("/who", typed=True)
        self.assertEqual(self.written, ["/who", "PING q1"])
        self.assertEqual(self.queue.answering, Outgoing("/who", True, "q1", 0.0))
        self.clock.advance(0.25)
        self.assertTrue(self.queue.pong("q1"))
        self.assertIsNone(self.queue.answering)
        self.assertEqual(self.lags, [0.25])
        self.assertFalse(self.queue.pong("deadbeef"))  # the server's own keepalive


class RefusalTests(OutboxTestCase):
    """A line the server refused anyway is named and sent again, in order."""

    def test_refused_line_resent_first(self) -> None:
        """The refused line goes again before the lines behind it."""
        for text in ("one", "two", "three"):
            self.queue.send(text, typed=True)
        self.written.clear()
        refused = self.queue.rate_limited("slow down: at most 1 lines a second")
        self.assertEqual(refused, self.refused[0])
        self.assertEqual(self.refused[0].text, "one")
        self.queue.pong("q1")
        # "two" and "three" were in flight and refused as well.
        self.queue.rate_limited("slow down: at most 1 lines a second")
        self.queue.pong("q2")
        self.queue.rate_limited("slow down: at most 1 lines a second")
        self.queue.pong("q3")
        self.assertEqual([line.text for line in self.refused], ["one", "two", "three"])
        self.queue.send("four", typed=True)
        self.assertEqual(self.lines(), [])  # waits a full token first
        self.clock.pump([1.0] * 4)
        self.assertEqual(self.lines(), ["one", "two", "three", "four"])

    def test_nothing_new_goes_while_a_refusal_is_unsettled(self) -> None:
        """After a refusal, later lines wait until the refused one is back in line."""
        self.queue.send("one")
        self.queue.rate_limited("slow down")
        self.queue.send("two")
        self.clock.advance(5)
        self.assertEqual(self.lines(), ["one"])
        self.queue.pong("q1")
        self.clock.advance(1)
        self.assertEqual(self.lines(), ["one", "one"])
        self.clock.advance(1)
        self.assertEqual(self.lines(), ["one", "one", "two"])

    def test_slower_server_rate_adopted(self) -> None:
        """A refusal naming a slower rate paces the queue at that rate."""
        self.queue.send("one")
        self.queue.rate_limited("slow down: at most 0.5 lines a second")
        self.assertEqual(self.queue.rate, 0.5)


class QuietTests(OutboxTestCase):
    """The client's own questions go at a pace of their own: they never
    use up the person's allowance, nor wait behind typed lines."""

    def test_own_questions_leave_the_burst_whole(self) -> None:
        """Twelve questions (members, profiles, history) at sign-in, then
        eight typed lines: all go at once, the questions first."""
        asked = [f"/profile user{number}" for number in range(10)]
        asked += ["/in tea /who", "/in tea /history 20 before 31"]
        for line in asked:
            self.queue.send(line)
        typed = [f"line {number}" for number in range(8)]
        for line in typed:
            self.queue.send(line, typed=True)
        self.assertEqual(self.lines(), [*asked, *typed])

    def test_own_questions_paced_apart(self) -> None:
        """Past their own burst the questions wait for their own pace,
        while a typed line goes at once."""
        for number in range(QUIET_BURST + 4):
            self.queue.send(f"/profile user{number}")
        self.assertEqual(len(self.lines()), QUIET_BURST)
        self.queue.send("hello", typed=True)
        self.assertEqual(self.lines()[-1], "hello")
        self.clock.advance(1)
        self.assertEqual(len(self.lines()), QUIET_BURST + 1 + 4)

    def test_a_typed_question_waits_its_turn(self) -> None:
        """``/who`` typed is the person's line: in order with the others."""
        for number in range(9):
            self.queue.send(f"line {number}", typed=True)
        self.queue.send("/in tea /who", typed=True)
        self.assertEqual(self.lines(), [f"line {number}" for number in range(8)])


class ServerLimitsTests(OutboxTestCase):
    """The pace follows the server's own limits, asked for when it matters."""

    def setUp(self) -> None:
        super().setUp()
        self.held = 0
        self.queue.on_held = self.asked

    def asked(self) -> None:
        self.held += 1
        self.queue.ask("/limits")

    def paste(self, count: int) -> list[str]:
        pasted = [f"line {number}" for number in range(count)]
        for text in pasted:
            self.queue.send(text, typed=True)
        return pasted

    def test_asked_once_when_the_pace_first_holds_a_line(self) -> None:
        """Eight lines go unasked; the ninth is held and ``/limits`` goes
        at once, ahead of it and matched to its replies; a second wait on
        the same connection asks nothing more."""
        pasted = self.paste(8)
        self.assertEqual((self.lines(), self.held), (pasted, 0))
        self.queue.send("ninth", typed=True)
        self.assertEqual(self.lines(), [*pasted, "/limits"])
        self.assertEqual(self.written[-1], "PING q9")
        self.clock.advance(1)
        self.assertEqual(self.lines()[-1], "ninth")
        self.queue.send("tenth", typed=True)
        self.clock.advance(1)
        self.assertEqual((self.lines()[-1], self.held), ("tenth", 1))

    def test_a_server_without_a_limit_takes_the_rest_at_once(self) -> None:
        """``LIMITS 0 ...`` (``--rate 0``): a 40-line paste held at the
        defaults' pace goes out whole, in order, with no wait."""
        pasted = self.paste(40)
        self.assertEqual(len(self.lines()), 9)  # 8 and the question
        self.queue.follow(0, 10)
        self.assertEqual([line for line in self.lines() if line != "/limits"], pasted)
        self.assertEqual(self.queue.waiting, 0)

    def test_a_faster_server_is_followed_less_its_margin(self) -> None:
        """``LIMITS 5 20``: the burst's unused part (20 less the margin of
        2, less the 8 used) goes at once, then 5 lines a second."""
        self.paste(40)
        self.queue.follow(5, 20)
        self.assertEqual(len(self.lines()), 9 + 10)
        self.clock.advance(1)
        self.assertEqual(len(self.lines()), 9 + 15)
        self.clock.pump([0.2] * 16)
        self.assertEqual(len(self.lines()), 40)
        self.clock.advance(0.2)
        self.assertEqual(len(self.lines()), 41)

    def test_held_by_the_server_the_pace_drops_to_its_rate(self) -> None:
        """Following ``LIMITS 0`` when a reload made it 2 a second, the
        server holds our lines (``SLOW 2``): from then on no burst is left
        and lines go 2 a second; a slower rate is never raised again. The
        line held is not news to report (``on_held``): the caller asks the
        limits on ``SLOW`` itself."""
        self.queue.follow(0, 10)
        self.paste(20)
        self.written.clear()
        self.queue.slowed(2)
        self.queue.send("next", typed=True)
        self.assertEqual((self.lines(), self.held), ([], 0))  # the line held
        self.clock.advance(0.5)
        self.assertEqual((self.lines(), self.held), (["next"], 0))
        self.queue.slowed(5)
        self.assertEqual(self.queue.rate, 2)

    def test_refused_by_the_server_the_pace_drops_to_its_rate(self) -> None:
        """Following ``LIMITS 0`` when a reload made it 2 a second, a line
        refused ``at most 2 lines a second`` paces the queue at 2 a
        second, as a ``SLOW`` does; a faster rate named later is ignored."""
        self.queue.follow(0, 10)
        self.queue.send("one", typed=True)
        self.queue.rate_limited("slow down: at most 2 lines a second")
        self.assertEqual(self.queue.rate, 2)
        self.queue.rate_limited("slow down: at most 5 lines a second")
        self.assertEqual(self.queue.rate, 2)

    def test_the_next_connection_starts_at_the_defaults_again(self) -> None:
        """A reconnect may reach another server: its pace is the defaults'
        until that server is asked in turn."""
        self.paste(9)
        self.queue.follow(0, 10)
        self.queue.reset()
        self.written.clear()
        self.paste(9)
        self.assertEqual(len(self.lines()), 9)  # 8, and the question again
        self.assertEqual((self.lines()[-1], self.held), ("/limits", 2))


class ResetTests(OutboxTestCase):
    """A lost connection returns the typed lines that were never confirmed."""

    def test_unconfirmed_typed_lines_returned(self) -> None:
        """Queued and unanswered typed lines come back; automatic ones do not."""
        self.queue.send("/join tea since 4")
        for number in range(10):
            self.queue.send(f"typed {number}", typed=True)
        self.pong_all()
        self.queue.send("unanswered", typed=True)  # queued behind the pace
        lost = [line.text for line in self.queue.reset()]
        self.assertEqual(lost, ["typed 7", "typed 8", "typed 9", "unanswered"])
        self.assertIsNone(self.queue.answering)


class QueuedIndicatorTests(ControllerTestCase):
    """A long paste trickles out under the flood pacing, and the status bar
    says how many lines still wait, so the user knows nothing is lost."""

    def test_paste_shows_lines_queued_until_sent(self) -> None:
        """15 lines in a room, after the name took one of the burst of 8
        (joining's questions, and the typing notice of the first key, leave
        it whole): 7 go at once, the status bar shows the other 8 as
        queued, counting down a line a second, then nothing."""
        screen = ChatScreen(self.model, self.controller, "example:8080")
        self.into_room()
        for number in range(15):
            type_text(screen, f"pasted {number}")
            screen.keypress(SIZE, "enter")
        self.assertIn("8 lines queued", screen_text(screen)[-2])
        # Highlighted apart from the rest of the status bar.
        self.assertIn("'queued'", repr(attributes_of(screen, "8 lines queued")))
        self.clock.advance(1.0)
        self.assertIn("7 lines queued", screen_text(screen)[-2])
        self.clock.advance(7.0)
        self.assertNotIn("queued", screen_text(screen)[-2])
        sent = [
            line for line in self.server.sent() if line.startswith("/txn K /say tea p")
        ]
        self.assertEqual(
            sent, [f"/txn K /say tea pasted {number}" for number in range(15)]
        )
