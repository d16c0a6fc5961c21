"""Every action from the message, in headless chromium (issue 79, the
spec's ``actions_without_ids``, docs/web.md): the message menu's Pin,
Reply in thread and Report… reach the room without anyone reading or
typing an id; Delete asks first; Copy link gives an address that opens
the page at the message, in a browser that was never in the room.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.test_web_life import WebLifeCase, event_id

#: The message line the page outlined (a search result's, a link's), and
#: whether it is inside the log's visible part.
OUTLINED = """
const log = document.getElementById("log");
const line = log.querySelector("li.found-here");
if (!line) return null;
const seen = log.getBoundingClientRect();
const box = line.getBoundingClientRect();
return [line.querySelector(".text").textContent,
        box.top >= seen.top - 1 && box.bottom <= seen.bottom + 1];
"""

#: The link in the note a copy leaves at the foot of the screen.
COPIED = """
const link = document.querySelector("#toast a");
return link && !document.getElementById("toast").hidden ? link.href : null;
"""


def bare(line: str) -> str:
    """A server line without the ``@ID;tags`` before a stored event."""
    return line.split(" ", 1)[1] if line.startswith("@") else line


def heard(user: LineUser, check: Callable[[str], bool], what: str) -> str:
    """The first line of ``user``'s that passes ``check`` (the spec's 6 s
    for each action is a figure of the outside check, not of this suite,
    which holds no timed assertions: a loaded machine only waits longer)."""
    found: list[str] = []

    def arrived() -> bool:
        found[:] = [line for line in user.listen(0.05) if check(line)][:1]
        return bool(found)

    try:
        wait_for(what, arrived)
    except AssertionError as missed:
        raise AssertionError(f"{missed}: {user.lines[-8:]}") from None
    return found[0]


class ActionsCase(WebLifeCase):
    def owner_and_operator(self, room: str) -> tuple[LineUser, BrowserPage, LineUser]:
        """``room`` made by a line user (``ids`` and ``rich``: ids and tags),
        the page's a1wes made its operator, a1bob a third member."""
        owner = self.line_user("a1olive")
        owner.send("/caps ids rich", f"/create {room}")
        owner.wait(lambda line: line.startswith(f"MEMBERS {room} "), "the room")
        page = self.open_page()
        self.enter(page, "a1wes")
        self.go_to(page, room)
        owner.wait(lambda line: line.startswith(f"JOIN {room} a1wes"), "a1wes in")
        owner.send("/op a1wes")
        page.shows("a1olive made a1wes an operator")
        bob = self.in_room("a1bob", room)
        return owner, page, bob


class ActionsWithoutIdsTests(ActionsCase):
    def test_actions_without_ids(self) -> None:
        """The spec's ``actions_without_ids``, the page's half: an operator
        opens a message's menu (its ⋯) and, each heard at the
        owner's: *Pin* is ``PIN room ID operator`` (the log says who
        pinned whose message and its start, the pinned bar shows it, and
        the menu then offers *Unpin*); *Reply in thread*, then text in the
        thread's field, is the text tagged ``thread=ID``; *Report…*, then
        ``spam``, is a ``REPORT``. No id is shown anywhere."""
        from selenium.webdriver.common.keys import Keys

        owner, page, bob = self.owner_and_operator("a1room")
        bob.send("who has the scones?")
        scones = event_id(owner, " who has the scones?")
        page.shows("<a1bob> who has the scones?")

        self.open_menu(page, "who has the scones?")
        self.assertEqual(page.element("menu-pin").text, "Pin")
        self.screenshot(page, "message-menu")
        self.assert_accessible(page, "a message's menu with Pin")
        page.element("menu-pin").click()
        heard(owner, lambda line: line == f"PIN a1room {scones} a1wes", "the pin")
        page.shows("a1wes pinned a message by a1bob: “who has the scones?”")
        wait_for("the pinned bar", lambda: page.visible("pinned"))
        self.assertEqual(page.element("pins").text, "a1bob: who has the scones?")
        self.open_menu(page, "who has the scones?")
        self.assertEqual(page.element("menu-pin").text, "Unpin")
        page.element("menu-pin").send_keys(Keys.ESCAPE)

        self.open_menu(page, "who has the scones?")
        page.element("menu-thread").click()
        wait_for("the thread's field", lambda: page.visible("thread-input"))
        page.type_into("thread-input", "in the blue tin")
        heard(
            owner,
            lambda line: (
                f";thread={scones}" in line.split(" ")[0]
                and " MSG a1room a1wes " in line
                and line.endswith(" in the blue tin")
            ),
            "the thread's message",
        )
        page.element("thread-close").click()

        bob.send("cheap scones, click here")
        cheap = event_id(owner, " cheap scones, click here")
        page.shows("<a1bob> cheap scones, click here")
        self.open_menu(page, "cheap scones, click here")
        page.element("menu-report").click()
        wait_for("the reason's bar", lambda: page.visible("compose-bar"))
        page.element("message-input").send_keys("spam", Keys.ENTER)
        heard(
            owner,
            lambda line: (
                line.startswith("REPORT ") and f" a1room {cheap} a1wes spam" in line
            ),
            "the report",
        )
        page.shows(
            "You reported a1bob's message to the room's moderators: “cheap scones"
        )
        for id_ in (scones, cheap):  # a report's own number is no message's id
            self.assertIsNone(re.search(rf"(?<!report )#{id_}\b", page.log()))
            self.assertNotIn(f"message {id_}", page.log())

        self.open_menu(page, "who has the scones?")
        page.element("menu-pin").click()  # Unpin
        heard(owner, lambda line: line == f"UNPIN a1room {scones} a1wes", "the unpin")
        wait_for("the bar gone", lambda: not page.visible("pinned"))
        page.shows("a1wes unpinned a message by a1bob: “who has the scones?”")

    def test_a_pin_of_a_message_not_loaded_names_it_once_known(self) -> None:
        """A message pinned that the page has not loaded (older than what
        it shows) is named in the pin's log line once the room's pins
        tell its words: its author and start, not its id."""
        owner = self.line_user("a2olive")
        owner.send("/caps ids", "/create a2room")
        owner.wait(lambda line: line.startswith("MEMBERS a2room "), "the room")
        owner.send("the rules: be kind")
        rules = event_id(owner, " the rules: be kind")
        for number in range(60):
            owner.send(f"filler {number}")
        owner.wait(lambda line: line.endswith(" filler 59"), "the fillers")
        page = self.open_page()
        self.enter(page, "a2wes")
        self.go_to(page, "a2room")
        page.shows("<a2olive> filler 59")
        self.assertNotIn("be kind", page.log())
        owner.send(f"/pin {rules}")
        page.shows("a2olive pinned a message by a2olive: “the rules: be kind”")
        self.assertNotIn(f"#{rules}", page.log())


