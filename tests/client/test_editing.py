"""The input line as readline users expect it, and Tab completion everywhere.

Driven as a user would: keys pressed on the real screen, the input read back.
"""

from __future__ import annotations

from chatroom.client.editing import CLIENT_COMMANDS
from chatroom.client.model import Page
from chatroom.wire.commands import COMMANDS as SERVER_COMMANDS
from tests.client.support import IN_LOBBY, IN_TEA, SIZE, ScreenTestCase, feed, type_text


class ReadlineKeysTests(ScreenTestCase):
    """Ctrl-A/E/U/K/W, Alt-Backspace and Alt-B/F edit the input line."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA)

    def line(self) -> tuple[str, int]:
        return self.screen.input.edit_text, self.screen.input.edit_pos

    def press(self, *keys: str) -> tuple[str, int]:
        for key in keys:
            self.screen.keypress(SIZE, key)
        return self.line()

    def test_start_and_end(self) -> None:
        """Ctrl-A goes to the start of the line, Ctrl-E to its end."""
        type_text(self.screen, "hello world")
        self.assertEqual(self.press("ctrl a"), ("hello world", 0))
        type_text(self.screen, ">")
        self.assertEqual(self.press("ctrl e"), (">hello world", 12))

    def test_kill_to_start_and_end(self) -> None:
        """Ctrl-U cuts before the cursor, Ctrl-K after it."""
        type_text(self.screen, "keep this cut that")
        self.press("meta b", "meta b")
        self.assertEqual(self.press("ctrl k"), ("keep this ", 10))
        self.press("meta b")
        self.assertEqual(self.press("ctrl u"), ("this ", 0))

    def test_kill_words(self) -> None:
        """Ctrl-W cuts back to a space; Alt-Backspace only the word part."""
        type_text(self.screen, "see http://example.org/page")
        self.assertEqual(self.press("meta backspace"), ("see http://example.org/", 23))
        self.assertEqual(self.press("ctrl w"), ("see ", 4))
        self.assertEqual(self.press("ctrl w"), ("", 0))

    def test_yank_puts_back_the_last_kill(self) -> None:
        """Ctrl-Y puts back what Ctrl-U/K/W cut, at the cursor; kills in a
        row add up, as in readline."""
        type_text(self.screen, "hello big world")
        self.assertEqual(self.press("ctrl w"), ("hello big ", 10))
        self.assertEqual(self.press("ctrl a", "ctrl y"), ("worldhello big ", 5))
        self.press("ctrl e")
        self.assertEqual(self.press("ctrl w", "ctrl w"), ("", 0))
        self.assertEqual(self.press("ctrl y"), ("worldhello big ", 15))
        self.assertEqual(self.press("ctrl y"), ("worldhello big worldhello big ", 30))

    def test_yank_never_brings_back_a_password(self) -> None:
        """A kill in a line that carries a password is not kept for Ctrl-Y."""
        type_text(self.screen, "plain")
        self.press("ctrl u")
        type_text(self.screen, "/register sugar-lumps")
        self.press("ctrl u")
        self.assertEqual(self.press("ctrl y"), ("", 0))

    def test_transpose(self) -> None:
        """Ctrl-T swaps the characters around the cursor and moves on; at the
        end of the line it swaps the last two."""
        type_text(self.screen, "teh")
        self.assertEqual(self.press("ctrl t"), ("the", 3))
        self.press("ctrl a", "meta f")
        type_text(self.screen, " cta")
        self.assertEqual(self.press("left", "ctrl t"), ("the cat", 7))

    def test_word_motion(self) -> None:
        """Alt-B and Alt-F move a word at a time."""
        type_text(self.screen, "one two three")
        self.assertEqual(self.press("meta b")[1], 8)
        self.assertEqual(self.press("meta b")[1], 4)
        self.assertEqual(self.press("meta f")[1], 7)

    def test_jump_to_newest(self) -> None:
        """Ctrl-End brings a scrolled-up log back to the newest line."""
        for index in range(60):
            feed(self.model, f"MSG tea bob 2026-11-21T18:04:05.123Z line {index:02d}")
        self.screen.render(SIZE)
        self.press("page up", "page up")
        self.assertNotIn("line 59", "\n".join(self.rendered()))
        self.press("ctrl end")
        self.assertIn("line 59", "\n".join(self.rendered()))

    def rendered(self) -> list[str]:
        canvas = self.screen.render(SIZE, focus=True)
        return [row.decode() for row in canvas.text]


class CompletionTests(ScreenTestCase):
    """Tab completes commands, room names and every user seen, on every page."""

    def complete(self, typed: str) -> str:
        self.screen.input.set_edit_text("")
        type_text(self.screen, typed)
        self.screen.keypress(SIZE, "tab")
        return self.screen.input.edit_text

    def test_commands(self) -> None:
        """A / at the start completes the command."""
        feed(self.model, *IN_LOBBY)
        self.assertEqual(self.complete("/jo"), "/join ")
        self.assertEqual(self.complete("/wa"), "/watch ")

    def test_every_command_of_the_server_and_the_client(self) -> None:
        """Every command of the server's table (edit, react, reply, search
        among them) and the client's own (/query, /part) completes from
        its first letters, in a room and in the lobby; a shared prefix
        cycles through them in order."""
        feed(self.model, *IN_TEA)
        for name in [*SERVER_COMMANDS, *CLIENT_COMMANDS]:
            self.assertEqual(self.complete(f"/{name}"), f"/{name} ")
        self.assertEqual(self.complete("/rea"), "/react ")
        self.screen.keypress(SIZE, "tab")
        self.assertEqual(self.screen.input.edit_text, "/read ")
        self.assertEqual(self.complete("/ed"), "/edit ")
        self.assertEqual(self.complete("/sea"), "/search ")
        self.assertEqual(self.complete("/qu"), "/query ")
        feed(self.model, "LEFT tea", "ROOMS 1", "ROOM general 0 256")
        self.assertEqual(self.complete("/rep"), "/reply ")

    def test_moderation_commands(self) -> None:
        """The moderation commands complete, then a member, or a setting."""
        feed(self.model, *IN_TEA)
        self.assertEqual(self.complete("/ki"), "/kick ")
        self.assertEqual(self.complete("/kick bo"), "/kick bob ")
        self.assertEqual(self.complete("/set inv"), "/set invite-only ")
        self.assertEqual(self.complete("/unreg"), "/unregister ")

    def test_room_names_after_join_and_delete(self) -> None:
        """/join and /delete complete the rooms the lobby knows."""
        feed(self.model, *IN_TEA)
        self.assertEqual(self.complete("/join ge"), "/join general ")
        self.assertEqual(self.complete("/delete t"), "/delete tea ")

    def test_lobby_line_completes_rooms(self) -> None:
        """In the lobby a plain line is a room to enter, so rooms complete."""
        feed(self.model, *IN_LOBBY)
        self.assertEqual(self.model.page, Page.LOBBY)
        self.assertEqual(self.complete("gen"), "general ")

    def test_users_after_msg_not_only_members(self) -> None:
        """/msg completes anyone seen this session, in the lobby too."""
        feed(
            self.model,
            *IN_TEA,
            "PRIVMSG carol alice 2026-11-21T18:04:05.123Z psst",
            "LEFT tea",
        )
        self.assertEqual(self.model.page, Page.LOBBY)
        self.assertEqual(self.complete("/msg ca"), "/msg carol ")
        self.assertEqual(self.complete("/msg bo"), "/msg bob ")
