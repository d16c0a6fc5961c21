"""Who is who across the Matrix bridge (:mod:`chatroom.core.model.bridged`):
a member's puppet, a Matrix user's name in chatroom, a portal's alias, and
a reply's text without the fallback Matrix clients put before it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial import unittest

from chatroom.core.model.bridged import (
    MatrixSettings,
    bridged_name,
    is_bridged_name,
    name_of_localpart,
    puppet_localpart,
    without_reply_fallback,
)

SETTINGS = MatrixSettings(
    "chatroom", "as-token", "hs-token", "chatroom", "http://hs", "localhost"
)


class PuppetNameTests(unittest.TestCase):
    def test_the_spec_examples(self) -> None:
        """Names are case-folded; letters a-z, digits, '.', '-' and '_'
        stay; any other character is '=' and the hex of its UTF-8 bytes."""
        self.assertEqual(SETTINGS.puppet("poann"), "@chatroom_poann:localhost")
        self.assertEqual(SETTINGS.puppet("Zoë"), "@chatroom_zo=c3=ab:localhost")
        self.assertEqual(puppet_localpart("A.b-c_9"), "chatroom_a.b-c_9")
        self.assertEqual(puppet_localpart("hook[bot]"), "chatroom_hook=5bbot=5d")
        self.assertEqual(puppet_localpart("a=b"), "chatroom_a=3db")

    def test_read_back(self) -> None:
        """A puppet's user id gives the (case-folded) name back; another
        server's, the bridge's own, or a bad escape give none."""
        self.assertEqual(SETTINGS.puppet_name("@chatroom_zo=c3=ab:localhost"), "zoë")
        self.assertIsNone(SETTINGS.puppet_name("@chatroom_zoe:example.org"))
        self.assertIsNone(SETTINGS.puppet_name("@chatroom:localhost"))
        self.assertIsNone(SETTINGS.puppet_name("@chatroom_a=zz:localhost"))
        self.assertIsNone(SETTINGS.puppet_name("@chatroom_A:localhost"))

    @given(st.text(min_size=1, max_size=40))
    def test_any_name_round_trips(self, name: str) -> None:
        localpart = puppet_localpart(name)
        self.assertRegex(localpart, r"^[a-z0-9._=\-]+$")
        self.assertEqual(
            name_of_localpart(localpart.removeprefix("chatroom_")), name.casefold()
        )

    def test_the_bridges_own_users(self) -> None:
        """Puppets and @chatroom:SERVER are the bridge's; nobody else is."""
        self.assertTrue(SETTINGS.is_bridge_user("@chatroom:localhost"))
        self.assertTrue(SETTINGS.is_bridge_user("@chatroom_ann:localhost"))
        self.assertFalse(SETTINGS.is_bridge_user("@bob:localhost"))
        self.assertFalse(SETTINGS.is_bridge_user("@chatroom_ann:example.org"))


class MatrixUserNameTests(unittest.TestCase):
    def test_bridged_names(self) -> None:
        """@bob:example.org is bob:example.org, which holds ':', so it is
        never a member's name."""
        self.assertEqual(bridged_name("@bob:example.org"), "bob:example.org")
        self.assertTrue(is_bridged_name("bob:example.org"))
        self.assertFalse(is_bridged_name("bob"))

    def test_aliases(self) -> None:
        self.assertEqual(
            SETTINGS.portal_alias("general"), "#chatroom_general:localhost"
        )
        self.assertEqual(SETTINGS.alias_room("#chatroom_General:localhost"), "General")
        self.assertIsNone(SETTINGS.alias_room("#chatroom_general:example.org"))
        self.assertIsNone(SETTINGS.alias_room("#other:localhost"))
        self.assertIsNone(SETTINGS.alias_room("#chatroom_:localhost"))


class ReplyFallbackTests(unittest.TestCase):
    def test_the_fallback_goes(self) -> None:
        """The leading '> ' lines and the blank line after them go."""
        body = "> <@ann:localhost> tea?\n> more\n\nme please"
        self.assertEqual(without_reply_fallback(body), "me please")

    def test_without_a_blank_line(self) -> None:
        self.assertEqual(without_reply_fallback("> <@a:b> x\nyes"), "yes")

    def test_no_fallback(self) -> None:
        """A body without one is as it was, quotes later in it too."""
        self.assertEqual(without_reply_fallback("hi\n> quoted"), "hi\n> quoted")

    def test_lines_after_stay(self) -> None:
        body = "> <@a:b> q\n\nline one\n\nline two"
        self.assertEqual(without_reply_fallback(body), "line one\n\nline two")
