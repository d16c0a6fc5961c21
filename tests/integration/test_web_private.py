"""The web client's private conversations: entries of the sidebar beside
the rooms, each with its own log and badge, answered from the entry
(``/msg``), paged back with ``/history @USER``, opened from a search result.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage
from tests.integration.web_support import WebCase

PASSWORD = "correct-horse"
#: The sidebar's conversations as they look: "bob 1" (one private message).
CONVERSATIONS = """
return [...document.querySelectorAll("#my-conversations .switch")].map((button) =>
  [button.querySelector(".name"), ...button.querySelectorAll("[aria-hidden]")]
    .map((part) => part.textContent).join(" "));
"""


class PrivateConversationsTests(WebCase):
    def signed_in_page(self, name: str, *, phone: bool = False) -> BrowserPage:
        """A page signed in to the account ``name`` (registered first)."""
        page = self.open_page(phone=phone)
        page.type_into("name-input", name, enter=False)
        page.type_into("password-input", PASSWORD, enter=False)
        page.element("register-input").click()
        page.element("name-form").submit()
        page.wait_page("lobby")
        return page

    def conversations(self, page: BrowserPage) -> list[str]:
        return list(self.script(page, CONVERSATIONS))

    def entry(self, page: BrowserPage, user: str) -> Any:
        """The sidebar's button of the conversation with ``user``."""
        selector = f'#my-conversations button[data-conversation="{user}"]'
        return self.find(page, selector)[0]

    def close_button(self, page: BrowserPage, user: str) -> Any:
        """The × beside it."""
        return self.entry(page, user).find_element("xpath", "following-sibling::button")

    def open_entry(self, page: BrowserPage, user: str) -> None:
        if not page.visible("sidebar"):  # a phone: behind "Rooms"
            page.element("rooms-button").click()
        self.entry(page, user).click()
        wait_for(f"{user} shown", lambda: page.element("room-title").text == user)

    def test_a_private_message_opens_a_conversation(self) -> None:
        """A private message arriving while in a room gives the sidebar a
        conversation entry with a badge and the title the count; opening it
        shows the message, with the conversation's earlier messages above
        (and older ones on scrolling to the top), clears the badge; what is
        typed there reaches the other person as a private message; its ×
        closes it; a search result in the conversation opens it again."""
        page = self.signed_in_page("wes")
        bob = self.line_user("bob")
        bob.send("/caps ids", "/create tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"), "tea made")
        for number in range(60):
            bob.send(f"/msg wes earlier note {number:02}")
        wait_for("60 kept", lambda: "earlier note 59" in self.log_of(page, "bob"))
        self.assertEqual(self.conversations(page), ["bob 60"])
        self.close_button(page, "bob").click()
        self.go_to(page, "tea")
        self.assertEqual(self.conversations(page), [])

        bob.send("/msg wes hello wes, privately")
        wait_for("bob's entry", lambda: self.conversations(page) == ["bob 1"])
        self.assertEqual(str(page.driver.title), "(1! 1) tea – chatroom")
        self.assertNotIn("privately", page.log())  # not in tea's log
        heard = self.entry(page, "bob").get_attribute("textContent")
        self.assertEqual(heard, "bob1, 1 private, for you")
        self.screenshot(page, "private-badge")
        self.assert_accessible(page, "a conversation's badge")

        self.open_entry(page, "bob")
        page.shows("<bob> hello wes, privately")
        page.shows("<bob> earlier note 11")  # its newest 50 (with the new one), fetched
        self.assertNotIn("earlier note 10", page.log())
        self.assertEqual(page.log().count("hello wes, privately"), 1)
        self.assert_in_order(page, "earlier note 11", "earlier note 59", "new messages")
        wait_for("read", lambda: self.conversations(page) == ["bob"])
        self.assertEqual(str(page.driver.title), "bob – chatroom")
        self.script(page, "document.getElementById('log').scrollTop = 0;")
        page.shows("<bob> earlier note 00")
        wait_for("the start", lambda: page.visible("older-none"))
        self.assert_in_order(page, "note 00", "note 10", "note 11", "hello wes")
        self.assertIn("conversation's kept history starts", page.log())

        page.type_into("message-input", "hi bob")
        bob.wait(
            lambda line: "PRIVMSG wes bob " in line and line.endswith(" hi bob"),
            "the reply",
        )
        page.shows("<wes> hi bob")
        self.assertNotIn("hi bob", self.log_of(page, "tea"))
        self.screenshot(page, "private")
        self.assert_accessible(page, "a conversation")

        close = self.close_button(page, "bob")
        label = close.get_attribute("aria-label")
        self.assertEqual(label, "Close the conversation with bob")
        close.click()
        wait_for("back in tea", lambda: page.element("room-title").text == "tea")
        self.assertEqual(self.conversations(page), [])

        page.type_into("search-input", "privately")
        wait_for(
            "a result", lambda: bool(self.find(page, '#found button[data-room="@bob"]'))
        )
        result = self.find(page, '#found button[data-room="@bob"]')[0]
        self.assertIn("private, with bob", result.text)
        result.click()
        wait_for("bob shown", lambda: page.element("room-title").text == "bob")
        page.shows("<bob> hello wes, privately")
        wait_for("marked", lambda: bool(self.find(page, "#log .found-here")))
        self.assertEqual(self.conversations(page), ["bob"])

    def test_conversation_on_a_phone(self) -> None:
        """At 390×844 the conversation is behind the Rooms button, like the
        rooms; opened, it fills the screen, and /me is refused there in
        words (the protocol has no private action) instead of reaching the
        room."""
        page = self.signed_in_page("wes", phone=True)
        bob = self.line_user("bob")
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea"), "tea made")
        self.go_to(page, "tea")
        bob.send("/msg wes on the phone?")
        button = page.element("rooms-button")
        wait_for("the Rooms button counts it", lambda: "1 new" in button.text)
        self.open_entry(page, "bob")
        page.shows("<bob> on the phone?")
        self.assertFalse(page.visible("sidebar"))  # closed on picking
        page.type_into("message-input", "/me waves")
        page.shows("/me works in rooms only")
        self.assertNotIn("waves", " ".join(bob.listen(0.2)))
        page.type_into("message-input", "yes, on the phone")
        bob.wait(lambda line: line.endswith(" yes, on the phone"), "the reply")
        self.screenshot(page, "phone-private")
        self.assert_accessible(page, "a conversation on a phone")

    def test_conversation_after_a_lost_connection(self) -> None:
        """A message sent while the page's connection is down is kept for
        the account and delivered on signing in again: it appears once in
        the conversation shown (not twice, though its history is asked for
        again), and the page stays in the conversation."""
        page = self.signed_in_page("wes")
        bob = self.line_user("bob")
        bob.send("/msg wes first")
        wait_for("bob's entry", lambda: self.conversations(page) == ["bob 1"])
        self.open_entry(page, "bob")
        page.shows("<bob> first")
        self.script(page, "state.ws.close();")
        wait_for("the banner", lambda: page.visible("connection"))
        bob.send("/msg wes while you were away")
        wait_for("wes back", lambda: not page.visible("connection"))
        page.shows("<bob> while you were away")
        self.assertEqual(page.element("room-title").text, "bob")
        page.type_into("message-input", "back now")
        bob.wait(lambda line: line.endswith(" back now"), "the reply")
        page.shows("<wes> back now")
        log = page.log()
        self.assertEqual(log.count("while you were away"), 1)
        self.assertEqual(log.count("<bob> first"), 1)

    def assert_in_order(self, page: BrowserPage, *texts: str) -> None:
        """Each of ``texts`` in the log, each below the one before."""
        log = page.log()
        places = [log.index(text) for text in texts]
        self.assertEqual(places, sorted(places), f"out of order: {texts}")

    def log_of(self, page: BrowserPage, name: str) -> str:
        """The text of a room's or conversation's log, shown or not."""
        code = (
            "const view = views.get(arguments[0]) || conversationOf(arguments[0]);"
            " return view ? view.log.textContent : '';"
        )
        return str(self.script(page, code, name))
