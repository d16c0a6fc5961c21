"""The profile rule (chatroom.core.accounts.profiles): keys, values, what is kept."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.accounts.profiles import profile_in
from chatroom.core.model.errors import ChatError
from chatroom.core.policy.metadata_rule import check_key, check_value


class ProfileRuleTests(unittest.TestCase):
    def test_keys(self) -> None:
        """The four keys, in any case; any other spelled as metadata-2
        spells keys (``a-z 0-9 _ . / -``); anything else is BAD_ARGS."""
        self.assertEqual(check_key("Display-Name"), "display-name")
        for key in ("pronouns", "status", "avatar", "color", "homepage.url"):
            self.assertEqual(check_key(key), key)
        for key in ("Color", "bad key", "bad!", "", "k" * 65):
            with self.assertRaises(ChatError, msg=key) as refused:
                check_key(key)
            self.assertEqual(refused.exception.code, "BAD_ARGS")

    def test_values(self) -> None:
        """A value loses its outer spaces; one over its key's length (in
        characters), over 400 bytes, or with a control character is refused."""
        self.assertEqual(check_value("pronouns", "  they/them "), "they/them")
        self.assertEqual(check_value("display-name", "é" * 64), "é" * 64)
        self.assertEqual(check_value("color", "a" * 400), "a" * 400)
        for key, value in (
            ("color", "a" * 401),
            ("display-name", "a" * 65),
            ("pronouns", "a" * 33),
            ("status", "💜" * 101),  # 101 characters, but 404 bytes
            ("status", "two\nlines"),
            ("status", "tab\there"),
        ):
            with self.assertRaises(ChatError, msg=(key, value)):
                check_value(key, value)

    def test_profile_among_settings(self) -> None:
        """Only the profile's keys that are set, in the keys' order; the
        account's other settings are not part of it."""
        settings = {
            "profile status": "away",
            "profile display-name": "Alice",
            "profile pronouns": "",
            "notify tea": "none",
        }
        self.assertEqual(
            list(profile_in(settings).items()),
            [("display-name", "Alice"), ("status", "away")],
        )