class DeleteAsksFirstTests(ActionsCase):
    def test_delete_asks_first(self) -> None:
        """*Delete* opens a dialog quoting the message: Cancel (or Escape)
        deletes nothing; Delete does. An operator deleting someone else's
        message may say why, and the room reads it in its place."""
        from selenium.webdriver.common.keys import Keys

        owner, page, bob = self.owner_and_operator("a3room")
        page.type_into("message-input", "a slip of the keyboard")
        mine = event_id(owner, " a slip of the keyboard")
        page.shows("<a1wes> a slip of the keyboard")
        self.open_menu(page, "a slip of the keyboard")
        page.element("menu-delete").click()
        wait_for("asked first", lambda: page.visible("delete-dialog"))
        self.assertIn("a1wes: a slip of the keyboard", page.element("delete-what").text)
        self.assertFalse(page.visible("delete-reason"))  # one's own: no reason asked
        self.screenshot(page, "delete-asked")
        self.assert_accessible(page, "the delete dialog")
        page.element("delete-cancel").click()
        wait_for("the dialog closed", lambda: not page.visible("delete-dialog"))
        self.open_menu(page, "a slip of the keyboard")
        page.element("menu-delete").click()
        wait_for("asked again", lambda: page.visible("delete-dialog"))
        page.element("delete-confirm").send_keys(Keys.ESCAPE)
        wait_for("closed by Escape", lambda: not page.visible("delete-dialog"))
        self.assertIn("a slip of the keyboard", page.log())

        self.open_menu(page, "a slip of the keyboard")
        page.element("menu-delete").click()
        wait_for("asked a third time", lambda: page.visible("delete-dialog"))
        page.element("delete-confirm").click()
        heard(
            owner,
            lambda line: bare(line).startswith(f"REDACT a3room {mine} a1wes"),
            "gone",
        )
        page.shows("message deleted")
        self.assertNotIn("a slip of the keyboard", page.log())

        bob.send("buy cheap scones")
        advert = event_id(owner, " buy cheap scones")
        page.shows("<a1bob> buy cheap scones")
        self.open_menu(page, "buy cheap scones")
        page.element("menu-delete").click()
        wait_for("asked", lambda: page.visible("delete-reason"))
        self.assertEqual(self.focused(page), "delete-reason")
        page.element("delete-reason").send_keys("no adverts", Keys.ENTER)
        line = heard(
            owner,
            lambda line: bare(line).startswith(f"REDACT a3room {advert} "),
            "the deletion",
        )
        self.assertTrue(line.endswith(" a1wes no adverts"), line)
        page.shows("message deleted by a1wes: no adverts")
        redactions = [line for line in owner.lines if bare(line).startswith("REDACT ")]
        self.assertEqual(len(redactions), 2, redactions)  # the cancels sent none


class CopyLinkTests(ActionsCase):
    def test_a_copied_link_opens_the_page_at_the_message(self) -> None:
        """*Copy link* copies an address of the message (said at the foot
        of the screen, the link with it); opened in another browser, whose
        person was never in the room, the page joins the room, loads older
        messages until that one is there (it is further back than a join
        shows), and shows it outlined in the middle of the log."""
        owner = self.line_user("c1olive")
        owner.send("/caps ids", "/create c1room")
        owner.wait(lambda line: line.startswith("MEMBERS c1room "), "the room")
        page = self.open_page()
        self.enter(page, "c1wes")
        self.go_to(page, "c1room")
        owner.send("the recipe: two cups of flour")
        recipe = event_id(owner, " the recipe: two cups of flour")
        for number in range(120):
            owner.send(f"chatter {number}")
        page.shows("<c1olive> chatter 119")
        self.open_menu(page, "the recipe: two cups of flour")
        page.element("menu-link").click()
        wait_for("the link said", lambda: self.script(page, COPIED) is not None)
        link = str(self.script(page, COPIED))
        self.assertTrue(link.startswith(self.server.url), link)
        self.assertTrue(link.endswith(f"#c1room/{recipe}"), link)
        self.assertIn("Link to the message copied", page.element("toast").text)
        self.assert_accessible(page, "a link copied")

        other = self.browser()
        other.driver.get(link)
        other.wait_page("username")
        other.type_into("name-input", "c1carol")
        wait_for("the room", lambda: other.element("room-title").text == "c1room")
        wait_for(
            "the message outlined, in view",
            lambda: (
                self.script(other, OUTLINED) == ["the recipe: two cups of flour", True]
            ),
        )
        self.screenshot(other, "linked-message")
        owner.wait(lambda line: line.startswith("JOIN c1room c1carol"), "carol joined")
        self.assertNotIn(f"#c1room/{recipe}", other.driver.current_url)  # reached
