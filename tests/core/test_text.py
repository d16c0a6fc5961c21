"""Unit tests for name rules and text safety in ``chatroom.core.model.text``."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.model.text import (
    has_control_characters,
    is_valid_name,
    name_key,
    without_control_characters,
)


class NameTests(unittest.TestCase):
    """Names are 1-32 letters, digits, ``_``, ``-`` and ``.``."""

    def test_valid(self) -> None:
        """Letters (any script), digits and the three punctuation marks."""
        for name in ("a", "Alice", "bob_2", "x-y.z", "Zoë", "ａｌｉｃｅ", "n" * 32):
            self.assertTrue(is_valid_name(name), name)

    def test_invalid(self) -> None:
        """Empty, too long, spaces, other punctuation and controls are refused."""
        for name in ("", "n" * 33, "a b", "bad!", "a/b", "tab\t", "esc\x1b", "@x"):
            self.assertFalse(is_valid_name(name), repr(name))

    def test_key_collisions(self) -> None:
        """Case and compatibility forms share one key."""
        keys = {
            name_key(n) for n in ("Alice", "alice", "ALICE", "ＡＬＩＣＥ", "ａｌｉｃｅ")
        }
        self.assertEqual(len(keys), 1)

    def test_key_distinct(self) -> None:
        """Different names keep different keys."""
        self.assertNotEqual(name_key("alice"), name_key("alice2"))
        self.assertNotEqual(name_key("bob"), name_key("b.o.b"))


class ControlCharacterTests(unittest.TestCase):
    """Anything that could drive a terminal is detected."""

    def test_controls(self) -> None:
        """C0 (except tab), DEL, C1 (CSI included) and ESC sequences."""
        for text in (
            "\x1b[31m",
            "\x00",
            "\x07",
            "a\nb",
            "a\rb",
            "\x7f",
            "\x9b2J",
            "\x85",
        ):
            self.assertTrue(has_control_characters(text), repr(text))

    def test_clean(self) -> None:
        """Tabs and ordinary Unicode are fine."""
        for text in ("hello", "a\tb", "café ✓ 漢字", "emoji 🍵"):
            self.assertFalse(has_control_characters(text), repr(text))

    def test_replacement(self) -> None:
        """Controls in echoed text become U+FFFD, the rest is unchanged."""
        self.assertEqual(without_control_characters("a\x1b[1mb\tc"), "a\ufffd[1mb\tc")
