"""The web client in several rooms at once (``/caps multi``): the sidebar,
unread and mention badges, read markers, and messages with a life
(``/caps rich``: replies, edits, deletions) from the message menu.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import PHONE, WebCase

PASSWORD = "correct-horse"
#: The sidebar's rooms as they look: "tea @1 2" (1 mention, 2 new).
SIDEBAR = """
return [...document.querySelectorAll("#my-rooms .switch")].map((button) =>
  [button.querySelector(".name"), ...button.querySelectorAll("[aria-hidden]")]
    .map((part) => part.textContent).join(" "));
"""


class WebRoomsCase(WebCase):
    def join_another(self, page: BrowserPage, room: str) -> None:
        """From a room: the sidebar's "Join a room…", then the lobby's field."""
        if not page.visible("lobby-button"):  # a phone: behind "Rooms"
            page.element("rooms-button").click()
        page.element("lobby-button").click()
        page.wait_page("lobby")
        self.go_to(page, room)

    def switch(self, page: BrowserPage, room: str) -> None:
        """Click ``room`` in the sidebar."""
        self.sidebar_button(page, room).click()
        wait_for(f"{room} shown", lambda: page.element("room-title").text == room)

    def sidebar_button(self, page: BrowserPage, room: str) -> Any:
        return self.find(page, f'#my-rooms button[data-joined="{room}"]')[0]

    def sidebar(self, page: BrowserPage) -> list[str]:
        """Each room of the sidebar as it looks: name, then its badges."""
        return list(self.script(page, SIDEBAR))

    def title(self, page: BrowserPage) -> str:
        return str(page.driver.title)


class ManyRoomsTests(WebRoomsCase):
    def test_three_rooms_badges_and_each_log_kept(self) -> None:
        """In three rooms at once: news in a room not shown gives it a badge
        (mentions apart) and the title the total; opening the room shows
        what was said and clears its badge; each room keeps its own log and
        where it was scrolled to; joining does not leave the others (no
        PART); the sidebar's × leaves one room."""
        bob = self.line_user("bob")
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"), "tea made")
        carol = self.line_user("carol")
        carol.send("/create cafe")
        carol.wait(lambda line: line.startswith("MEMBERS cafe"), "cafe made")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        for number in range(40):
            bob.send(f"tea line {number:02}, long enough to need scrolling")
        page.shows("tea line 39")
        self.join_another(page, "cafe")
        self.join_another(page, "attic")
        self.assertEqual(self.sidebar(page), ["tea", "cafe", "attic"])
        current = self.find(page, '#my-rooms [aria-current="true"]')
        self.assertEqual([button.text for button in current], ["attic"])
        self.assertNotIn("PART tea wes", " ".join(bob.listen(0.2)))

        bob.send("anyone for tea?", "wes: the kettle is on")
        carol.send("coffee here")
        wait_for(
            "the badges",
            lambda: self.sidebar(page) == ["tea @1 2", "cafe 1", "attic"],
        )
        self.assertEqual(self.title(page), "(1! 3) attic – chatroom")
        self.assertNotIn("anyone for tea", page.log())
        names = [b.get_attribute("textContent") for b in self.find(page, ".switch")]
        self.assertIn("tea@1, 1 for you2, 2 new", names)  # what a reader hears
        self.screenshot(page, "rooms")
        self.assert_accessible(page, "three rooms")

        self.switch(page, "tea")
        page.shows("<bob> wes: the kettle is on")
        self.assertIn("tea line 00", page.log())  # its log kept
        wait_for("tea read", lambda: self.sidebar(page)[0] == "tea")
        self.assertEqual(self.title(page), "(1) tea – chatroom")
        self.script(page, "document.getElementById('log').scrollTop = 200;")
        wait_for("scrolled up", lambda: page.visible("jump"))
        self.switch(page, "cafe")
        page.shows("<carol> coffee here")
        self.assertNotIn("tea line", page.log())
        self.assertEqual(self.title(page), "cafe – chatroom")
        self.switch(page, "tea")
        top = self.script(page, "return document.getElementById('log').scrollTop;")
        self.assertEqual(top, 200)  # where it was left
        self.assertTrue(page.visible("jump"))

        page.type_into("message-input", "hello tea")
        bob.wait(lambda line: line.endswith(" hello tea"), "wes's line in tea")
        self.sidebar_button(page, "cafe").find_element(
            "xpath", "following-sibling::button"
        ).click()  # "Leave cafe"
        carol.wait(lambda line: line == "PART cafe wes left", "wes gone from cafe")
        wait_for("two rooms", lambda: self.sidebar(page) == ["tea", "attic"])
        self.assertEqual(page.element("room-title").text, "tea")

    def test_badges_seeded_on_signing_in_again(self) -> None:
        """A signed-in page that lost its connection goes back into all its
        rooms, each log kept; what was said meanwhile in a room not shown
        comes as that room's badge (the account's read markers, /unread),
        and a READ clears it."""
        user = LineUser(self.server.line_port, f"/register wes {PASSWORD}")
        self.addCleanup(user.close)
        user.wait(lambda line: line == "REGISTERED wes")
        user.send("/quit")
        bob = self.line_user("bob")
        bob.send("/create tea")
        page = self.page_of_account("wes", PASSWORD)
        self.go_to(page, "tea")
        bob.send("first in tea")
        page.shows("<bob> first in tea")
        self.join_another(page, "cafe")
        carol = self.in_room("carol", "cafe")
        # tea was read: the server has its marker before the connection goes.
        wait_for("tea's marker", lambda: self.script(page, READ_OF, "tea") is not None)

        self.script(page, "state.ws.close();")
        wait_for("the banner", lambda: page.visible("connection"))
        bob.send("said while you were away", "wes: and this")
        wait_for("wes back", lambda: not page.visible("connection"))
        wait_for("tea's badge", lambda: self.sidebar(page) == ["tea @1 2", "cafe"])
        carol.send("back in cafe")
        page.shows("<carol> back in cafe")
        self.switch(page, "tea")
        page.shows("<bob> wes: and this")  # caught up, in tea's own log
        self.assertIn("first in tea", page.log())
        self.assertEqual(page.log().count("first in tea"), 1)
        wait_for("tea read", lambda: self.sidebar(page) == ["tea", "cafe"])

        self.switch(page, "cafe")
        bob.send("one more")
        wait_for("tea's badge", lambda: self.sidebar(page) == ["tea 1", "cafe"])
        newest = self.script(page, "return views.get('tea').lastId;")
        page.type_into("message-input", f"/read tea {newest}")  # as another device
        wait_for("cleared by READ", lambda: self.sidebar(page) == ["tea", "cafe"])


