"""Key bindings as data."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.keys import KEY_BINDINGS, help_lines, is_command_key


class KeyBindingTests(unittest.TestCase):
    """Lookups and the /help listing."""

    def test_lookup(self) -> None:
        """A bound key matches its command and no other."""
        self.assertTrue(is_command_key("SEND", "enter"))
        self.assertFalse(is_command_key("SEND", "tab"))
        self.assertTrue(is_command_key("SCROLL_UP", "page up"))

    def test_unknown_command_is_an_error(self) -> None:
        """A misspelt command name fails loudly instead of never matching."""
        self.assertRaises(ValueError, is_command_key, "SNED", "enter")

    def test_help_lists_every_binding(self) -> None:
        """/help shows each binding's keys and what it does, within 60 columns."""
        lines = help_lines()
        for binding in KEY_BINDINGS.values():
            self.assertTrue(any(binding["help_text"] in line for line in lines))
        self.assertLessEqual(max(len(line) for line in lines), 60)


class HelpTextTests(unittest.TestCase):
    """``/help`` is written for people (issue 79)."""

    def test_every_command_is_placed(self) -> None:
        """Each command of the wire table is either in ``/help`` or named
        as one a person does not type; ``/help`` names no other."""
        from chatroom.client.editing import CLIENT_COMMANDS
        from chatroom.client.helptext import NOT_FOR_PEOPLE, listed
        from chatroom.wire.commands import COMMANDS

        server = set(COMMANDS) - {"in", "session", "conversations", "owner"}
        self.assertEqual(server - NOT_FOR_PEOPLE - listed(), set())
        self.assertLessEqual(listed(), {*COMMANDS, *CLIENT_COMMANDS, "owner"})

    def test_no_protocol_internals(self) -> None:
        """No ``/caps``, ``/typing``, ``/read ROOM ID``, no ``/join`` that
        leaves a room; every line within 60 columns."""
        from chatroom.client.helptext import help_lines

        text = "\n".join(help_lines())
        for internal in ("/caps", "/typing", "/read", "/say", "leaving the one"):
            self.assertNotIn(internal, text)
        self.assertIn("p t !", text)
        self.assertLessEqual(max(len(line) for line in help_lines()), 60)
