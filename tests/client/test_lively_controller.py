"""The controller's part in issue 22: typing notices sent at the
protocol's pace, pastes sent as one ``/paste``, another user's typing
forgotten on the clock, ``/search`` opening its buffer. A fake server on
``StringTransport``, every timer on a ``task.Clock``.
"""

from __future__ import annotations

from chatroom.client.model import SessionModel
from chatroom.client.typingnotices import PAUSE_SECONDS
from chatroom.client.widgets import plain_text
from tests.client.test_controller import ControllerTestCase
from tests.support import STAMP


class TypingSentTests(ControllerTestCase):
    """``/typing`` while the user types a message in a room."""

    def setUp(self) -> None:
        super().setUp()
        self.into_room()

    def test_active_every_three_seconds_then_paused(self) -> None:
        """The first key says ``active``; more keys within 3 seconds say
        nothing; after 3 seconds ``active`` again; 5 seconds without a key
        say ``paused``."""
        self.controller.typed("h")
        self.controller.typed("he")
        self.assertEqual(self.server.sent(), ["/in tea /typing active"])
        self.clock.advance(3)
        self.controller.typed("hel")
        self.assertEqual(self.server.sent(), ["/in tea /typing active"])
        self.clock.advance(PAUSE_SECONDS)
        self.assertEqual(self.server.sent(), ["/in tea /typing paused"])

    def test_done_when_emptied_nothing_for_commands(self) -> None:
        """Emptying the line says ``done``; a command says nothing; a
        message sent says nothing more (it tells by itself)."""
        self.controller.typed("h")
        self.controller.typed("")
        self.assertEqual(
            self.server.sent(), ["/in tea /typing active", "/in tea /typing done"]
        )
        self.clock.advance(3)
        self.controller.typed("/who")
        self.assertEqual(self.server.sent(), [])
        self.controller.typed("hi")
        self.controller.submit("hi")
        self.assertEqual(
            self.server.sent(), ["/in tea /typing active", "/txn K /say tea hi"]
        )
        self.clock.advance(PAUSE_SECONDS)
        self.assertEqual(self.server.sent(), [])

    def test_done_before_switching(self) -> None:
        """Switching to another room while typing says ``done`` first, so
        it names the room left."""
        self.server.say("JOINED cafe 1 256", "MEMBERS cafe alice")
        self.model.focus_number(1)
        self.controller._focused_changed()
        self.server.sent()
        self.controller.typed("h")
        self.controller.switch_to(2)
        self.assertEqual(
            self.server.sent(), ["/in tea /typing active", "/in tea /typing done"]
        )

    def test_never_ahead_of_typed_lines(self) -> None:
        """While typed lines wait their turn, no notice is sent."""
        for number in range(25):
            self.controller.submit(f"line {number}")
        self.server.sent()
        self.controller.typed("more")
        self.assertNotIn("/in tea /typing active", self.server.sent())


class PasteSentTests(ControllerTestCase):
    """A paste of several lines."""

    def setUp(self) -> None:
        super().setUp()
        self.into_room()

    def test_one_paste_line(self) -> None:
        r"""Several lines in a room are one ``/paste``, escaped."""
        self.controller.paste("def f():\n    return 'a\\b'\n")
        self.assertEqual(
            self.server.sent(), ["/in tea /paste def f():\\n    return 'a\\\\b'"]
        )

    def test_too_long_goes_line_by_line(self) -> None:
        """More than 32 lines go as typed lines, paced."""
        self.controller.paste("\n".join(f"l{number}" for number in range(40)))
        self.clock.pump([1.0] * 40)
        self.assertEqual(
            self.server.sent(), [f"/txn K /say tea l{number}" for number in range(40)]
        )


class TypingLapseTests(ControllerTestCase):
    """Another user's typing is forgotten on the controller's clock."""

    def make_model(self) -> SessionModel:
        """Its times on the controller's clock, as the real client's are."""
        return SessionModel(now=self.clock.seconds)

    def setUp(self) -> None:
        super().setUp()
        self.into_room()

    def test_lapses_on_the_clock(self) -> None:
        """bob typing is shown, and gone 6 seconds after his last notice."""
        self.server.say("TYPING tea bob active")
        self.assertEqual(self.model.typing_here(), ["bob"])
        self.clock.advance(4)
        self.server.say("TYPING tea bob active")
        self.clock.advance(4)
        self.assertEqual(self.model.typing_here(), ["bob"])
        self.clock.advance(2)
        self.assertEqual(self.model.typing_here(), [])
        self.assertEqual(self.model.typists.typing, {"room:tea": {}})


class SearchTypedTests(ControllerTestCase):
    """``/search`` typed, and a line typed in the search buffer."""

    def test_search_opens_its_buffer(self) -> None:
        """``/search cafe`` shows the search buffer and is sent; a plain
        line typed there searches again."""
        self.into_room()
        self.controller.submit("/search cafe")
        self.assertEqual(self.model.buffers.focused, "search")
        self.assertEqual(self.server.sent(), ["/search cafe"])
        self.controller.submit("tea time")
        self.assertEqual(self.server.sent(), ["/search tea time"])
        self.assertEqual(self.model.topic, "search: tea time")

    def test_results_name_their_authors_by_display_name(self) -> None:
        """Each result's author is asked for their profile once (never
        printed), and their display name then stands beside the result,
        as beside their lines in a room."""
        self.into_room()
        self.server.answer("MEMBERS tea alice")  # the automatic /who
        self.controller.submit("/search cafe")
        self.server.sent()
        self.server.say(
            f"FOUND tea 12 bob {STAMP} the CAFE is open",
            f"FOUND tea 14 bob {STAMP} the CAFE is closed",
            "FOUND_END 2",
        )
        self.assertEqual(self.server.sent(), ["/profile bob"])
        self.server.say("PROFILE bob display-name Bob Smith", "PROFILE_END bob 1")
        shown = [plain_text(entry) for entry in self.model.logs.shown_lines]
        self.assertTrue(any("<Bob Smith (bob)> the CAFE is open" in s for s in shown))
        self.assertFalse(any("display-name" in line for line in shown), shown)

    def test_chosen_result_shows_its_room_or_conversation(self) -> None:
        """A room's result shows the room; a private one (``FOUND @bob``)
        opens the conversation with bob."""
        self.into_room()
        self.controller.submit("/search cafe")
        self.server.sent()
        self.controller.show_room("tea")
        self.assertEqual(self.model.room, "tea")
        self.controller.show_room("@bob")
        self.assertEqual(self.model.buffers.focused, "private:bob")
