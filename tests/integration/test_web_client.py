"""The web client in headless chromium: loading, reading lines by the
server's grammar, a newcomer's wait in words, getting the user's
attention, and typing.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

from typing import Any

from chatroom.wire.lines import EVENT_FIELDS, FREE_TEXT_EVENTS, LIST_EVENTS, parse_event
from chatroom.wire.signin import ACCOUNTS_ONLY
from chatroom.wire.waiting import not_yet_words
from tests.client.test_terminal import wait_for
from tests.integration.web_support import WebCase

LOADS = 30


def sample_lines() -> list[str]:
    """A line of every event of the grammar (its fields, then free text
    with spaces in it or a list of words), each also cut short, and lines
    the grammar does not name: an unknown event, one with an id and tags."""
    lines = []
    for event, names in EVENT_FIELDS.items():
        whole = " ".join(
            [event, *(f"{name}-{index}" for index, name in enumerate(names))]
        )
        if event in FREE_TEXT_EVENTS:
            whole += " free  text, spaces kept "
        elif event in LIST_EVENTS:
            whole += " one two three"
        lines += [whole, event]
        if names:
            lines.append(f"{event} {names[0]}")
    return [
        *dict.fromkeys(lines),  # UNREAD_END whole is UNREAD_END cut short
        "NEWER_EVENT a b  c",
        "@42 MSG tea bob 2026-11-21T18:04:05.123Z hi there",
        "@43;reply=42;bot;x=a\\sb\\:c MSG tea bob 2026-11-21T18:04:06.000Z re",
    ]


def as_parsed(line: str) -> dict[str, Any]:
    """``parse_event``'s reading of ``line`` in the shape of the page's."""
    parsed = parse_event(line)
    return {
        "name": parsed.name,
        "field": parsed.named_fields(),
        "text": parsed.text,
        "listed": list(parsed.listed),
        "id": parsed.id or None,
        "tags": dict(parsed.tags),
    }


class GrammarTests(WebCase):
    def test_the_page_parses_every_event_as_the_server_does(self) -> None:
        """The page reads a line of every event, and of every event cut
        short, into the same named fields, free text, list of words, id
        and tags as ``chatroom.wire.lines.parse_event``: its grammar is
        the server's (``/wire.js``), not a copy of it."""
        page = self.open_page()
        lines = sample_lines()
        parsed = self.script(page, "return arguments[0].map(parse)", lines)
        self.assertEqual(
            list(zip(lines, parsed, strict=True)),
            [(line, as_parsed(line)) for line in lines],
        )


class NewcomerTests(WebCase):
    """``--newcomer-wait 600``: a plain name is a newcomer."""

    server_options = (*WebCase.server_options, "--newcomer-wait", "600")

    def test_the_wait_is_said_in_words(self) -> None:
        """wes's link is refused, and the page says why and for how long
        in the wire's words (as the terminal client and IRC do), not a
        bare number of seconds."""
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        page.type_into("message-input", "see https://spam.example/")
        said = not_yet_words("600")  # 599 seconds left reads the same
        self.assertTrue(said.endswith(": 10 minutes to go."), said)
        wait_for("the refusal", lambda: said in page.log())


class AccountsOnlyTests(WebCase):
    """``--require-account``: a plain name is refused."""

    server_options = (*WebCase.server_options, "--require-account")

    def test_a_plain_name_is_told_in_the_wires_words(self) -> None:
        """wes, a plain name, is told why in the words the terminal client
        and IRC say it in (``chatroom.wire.signin``), without the line
        protocol's ``/login`` command."""
        page = self.open_page()
        page.type_into("name-input", "wes")
        wait_for("the refusal", lambda: ACCOUNTS_ONLY in page.error())
        self.assertNotIn("/login", page.error())


class LoadingTests(WebCase):
    def test_every_page_load_reaches_the_name_form(self) -> None:
        """Loaded again and again, the page always shows the name form: the
        server's first line (HELLO) is never lost to scripts still loading
        (it was, about one load in fifteen)."""
        page = self.open_page()
        for load in range(LOADS):
            page.driver.get(self.server.url)
            wait_for(
                f"the name form on load {load + 1}",
                lambda: page.visible("username-page"),
            )
            self.assertEqual(page.status(), "connected")
        self.assertEqual(self.focused(page), "name-input")
        self.screenshot(page, "name")


