"""Threads, pins and notification levels in the terminal client: a
thread's messages are kept out of the room's log and counted under their
root, and ``/thread ID`` opens the thread as a buffer of its own, where a
typed line is said in the thread; ``/pins`` answers a list; the buffer
list shows a room's level, and a muted room counts and highlights
nothing. The other replies (``/threads``, ``/follow``, ``PIN``...) are
lines of the room's log in words."""

from __future__ import annotations

import time

from twisted.trial import unittest

from chatroom.client.entries import Page, log_key
from chatroom.client.model import SessionModel
from chatroom.client.widgets import buffer_markup
from tests.client.support import IN_TEA, ScreenTestCase, feed
from tests.client.test_accounts import SignInTestCase
from tests.client.test_controller import ControllerTestCase

STAMP = "2026-11-21T18:04:05.123Z"
#: STAMP's hour and minute, as the screen shows them (local time).
AT = time.strftime("%H:%M", time.localtime(1795197845.123))

QUESTION = f"@7 MSG tea alice {STAMP} who has the key?"


def buffer_list(model: SessionModel) -> str:
    """The buffer list as the screen shows it, without its colours."""
    markup = buffer_markup(list(model.buffers.by_key.values()), model.buffers.focused)
    return "".join(part if isinstance(part, str) else part[1] for part in markup)


class ThreadScreenTests(ScreenTestCase):
    def test_a_thread_kept_apart_and_opened(self) -> None:
        """``@8;thread=7 MSG``: not in the room's log; the root says "1
        reply, last by bob"; ``/thread 7`` shows the thread's buffer, root
        first, listed as ``#tea›7``."""
        feed(
            self.model,
            *IN_TEA,
            QUESTION,
            f"@8;thread=7 MSG tea bob {STAMP} I do",
            f"@9 MSG tea bob {STAMP} and the kettle?",
        )
        shown = self.text()
        self.assertNotIn("I do", shown)
        self.assertIn(f"↳ 1 reply, last by bob at {AT} · select it, t opens", shown)
        self.assertIn("and the kettle?", shown)

        self.model.open_thread("tea", "8")  # a message of the thread names it
        shown = self.text()
        self.assertIn("<alice> who has the key?", shown)
        self.assertIn("<bob> I do", shown)
        self.assertNotIn("kettle", shown)
        self.assertNotIn("↪", shown)  # under its root: no quote
        self.assertIn("2:#tea›7", shown)
        self.assertIn("thread of #7 in tea", shown)

        feed(self.model, f"@10;thread=7 MSG tea carol {STAMP} under the mat")
        self.assertIn("<carol> under the mat", self.text())
        self.model.focus(log_key(Page.ROOM, "tea"))
        self.assertIn(f"2 replies, last by carol at {AT}", self.text())

    def test_a_thread_whose_root_is_not_here_stays_in_the_log(self) -> None:
        """A thread's message whose root is further back than the log stays
        in the log."""
        feed(self.model, *IN_TEA, f"@8;thread=3 MSG tea bob {STAMP} I do")
        self.assertIn("<bob> I do", self.text())

    def test_pins_as_a_list(self) -> None:
        """``/pins``' answer: a heading, then one row per pin, its number
        and time aligned, then its author and text as a message shows them."""
        feed(
            self.model,
            *IN_TEA,
            f"PINNED tea 7 alice {STAMP} rules: be kind",
            f"PINNED tea 12 bob {STAMP} meeting at https://meet.example/tea",
            "PINS_END tea 2",
        )
        shown = self.text()
        self.assertIn("pinned in tea, oldest first (2):", shown)
        self.assertIn("#7   2026-11-21 18:04  <alice> rules: be kind", shown)
        self.assertIn("#12  2026-11-21 18:04  <bob> meeting at", shown)

    def test_the_list_follows_a_display_name_that_comes_later(self) -> None:
        """A pin's author whose profile comes after the list is shown by
        their display name there from then on, as beside their lines."""
        feed(
            self.model,
            *IN_TEA,
            "PROFILE alice display-name Alice Liddell",
            f"PINNED tea 7 alice {STAMP} rules: be kind",
            f"PINNED tea 12 bob {STAMP} meeting at noon",
            "PINS_END tea 2",
        )
        self.assertIn("<Alice Liddell> rules: be kind", self.text())
        self.assertIn("<bob> meeting at noon", self.text())
        feed(self.model, "PROFILE bob display-name Bob the Builder")
        self.assertIn("#12  2026-11-21 18:04  <Bob the Builder> meeting", self.text())