#: The read marker the page last sent (or heard) for a room.
READ_OF = "const view = views.get(arguments[0]); return view ? view.readId : null;"


class RenamedRoomTests(WebRoomsCase):
    def test_a_renamed_room_keeps_its_view(self) -> None:
        """bob renames tea, one of the page's two rooms, while it is shown:
        the sidebar names it chai in its place, the title follows, its log
        keeps what was said and says who renamed it; a line typed there
        reaches bob in chai."""
        bob = self.line_user("bob")
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"), "tea made")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "cafe")
        self.join_another(page, "tea")
        bob.send("the kettle is on")
        page.shows("the kettle is on")
        bob.send("/rename chai more spice")
        page.shows("bob renamed tea to chai (more spice)")
        wait_for("chai in the sidebar", lambda: self.sidebar(page) == ["cafe", "chai"])
        self.assertEqual(page.element("room-title").text, "chai")
        self.assertIn("the kettle is on", page.log())
        page.type_into("message-input", "smells good")
        bob.wait(lambda line: line.endswith(" smells good"), "wes in chai")
        self.assertTrue(
            any(line.startswith("MSG chai wes ") for line in bob.lines), bob.lines
        )
        self.switch(page, "cafe")
        self.switch(page, "chai")
        page.shows("the kettle is on")


