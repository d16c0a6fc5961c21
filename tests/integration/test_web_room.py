"""The web client's room in headless chromium: older messages, answers in
plain words, the connection's state and notices of a moment.

See :mod:`tests.integration.web_support` for how pages are driven and
where their screenshots go.
"""

from __future__ import annotations

import re

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import WebCase

SECONDS = re.compile(r"Reconnecting in [2-9] s…")
#: A wait long enough to start the server and press "Reconnect now" before
#: the page would have tried again by itself.
LONG_WAIT = re.compile(r"Reconnecting in [5-9] s…")


def when(page: BrowserPage) -> str:
    """The banner's countdown."""
    return str(page.element("connection-when").text)


#: The position of a line in the log's view, in pixels from its top.
TOP_IN_VIEW = """
const line = [...document.querySelectorAll("#log li")]
  .find((item) => item.textContent.endsWith(arguments[0]));
return Math.round(line.getBoundingClientRect().top
  - document.getElementById("log").getBoundingClientRect().top);
"""


class WebRoomOlderMessagesTests(WebCase):
    server_options: tuple[str, ...] = ("--rate", "0", "--history", "40")

    def ninety_messages_in_tea(self) -> LineUser:
        """bob makes tea and says "message 01" to "message 90" in it."""
        bob = self.line_user("bob")
        bob.send("/create tea")
        for number in range(1, 91):
            bob.send(f"message {number:02}")
        bob.wait(lambda line: line.endswith(" message 90"), "the last message")
        return bob

    def test_scrolling_up_loads_older_messages_in_place(self) -> None:
        """A joiner sees the last 40 of 90 messages; scrolling to the top
        puts the 50 before them above, the line being read staying where it
        was, then says where the kept history starts. Scrolled up, a button
        counts what arrives below and jumps back to the newest."""
        bob = self.ninety_messages_in_tea()
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        page.shows("<bob> message 90")
        self.assertNotIn("message 50", page.log())

        self.script(page, "document.getElementById('log').scrollTop = 0;")
        page.shows("<bob> message 01")
        wait_for("the reply in place", lambda: "message 50" in page.log())
        log = page.log()
        numbers = [int(word) for word in log.split() if word.isdigit()]
        self.assertEqual(numbers, list(range(1, 91)))
        # The line that was at the top is still in view, not pushed away.
        self.assertLess(abs(self.script(page, TOP_IN_VIEW, "message 51")), 60)
        self.assertTrue(page.visible("jump"))

        self.script(page, "document.getElementById('log').scrollTop = 0;")
        wait_for(
            "the start of the kept history",
            lambda: page.visible("older-none"),
        )
        bob.send("a new one")
        wait_for("the count", lambda: page.element("jump").text == "↓ 1 new")
        self.screenshot(page, "older")
        page.element("jump").click()
        wait_for("back at the newest", lambda: not page.visible("jump"))
        at_bottom = self.script(
            page,
            "const log = document.getElementById('log');"
            "return log.scrollHeight - log.scrollTop - log.clientHeight < 5;",
        )
        self.assertTrue(at_bottom)
        self.assertEqual(self.focused(page), "message-input")

    def test_a_log_just_overflowing_at_its_newest_line_asks_nothing(self) -> None:
        """A log a few pixels taller than its view is near its top while it
        shows the newest line, as every log is for a moment while a join's
        replay arrives. The browser's scroll event then is no reader going
        up: nothing older loads (seen on two nodes in a parallel suite)."""
        self.ninety_messages_in_tea()
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        page.shows("<bob> message 90")
        self.script(page, JUST_OVERFLOWING)
        scrolled = "return window.scrolled;"
        wait_for("the scroll event", lambda: self.script(page, scrolled))
        # Said after any /history the scroll would have sent, on the same
        # socket: its reply would be in the log before this line is.
        page.type_into("message-input", "read to the end")
        page.shows("<wes> read to the end")
        self.assertNotIn("message 50", page.log())
        self.assertTrue(page.visible("older-button"))

    def test_older_messages_asked_while_the_join_replays_go_above_it(self) -> None:
        """Under load a browser can fire its scroll event (the log has just
        overflowed, so its top is near) between two lines of the join's
        replay, which asks for older messages while the replay is arriving:
        the rest of the replay still goes below, in order, and the older
        messages above it (seen once on two nodes in a parallel suite)."""
        self.ninety_messages_in_tea()
        page = self.open_page()
        self.enter(page, "wes")
        # What the scroll event does, after the replay's tenth line.
        self.script(page, ASK_OLDER_AFTER_TEN_LINES)
        self.go_to(page, "tea")
        page.shows("<bob> message 01")
        wait_for("the whole history", lambda: "message 90" in page.log())
        numbers = [int(word) for word in page.log().split() if word.isdigit()]
        self.assertEqual(numbers, list(range(1, 91)))


