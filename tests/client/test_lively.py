"""The rest of issue 22 in the terminal client's model and screen:
reactions counted under their message, a paste shown as a block, a
message selected with Alt-Up to reply, edit, delete or react, who is
typing in the status bar, ``/search`` results in a buffer of their own and
``/modlog`` as a table.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.client.model import Page, SessionModel, log_key
from chatroom.client.pasting import (
    QUIET_SECONDS,
    BurstPastes,
    Keys,
    PasteCollector,
    fits,
)
from chatroom.client.view import ChatScreen
from chatroom.wire.pastes import paste_command, pasted_lines
from tests.client.support import (
    IN_TEA,
    SIZE,
    RecordedActions,
    ScreenTestCase,
    feed,
    screen_text,
    type_text,
)
from tests.client.test_view import attributes_of

STAMP = "2026-11-21T18:04:05.123Z"


class LivelyReactionTests(ScreenTestCase):
    """REACT and UNREACT, live and in a replay."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA, f"@7 MSG tea bob {STAMP} anyone for tea?")

    def test_counted_under_the_message(self) -> None:
        """Each emoji shows once under its message, with how many gave it."""
        feed(
            self.model,
            "@8 REACT tea 7 alice 👍",
            "@9 REACT tea 7 carol 👍",
            "@10 REACT tea 7 carol :tea:",
        )
        rows = screen_text(self.screen)
        at = next(i for i, row in enumerate(rows) if "anyone for tea?" in row)
        self.assertIn("👍 2  :tea: 1", rows[at + 1])

    def test_taken_back_and_given_twice(self) -> None:
        """UNREACT lowers the count (gone at none); the same reaction
        twice (a replay after a rejoin) counts once."""
        feed(
            self.model,
            "@8 REACT tea 7 alice 👍",
            "@8 REACT tea 7 alice 👍",
            "@9 REACT tea 7 carol :tea:",
            "@10 UNREACT tea 7 carol :tea:",
        )
        text = self.text()
        self.assertIn("👍 1", text)
        self.assertNotIn(":tea:", text)

    def test_replayed_on_joining(self) -> None:
        """A rich join's replay brings the reactions with their messages."""
        feed(
            self.model,
            "JOINED cafe 2 256",
            f"@1 HISTORY cafe dave {STAMP} flat white?",
            "@2 REACT cafe 1 erin ☕",
            "@3 REACT cafe 1 alice ☕",
        )
        self.assertIn("☕ 2", self.text())

    def test_on_older_lines_fetched_with_pgup(self) -> None:
        """Reactions in a PgUp page count on its lines, once they are shown."""
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(
            self.model,
            f"@3 HISTORY tea carol {STAMP} scones?",
            "@4 REACT tea 3 bob 🍰",
            "HISTORY_END tea 2",
        )
        older = next(entry for entry in self.model.log if entry.id == 3)
        self.assertEqual(older.reactions, (("🍰", ("bob",)),))


class PasteShownTests(ScreenTestCase):
    """A received paste (the ``multiline`` tag) is a block of lines."""

    def test_block_of_lines(self) -> None:
        """Each line of the paste is a row of its own, under the sender."""
        tag = r"def\sbrew(pot):\n\s\s\s\sreturn\spot.pour()\n\nbrew(tea)"
        feed(
            self.model,
            *IN_TEA,
            f"@14;multiline={tag} MSG tea bob {STAMP} def brew(pot): "
            "return pot.pour() brew(tea)",
        )
        narrow = (50, 24)  # no member list
        rows = [row.rstrip() for row in screen_text(self.screen, narrow)]
        at = next(i for i, row in enumerate(rows) if "<bob> (4 lines)" in row)
        self.assertTrue(rows[at + 1].endswith("│ def brew(pot):"))
        self.assertTrue(rows[at + 2].endswith("│     return pot.pour()"))
        self.assertTrue(rows[at + 4].endswith("│ brew(tea)"))


