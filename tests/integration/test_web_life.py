"""The web client's messages with a life in headless chromium: reactions
from the message menu, who is typing, pastes of several lines, the search
box and the moderation log (docs/web.md).

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

import socket
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import PHONE, WebCase

PASSWORD = "tea-and-biscuits"

#: The chips under a message line whose text contains ``arguments[0]``:
#: "emoji count" each, with "*" after the user's own.
CHIPS = """
const line = [...document.querySelectorAll("#log li[data-id]")]
  .find((item) => item.querySelector(".text").textContent.includes(arguments[0]));
if (!line) return null;
return [...line.querySelectorAll(".chip")].map((chip) =>
  chip.textContent.replace(/(\\D+)(\\d+)/u, "$1 $2")
  + (chip.getAttribute("aria-pressed") === "true" ? "*" : ""));
"""


def event_id(user: LineUser, ending: str) -> str:
    """The id of the stored event whose line ends with ``ending``."""
    line = user.wait(lambda line: line.endswith(ending), repr(ending))
    return line.split(" ")[0][1:].split(";")[0]


class WebLifeCase(WebCase):
    def chips(self, page: BrowserPage, text: str) -> list[str] | None:
        return self.script(page, CHIPS, text)

    def line_of(self, page: BrowserPage, text: str) -> Any:
        """The log's message line whose words contain ``text``."""
        return [
            item
            for item in self.find(page, "#log li[data-id]")
            if text in item.find_element("css selector", ".text").text
        ][-1]

    def open_menu(self, page: BrowserPage, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        more = self.line_of(page, text).find_element("css selector", ".more")
        more.send_keys(Keys.ENTER)
        wait_for("the menu", lambda: page.visible("message-menu"))

    def typing(self, page: BrowserPage) -> str:
        return str(page.element("typing").text)

    def in_tea(self, phone: bool = False) -> tuple[BrowserPage, LineUser]:
        """wes's page in tea (wes made it), bob there too, with ``rich``."""
        page = self.open_page(phone=phone)
        self.enter(page, "wes")
        self.go_to(page, "tea")
        bob = self.in_room("bob", "tea")
        bob.send("/caps rich")
        bob.wait(lambda line: line.startswith("CAPS "), "bob's caps")
        return page, bob


class WebReactionTests(WebLifeCase):
    def test_react_from_the_menu_live_and_in_replay(self) -> None:
        """React in a message's menu opens a picker (common emoji, and any
        other typed); the reactions are chips under the message with their
        counts, the user's own marked; a click on one's own chip takes it
        back; someone else's reactions arrive live; a page joining later
        sees the same chips (and an edit's mark) from the replay."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        bob.send("anyone for tea?")
        page.shows("<bob> anyone for tea?")
        tea_id = event_id(bob, " anyone for tea?")

        self.open_menu(page, "anyone for tea?")
        page.element("menu-react").send_keys(Keys.ENTER)
        wait_for("the picker", lambda: page.visible("react-picker"))
        self.assertFalse(page.visible("message-menu"))
        self.assert_accessible(page, "the reaction picker")
        page.element("react-choices").find_element(
            "css selector", '[aria-label="react with 👍"]'
        ).click()
        bob.wait(lambda line: line.endswith(f" REACT tea {tea_id} wes 👍"), "wes's 👍")
        wait_for("wes's chip", lambda: self.chips(page, "anyone") == ["👍 1*"])
        self.assertFalse(page.visible("react-picker"))

        bob.send(f"/react {tea_id} 👍", f"/react {tea_id} 🍵")
        wait_for(
            "bob's reactions", lambda: self.chips(page, "anyone") == ["👍 2*", "🍵 1"]
        )
        self.open_menu(page, "anyone for tea?")
        page.element("menu-react").click()
        page.element("react-input").send_keys(":scone:", Keys.ENTER)
        wait_for(
            "a typed reaction",
            lambda: self.chips(page, "anyone") == ["👍 2*", "🍵 1", ":scone: 1*"],
        )
        self.screenshot(page, "reactions")
        for scheme in ("light", "dark"):
            self.theme(page, scheme)
            self.assert_accessible(page, f"reactions ({scheme})")

        mine = self.line_of(page, "anyone for tea?").find_elements(
            "css selector", ".chip"
        )[0]
        mine.click()  # my own 👍: taken back
        bob.wait(lambda line: line.endswith(f" UNREACT tea {tea_id} wes 👍"), "UNREACT")
        wait_for(
            "wes's 👍 gone",
            lambda: self.chips(page, "anyone") == ["👍 1", "🍵 1", ":scone: 1*"],
        )
        bob.send(f"/edit {tea_id} anyone for more tea?")
        page.shows("anyone for more tea? (edited)")

        later = self.open_page()
        self.enter(later, "carol")
        self.go_to(later, "tea")
        later.shows("anyone for more tea? (edited)")
        wait_for(
            "the replayed chips",
            lambda: self.chips(later, "anyone") == ["👍 1", "🍵 1", ":scone: 1"],
        )


class WebTypingTests(WebLifeCase):
    def test_who_is_typing_comes_and_goes(self) -> None:
        """Under the log, a polite live region says who is typing; it goes
        with their message, their "done", or the protocol's timeout. What
        the user types sends /typing active (a command does not), and
        emptying the input sends done."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        self.assertEqual(page.element("typing").get_attribute("aria-live"), "polite")
        carol = self.in_room("carol", "tea")
        bob.send("/typing active")
        wait_for("bob typing", lambda: self.typing(page) == "bob is typing…")
        carol.send("/typing active")
        wait_for("two typing", lambda: self.typing(page) == "bob and carol are typing…")
        bob.send("here it is")
        wait_for("bob done", lambda: self.typing(page) == "carol is typing…")
        carol.send("/typing done")
        wait_for("nobody typing", lambda: self.typing(page) == "")
        dave = self.in_room("dave", "tea")
        dave.send("/typing active")
        wait_for("dave typing", lambda: self.typing(page) == "dave is typing…")
        wait_for("dave's notice expired", lambda: self.typing(page) == "")

        field = page.element("message-input")
        field.send_keys("/wh")
        field.send_keys(Keys.BACKSPACE, Keys.BACKSPACE, Keys.BACKSPACE, "hel")
        bob.wait(lambda line: line == "TYPING tea wes active", "wes typing")
        self.assertNotIn("TYPING tea wes done", bob.lines)
        field.send_keys(Keys.BACKSPACE, Keys.BACKSPACE, Keys.BACKSPACE)
        bob.wait(lambda line: line == "TYPING tea wes done", "wes done")
        field.send_keys("hello", Keys.ENTER)
        bob.wait(
            lambda line: " MSG tea wes " in line and line.endswith(" hello"), "sent"
        )
        # Typing again within 3 s of the last "active" sends none (the
        # server would drop it): the message says enough.
        typed = [line for line in bob.lines if line.startswith("TYPING tea wes")]
        self.assertEqual(typed[:2], ["TYPING tea wes active", "TYPING tea wes done"])


class WebPasteTests(WebLifeCase):
    def test_several_lines_go_as_one_message(self) -> None:
        """Shift+Enter adds a line; Enter sends the lines as one message
        (/paste, each backslash and line break escaped), shown to its
        sender as a block, and to a plain line user as one message; a paste
        of several lines (inserted at once) goes the same way; a page
        joining later gets both as blocks from the replay."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        plain = self.in_room("olive", "tea")
        field = page.element("message-input")
        field.send_keys("def brew(pot):", Keys.SHIFT, Keys.ENTER, Keys.SHIFT)
        field.send_keys("    return C:\\pot", Keys.ENTER)
        line = bob.wait(lambda line: " MSG tea wes " in line, "the paste")
        self.assertIn(
            ";multiline=def\\sbrew(pot):\\n\\s\\s\\s\\sreturn\\sC:\\\\pot ", line
        )
        plain.wait(
            lambda line: line.endswith(" def brew(pot):     return C:\\pot"), "one MSG"
        )
        block = ".multiline .text"
        wait_for("the block", lambda: bool(self.find(page, block)))
        shown = self.script(
            page, f"return document.querySelector('#log {block}').innerText;"
        )
        self.assertEqual(shown, "def brew(pot):\n    return C:\\pot")
        self.assertEqual(field.get_attribute("value"), "")

        page.driver.execute_cdp_cmd(
            "Input.insertText", {"text": "first line\r\nsecond line\r\n"}
        )
        field.send_keys(Keys.ENTER)
        plain.wait(lambda line: line.endswith(" first line second line"), "the paste")
        wait_for("two blocks", lambda: len(self.find(page, block)) == 2)
        self.assertEqual(
            len([line for line in plain.lines if line.startswith("MSG tea wes ")]), 2
        )
        self.screenshot(page, "paste")

        later = self.open_page()
        self.enter(later, "carol")
        self.go_to(later, "tea")
        wait_for("replayed blocks", lambda: len(self.find(later, block)) == 2)


class SearchTests(WebLifeCase):
    #: A file: with ``:memory:`` the index takes each room's new messages
    #: in a batch of its own, so "newest first" is not kept across rooms.
    db = "chat.db"

    def test_search_box_lists_results_and_goes_to_them(self) -> None:
        """The header's search box: results (room, who, when, words) newest
        first in a panel; a click on one shows its room and marks the
        message; an empty or too long search says why in plain words."""
        olive = self.line_user("olive")
        olive.send("/create cafe", "scones are warm in the cafe")
        olive.wait(lambda line: line.endswith(" scones are warm in the cafe"), "said")
        page, _ = self.in_tea()
        self.join_cafe(page)
        carol = self.in_room("carol", "tea")
        carol.send("who brought the scones?")
        page.shows("<carol> who brought the scones?")
        self.assertEqual(page.element("room-title").text, "tea")

        page.element("search-input").send_keys("SCONES")
        page.element("search-form").submit()
        wait_for("the results", lambda: len(self.results(page)) == 2)
        self.assertEqual(
            [(r["room"], r["user"], r["text"]) for r in self.results(page)],
            [
                ("tea", "carol", "who brought the scones?"),
                ("cafe", "olive", "scones are warm in the cafe"),
            ],
        )
        self.assertIn("2 messages found", page.element("results").text)
        self.assert_accessible(page, "search results")
        self.screenshot(page, "search")
        self.find(page, '#found .result[data-room="cafe"]')[0].click()
        wait_for("cafe shown", lambda: page.element("room-title").text == "cafe")
        marked = self.find(page, "#log .found-here")
        self.assertEqual(len(marked), 1)
        self.assertIn("scones are warm", marked[0].text)

        page.element("search-input").clear()
        page.element("search-form").submit()
        wait_for("why", lambda: "Nothing to search for." in self.note(page))
        self.assertNotIn("BAD_ARGS", page.element("results").text)
        page.element("search-input").send_keys("tea " * 67)
        page.element("search-form").submit()
        wait_for("too long", lambda: "at most 200 characters" in self.note(page))
        self.assertEqual(self.results(page), [])
        page.element("results-close").click()
        self.assertFalse(page.visible("results"))

    def test_private_results_say_whose_conversation(self) -> None:
        """An account's search finds its private conversations too: such a
        result says whom it is with, by display name as beside the
        message, and a click opens that conversation (from the lobby too),
        the message marked."""
        page = self.open_page()
        page.element("register-input").click()
        page.type_into("name-input", "wes", enter=False)
        page.type_into("password-input", "first-secret-1")
        page.wait_page("lobby")
        wait_for("registered", lambda: page.visible("account"))
        olive = self.line_user("olive")
        # an account's profile is read on every node (a plain name's only
        # where its door keeps presence: docs/scaling.md)
        olive.send("/register olive's own passphrase")
        olive.wait(lambda line: line.startswith("REGISTERED "), "registered")
        olive.send("/profile set display-name Olive Oyl")
        olive.wait(lambda line: line.startswith("PROFILE olive display-name"), "set")
        olive.send("/msg wes scones at four, privately")
        olive.wait(lambda line: line.endswith(" scones at four, privately"), "sent")
        page.element("search-input").send_keys("scones")
        page.element("search-form").submit()
        wait_for("the result", lambda: len(self.results(page)) == 1)
        result = self.find(page, "#found .result")[0]
        wait_for("her display name", lambda: "private, with Olive Oyl" in result.text)
        self.assertIn("Olive Oyl", result.find_element("css selector", ".nick").text)
        self.assertIn("scones at four, privately", result.text)
        result.click()
        wait_for("olive shown", lambda: page.element("room-title").text == "olive")
        page.shows("<Olive Oyl (olive)> scones at four, privately")
        wait_for("marked", lambda: bool(self.find(page, "#log .found-here")))
        self.assert_accessible(page, "a private result")

    def join_cafe(self, page: BrowserPage) -> None:
        page.type_into("message-input", "/join cafe")
        wait_for("cafe joined", lambda: page.element("room-title").text == "cafe")
        page.type_into("message-input", "/focus tea")
        wait_for("tea again", lambda: page.element("room-title").text == "tea")

    def results(self, page: BrowserPage) -> list[dict[str, str]]:
        return self.script(
            page,
            """return [...document.querySelectorAll("#found .result")].map((r) => ({
              room: r.dataset.room, user: r.querySelector(".nick").textContent,
              text: r.querySelector(".text").textContent}));""",
        )

    def note(self, page: BrowserPage) -> str:
        return str(page.element("results-note").text)


class ModerationLogTests(WebLifeCase):
    def test_owner_reads_the_log_others_are_told_no(self) -> None:
        """The room's owner has a Moderation log button: a table of who did
        what, in words. In a room they do not moderate there is no button,
        and a typed /modlog is refused in plain words."""
        page, _ = self.in_tea()
        page.type_into("message-input", "/kick bob be nice")
        page.shows("wes kicked bob: be nice")
        page.type_into("message-input", "/set topic-lock on")
        page.shows("locked the topic")
        wait_for("the button", lambda: page.visible("modlog-button"))
        page.element("modlog-button").click()
        wait_for("the log", lambda: page.visible("modlog-table"))
        rows = [row.text for row in self.find(page, "#modlog-rows tr")]
        self.assertEqual(len(rows), 2)
        self.assertIn("wes kicked bob: be nice", rows[0])
        self.assertIn("wes locked the topic", rows[1])
        self.assertIn("Moderation log of tea", page.element("results").text)
        self.assert_accessible(page, "moderation log")
        self.screenshot(page, "modlog")

        olive = self.line_user("olive")
        olive.send("/create attic")
        olive.wait(lambda line: line.startswith("MEMBERS attic"), "attic made")
        page.type_into("message-input", "/join attic")
        wait_for("attic", lambda: page.element("room-title").text == "attic")
        wait_for("no button", lambda: not page.visible("modlog-button"))
        page.type_into("message-input", "/modlog")
        page.shows("only the owner and operators of attic can read its /modlog")
        self.assertNotIn("NOT_ALLOWED", page.log())


class PhoneLifeTests(WebLifeCase):
    def test_picker_typing_and_search_on_a_phone(self) -> None:
        """At 390×844 the search box (behind the header's Menu), the
        reaction picker and the typing line fit the screen and pass
        axe-core."""
        page, bob = self.in_tea(phone=True)
        width, _ = PHONE
        bob.send("anyone for tea?", "/typing active")
        page.shows("<bob> anyone for tea?")
        wait_for("bob typing", lambda: self.typing(page) == "bob is typing…")
        self.assertFalse(page.visible("search-input"))  # behind the header's Menu
        self.open_menu(page, "anyone for tea?")
        page.element("menu-react").click()
        wait_for("the picker", lambda: page.visible("react-picker"))
        picker = page.element("react-picker").rect
        self.assertLessEqual(picker["x"] + picker["width"], width)
        self.screenshot(page, "phone-life")
        self.assert_accessible(page, "picker and typing (phone)")
        page.element("menu-button").click()
        wait_for("the search box", lambda: page.visible("search-input"))
        page.element("search-input").send_keys("tea")
        page.element("search-form").submit()
        wait_for("a result", lambda: bool(self.find(page, "#found .result")))
        self.assertLessEqual(page.element("results").rect["width"], width)
        self.assert_accessible(page, "search results (phone)")


class IRCBot(LineUser):
    """An IRC client on a blocking socket that puts itself in bot mode."""

    def __init__(self, port: int, nick: str) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.socket.settimeout(0.1)
        self.buffer = b""
        self.lines: list[str] = []
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", f"MODE {nick} +B")
        self.wait(lambda line: f" MODE {nick} :+B" in line, "the +B echo")


class WebBotTests(WebLifeCase):
    def marks(self, page: BrowserPage, text: str) -> list[str]:
        """The bot marks on the message line whose words contain ``text``."""
        line = self.line_of(page, text)
        return [mark.text for mark in line.find_elements("css selector", ".bot")]

    def test_a_bots_messages_are_marked(self) -> None:
        """An IRC client in bot mode (``+B``) speaks in tea: the page shows
        a "bot" mark after its nick, live and in the replay a page joining
        later gets, and on its private message; a person's message has none
        (docs/irc.md "Bots"); axe finds nothing serious on the page with it."""
        page, bob = self.in_tea()
        bot = IRCBot(self.server.irc_port, "beeper")
        self.addCleanup(bot.close)
        bot.send("JOIN #tea")
        bot.wait(lambda line: " 366 " in line, "beeper's NAMES")
        bot.send("PRIVMSG #tea :beep boop")
        page.shows("beep boop")
        self.assertEqual(self.marks(page, "beep boop"), ["bot"])
        bob.send("a person here")
        page.shows("a person here")
        self.assertEqual(self.marks(page, "a person here"), [])
        self.screenshot(page, "bot")
        self.assert_accessible(page, "bot")
        later = self.open_page()
        self.enter(later, "val")
        self.go_to(later, "tea")
        later.shows("beep boop")
        self.assertEqual(self.marks(later, "beep boop"), ["bot"])
        bot.send("PRIVMSG val :psst, I am a bot")
        entry = '#my-conversations button[data-conversation="beeper"]'
        wait_for("beeper's entry", lambda: bool(self.find(later, entry)))
        self.find(later, entry)[0].click()
        later.shows("psst, I am a bot")
        line = [item for item in self.find(later, "#log li") if "psst" in item.text][-1]
        marks = line.find_elements("css selector", ".bot")
        self.assertEqual([mark.text for mark in marks], ["bot"])


class WebReportTests(WebLifeCase):
    def test_report_a_message_and_handle_the_reports(self) -> None:
        """A message's menu has Report… (not for one's own): its reason is
        typed under a bar and Enter reports it; the room's owner hears it.
        As tea's owner, the page hears carol's report live, its Reports
        button lists the open one with what was said, and Close closes it:
        the list empties and the closing is said."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        olive = self.line_user("olive")
        olive.send("/create attic")
        olive.wait(lambda line: line.startswith("MEMBERS attic"), "attic made")
        mallory = self.in_room("mallory", "attic")
        mallory.send("/caps ids")
        mallory.wait(lambda line: line.startswith("CAPS "), "mallory's caps")
        page.type_into("message-input", "/join attic")
        wait_for("attic", lambda: page.element("room-title").text == "attic")
        mallory.send("buy cheap pills")
        pills = event_id(mallory, "buy cheap pills")
        page.shows("<mallory> buy cheap pills")
        self.open_menu(page, "buy cheap pills")
        self.assertTrue(page.visible("menu-report"))
        page.element("menu-report").click()
        wait_for("the bar", lambda: page.visible("compose-bar"))
        self.assertIn(
            "Reporting mallory: buy cheap pills", page.element("compose-what").text
        )
        page.element("message-input").send_keys("selling pills", Keys.ENTER)
        page.shows(
            "You reported mallory's message to the room's moderators: “buy cheap pills”"
        )
        olive.wait(
            lambda line: line == f"REPORT 1 attic {pills} wes selling pills",
            "olive's report",
        )
        page.type_into("message-input", "/focus tea")
        wait_for("tea again", lambda: page.element("room-title").text == "tea")
        carol = self.in_room("carol", "tea")
        bob.send("you are all idiots")
        rude = event_id(bob, "you are all idiots")
        carol.send(f"/report {rude} insults")
        page.shows("carol reported bob's message in tea (report #2): insults")
        wait_for("the button", lambda: page.visible("reports-button"))
        page.element("reports-button").click()
        wait_for("the list", lambda: page.visible("reports-list"))
        (shown,) = self.find(page, "#reports-list li")
        self.assertIn("#2 in tea: bob said “you are all idiots”", shown.text)
        self.assertIn("reported by carol: insults", shown.text)
        self.assert_accessible(page, "open reports")
        self.screenshot(page, "reports")
        shown.find_element("css selector", "button").click()
        page.shows("wes closed report #2")
        wait_for("gone", lambda: not self.find(page, "#reports-list li"))
        carol.send("/reports")  # no room of hers: nothing to see
        self.assertEqual(
            carol.wait(lambda line: line.startswith("REPORTS_END"), "carol's queue"),
            "REPORTS_END 0",
        )


class WebPrivateReportTests(WebLifeCase):
    server_options = ("--admins", "root", "--rate", "0")

    def test_report_a_private_message(self) -> None:
        """A kept private message from someone else has the menu with
        Report… alone; its reason typed, Enter reports it to the server's
        admins (root hears it), and nobody else."""
        from selenium.webdriver.common.keys import Keys

        wes = LineUser(self.server.line_port, f"/register wes {PASSWORD}")
        self.addCleanup(wes.close)
        wes.wait(lambda line: line == "REGISTERED wes")
        wes.send("/quit")
        root = self.line_user(f"/register root {PASSWORD}")
        root.wait(lambda line: line == "REGISTERED root")
        page = self.page_of_account("wes", PASSWORD)
        mallory = self.line_user("mallory")
        mallory.send("/caps ids")
        mallory.wait(lambda line: line.startswith("CAPS "), "mallory's caps")
        mallory.send("/msg wes send me your password")
        said = event_id(mallory, "send me your password")
        entry = '#my-conversations button[data-conversation="mallory"]'
        wait_for("mallory's entry", lambda: bool(self.find(page, entry)))
        self.find(page, entry)[0].click()
        page.shows("send me your password")
        self.open_menu(page, "send me your password")
        self.assertTrue(page.visible("menu-report"))
        for other in (
            "menu-reply",
            "menu-react",
            "menu-edit",
            "menu-delete",
            "menu-pin",
        ):
            self.assertFalse(page.visible(other), other)
        page.element("menu-report").click()
        wait_for("the bar", lambda: page.visible("compose-bar"))
        self.assertIn(
            "Reporting mallory: send me your password",
            page.element("compose-what").text,
        )
        page.element("message-input").send_keys("phishing", Keys.ENTER)
        page.shows(
            "You reported mallory's message to the server's admins: "
            "“send me your password”"
        )
        root.wait(
            lambda line: line == f"REPORT 1 @mallory {said} wes phishing",
            "root's report",
        )
        root.wait(
            lambda line: line == "REPORT_TEXT 1 mallory send me your password",
            "what was said",
        )
        self.assertFalse([x for x in mallory.lines if x.startswith("REPORT")])