class RichMessagesTests(WebRoomsCase):
    def test_reply_edit_and_delete_from_the_menu(self) -> None:
        """The message menu, by keyboard: a reply quotes the message it
        answers; an edit replaces the words and says "(edited)", also when
        someone else edits; a deletion leaves "message deleted". Edit and
        Delete are offered on one's own messages only (not an operator);
        Delete asks first, in a dialog whose Delete is focused."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        bob = self.line_user("bob")
        bob.send("/caps ids", "/create tea")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob.send("anyone for tea?")
        page.shows("<bob> anyone for tea?")
        line = bob.wait(lambda line: line.endswith(" anyone for tea?"), "bob's id")
        bob_id = line.split(" ")[0][1:]

        self.menu_of(page, "anyone for tea?").send_keys(Keys.ENTER)
        wait_for("the menu", lambda: page.visible("message-menu"))
        self.assertEqual(self.focused(page), "menu-reply")
        self.assertFalse(page.visible("menu-edit"))
        self.assertFalse(page.visible("menu-delete"))
        self.assert_accessible(page, "message menu")
        ActionChains(page.driver).send_keys(Keys.ENTER).perform()
        self.assertTrue(page.visible("compose-bar"))
        self.assertIn("Replying to bob", page.element("compose-bar").text)
        ActionChains(page.driver).send_keys("yes please", Keys.ENTER).perform()
        bob.wait(lambda line: line.endswith(" yes please"), "the reply")
        page.shows("↪ bob: anyone for tea?")
        self.assertFalse(page.visible("compose-bar"))

        self.menu_of(page, "yes please").send_keys(Keys.ENTER)
        wait_for("Edit offered", lambda: page.visible("menu-edit"))
        self.assertTrue(page.visible("menu-delete"))
        page.element("menu-edit").send_keys(Keys.ENTER)
        field = page.element("message-input")
        self.assertEqual(field.get_attribute("value"), "yes please")
        field.send_keys("!", Keys.ENTER)
        page.shows("yes please! (edited)")
        bob.wait(lambda line: line.endswith(" * yes please!"), "bob sees the edit")

        bob.send(f"/edit {bob_id} anyone for scones?")
        page.shows("<bob> anyone for scones? (edited)")
        self.assertIn("↪ bob: anyone for tea?", page.log())  # the quote as sent
        self.screenshot(page, "rich")

        self.menu_of(page, "yes please! (edited)").send_keys(Keys.ENTER)
        wait_for("Delete offered", lambda: page.visible("menu-delete"))
        page.element("menu-delete").send_keys(Keys.ENTER)
        wait_for("asked first", lambda: page.visible("delete-dialog"))
        self.assertEqual(self.focused(page), "delete-confirm")
        ActionChains(page.driver).send_keys(Keys.ENTER).perform()
        page.shows("message deleted")
        self.assertNotIn("yes please", page.log())
        deleted = self.find(page, "#log li.redacted")
        self.assertEqual(len(deleted), 1)
        bob.send(f"/redact {bob_id} off topic")
        wait_for("two deleted", lambda: len(self.find(page, "#log li.redacted")) == 2)
        self.assertIn("message deleted: off topic", page.log())
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"deleted and edited messages ({scheme})")

    def test_the_owner_deletes_anyones_message_from_a_long_press(self) -> None:
        """A long press (a right click) on a line opens its menu too; the
        room's owner is offered Delete on someone else's message (not Edit),
        and everyone sees who deleted it."""
        from selenium.webdriver.common.action_chains import ActionChains

        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")  # made by wes: the owner
        bob = self.in_room("bob", "tea")
        bob.send("/caps rich", "buy cheap scones")
        page.shows("<bob> buy cheap scones")
        owner = "#members li.owner"
        wait_for("the owner known", lambda: bool(self.find(page, owner)))
        line = self.find(page, "#log li[data-id]")[-1]
        ActionChains(page.driver).context_click(line).perform()
        wait_for("the menu", lambda: page.visible("message-menu"))
        self.assertFalse(page.visible("menu-edit"))
        page.element("menu-delete").click()
        wait_for("asked first", lambda: page.visible("delete-dialog"))
        page.element("delete-confirm").click()
        page.shows("message deleted by wes")
        self.assertNotIn("cheap scones", page.log())
        bob.wait(lambda line: " REDACT tea " in line and " wes -" in line, "REDACT")

    def menu_of(self, page: BrowserPage, text: str) -> Any:
        """The menu button of the message line ending with ``text``."""
        lines = [
            item
            for item in self.find(page, "#log li[data-id]")
            if " ".join(str(item.text).split()).endswith(text)
        ]
        return lines[-1].find_element("css selector", ".more")


class PhoneRoomsTests(WebRoomsCase):
    def test_sidebar_behind_a_button_on_a_phone(self) -> None:
        """At 390×844 the sidebar is behind the header's Rooms button (which
        counts what is new), the log keeps the full width; picking a room
        closes it again."""
        page = self.open_page(phone=True)
        self.enter(page, "wes")
        self.go_to(page, "tea")
        self.join_another(page, "cafe")
        bob = self.in_room("bob", "tea")
        bob.send("news in tea")
        width, _ = PHONE
        self.assertFalse(page.visible("sidebar"))
        self.assertGreater(page.element("log").rect["width"], width - 30)
        wait_for(
            "the count", lambda: page.element("rooms-button").text == "Rooms (1 new)"
        )
        page.element("rooms-button").click()
        wait_for("the sidebar", lambda: page.visible("sidebar"))
        self.assertEqual(self.sidebar(page), ["tea 1", "cafe"])
        self.screenshot(page, "phone-rooms")
        self.assert_accessible(page, "rooms (phone)")
        self.switch(page, "tea")
        wait_for("the sidebar closed", lambda: not page.visible("sidebar"))
        page.shows("<bob> news in tea")
        self.assertEqual(
            page.element("rooms-button").get_attribute("aria-expanded"), "false"
        )