class SelectionTests(ScreenTestCase):
    """Alt-Up selects a message; single keys act on it."""

    def setUp(self) -> None:
        super().setUp()
        feed(
            self.model,
            *IN_TEA,
            f"@7 MSG tea alice {STAMP} anyone for tea?",
            f"@8 MSG tea bob {STAMP} yes please",
            "@9 REACT tea 7 alice 👍",
        )

    def test_reply_to_the_newest(self) -> None:
        """Alt-Up selects the newest message and says what the keys do;
        ``r`` puts ``/reply ID`` on the input line, before what was typed."""
        type_text(self.screen, "milk?")
        self.screen.keypress(SIZE, "meta up")
        self.assertIn("r reply · e edit · d delete", self.text())
        self.assertEqual(attributes_of(self.screen, "yes please"), {"selected"})
        self.screen.keypress(SIZE, "r")
        self.assertEqual(self.screen.input.edit_text, "/reply 8 milk?")
        self.assertNotIn("r reply", self.text())

    def test_edit_delete_and_unreact_own(self) -> None:
        """Up once more selects alice's line: ``e`` edits it, ``d`` deletes
        it, ``-`` takes back her reaction; ``e`` on bob's line is refused."""
        for key, line in (
            ("e", "/edit 7 anyone for tea?"),
            ("d", "/redact 7 "),
            ("-", "/unreact 7 👍"),
            ("+", "/react 7 "),
        ):
            self.screen.input.set_edit_text("")
            self.screen.keypress(SIZE, "meta up")
            self.screen.keypress(SIZE, "meta up")
            self.screen.keypress(SIZE, key)
            self.assertEqual(self.screen.input.edit_text, line)
        self.screen.input.set_edit_text("")
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "e")
        self.assertEqual(self.screen.input.edit_text, "")
        self.assertIn("only your own messages can be edited", self.text())

    def test_pin_thread_and_report_without_an_id(self) -> None:
        """The bar offers ``p pin · t thread · ! report`` too: ``p`` and
        ``t`` act at once on the message selected, ``!`` puts ``/report
        ID `` on the input line for a reason; a pinned one offers unpin."""
        self.screen.keypress(SIZE, "meta up")
        self.assertIn("p pin · t thread · ! report", self.text())
        self.screen.keypress(SIZE, "p")
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "t")
        self.assertEqual((self.actions.pins, self.actions.threads), ([8], [8]))
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "!")
        self.assertEqual(self.screen.input.edit_text, "/report 8 ")
        feed(self.model, "PIN tea 8 alice")
        self.screen.input.set_edit_text("")
        self.screen.keypress(SIZE, "meta up")
        self.assertIn("p unpin", self.text())

    def test_a_pin_line_shows_the_start_of_its_message(self) -> None:
        """``alice pinned message #7`` says which: its start is quoted."""
        feed(self.model, "PIN tea 7 alice")
        self.assertIn(
            "alice pinned message #7 (alice: anyone for tea?)", self.model.log[-1].text
        )

    def test_esc_and_other_keys_end_it(self) -> None:
        """Esc ends the selection; any other key ends it and types."""
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "esc")
        self.assertNotIn("r reply", self.text())
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "x")
        self.assertEqual(self.screen.input.edit_text, "x")
        self.assertNotIn("r reply", self.text())
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "meta down")
        self.assertNotIn("r reply", self.text())


class FollowingTests(ScreenTestCase):
    """While the log is at its newest line, it stays there as that line
    grows (issue 79): a reaction, a thread's count, an edit that wraps."""

    def last_rows(self, count: int = 3) -> str:
        rows = [row.split("│")[0].rstrip() for row in screen_text(self.screen)]
        return "\n".join(rows[-3 - count : -3])  # above buffer bar, status, input

    def test_a_reaction_and_a_thread_count_come_into_view(self) -> None:
        """A full log, then 🎉 and a reply in a thread on its newest line:
        both show at the bottom, nothing pressed."""
        feed(self.model, *IN_TEA)
        for number in range(1, 31):
            feed(self.model, f"@{number} MSG tea bob {STAMP} line {number}")
        feed(self.model, "@31 REACT tea 30 carol 🎉")
        self.assertIn("🎉 1", self.last_rows(1))
        feed(self.model, f"@32;thread=30 MSG tea carol {STAMP} yes")
        self.assertIn("1 reply, last by carol", self.last_rows(3))
        feed(self.model, f"@33 EDIT tea 30 bob {STAMP} " + "a long line " * 12)
        self.assertIn("(edited)", self.last_rows(5))