class AttentionTests(WebCase):
    def test_mentions_private_messages_title_favicon_and_notifications(self) -> None:
        """A line naming the user is highlighted. While the tab is hidden,
        the title and favicon count what arrived, a mention and a private
        message raise desktop notifications (once allowed, from the header's
        button or the browser) and the unread ones sit under a "new messages"
        divider; coming back clears the room's counts, the private message
        staying as its conversation's badge until that is opened."""
        page = self.open_page()
        self.assertTrue(page.visible("notify-button"))  # not asked yet: offered
        page.driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"permissions": ["notifications"], "origin": self.server.url.rstrip("/")},
        )
        wait_for(
            "the button gone once allowed", lambda: not page.visible("notify-button")
        )
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        bob.send("Wes, the kettle")  # any case, with punctuation
        bob.send("western movies tonight")  # a longer word is not the name
        page.shows("<bob> western movies tonight")
        lines = self.find(page, "#log li.message")
        self.assertEqual(
            [line.get_attribute("class") for line in lines],
            ["message mention", "message"],
        )
        plain_icon = page.element("favicon").get_attribute("href")

        self.hide(page)
        bob.send("just chatting")
        bob.send("wes: are you there?")
        bob.send("/msg wes a secret")
        wait_for("three unread", lambda: page.driver.title.startswith("(2! 3) "))
        self.assertEqual(page.driver.title, "(2! 3) tea – chatroom")
        self.assertNotEqual(page.element("favicon").get_attribute("href"), plain_icon)
        raised = self.script(page, "return attention.raised")
        self.assertEqual(
            raised,
            [
                {"title": "bob in tea", "body": "wes: are you there?"},
                {"title": "bob (private message)", "body": "a secret"},
            ],
        )
        self.assertEqual(self.script(page, "return attention.shown.length"), 2)
        log = page.log()
        self.assertLess(log.index("the kettle"), log.index("new messages"))
        self.assertLess(log.index("new messages"), log.index("just chatting"))
        self.screenshot(page, "unread")

        self.unhide(page)
        wait_for(
            "tea's counts cleared", lambda: page.driver.title == "(1! 1) tea – chatroom"
        )
        self.find(page, '#my-conversations button[data-conversation="bob"]')[0].click()
        wait_for("the counts cleared", lambda: page.driver.title == "bob – chatroom")
        self.assertEqual(page.element("favicon").get_attribute("href"), plain_icon)
        self.assertEqual(self.script(page, "return attention.shown.length"), 0)


class TypingTests(WebCase):
    def test_history_completion_links_and_nick_colours(self) -> None:
        """Up and Down walk the lines typed (a draft is kept, a password
        never); Tab completes commands, rooms and names (again: the next);
        links are links that give the new tab nothing of this page, and no
        HTML from a message is ever made into elements; each name keeps one
        colour."""
        from selenium.webdriver.common.keys import Keys

        olive = self.line_user("olive")
        olive.send("/create teapot")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        self.in_room("bobby", "tea")
        wait_for(
            "three members", lambda: len(page.element("members").text.split()) == 3
        )

        page.type_into("message-input", "first line")
        page.type_into("message-input", "/password old-secret new-secret-2")
        page.type_into("message-input", "second line")
        page.type_into("message-input", "a draft", enter=False)
        field = page.element("message-input")
        field.send_keys(Keys.UP)
        self.assertEqual(field.get_attribute("value"), "second line")
        field.send_keys(Keys.UP)  # the /password line was never kept
        self.assertEqual(field.get_attribute("value"), "first line")
        field.send_keys(Keys.DOWN, Keys.DOWN)
        self.assertEqual(field.get_attribute("value"), "a draft")
        field.clear()

        field.send_keys("/jo", Keys.TAB)
        self.assertEqual(field.get_attribute("value"), "/join ")
        field.send_keys("teap", Keys.TAB)
        self.assertEqual(field.get_attribute("value"), "/join teapot ")
        field.clear()
        field.send_keys("bo", Keys.TAB)
        self.assertEqual(field.get_attribute("value"), "bob: ")
        field.send_keys(Keys.TAB)
        self.assertEqual(field.get_attribute("value"), "bobby: ")
        field.send_keys("hi")
        self.assertEqual(field.get_attribute("value"), "bobby: hi")
        field.clear()
        field.send_keys("", Keys.TAB)  # nothing to complete: Tab moves on
        self.assertEqual(self.focused(page), "")  # the Send button has no id
        self.assertEqual(page.driver.switch_to.active_element.text, "Send")

        html = '<b>bold</b> <img src="x" onerror="alert(1)">'
        bob.send(f"see https://example.org/a?b=1, {html}")
        page.shows("<b>bold</b>")
        links = self.find(page, "#log a")
        self.assertEqual(len(links), 1)
        self.assertEqual(links[0].get_attribute("href"), "https://example.org/a?b=1")
        self.assertEqual(links[0].text, "https://example.org/a?b=1")
        self.assertEqual(links[0].get_attribute("rel"), "noopener noreferrer")
        self.assertEqual(links[0].get_attribute("target"), "_blank")
        self.assertEqual(self.find(page, "#log b, #log img"), [])
        bob.send("javascript:alert(1) is not a link")
        page.shows("javascript:alert(1) is not a link")
        self.assertEqual(len(self.find(page, "#log a")), 1)

        bob.send("another")
        page.shows("<bob> another")
        classes = {
            nick.get_attribute("class")
            for nick in self.find(page, "#log .nick")
            if nick.text == "<bob>"
        }
        self.assertEqual(len(classes), 1, classes)
        (bob_class,) = classes
        member = next(m for m in self.find(page, "#members li") if m.text == "bob")
        self.assertIn(bob_class.split()[1], member.get_attribute("class").split())
        self.screenshot(page, "room")
        self.assert_accessible(page, "room (light)")
        self.theme(page, "dark")
        self.screenshot(page, "room-dark")
        self.assert_accessible(page, "room (dark)")
