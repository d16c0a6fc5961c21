"""The screen, driven with keypresses and checked on rendered canvases."""

from __future__ import annotations

import time

import urwid
from twisted.internet.task import Clock

from chatroom.client.model import SessionModel
from chatroom.client.palette import PALETTE
from chatroom.client.refresher import ScreenRefresher
from chatroom.client.view import ChatScreen
from chatroom.client.widgets import user_attribute
from chatroom.wire.lines import parse_time
from tests.client.support import (
    IN_LOBBY,
    IN_TEA,
    SIZE,
    RecordedActions,
    ScreenTestCase,
    feed,
    screen_text,
    type_text,
)

STAMP = "2026-11-21T18:04:05.123Z"


def attributes_of(screen: ChatScreen, text: str) -> set[object]:
    """The display attributes used on screen for runs containing ``text``."""
    found = set()
    for row in screen.render(SIZE, focus=True).content():
        for attribute, _charset, run in row:
            if text.encode() in run:
                found.add(attribute)
    return found


class UsernamePageTests(ScreenTestCase):
    """The username prompt."""

    def test_prompt_and_refusal_shown(self) -> None:
        """The greeting and the server's reason for refusing a name are on screen."""
        feed(self.model, "HELLO chatroom 1 Welcome to chatroom.")
        self.assertIn("Welcome to chatroom.", self.text())
        feed(self.model, "ERR NAME_TAKEN the name alice is taken")
        rows = screen_text(self.screen)
        self.assertIn("the name alice is taken", "\n".join(rows))
        self.assertTrue(rows[-1].startswith("Username: "))

    def test_enter_submits_and_clears_once_taken(self) -> None:
        """Enter hands the typed name over; the input line empties when the
        server takes it."""
        feed(self.model, "HELLO chatroom 1 hi")
        type_text(self.screen, "alice")
        self.screen.keypress(SIZE, "enter")
        self.assertEqual(self.actions.submitted, ["alice"])
        feed(self.model, "WELCOME alice")
        self.assertEqual(self.screen.input.edit_text, "")

    def test_refused_name_stays_to_correct(self) -> None:
        """A refused name stays on the input line, cursor at its end, so a
        typo is fixed rather than typed again."""
        feed(self.model, "HELLO chatroom 1 hi")
        type_text(self.screen, "bob!")
        self.screen.keypress(SIZE, "enter")
        feed(self.model, "ERR BAD_NAME names are 1-32 letters, digits, _ - .")
        self.assertEqual(self.screen.input.edit_text, "bob!")
        self.assertTrue(screen_text(self.screen)[-1].startswith("Username: bob!"))
        self.screen.keypress(SIZE, "backspace")
        self.screen.keypress(SIZE, "enter")
        self.assertEqual(self.actions.submitted, ["bob!", "bob"])
        feed(self.model, "WELCOME bob")
        self.assertEqual(self.screen.input.edit_text, "")

    def test_unsent_line_kept(self) -> None:
        """A line the controller could not send stays in the input line."""
        self.actions.accept = False
        feed(self.model, *IN_TEA)
        type_text(self.screen, "hello")
        self.screen.keypress(SIZE, "enter")
        self.assertEqual(self.screen.input.edit_text, "hello")