#: The log made 20 pixels taller than its view and scrolled to 10 pixels
#: from its top, which is also within reach of its newest line, as when a
#: join's replay has just overflowed it; ``window.scrolled`` says when the
#: page has handled the scroll event that follows.
JUST_OVERFLOWING = """
const log = document.getElementById("log");
log.style.flex = "none";
log.style.height = `${log.scrollHeight - 20}px`;
window.scrolled = false;
log.addEventListener("scroll", () => { window.scrolled = true; }, { once: true });
log.scrollTop = 10;
"""


#: The page asks for older messages, as its scroll handler does, right after
#: the tenth line of the join's replay is in the log.
ASK_OLDER_AFTER_TEN_LINES = """
const append = appendToLog;
let replayed = 0;
window.appendToLog = (item) => {
  append(item);
  if (/ message \\d\\d$/.test(item.textContent) && ++replayed === 10) {
    window.appendToLog = append;
    loadOlder();
  }
};
"""


class PlainWordsTests(WebCase):
    def test_answers_and_errors_in_plain_words(self) -> None:
        """No protocol code reaches the user; the lobby's field joins a room
        that exists; /who, /list, /help and /topic answer readably in the
        room; the topic is in the header once, not announced on joining
        (nor again after a reconnect), but a change is."""
        olive = self.line_user("olive")
        olive.send("/create tea")
        olive.send("/topic Tea and biscuits")
        olive.wait(lambda line: line.startswith("TOPIC tea olive"), "the topic")
        page = self.open_page()
        page.type_into("name-input", "bad name!")
        wait_for("the refusal", lambda: "names are 1-32" in page.error())
        self.assertNotIn("BAD_NAME", page.error())
        page.element("name-input").clear()
        self.enter(page, "wes")
        wait_for("tea in the lobby", lambda: "tea" in page.element("room-list").text)
        self.screenshot(page, "lobby")
        page.type_into("create-input", "/frobnicate")
        wait_for("the answer", lambda: "no command /frobnicate" in page.error())
        self.assertNotIn("UNKNOWN_COMMAND", page.error())
        page.type_into("create-input", "TEA")  # a room that exists: joined
        page.wait_page("room")
        self.assertEqual(page.element("room-title").text, "tea")
        self.assertEqual(page.element("topic").text, "Tea and biscuits")
        self.assertNotIn("topic", page.log())

        page.type_into("message-input", "/who")
        page.shows("In tea: olive (owner), wes")
        page.type_into("message-input", "/list")
        page.shows("tea (2 of 256)")
        self.assertIn("Rooms: general (0 of 256); tea", page.log())
        page.type_into("message-input", "/topic")
        page.shows("The topic is “Tea and biscuits” (set by olive)")
        page.type_into("message-input", "/create tea")
        page.shows("tea already exists")
        page.type_into("message-input", "/help")
        wait_for("the help", lambda: bool(self.find(page, "#log table.help")))
        help_text = page.element("log").find_element("css selector", ".help").text
        self.assertIn("/msg NAME text", help_text)
        for internal in ("/caps", "since ID", "/history", "/watch"):
            self.assertNotIn(internal, help_text)
        command = self.find(page, "#log .help code")[0]
        self.assertIn("monospace", command.value_of_css_property("font-family"))
        self.screenshot(page, "help")
        page.type_into("message-input", "/limits")  # the server's --rate 0
        page.shows("you may send 20 lines at once, then no limit")

        olive.send("/topic Scones today")
        page.shows("olive changed the topic to “Scones today”")
        self.assertEqual(page.element("topic").text, "Scones today")
        self.script(page, "state.ws.close();")  # a lost connection
        page.shows("reconnected")  # nothing stored to resume from, the log kept
        self.assertIn("olive changed the topic", page.log())
        wait_for("wes back", lambda: olive.listen(0.1).count("JOIN tea wes") == 2)
        wait_for(
            "the join's replies all in",
            lambda: self.script(page, "return !state.joinQuiet && !state.quietInfo"),
        )
        self.assertEqual(page.log().count("Scones today"), 1)  # the change only
        for code in ("ROOM_EXISTS", "UNKNOWN_COMMAND", "BAD_NAME", "ERR"):
            self.assertNotIn(code, page.log() + page.element("lobby-log").text)


