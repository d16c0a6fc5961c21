"""Messages with a life in the terminal client (issue 22, ``/caps rich``):
replies name what they answer, edits are marked, deleted messages are a
dim line, and Up on an empty line edits the user's last message.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.model import Page, SessionModel, log_key
from chatroom.wire.lines import parse_event
from chatroom.wire.tags import unescape
from tests.client.support import IN_TEA, SIZE, ScreenTestCase, feed, type_text

STAMP = "2026-11-21T18:04:05.123Z"


class RichPrefixTests(unittest.TestCase):
    """The ``@ID;tags`` prefix."""

    def test_split_and_unescaped(self) -> None:
        r"""``@8;reply=7;note=a\sb\:c`` is id 8 with its tags made plain
        (the wire package parses the prefix for the client)."""
        event = parse_event(rf"@8;reply=7;note=a\sb\:c;flag MSG tea bob {STAMP} hi")
        self.assertEqual(
            (event.id, dict(event.tags)),
            ("8", {"reply": "7", "note": "a b;c", "flag": ""}),
        )
        self.assertEqual(unescape(r"back\\slash\n"), "back\\slash\n")

    def test_tagged_ids_still_number_the_log(self) -> None:
        """A tagged message keeps its id (PgUp and rejoins count on it)."""
        model = SessionModel()
        feed(model, *IN_TEA, f"@8;reply=7 MSG tea bob {STAMP} yes please")
        self.assertEqual(model.log[-1].id, 8)
        self.assertEqual(model.history.last_ids[log_key(Page.ROOM, "tea")], 8)


class RichScreenTests(ScreenTestCase):
    """What a rich room looks like."""

    def setUp(self) -> None:
        super().setUp()
        feed(
            self.model,
            *IN_TEA,
            f"@7 MSG tea alice {STAMP} anyone for tea?",
            f"@8;reply=7 MSG tea bob {STAMP} yes please",
        )

    def test_reply_quotes_what_it_answers(self) -> None:
        """A reply shows the start of the line it answers before it."""
        self.assertIn("↪ alice: anyone for tea? · <bob> yes please", self.text())

    def test_edit_marked_in_place(self) -> None:
        """EDIT changes the line where it is, marked "(edited)"."""
        feed(self.model, f"@9 EDIT tea 8 bob {STAMP} yes please!")
        text = self.text()
        self.assertIn("<bob> yes please! (edited)", text)
        self.assertEqual(text.count("yes please"), 1)

    def test_deleted_message_is_a_dim_line(self) -> None:
        """REDACT replaces the line with who deleted it and why."""
        feed(self.model, "@10 REDACT tea 8 alice off topic")
        text = self.text()
        self.assertIn("<bob> message deleted by alice: off topic", text)
        self.assertNotIn("yes please", text)
        entry = next(e for e in self.model.log if e.id == 8)
        self.assertTrue(entry.deleted)

    def test_replayed_edit_and_deletion(self) -> None:
        """A rich replay's EDIT and REDACT apply to the replayed lines."""
        feed(
            self.model,
            "JOINED cafe 2 256",
            f"@1 HISTORY cafe dave {STAMP} flat white",
            f"@2 HISTORY cafe dave {STAMP} cortado",
            f"@3 EDIT cafe 1 dave {STAMP} flat white, please",
            "@4 REDACT cafe 2 dave -",
        )
        text = self.text()
        self.assertIn("<dave> flat white, please (edited)", text)
        self.assertIn("<dave> message deleted by dave", text)
        self.assertEqual(self.model.history.last_ids[log_key(Page.ROOM, "cafe")], 4)

    def test_up_on_an_empty_line_edits_the_last_message(self) -> None:
        """Up on an empty line, after sending a message, puts ``/edit ID
        TEXT`` on the input line; after a line that never became a message
        (refused, lost), Up recalls that line instead."""
        type_text(self.screen, "anyone for tea?")
        self.screen.keypress(SIZE, "enter")
        self.screen.keypress(SIZE, "up")
        self.assertEqual(self.screen.input.edit_text, "/edit 7 anyone for tea?")
        self.screen.input.set_edit_text("")
        type_text(self.screen, "are you there?")
        self.screen.keypress(SIZE, "enter")
        self.screen.keypress(SIZE, "up")
        self.assertEqual(self.screen.input.edit_text, "are you there?")


class PreviewTests(ScreenTestCase):
    """A link's preview (``PREVIEW``), one dim line under its message."""

    def test_a_preview_is_a_line_under_its_message(self) -> None:
        """The preview names its message by id: that line gets ``↳ title —
        description (site)`` under it, its tags unescaped; the room's newest
        id stays the newest message's; a preview of a message not in the
        log changes nothing."""
        model = SessionModel()
        feed(
            model,
            *IN_TEA,
            f"@8 MSG tea bob {STAMP} see https://example.org/tea",
            f"@9 MSG tea carol {STAMP} nice",
            r"@8;title=Tea\:\sa\shistory;description=Leaves "
            "PREVIEW tea 8 https://example.org/tea",
            "@3;title=Gone PREVIEW tea 3 https://example.org/old",
        )
        (said,) = [entry for entry in model.log if entry.id == 8]
        self.assertEqual(said.preview, "Tea; a history — Leaves (example.org)")
        self.assertEqual(model.history.last_ids[log_key(Page.ROOM, "tea")], 9)
        self.assertFalse(any(entry.preview for entry in model.log if entry.id != 8))

    def test_previews_off_is_said(self) -> None:
        """``PREVIEWS off``, the answer to ``/set previews off``, is a line."""
        model = SessionModel()
        feed(model, *IN_TEA, "PREVIEWS off")
        self.assertEqual(model.log[-1].text, "link previews are off")