class PastingTests(unittest.TestCase):
    """Pasted text into ``/paste`` (protocol.md, *Pastes*)."""

    def test_escaped_as_tag_values(self) -> None:
        r"""Backslashes doubled, line breaks ``\n``, blank end lines dropped."""
        lines = pasted_lines("\nC:\\tea\r\n  pot\n\n")
        self.assertEqual(lines, ["C:\\tea", "  pot"])
        self.assertEqual(paste_command(lines), "/paste C:\\\\tea\\n  pot")

    def test_bounds(self) -> None:
        """32 lines fit, 33 do not; nor do more than 4000 bytes."""
        self.assertTrue(fits(["x"] * 32))
        self.assertFalse(fits(["x"] * 33))
        self.assertFalse(fits(["x" * 2001, "y" * 2000]))

    def test_bracketed_keys_collected(self) -> None:
        """The keys between begin and end paste are the text pasted."""
        collector = PasteCollector()
        keys = ["begin paste", "a", "enter", "b", "tab", "c", "end paste"]
        results = [collector.key(key) for key in keys]
        self.assertEqual(results[-1], "a\nb\tc")
        self.assertFalse(collector.collecting)

    def test_burst_made_a_paste(self) -> None:
        """A read of several lines after a quiet moment is a paste; a typed
        line and its Enter are not, nor two Enters."""
        clock = Clock()
        filtered = BurstPastes(clock)
        burst: Keys = ["a", "enter", "b", "enter"]
        self.assertEqual(filtered(burst, []), ["begin paste", *burst, "end paste"])
        clock.advance(2 * QUIET_SECONDS)
        self.assertEqual(filtered(["h", "i", "enter"], []), ["h", "i", "enter"])
        clock.advance(2 * QUIET_SECONDS)
        self.assertEqual(filtered(["enter", "enter"], []), ["enter", "enter"])
        clock.advance(2 * QUIET_SECONDS)
        unbracketed: Keys = ["a", "enter", "b"]  # no line end after the last
        self.assertEqual(filtered(unbracketed, [])[0], "begin paste")

    def test_a_paste_just_before_is_no_typing(self) -> None:
        """Two pastes in quick succession are two pastes: a bracketed one
        read in two pieces (the second, holding lines, is passed on as
        it is, inside its markers), then a burst 50 ms after it, then
        another burst 50 ms after that; typing in between breaks the
        quiet again."""
        clock = Clock()
        filtered = BurstPastes(clock)
        opening: Keys = ["begin paste", "a", "enter", "b"]
        rest: Keys = ["enter", "c", "enter", "d", "end paste"]
        self.assertEqual(filtered(opening, []), opening)
        clock.advance(0.01)
        self.assertEqual(filtered(rest, []), rest)
        burst: Keys = ["e", "enter", "f", "enter"]
        for _ in range(2):
            clock.advance(0.05)
            self.assertEqual(filtered(burst, []), ["begin paste", *burst, "end paste"])
        clock.advance(0.05)
        self.assertEqual(filtered(["x"], []), ["x"])
        clock.advance(0.05)
        self.assertEqual(filtered(burst, []), burst)

    def test_lines_typed_in_a_stream_are_no_paste(self) -> None:
        """Typed lines come a few milliseconds apart: a read with the Enter
        of one line and the start of the next is typing, and so is a read
        of several whole lines in the middle of typing (the client was
        busy a moment); the same lines after a quiet moment are a paste."""
        clock = Clock()
        filtered = BurstPastes(clock)
        reads: list[Keys] = [
            ["l", "1"],
            ["enter", "l", "2"],
            ["enter"],
            ["l", "3", "enter", "l", "4", "enter", "l", "5", "enter"],
        ]
        for keys in reads:
            clock.advance(0.02)
            self.assertEqual(filtered(keys, []), keys)
        clock.advance(2 * QUIET_SECONDS)
        self.assertEqual(filtered(reads[-1], [])[0], "begin paste")