class LobbyPageTests(ScreenTestCase):
    """The room list."""

    def test_rooms_listed_with_counts_and_topic(self) -> None:
        """Each room shows its member count, capacity and topic."""
        feed(self.model, *IN_LOBBY)
        text = self.text()
        self.assertRegex(text, r"general +3/256")
        self.assertRegex(text, r"tea +1/256 +Tea and biscuits")

    def test_rooms_left_out_are_counted_with_the_way_to_see_them(self) -> None:
        """The lobby's list of a big server says how many rooms it leaves
        out and that ``/list`` shows them; gone once ``/list`` answered."""
        feed(self.model, *IN_LOBBY[:2], "ROOMS 2 9998", *IN_LOBBY[3:])
        self.assertIn("… 9998 more: /list", self.text())
        feed(self.model, "ROOMS 1", "ROOM general 3 256")
        self.assertNotIn("more: /list", self.text())

    def test_arrows_select_enter_joins(self) -> None:
        """Down moves the marker to the next room; Enter on an empty line joins it."""
        feed(self.model, *IN_LOBBY)
        self.assertIn("▸ general", self.text())
        self.screen.keypress(SIZE, "down")
        self.assertIn("▸ tea", self.text())
        self.screen.keypress(SIZE, "enter")
        self.assertEqual(self.actions.joined, ["tea"])

    def test_pushed_room_appears(self) -> None:
        """A pushed ROOM line shows up without any key being pressed."""
        feed(self.model, *IN_LOBBY)
        self.assertNotIn("coffee", self.text())
        feed(self.model, "ROOM coffee 4 10 Espresso")
        self.assertRegex(self.text(), r"coffee +4/10 +Espresso")
        feed(self.model, "ROOM_GONE coffee")
        self.assertNotIn("coffee", self.text())

    def test_selection_survives_updates(self) -> None:
        """The selected room stays selected when the list is pushed again."""
        feed(self.model, *IN_LOBBY)
        self.screen.keypress(SIZE, "down")
        feed(self.model, "ROOM aardvarks 1 256")
        self.assertIn("▸ tea", self.text())

    def test_private_message_visible_in_lobby(self) -> None:
        """A private message shows on the lobby page."""
        feed(self.model, *IN_LOBBY, f"PRIVMSG bob alice {STAMP} psst")
        self.assertIn("[private] bob → alice: psst", self.text())