class ConnectionTests(WebCase):
    def test_a_lost_connection_is_impossible_to_miss(self) -> None:
        """The server going away shows a banner with its reason and a
        countdown that moves, marks the input and the members offline, and
        "Reconnect now" reconnects at once; what was typed meanwhile is sent
        once back in the room, in order."""
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        self.assertFalse(page.visible("connection"))
        self.server.stop()
        wait_for("the banner", lambda: page.visible("connection"))
        banner = page.element("connection").text
        self.assertIn("The server said: server shutting down.", banner)
        page.shows("disconnected (server shutting down)")
        self.assertEqual(page.element("members-heading").text, "Members (offline)")
        self.assertIn(
            "offline", page.element("message-input").get_attribute("placeholder")
        )
        # The backoff grows to seconds: then the countdown is seen to move.
        wait_for("seconds to wait", lambda: SECONDS.fullmatch(when(page)) is not None)
        first = when(page)
        wait_for("the countdown to move", lambda: when(page) != first)
        page.type_into("message-input", "typed while away")
        page.type_into("message-input", "and this too")
        page.shows("and this too waiting")  # its row, pending (outbox.js)
        self.screenshot(page, "offline")

        wait_for("a long wait", lambda: LONG_WAIT.fullmatch(when(page)) is not None)
        self.server.start()
        page.element("reconnect-now").click()
        wait_for("back", lambda: not page.visible("connection"))
        page.shows("<wes> and this too")
        bob = self.line_user("bob")
        bob.send("/join tea")
        bob.wait(lambda line: line.endswith(" and this too"), "the kept lines")
        said = [line for line in bob.lines if line.startswith("HISTORY tea wes")]
        self.assertEqual(
            [line.split(" ", 4)[4] for line in said],
            ["typed while away", "and this too"],
        )
        self.assertNotIn("too waiting", page.log())
        self.assertEqual(page.log().count("and this too"), 1)
        self.assertEqual(page.element("members-heading").text, "Members (2)")


class NoticesTests(WebCase):
    def test_a_kick_notice_goes_with_the_next_join(self) -> None:
        """A kick is said in the lobby's log and in a notice of the moment,
        which is gone once the user is in a room again; an invitation too."""
        olive = self.line_user("olive")
        olive.send("/create tea")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        olive.send("/kick wes enough")
        page.wait_page("lobby")
        words = "You were kicked from tea by olive: enough"
        wait_for("the notice", lambda: words in page.notices())
        self.assertIn(words, page.element("lobby-log").text)
        olive.send("/invite wes")
        wait_for("the invitation", lambda: "olive invited you to tea" in page.notices())
        self.screenshot(page, "notices")
        self.go_to(page, "tea")
        self.assertEqual(page.notices(), "")
        self.script(page, "state.ws.close();")
        joins = 3  # joined, kicked, joined, and now back after the reconnect
        wait_for("wes back", lambda: olive.listen(0.1).count("JOIN tea wes") == joins)
        self.assertEqual(page.notices(), "")
