"""Threads, pins and notification levels in the web page, in headless
chromium: a thread's messages are kept out of the room's log, counted
under their root and read and answered in a panel beside it; the pinned
messages are a bar at the top of the room; the room header's menu sets
the account's notification level, and a muted room counts nothing.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.test_web_life import WebLifeCase, event_id
from tests.integration.test_web_rooms import PASSWORD

#: The sidebar's rooms as "name badge badge" (the muted mark, counts).
SIDEBAR = """
return [...document.querySelectorAll("#my-rooms .switch")].map((button) =>
  [...button.querySelectorAll(".name, [aria-hidden=true]")]
    .map((part) => part.textContent).join(" "));
"""


class WebThreadsTests(WebLifeCase):
    def summary(self, page: BrowserPage, text: str) -> str:
        """The "N replies, last by X at T" under the log's line of ``text``."""
        found = self.line_of(page, text).find_elements(
            "css selector", ".thread-summary"
        )
        return str(found[0].text) if found else ""

    def panel(self, page: BrowserPage) -> str:
        return str(page.element("thread-panel").text)

    def test_a_thread_in_its_panel(self) -> None:
        """bob's thread message is not in the log: "1 reply, last by bob"
        under his question opens the thread beside the log, where wes
        answers (/thread ROOT TEXT); his answer is counted, not logged.
        "Reply in thread" in another message's menu starts a thread;
        ``/thread ID`` typed without words opens ID's thread."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        bob.send("who has the key?")
        root = event_id(bob, " who has the key?")
        page.shows("<bob> who has the key?")
        bob.send(f"/thread {root} I do, somewhere", "and the kettle?")
        page.shows("<bob> and the kettle?")
        self.assertNotIn("I do, somewhere", page.log())
        wait_for(
            "the count under the root",
            lambda: self.summary(page, "who has the key?").startswith(
                "1 reply, last by bob at "
            ),
        )
        self.assertFalse(page.visible("thread-panel"))

        self.line_of(page, "who has the key?").find_element(
            "css selector", ".thread-summary"
        ).click()
        wait_for("the thread's panel", lambda: page.visible("thread-panel"))
        wait_for(
            "the root and its reply",
            lambda: (
                "<bob> who has the key?" in self.panel(page)
                and "<bob> I do, somewhere" in self.panel(page)
            ),
        )
        self.assertEqual(self.focused(page), "thread-input")
        page.type_into("thread-input", "under the mat")
        bob.wait(
            lambda line: (
                f";thread={root} MSG tea wes " in line
                and line.endswith(" under the mat")
            ),
            "wes's answer in the thread",
        )
        wait_for(
            "wes's answer shown", lambda: "<wes> under the mat" in self.panel(page)
        )
        wait_for(
            "counted",
            lambda: self.summary(page, "who has the key?").startswith(
                "2 replies, last by wes at "
            ),
        )
        self.assertNotIn("under the mat", page.log())
        self.screenshot(page, "thread")
        self.assert_accessible(page, "a thread's panel")

        self.open_menu(page, "and the kettle?")
        page.element("menu-thread").send_keys(Keys.ENTER)
        wait_for(
            "the kettle's thread",
            lambda: (
                "<bob> and the kettle?" in self.panel(page)
                and "under the mat" not in self.panel(page)
            ),
        )
        kettle = event_id(bob, " and the kettle?")
        page.type_into("thread-input", "on the stove")
        bob.wait(
            lambda line: (
                f";thread={kettle} MSG tea wes " in line
                and line.endswith(" on the stove")
            ),
            "a new thread",
        )
        page.element("thread-close").click()
        wait_for("the panel closed", lambda: not page.visible("thread-panel"))
        page.type_into("message-input", f"/thread {root}")  # no words: opens it
        wait_for(
            "the key's thread again",
            lambda: (
                page.visible("thread-panel") and "under the mat" in self.panel(page)
            ),
        )

        later = self.open_page()  # a joiner's replay keeps them apart too
        self.enter(later, "carol")
        self.go_to(later, "tea")
        later.shows("<bob> and the kettle?")
        wait_for(
            "the replayed count",
            lambda: self.summary(later, "who has the key?").startswith(
                "2 replies, last by wes at "
            ),
        )
        self.assertNotIn("under the mat", later.log())

    def test_a_thread_covers_the_room_on_a_phone(self) -> None:
        """On a phone the thread's panel takes the room's whole width until
        closed."""
        page, bob = self.in_tea(phone=True)
        bob.send("who has the key?")
        root = event_id(bob, " who has the key?")
        bob.send(f"/thread {root} I do")
        wait_for("the count", lambda: self.summary(page, "who has the key?") != "")
        self.line_of(page, "who has the key?").find_element(
            "css selector", ".thread-summary"
        ).click()
        wait_for("the panel", lambda: "<bob> I do" in self.panel(page))
        panel = page.element("thread-panel").rect
        body = self.find(page, ".room-body")[0].rect
        self.assertGreaterEqual(panel["width"], body["width"] - 2)
        self.screenshot(page, "thread-phone")
        self.assert_accessible(page, "a thread on a phone")
        page.element("thread-close").click()
        wait_for("the room again", lambda: not page.visible("thread-panel"))

    def test_the_pinned_bar(self) -> None:
        """wes (the owner) pins bob's rules: a bar at the top of the room
        shows them, in his page and in a page joining later (its welcome
        says there are pins); unpinned, the bar goes from both. A typed
        /pins is still answered in the log."""
        page, bob = self.in_tea()
        bob.send("rules: be kind")
        rules = event_id(bob, " rules: be kind")
        page.shows("<bob> rules: be kind")
        self.assertFalse(page.visible("pinned"))
        page.type_into("message-input", f"/pin {rules}")
        page.shows("wes pinned a message by bob: “rules: be kind”")
        self.assertNotIn(f"#{rules}", page.log())  # no id for a person to read
        wait_for("the pinned bar", lambda: page.visible("pinned"))
        self.assertEqual(page.element("pins").text, "bob: rules: be kind")

        later = self.open_page()
        self.enter(later, "carol")
        self.go_to(later, "tea")
        wait_for(
            "the joiner's bar",
            lambda: (
                later.visible("pinned")
                and later.element("pins").text == "bob: rules: be kind"
            ),
        )
        self.assertNotIn("pinned #", later.log())  # asked quietly
        self.screenshot(page, "pinned")
        self.assert_accessible(later, "the pinned bar")
        later.type_into("message-input", "/pins")
        later.shows(f"pinned #{rules} by bob: rules: be kind")

        page.type_into("message-input", f"/unpin {rules}")
        wait_for("the bar gone", lambda: not page.visible("pinned"))
        wait_for("the joiner's bar gone", lambda: not later.visible("pinned"))

    def test_a_muted_room_counts_nothing(self) -> None:
        """The room header's menu shows the account's level (mentions, the
        default) and sets it for the account: muted, a message naming wes in
        tea while he looks at cafe is neither counted nor highlighted; back
        to "every message", it is counted again."""
        from selenium.webdriver.support.select import Select

        user, bob, page = self.wes_in_tea()
        level = Select(page.element("notify-level"))
        wait_for(
            "the level shown",
            lambda: (
                page.visible("notify-level")
                and level.first_selected_option.get_attribute("value") == "mentions"
            ),
        )
        level.select_by_value("none")
        wait_for("the muted mark", lambda: self.sidebar(page) == ["tea 🔕"])
        user.send("/join tea", "/notify tea")
        user.wait(lambda line: line == "NOTIFY tea none", "the account's level")

        page.type_into("message-input", "/create cafe")
        wait_for("cafe", lambda: page.element("room-title").text == "cafe")
        bob.send("wes: are you there?")
        user.wait(lambda line: line.endswith(" wes: are you there?"), "bob's line")
        bob.send("/me waves")
        user.wait(lambda line: line.endswith(" waves"), "bob's action")
        wait_for("handled", lambda: "waves" in self.script(page, TEA_LOG))
        self.assertEqual(self.sidebar(page), ["tea 🔕", "cafe"])
        self.assertEqual(self.script(page, TEA_MENTIONS), 0)
        self.screenshot(page, "muted")

        self.switch_to(page, "tea")
        Select(page.element("notify-level")).select_by_value("all")
        wait_for("unmuted", lambda: self.sidebar(page) == ["tea", "cafe"])
        self.switch_to(page, "cafe")
        bob.send("wes: now?")
        wait_for("counted again", lambda: self.sidebar(page) == ["tea @1 1", "cafe"])

    def test_a_level_set_on_another_device_is_followed(self) -> None:
        """wes's line device mutes tea: the page's menu and its sidebar
        follow at once; the page's choice reaches the line device live."""
        from selenium.webdriver.support.select import Select

        user, _, page = self.wes_in_tea()
        level = Select(page.element("notify-level"))

        def shown() -> str:
            return str(level.first_selected_option.get_attribute("value"))

        wait_for("the level shown", lambda: shown() == "mentions")
        user.send("/join tea", "/notify tea none")
        user.wait(lambda line: line == "NOTIFY tea none", "the line device's answer")
        wait_for("the page's menu", lambda: shown() == "none")
        wait_for("the muted mark", lambda: self.sidebar(page) == ["tea 🔕"])
        level.select_by_value("all")
        user.wait(lambda line: line == "NOTIFY tea all", "the page's choice")

    def wes_in_tea(self) -> tuple[LineUser, LineUser, BrowserPage]:
        """wes's account, signed in on a line device (in no room yet) and
        in a page shown tea, which bob made."""
        user = LineUser(self.server.line_port, f"/register wes {PASSWORD}")
        self.addCleanup(user.close)
        user.wait(lambda line: line == "REGISTERED wes")
        bob = self.line_user("bob")
        bob.send("/create tea")
        page = self.page_of_account("wes", PASSWORD)
        self.go_to(page, "tea")
        return user, bob, page

    def sidebar(self, page: BrowserPage) -> list[str]:
        return [str(entry) for entry in self.script(page, SIDEBAR)]

    def switch_to(self, page: BrowserPage, room: str) -> None:
        self.script(
            page,
            "[...document.querySelectorAll('#my-rooms .switch')]"
            ".find((b) => b.dataset.joined === arguments[0]).click();",
            room,
        )
        wait_for(room, lambda: page.element("room-title").text == room)


#: tea's log, as text (tea not shown).
TEA_LOG = "return views.get('tea').log.textContent;"
#: The lines of tea's log highlighted as naming the user.
TEA_MENTIONS = "return views.get('tea').log.querySelectorAll('.mention').length;"