class RoomPageTests(ScreenTestCase):
    """The room: header, log, members, input."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA, "OWNER tea bob")

    def test_header_and_members(self) -> None:
        """The header names the room and topic; members are listed, owner marked."""
        rows = screen_text(self.screen)
        self.assertIn("#tea — Tea and biscuits", rows[0])
        text = "\n".join(rows)
        self.assertIn("Members (2)", text)
        self.assertIn("@bob", text)
        feed(self.model, "JOIN tea carol")
        self.assertIn("Members (3)", self.text())
        self.assertIn(" carol", self.text())

    def test_message_in_local_time(self) -> None:
        """Messages show the local time of the server's UTC stamp."""
        feed(self.model, f"MSG tea bob {STAMP} hello")
        local = time.strftime("%H:%M", time.localtime(parse_time(STAMP)))
        self.assertIn(f"{local} <bob> hello", self.text())

    def test_message_to_operators_marked(self) -> None:
        """A message to the room's operators (``OPMSG``, which only they
        get) shows in the room marked as one, in its own colour, and is
        counted as said."""
        feed(self.model, f"OPMSG tea bob {STAMP} alice,bob carol is flooding")
        self.assertIn("[to operators] <bob> carol is flooding", self.text())
        self.assertIn("private", attributes_of(self.screen, "[to operators]"))
        self.assertNotIn("alice,bob", self.text())

    def test_ephemeral_answer_marked(self) -> None:
        """A slash command's answer for this device alone (``EPHEMERAL``)
        shows in the room from the command's bot, marked as seen by you
        alone, in its own colour; the same command added is a line of
        its own."""
        feed(
            self.model,
            f"EPHEMERAL tea weather[bot] {STAMP} Paris: sunny",
            "COMMAND weather https://tools.example/w T0K",
        )
        self.assertIn("[only you] <weather[bot]> Paris: sunny", self.text())
        self.assertIn("private", attributes_of(self.screen, "[only you]"))
        self.assertIn("-- /weather posts to https://tools.example/w", self.text())

    def test_styles_set_apart(self) -> None:
        """Actions, joins, mentions and history each get their own look."""
        feed(
            self.model,
            f"ACTION tea bob {STAMP} waves",
            "JOIN tea carol",
            f"MSG tea bob {STAMP} hi alice",
        )
        self.assertIn("action", attributes_of(self.screen, "waves"))
        self.assertIn("join", attributes_of(self.screen, " joined"))
        self.assertIn("mention", attributes_of(self.screen, "hi alice"))
        self.assertIn(user_attribute("carol"), attributes_of(self.screen, "carol"))

    def test_history_marked_earlier(self) -> None:
        """History comes after an "earlier messages" marker, dimmed."""
        feed(
            self.model,
            "JOINED coffee 2 256",
            f"HISTORY coffee bob {STAMP} old news",
            f"HISTORY_ACTION coffee bob {STAMP} old wave",
        )
        self.assertIn("earlier messages", self.text())
        self.assertIn("earlier", attributes_of(self.screen, "old news"))
        self.assertIn("earlier", attributes_of(self.screen, "old wave"))

    def test_user_colours_stable(self) -> None:
        """A name always gets the same colour; different names spread over several."""
        self.assertEqual(user_attribute("bob"), user_attribute("bob"))
        names = [f"user{index}" for index in range(40)]
        self.assertGreater(len({user_attribute(name) for name in names}), 4)

    def test_typing_undisturbed_by_incoming(self) -> None:
        """Messages arriving mid-line leave the input's text and cursor as they were."""
        type_text(self.screen, "half a thought")
        self.screen.keypress(SIZE, "left")
        self.screen.keypress(SIZE, "left")
        before = (self.screen.input.edit_text, self.screen.input.edit_pos)
        for index in range(30):
            feed(self.model, f"MSG tea bob {STAMP} message {index}", "JOIN tea x")
        self.assertEqual(
            (self.screen.input.edit_text, self.screen.input.edit_pos), before
        )
        rows = screen_text(self.screen)
        self.assertEqual(rows[-1].rstrip(), "> half a thought")
        self.assertEqual(self.screen.render(SIZE, focus=True).cursor, (2 + 12, 23))

    def test_history_recall(self) -> None:
        """Up recalls sent lines newest first; Down comes back to the draft."""
        for line in ("first", "second"):
            type_text(self.screen, line)
            self.screen.keypress(SIZE, "enter")
        type_text(self.screen, "draft")
        self.screen.keypress(SIZE, "up")
        self.assertEqual(self.screen.input.edit_text, "second")
        self.screen.keypress(SIZE, "up")
        self.assertEqual(self.screen.input.edit_text, "first")
        self.screen.keypress(SIZE, "down")
        self.screen.keypress(SIZE, "down")
        self.assertEqual(self.screen.input.edit_text, "draft")

    def test_tab_completes_members(self) -> None:
        """Tab completes a member's name; at the line start it adds ": "."""
        feed(self.model, "JOIN tea bobby")
        type_text(self.screen, "bo")
        self.screen.keypress(SIZE, "tab")
        self.assertEqual(self.screen.input.edit_text, "bob: ")
        self.screen.keypress(SIZE, "tab")
        self.assertEqual(self.screen.input.edit_text, "bobby: ")
        type_text(self.screen, "ask car")
        feed(self.model, "JOIN tea Carol")
        self.screen.keypress(SIZE, "tab")
        self.assertEqual(self.screen.input.edit_text, "bobby: ask Carol ")

    def test_ctrl_c_quits(self) -> None:
        """Ctrl-C asks the controller to quit."""
        self.screen.keypress(SIZE, "ctrl c")
        self.assertEqual(self.actions.quits, 1)


