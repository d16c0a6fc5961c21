"""Two passwords in one line (:mod:`chatroom.wire.passwords`), as the
terminal client writes them and the line door and NickServ read them."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.wire.passwords import password_words, two_passwords


class TwoPasswordsTests(unittest.TestCase):
    def test_what_is_written_is_read_back(self) -> None:
        """Any two passwords, spaces, quotes and backslashes too, come back
        as they were; two without spaces are written as two words."""
        for first, second in [
            ("tea-and-biscuits", "cake-and-tea"),
            ('"tea"-and-cake', "correct horse battery staple"),
            ('say "hi" \\ now', "x  y"),
        ]:
            line = two_passwords(first, second)
            self.assertEqual(password_words(line, (2,)), [first, second], line)
        self.assertEqual(two_passwords("tea-and-cake", "x"), "tea-and-cake x")

    def test_unclosed_or_run_on_quotes_are_no_passwords(self) -> None:
        self.assertIsNone(password_words('"correct horse battery', (2,)))
        self.assertIsNone(password_words('"correct horse"battery staple', (2,)))
        self.assertEqual(
            password_words('old  "new phrase"', (2,)), ["old", "new phrase"]
        )