class LevelTests(unittest.TestCase):
    def test_the_level_in_the_buffer_list_and_a_muted_room(self) -> None:
        """NOTIFY marks the room in the buffer list (the default unmarked);
        muted, a message naming the user elsewhere is not counted nor
        highlighted; all again, it is."""
        model = SessionModel()
        feed(model, *IN_TEA, "JOINED cafe 1 256", "MEMBERS cafe alice")
        feed(model, "NOTIFY tea mentions")
        self.assertEqual(buffer_list(model), "1:#tea  2:#cafe")
        feed(model, "NOTIFY tea none", f"@20 MSG tea bob {STAMP} alice: there?")
        self.assertEqual(buffer_list(model), "1:#tea[muted]  2:#cafe")
        tea = model.logs.lines(log_key(Page.ROOM, "tea"))
        self.assertFalse(tea[-1].mentions_me)
        feed(model, "NOTIFY tea all", f"@21 MSG tea bob {STAMP} alice: now?")
        self.assertEqual(buffer_list(model), "1:#tea[all](1!)  2:#cafe")

    def test_only_a_level_asked_for_is_said(self) -> None:
        """The client's own question on joining is answered in the list
        only; a typed /notify afterwards is answered in the log too."""
        model = SessionModel()
        feed(model, *IN_TEA)
        before = len(model.log)
        feed(model, "NOTIFY tea mentions")
        self.assertEqual(len(model.log), before)
        feed(model, "NOTIFY tea none")
        self.assertEqual(model.log[-1].text, "tea notifies you of: none")


class ThreadControllerTests(ControllerTestCase):
    def test_typed_in_a_thread_is_said_there(self) -> None:
        """``/thread 7`` opens the buffer (nothing sent); a plain line typed
        there goes as ``/thread 7 TEXT``; a command stays a command;
        /leave closes the buffer."""
        self.into_room()
        self.server.say(QUESTION, f"@8;thread=7 MSG tea bob {STAMP} I do")
        self.assertEqual(self.server.sent(), ["/profile bob"])  # bob's first line
        self.controller.submit("/thread 7")
        self.assertEqual(self.server.sent(), [])
        self.assertEqual(self.model.buffer.label if self.model.buffer else "", "#tea›7")
        self.controller.submit("under the mat")
        self.controller.submit("/unfollow 7")
        self.assertEqual(
            self.server.sent(),
            ["/in tea /txn K /thread 7 under the mat", "/in tea /unfollow 7"],
        )
        self.controller.submit("/leave")
        self.assertEqual(self.server.sent(), [])
        self.assertEqual(self.model.room, "tea")

    def test_pin_and_thread_from_the_selection(self) -> None:
        """``p`` on a message pins it in the room on screen (``p`` again,
        once pinned, unpins); ``t`` opens its thread, where a line typed
        is said in it: no id typed."""
        self.into_room()
        self.server.say(QUESTION)
        self.server.sent()
        question = next(entry for entry in self.model.log if entry.id == 7)
        self.controller.pin(question)
        self.assertEqual(self.server.sent(), ["/in tea /pin 7"])
        self.server.say("PIN tea 7 alice")
        self.controller.pin(question)
        self.assertEqual(self.server.sent(), ["/in tea /unpin 7"])
        self.controller.open_thread(question)
        self.assertEqual(self.model.buffer.label if self.model.buffer else "", "#tea›7")
        self.controller.submit("by the door")
        self.assertEqual(self.server.sent(), ["/in tea /txn K /thread 7 by the door"])

    def test_a_rooms_pins_learnt_quietly_on_joining(self) -> None:
        """``PINS tea 1`` on joining: which one is asked (``/pins``) and
        known (``p`` then unpins it), but not listed in the log."""
        self.into_room()
        self.server.say(QUESTION, "PINS tea 1")
        self.assertIn("/in tea /pins", self.server.sent())
        self.server.answer("MEMBERS tea alice")
        self.server.answer(
            f"PINNED tea 7 bob {STAMP} who has the key?", "PINS_END tea 1"
        )
        self.assertNotIn("pinned in tea", " ".join(self.notes()))
        question = next(entry for entry in self.model.log if entry.id == 7)
        self.assertTrue(self.model.is_pinned(question))


class LevelAskedTests(SignInTestCase):
    def test_a_signed_in_account_asks_each_rooms_level(self) -> None:
        """Joining as an account, the client asks ``/notify ROOM`` (a plain
        name, which keeps no level, does not: CommandTests)."""
        self.signed_in()
        self.server.sent()
        self.server.say("JOINED tea 1 256", "MEMBERS tea alice")
        self.assertEqual(self.server.sent(), ["/in tea /who", "/notify tea"])


class RepliesInWordsTests(unittest.TestCase):
    def said(self, *lines: str) -> list[str]:
        model = SessionModel()
        feed(model, *IN_TEA)
        before = len(model.log)
        feed(model, *lines)
        return [entry.text for entry in model.log[before:]]

    def test_pins_in_words(self) -> None:
        self.assertEqual(
            self.said("PIN tea 7 alice", "UNPIN tea 7 alice", "PINS tea 2"),
            [
                "alice pinned message #7",
                "alice unpinned message #7",
                "tea has 2 pinned message(s): /pins shows them",
            ],
        )

    def test_threads_in_words(self) -> None:
        self.assertEqual(
            self.said(
                f"THREAD tea 7 2 9 {STAMP}",
                f"THREAD tea 3 1 4 {STAMP}",
                "FOLLOW tea 7",
            ),
            [
                f"thread #7: 2 replies, the last #9 at {STAMP}",
                f"thread #3: 1 reply, the last #4 at {STAMP}",
                "you follow the thread of #7",
            ],
        )