class ScrollTests(ScreenTestCase):
    """Scrolling the log, and not being yanked back down."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA)
        for index in range(60):
            feed(self.model, f"MSG tea bob {STAMP} line {index:02d}")
        screen_text(self.screen)  # drawn once, as a terminal would

    def test_new_messages_follow_at_bottom(self) -> None:
        """At the bottom, a new message comes into view."""
        feed(self.model, f"MSG tea bob {STAMP} newest")
        self.assertIn("newest", self.text())

    def test_scrolled_up_not_yanked(self) -> None:
        """After PgUp, new messages don't move the view; an indicator counts them."""
        self.screen.keypress(SIZE, "page up")
        before = screen_text(self.screen)
        self.assertNotIn("line 59", "\n".join(before))
        feed(self.model, f"MSG tea bob {STAMP} newest")
        after = self.text()
        self.assertNotIn("newest", after)
        self.assertIn("1 new message below", after)
        self.assertIn(before[3], after)  # the same lines are still in view
        for _ in range(10):
            self.screen.keypress(SIZE, "page down")
            screen_text(self.screen)
        back = self.text()
        self.assertIn("newest", back)
        self.assertNotIn("new message", back)

    def test_short_log_keeps_following(self) -> None:
        """PgUp on a log that fits the screen changes nothing: no indicator."""
        model = SessionModel()
        screen = ChatScreen(model, RecordedActions(), "example:8080")
        feed(model, *IN_TEA, f"MSG tea bob {STAMP} only line")
        screen_text(screen)
        screen.keypress(SIZE, "page up")
        feed(model, f"MSG tea bob {STAMP} next line")
        text = "\n".join(screen_text(screen))
        self.assertIn("next line", text)
        self.assertNotIn("PgDn", text)

    def test_ctrl_home_goes_to_the_top_and_loads_older(self) -> None:
        """Ctrl-Home (Alt-<) shows the top of the log and asks for what came
        before it, as PgUp there does; Ctrl-End goes back."""
        self.screen.keypress(SIZE, "ctrl home")
        text = self.text()
        self.assertIn("you joined tea", text)
        self.assertNotIn("line 59", text)
        self.assertEqual(self.actions.older, 1)
        self.screen.keypress(SIZE, "ctrl end")
        self.assertIn("line 59", self.text())

    def test_mouse_wheel_scrolls(self) -> None:
        """The wheel scrolls the log up (and back down to the newest line)."""
        self.screen.mouse_event(SIZE, "mouse press", 4, 10, 10, True)
        self.assertNotIn("line 59", self.text())
        for _ in range(5):
            self.screen.mouse_event(SIZE, "mouse press", 5, 10, 10, True)
            screen_text(self.screen)
        self.assertIn("line 59", self.text())


class ViewLayoutTests(ScreenTestCase):
    """Sizes and colours."""

    def test_resizes(self) -> None:
        """The room page draws at 80x24, larger and tiny sizes, input always last."""
        feed(self.model, *IN_TEA, f"MSG tea bob {STAMP} {'long words ' * 20}")
        type_text(self.screen, "typed")
        for size in ((80, 24), (132, 50), (40, 10), (20, 6)):
            rows = screen_text(self.screen, size)
            self.assertEqual(len(rows), size[1])
            self.assertTrue(all(len(row) == size[0] for row in rows))
            self.assertIn("typed", rows[-1])

    def test_monochrome_palette(self) -> None:
        """Every style has a monochrome form; meaningful ones are not left plain."""
        screen = urwid.display.raw.Screen()
        screen.set_terminal_properties(colors=1)
        screen.register_palette(PALETTE)
        mono = {entry[0]: entry[3] for entry in PALETTE}
        for name in ("mention", "selected", "error", "private", "indicator", "status"):
            self.assertTrue(mono[name], name)


class ScreenRefresherTests(ScreenTestCase):
    """Lines from the network reach the terminal without waiting for a key."""

    def test_server_lines_trigger_one_redraw(self) -> None:
        """A burst of events is drawn once, on the next reactor turn."""
        clock = Clock()
        draws: list[str] = []
        ScreenRefresher(self.model, clock, lambda: draws.append(self.text()))
        feed(self.model, *IN_TEA)
        feed(self.model, f"MSG tea bob {STAMP} first", f"MSG tea bob {STAMP} second")
        self.assertEqual(draws, [])
        clock.advance(0)
        self.assertEqual(len(draws), 1)
        self.assertIn("second", draws[0])
        clock.advance(1)
        self.assertEqual(len(draws), 1)
        feed(self.model, f"MSG tea bob {STAMP} third")
        clock.advance(0)
        self.assertEqual(len(draws), 2)
        self.assertIn("third", draws[1])