class PasteInputTests(ScreenTestCase):
    """What the screen does with a paste."""

    def test_several_lines_are_one_paste(self) -> None:
        """A paste of several lines in a room goes to the controller whole,
        with what was on the input line before it; the line empties."""
        feed(self.model, *IN_TEA)
        type_text(self.screen, "look: ")
        for key in ["begin paste", *"one", "enter", *"two", "end paste"]:
            self.screen.keypress(SIZE, key)
        self.assertEqual(self.actions.pastes, ["look: one\ntwo"])
        self.assertEqual(self.screen.input.edit_text, "")

    def test_one_line_is_typed(self) -> None:
        """A paste of one line is put on the input line, not sent."""
        feed(self.model, *IN_TEA)
        for key in ["begin paste", *"one", "end paste"]:
            self.screen.keypress(SIZE, key)
        self.assertEqual(self.screen.input.edit_text, "one")
        self.assertEqual(self.actions.pastes, [])


class TypingShownTests(unittest.TestCase):
    """``alice is typing…`` in the status bar, on the model's clock."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.model = SessionModel(now=self.clock.seconds)
        self.screen = ChatScreen(self.model, RecordedActions(), "example:8080")
        feed(self.model, *IN_TEA)

    def status(self) -> str:
        return screen_text(self.screen)[-2]

    def test_shown_until_their_message(self) -> None:
        """TYPING active shows in the status bar; bob's message clears it."""
        feed(self.model, "TYPING tea bob active")
        self.assertIn("bob is typing…", self.status())
        feed(self.model, f"@3 MSG tea bob {STAMP} here I am")
        self.assertNotIn("typing", self.status())

    def test_lapses_after_six_seconds(self) -> None:
        """Not heard of again for 6 seconds, bob has stopped typing."""
        feed(self.model, "TYPING tea bob active", "TYPING tea carol active")
        self.assertIn("bob and carol are typing…", self.status())
        self.clock.advance(6)
        self.model.expire_typing()
        self.assertNotIn("typing", self.status())

    def test_done_and_other_rooms(self) -> None:
        """``done`` clears at once; typing in another room is not shown."""
        feed(self.model, "TYPING tea bob active", "TYPING tea bob done")
        self.assertNotIn("typing", self.status())
        feed(self.model, "JOINED cafe 1 256", "JOINED tea 2 256")
        feed(self.model, "TYPING cafe dave active")
        self.assertNotIn("typing", self.status())


class SearchBufferTests(ScreenTestCase):
    """``/search`` results in a buffer of their own."""

    def test_results_listed_in_their_buffer(self) -> None:
        """The search buffer lists each result with its room and user,
        newest first as sent, then how many; Alt-Up and Enter show its room."""
        feed(self.model, *IN_TEA)
        self.model.start_search("cafe")
        feed(
            self.model,
            f"FOUND tea 12 bob {STAMP} the CAFE is open",
            f"FOUND tea 9 alice {STAMP} Café au lait?",
            "FOUND_END 2",
        )
        text = self.text()
        self.assertIn("2:search", text)
        self.assertIn("search: cafe", text.splitlines()[0])
        self.assertLess(text.index("CAFE is open"), text.index("Café au lait"))
        self.assertIn("#tea Sat 21 Nov <bob> the CAFE is open", text)
        self.assertIn("2 found", text)
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "meta up")
        self.screen.keypress(SIZE, "enter")
        self.assertEqual(self.actions.rooms_shown, ["tea"])


class ModlogTests(ScreenTestCase):
    """``/modlog`` laid out as a table in the room's log."""

    def test_table(self) -> None:
        """One row per step, its columns aligned, under a heading."""
        feed(
            self.model,
            *IN_TEA,
            "MODLOG tea 2026-11-22T10:20:00.000Z alice set topic-lock=on -",
            "MODLOG tea 2026-11-22T10:22:05.250Z bob kick carol be nice",
            "MODLOG_END tea 2",
        )
        rows = [row.split("│")[0].rstrip() for row in screen_text(self.screen)]
        at = next(i for i, row in enumerate(rows) if "moderation log of tea" in row)
        self.assertEqual(
            rows[at + 1 : at + 4],
            [
                "  when (UTC)        by     action  target         reason",
                "  2026-11-22 10:20  alice  set     topic-lock=on  -",
                "  2026-11-22 10:22  bob    kick    carol          be nice",
            ],
        )
