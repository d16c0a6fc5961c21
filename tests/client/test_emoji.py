"""Emoji typed by ``:shortcode`` in the terminal client, as in Slack or
Element: Tab after ``:te`` puts in 🍵 (the status bar says it is ``:tea:``),
a whole ``:tea:`` and a space becomes 🍵, and the reaction key's ``/react``
takes a shortcode.

Driven as a user would: keys pressed on the real screen, the input line and
the lines sent read back; and two real clients on a real server, one
reading what the other sent.
"""

from __future__ import annotations

from chatroom.client.model import Page
from tests.client.end_to_end import ClientTestCase
from tests.client.support import IN_TEA, SIZE, ScreenTestCase, feed, type_text

STAMP = "2026-11-21T18:04:05.123Z"


class EmojiTests(ScreenTestCase):
    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA, f"@7 MSG tea bob {STAMP} anyone for tea?")

    def press(self, *keys: str) -> str:
        for key in keys:
            self.screen.keypress(SIZE, key)
        return self.screen.input.edit_text

    def status(self) -> str:
        return self.text().splitlines()[-2]

    def test_tab_completes_a_shortcode_to_its_emoji(self) -> None:
        """``:te`` and Tab put in 🍵, the best match, and the status bar
        names it; Tab again the next (``:ten:``); Enter sends the emoji."""
        type_text(self.screen, "more :te")
        self.assertEqual(self.press("tab"), "more 🍵 ")
        self.assertIn("🍵 :tea: (1 of ", self.status())
        self.assertEqual(self.press("tab"), "more 🔟 ")
        self.assertIn("🔟 :ten: (2 of ", self.status())
        self.press("backspace")
        self.assertNotIn(":ten:", self.status())
        self.assertEqual(self.press("enter"), "")
        self.assertEqual(self.actions.submitted, ["more 🔟"])

    def test_tab_on_an_unknown_shortcode_leaves_it(self) -> None:
        """A ``:word`` no emoji is called stays as typed."""
        type_text(self.screen, ":nosuchemojiatall")
        self.assertEqual(self.press("tab"), ":nosuchemojiatall")

    def test_a_whole_shortcode_and_a_space_become_the_emoji(self) -> None:
        """``:tea:`` then a space is 🍵 (by Unicode's name too); an unknown
        one, one inside a word or a code span, and one in a line with a
        password stay as typed."""
        type_text(self.screen, "a :tea: and :teacup_without_handle: ")
        self.assertEqual(self.screen.input.edit_text, "a 🍵 and 🍵 ")
        for kept in ("a :scone: ", "x:tea: ", "see `:tea: ", "/register :tea: "):
            self.screen.input.set_edit_text("")
            type_text(self.screen, kept)
            self.assertEqual(self.screen.input.edit_text, kept)

    def test_react_key_takes_a_shortcode(self) -> None:
        """Alt-Up and ``+`` put ``/react 7`` on the line: ``:tea`` Tab, or a
        whole ``:tea:``, reacts 🍵; an unknown ``:scone:`` is sent as it is."""
        self.press("meta up", "+")
        type_text(self.screen, ":tea")
        self.assertEqual(self.press("tab"), "/react 7 🍵 ")
        self.press("enter")
        self.press("meta up", "+")
        type_text(self.screen, ":tea:")
        self.press("enter")
        self.press("meta up", "+")
        type_text(self.screen, ":scone:")
        self.press("enter")
        self.assertEqual(
            self.actions.submitted, ["/react 7 🍵 ", "/react 7 🍵", "/react 7 :scone:"]
        )

    def test_names_still_complete(self) -> None:
        """A plain word still completes a member's name, with no emoji shown."""
        type_text(self.screen, "bo")
        self.assertEqual(self.press("tab"), "bob: ")
        self.assertEqual(self.model.page, Page.ROOM)
        self.assertNotIn(" of ", self.status())


class EmojiEndToEndTests(ClientTestCase):
    async def test_another_member_gets_the_emoji(self) -> None:
        """alice's ``:tea`` Tab is 🍵 on bob's screen, and her reaction
        typed as ``:tea:`` after Alt-Up and ``+`` is 🍵 under his line."""
        alice = await self.connect("alice")
        bob = await self.connect("bob")
        await self.in_room(alice, "tea")
        await bob.when(lambda model: "tea" in model.rooms)
        await self.in_room(bob, "tea")
        await alice.ask("anyone for tea?", "anyone for tea?", asker=bob)
        type_text(alice.screen, "yes :tea")
        alice.screen.keypress(SIZE, "tab")
        await bob.ask("please", "yes 🍵 please", asker=alice)
        self.assertIn("<alice> yes 🍵 please", bob.text())
        for key in ("meta up", "meta up", "+"):
            alice.screen.keypress(SIZE, key)
        self.assertRegex(alice.screen.input.edit_text, r"^/react \d+ $")
        alice.type_line(":tea:")
        await bob.when(
            lambda model: any(
                entry.reactions == (("🍵", ("alice",)),) for entry in model.log
            )
        )
        self.assertIn("🍵 1", bob.text())
