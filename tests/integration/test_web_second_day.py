"""The web page on a person's second day (issue 79, docs/web.md): coming
back works. Each test is one journey of the issue's spec
(``second-day.md``), named as the spec names it, driven as a person does
in headless chromium at 1280×800, with line-door users as the others in
the rooms:

- ``web_signin_room``: a line typed in the room on screen, from the first
  keystroke after signing in, reaches that room and no other; ``/info``
  typed there is answered there;
- ``history_on_return``: a room read to its end shows its recent messages
  when its account comes back;
- ``web_reload_session``: a reload or a new tab stays signed in (a device
  session, the password stored nowhere), *Sign out* signs out, and
  another device's ``/logout`` of the page's device does too;
- ``web_signin_quiet`` (the server's default flood limits): the page's own
  questions leave nothing in the logs, and the marks and the pinned bar
  are there unasked;
- ``room_ownership``: an account's room stays its own, and is kept once
  left; a guest's room warns before its last member leaves;
- ``private_conversations``: ``/msg`` opens the conversation at once, and a
  reload finds it with its unread mark;
- ``typing_pace`` (default limits): lines typed at a person's pace in two
  rooms are said at once, each in its room, with no flood warning.

The journeys that cross the nodes run again on two nodes
(:mod:`tests.integration.test_two_nodes_clients`): :meth:`come_back_url`
is where a returning browser opens the page.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import WebCase

PASSWORD = "second-day-tea"
WIDTH, HEIGHT = 1280, 800

#: Everything of the page a script of another origin, a later visitor of
#: the browser or the page itself could read back: storage and cookies.
STORED = """
return [
  JSON.stringify({ ...localStorage }),
  JSON.stringify({ ...sessionStorage }),
  document.cookie,
].join("\\n");
"""

#: Lines of the page's own questions, as the spec's check looks for them.
SETTINGS_WORDS = (
    "owner:", "operators:", "invite-only:", "key:", "topic-lock:", "keep:", "secret:",
    "bans:", "limit:", "moderated:", "voiced:", "external:",
)  # fmt: skip
FLOOD_WORDS = (
    "a second", "their turn", "its turn", "your turn", "flood", "too fast", "slow down",
)  # fmt: skip

#: The lines of each room's log the page is in (its view's, shown or not).
ROOM_LOGS = """
return Object.fromEntries([...views.values()].map((view) =>
  [view.name, [...view.log.children].map((line) => line.textContent)]));
"""

#: The rooms of the page's sidebar, in its order.
SIDEBAR_ROOMS = """
return [...document.querySelectorAll("#my-rooms .switch")]
  .map((button) => button.dataset.joined);
"""

#: Whether every question the page asked by itself has been answered, as
#: far as the page counts them (a page that counts none: at once).
ALL_ANSWERED = """
const waiting = [...views.values()].some((view) => view.infoQuiet
  || view.pinsQuiet || view.levelQuiet || view.scroll.paging || view.joining);
return !waiting && (typeof profilesComing === "undefined" || profilesComing.size === 0);
"""

#: The text of the element ``arguments[0]`` selects (null: none).
READ_ENTRY = """
const entry = document.querySelector(arguments[0]);
return entry && entry.textContent;
"""


def entry_of(user: str) -> str:
    """The selector of the sidebar's conversation with ``user``."""
    return f'#my-conversations button[data-conversation="{user}"]'


class SecondDayCase(WebCase):
    """Pages at 1280×800, accounts made as a person makes them."""

    def open_page(
        self, *, phone: bool = False, dark: bool = False, fresh: bool = False
    ) -> BrowserPage:
        page = super().open_page(phone=phone, dark=dark, fresh=fresh)
        if not phone:
            page.driver.set_window_rect(width=WIDTH, height=HEIGHT)
        return page

    def come_back_url(self) -> str:
        """Where a returning browser opens the page (two nodes: the other)."""
        return self.server.url

    def new_account(self, name: str, *rooms: str) -> BrowserPage:
        """A page that registers ``name`` on its name form (*new account*)
        and joins (or makes) each of ``rooms`` from the lobby's field."""
        page = self.open_page()
        page.element("register-input").click()
        page.type_into("name-input", name, enter=False)
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")
        for room in rooms:
            if page.visible("lobby-button"):
                page.element("lobby-button").click()
                page.wait_page("lobby")
            self.go_to(page, room)
        return page

    def sign_in(self, page: BrowserPage, name: str) -> None:
        """The name form answered with ``name``'s password."""
        page.element("name-input").clear()
        page.type_into("name-input", name, enter=False)
        page.type_into("password-input", PASSWORD)

    def close(self, page: BrowserPage) -> None:
        """The page's tab closed (an empty one left open): its connection goes."""
        closing = page.driver.current_window_handle
        page.driver.switch_to.new_window("tab")
        left = page.driver.current_window_handle
        page.driver.switch_to.window(closing)
        page.driver.close()
        page.driver.switch_to.window(left)

    def come_back(self, name: str) -> BrowserPage:
        """A fresh browser: the page opened again, signed in with the password."""
        page = self.browser()
        page.driver.set_window_rect(width=WIDTH, height=HEIGHT)
        page.driver.get(self.come_back_url())
        page.wait_page("username")
        self.sign_in(page, name)
        return page

    def account(self, name: str) -> LineUser:
        """``name`` registered at the line door, signed in there."""
        user = self.line_user(f"/register {name} {PASSWORD}")
        user.wait(lambda line: line == f"REGISTERED {name}", f"{name} registered")
        return user

    def join(self, user: LineUser, room: str) -> None:
        user.send(f"/join {room}")
        user.wait(lambda line: line.startswith(f"MEMBERS {room} "), f"{room}'s members")

    def offline(self, page: BrowserPage, offline: bool) -> None:
        """The browser's network cut (``offline``) or back, as DevTools does
        it: no new connection while cut."""
        page.driver.execute_cdp_cmd("Network.enable", {})
        conditions = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        page.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions", {"offline": offline, **conditions}
        )

    def gone(self, user: LineUser, room: str, name: str) -> None:
        """Until ``user`` hears ``name`` leave ``room``."""
        user.wait(lambda line: line.startswith(f"PART {room} {name}"), f"{name} gone")

    def shown(self, page: BrowserPage) -> str:
        """The room (or conversation) on screen."""
        return str(page.element("room-title").text)

    def sidebar_rooms(self, page: BrowserPage) -> list[str]:
        """The rooms of the sidebar, read in one step (it is drawn again
        as news arrives, so an element found may be gone a moment later)."""
        return list(self.script(page, SIDEBAR_ROOMS))

    def switch(self, page: BrowserPage, room: str) -> None:
        """A click on ``room`` in the sidebar (found again if drawn anew)."""
        from selenium.common.exceptions import StaleElementReferenceException

        def clicked() -> bool:
            try:
                self.find(page, f'#my-rooms button[data-joined="{room}"]')[0].click()
            except (StaleElementReferenceException, IndexError):
                return False
            return True

        wait_for(f"a click on {room}", clicked)
        wait_for(f"{room} shown", lambda: self.shown(page) == room)

    def room_logs(self, page: BrowserPage) -> dict[str, list[str]]:
        return dict(self.script(page, ROOM_LOGS))

    def all_answered(self, page: BrowserPage) -> bool:
        return bool(self.script(page, ALL_ANSWERED))

    def assert_quiet(self, page: BrowserPage) -> None:
        """No log of the page (each room's, shown or not) holds a line of
        the answers to its own questions (settings, pins, profiles) or a
        flood warning."""
        for room, log in self.room_logs(page).items():
            for line in log:
                words = line.strip()
                self.assertFalse(words.startswith(SETTINGS_WORDS), f"{room}: {words}")
                for noise in (
                    "settings)",
                    "pinned message",
                    "Your display-name",
                    *FLOOD_WORDS,
                ):
                    self.assertNotIn(noise, words, f"{room}: {words}")

    def entry(self, page: BrowserPage, user: str) -> str | None:
        """The text of the sidebar's conversation with ``user``, with its
        badge's (the visible count, and the words a screen reader hears);
        None: there is none. Read in one step: the sidebar is drawn again
        as news arrives."""
        text = self.script(page, READ_ENTRY, entry_of(user))
        return None if text is None else str(text)

    def open_entry(self, page: BrowserPage, user: str) -> None:
        """A click on the conversation with ``user`` in the sidebar (found
        again if drawn anew meanwhile)."""
        from selenium.common.exceptions import StaleElementReferenceException

        def clicked() -> bool:
            try:
                self.find(page, entry_of(user))[0].click()
            except (StaleElementReferenceException, IndexError):
                return False
            return True

        wait_for(f"a click on the conversation with {user}", clicked)

    def said(self, user: LineUser, room: str, text: str) -> str:
        """The ``MSG`` of ``text`` in ``room`` as ``user`` got it."""
        return user.wait(
            lambda line: line.startswith(f"MSG {room} ") and line.endswith(f" {text}"),
            f"{text!r} in {room}",
        )


class WebSignInRoomTests(SecondDayCase):
    def test_web_signin_room(self) -> None:
        """An account in two rooms comes back in a fresh browser: what it
        types in the room on screen, from the first keystroke, reaches that
        room's members and never the other room's; ``/info`` typed there is
        answered in that room's log, the room still on screen; the same in
        the other room once shown, and for a line typed there while the
        connection is lost."""
        page = self.new_account("r1alice", "r1general", "r1chai")
        general, chai = self.line_user("r1gen"), self.line_user("r1chat")
        self.join(general, "r1general")
        self.join(chai, "r1chai")
        witnesses = {"r1general": general, "r1chai": chai}
        self.close(page)
        for room, witness in witnesses.items():
            self.gone(witness, room, "r1alice")

        page = self.come_back("r1alice")
        page.wait_page("room")
        wait_for(
            "both rooms in the sidebar",
            lambda: sorted(self.sidebar_rooms(page)) == ["r1chai", "r1general"],
        )
        here = self.shown(page)
        (elsewhere,) = set(witnesses) - {here}
        page.type_into("message-input", "typed where I look")
        heard = witnesses[here]
        wait_for(
            "the line", lambda: "typed where I look" in " ".join(heard.listen(0.1)), 5
        )
        stray = [
            line for line in witnesses[elsewhere].listen(1) if "typed where" in line
        ]
        self.assertEqual(stray, [])

        page.type_into("message-input", "/info")
        wait_for(
            "the answer", lambda: f"(end of {here}'s settings)" in page.log(), timeout=6
        )
        self.assertIn("owner: ", page.log())
        self.assertEqual(self.shown(page), here)
        self.screenshot(page, "second-day-signin-room")

        # The other room, shown from the sidebar: the same there.
        self.switch(page, elsewhere)
        page.type_into("message-input", "and here too")
        self.said(witnesses[elsewhere], elsewhere, "and here too")
        stray = [line for line in witnesses[here].listen(0.5) if "and here too" in line]
        self.assertEqual(stray, [])

        # A lost connection (the browser offline): what is typed meanwhile
        # goes, once back, to the room it was typed in.
        self.offline(page, True)
        self.script(page, "state.ws.close();")
        wait_for("offline", lambda: page.visible("connection"))
        page.type_into("message-input", "typed while away")
        page.shows("typed while away waiting")  # its row, pending (outbox.js)
        self.offline(page, False)
        self.said(witnesses[elsewhere], elsewhere, "typed while away")
        stray = [line for line in witnesses[here].listen(0.5) if "while away" in line]
        self.assertEqual(stray, [])
        self.assertEqual(self.shown(page), elsewhere)


class HistoryOnReturnTests(SecondDayCase):
    def test_history_on_return(self) -> None:
        """A new account joins a room of 30 messages and sees the last
        twenty; it reads to the end and leaves; coming back, the room
        shows those twenty at once, like live messages, oldest first, with
        *Show earlier messages* above them; scrolling up brings the rest."""
        bob = self.line_user("h1bob")
        bob.send("/create h1room")
        bob.wait(lambda line: line.startswith("MEMBERS h1room"), "the room")
        for number in range(1, 31):
            bob.send(f"line {number:02} of the story")
        self.said(bob, "h1room", "line 30 of the story")

        page = self.new_account("h1alice", "h1room")
        for number in range(11, 31):
            page.shows(f"line {number:02} of the story")
        wait_for(
            "the room read to its end",
            lambda: self.script(
                page,
                "const v = views.get(nameKey('h1room')); return v.readId === v.lastId;",
            ),
        )
        self.close(page)
        self.gone(bob, "h1room", "h1alice")

        page = self.come_back("h1alice")
        page.wait_page("room")
        wait_for("h1room shown", lambda: self.shown(page) == "h1room")

        def lines() -> list[int]:
            log = page.log()
            return [n for n in range(1, 31) if f"line {n:02} of the story" in log]

        wait_for("the twenty newest", lambda: lines()[-20:] == list(range(11, 31)), 8)
        texts = self.script(
            page,
            "return [...document.querySelectorAll('#log li.message .text')]"
            ".map((text) => text.textContent);",
        )
        numbers = [int(text.split()[1]) for text in texts if text.startswith("line ")]
        self.assertEqual(numbers, sorted(numbers))  # in time order, each once
        self.assertEqual(len(numbers), len(set(numbers)))
        self.screenshot(page, "second-day-history")
        self.assertTrue(page.element("older-button").is_displayed())
        self.script(
            page, "document.getElementById('log').scrollTop = 0;"
        )  # scrolled up
        wait_for("the first ten", lambda: lines() == list(range(1, 31)))


class WebReloadSessionTests(SecondDayCase):
    def test_web_reload_session(self) -> None:
        """Signed in with its password, the page stays signed in across a
        reload and in a new tab (its rooms back, the room it showed shown,
        no name form), keeping the password nowhere; *Sign out* shows the
        name form, and so does a reload after another device's ``/logout``
        of the page's device."""
        bob = self.line_user("s1bob")
        bob.send("/create s1room")
        bob.wait(lambda line: line.startswith("MEMBERS s1room"), "the room")
        page = self.new_account("s1alice", "s1room", "s1cafe")
        self.switch(page, "s1room")  # not the room joined last

        page.driver.refresh()
        wait_for("s1room shown", lambda: self.in_room_page(page, "s1room"))
        wait_for("both rooms", lambda: len(self.sidebar_rooms(page)) == 2)
        self.assertEqual(self.shown(page), "s1room")
        page.type_into("message-input", "back after a reload")
        self.said(bob, "s1room", "back after a reload")

        first = page.driver.current_window_handle
        page.driver.switch_to.new_window("tab")
        page.driver.get(self.server.url)
        wait_for(
            "s1room in the new tab",
            lambda: self.in_room_page(page, "s1room"),
            timeout=15,
        )
        self.assertFalse(page.visible("username-page"))
        wait_for("both rooms", lambda: len(self.sidebar_rooms(page)) == 2)
        self.assertEqual(self.shown(page), "s1room")
        for handle in (page.driver.current_window_handle, first):
            page.driver.switch_to.window(handle)
            self.assertNotIn(PASSWORD, self.script(page, STORED))
        elsewhere = self.line_user(f"/login s1alice {PASSWORD}")
        elsewhere.send("/devices")
        devices = elsewhere.wait(lambda line: line.startswith("DEVICES_END"))
        self.assertEqual(devices, "DEVICES_END 3")  # two tabs and the line device
        doors = [
            line.split()[2] for line in elsewhere.lines if line.startswith("DEVICE ")
        ]
        self.assertEqual(sorted(doors), ["line", "web", "web"])

        self.sign_out_control(page).click()
        wait_for("the name form", lambda: page.visible("username-page"))
        page.driver.refresh()
        page.wait_page("username")
        self.assertFalse(page.visible("signout-button"))

        self.sign_in(page, "s1alice")
        wait_for("signed in again", lambda: page.visible("signout-button"))
        wait_for("every tab signed out", lambda: self.web_devices(elsewhere) == ["web"])
        (device,) = [
            line.split()[1]
            for line in elsewhere.lines
            if line.startswith("DEVICE ") and line.split()[2] == "web"
        ]
        elsewhere.send(f"/logout {device}")
        elsewhere.wait(
            lambda line: line == f"LOGGED_OUT {device}", "the page signed out"
        )
        page.driver.refresh()
        page.wait_page("username")
        wait_for("why", lambda: "s1alice" in page.error())

    def test_sign_out_on_a_phone(self) -> None:
        """At 390×844 *Sign out* is there too (in the header, or behind its
        menu), and signs out: a reload shows the name form."""
        page = self.open_page(phone=True)
        page.element("register-input").click()
        page.type_into("name-input", "s2alice", enter=False)
        page.type_into("password-input", PASSWORD)
        page.wait_page("lobby")
        self.go_to(page, "s2room")
        page.driver.refresh()
        wait_for("s2room again", lambda: self.in_room_page(page, "s2room"))
        self.sign_out_control(page).click()
        wait_for("the name form", lambda: page.visible("username-page"))
        page.driver.refresh()
        page.wait_page("username")
        self.screenshot(page, "second-day-phone-signed-out")

    def sign_out_control(self, page: BrowserPage) -> Any:
        """The visible control that says *Sign out*, opening the header's
        menu (*Menu*, *Account*...) first if it is behind one."""

        def shown() -> list[Any]:
            return [
                button
                for button in self.find(page, "button")
                if button.is_displayed() and button.text.strip() == "Sign out"
            ]

        if not shown():
            for button in self.find(page, "header button"):
                if button.is_displayed() and button.text.strip() in (
                    "Menu",
                    "Account",
                    "☰",
                ):
                    button.click()
                    break
        wait_for("Sign out", lambda: bool(shown()))
        return shown()[0]

    def in_room_page(self, page: BrowserPage, room: str) -> bool:
        """Whether the page shows ``room`` (and never its name form)."""
        self.assertFalse(page.visible("username-page"), "the name form")
        return page.visible("room-page") and self.shown(page) == room

    def web_devices(self, user: LineUser) -> list[str]:
        """The doors of the account's devices other than ``user``'s line."""
        user.lines.clear()
        user.send("/devices")
        user.wait(lambda line: line.startswith("DEVICES_END"))
        return [
            line.split()[2]
            for line in user.lines
            if line.startswith("DEVICE ") and line.split()[2] != "line"
        ]


class WebSignInQuietTests(SecondDayCase):
    """The server's default flood limits."""

    server_options = ()

    def test_web_signin_quiet(self) -> None:
        """An account with a profile, in two rooms (one with an owner, an
        operator, a third member and a pin), signs in, shows the other room
        and back, and says hello: neither log has a settings line, a
        profile line, a pins line or a flood warning; the member list marks
        the owner and the operator; the pinned bar shows the pin."""
        alice = self.account("q1alice")
        alice.send(
            "/caps ids multi", "/profile set display-name Alice Quinn", "/create q1cafe"
        )
        alice.wait(lambda line: line.startswith("MEMBERS q1cafe"), "q1cafe made")
        bob, carol = self.line_user("q1bob"), self.line_user("q1carol")
        for user in (bob, carol):
            self.join(user, "q1cafe")
        alice.send("/op q1bob", "rules: be kind to the kettle")
        pinned = alice.wait(lambda line: line.endswith(" rules: be kind to the kettle"))
        alice.send(f"/pin {pinned.split()[0][1:]}")
        alice.wait(lambda line: line.startswith("PIN q1cafe "), "the pin")
        olive = self.line_user("q1olive")
        olive.send("/create q1tea")
        olive.wait(lambda line: line.startswith("MEMBERS q1tea"), "q1tea made")
        alice.send("/join q1tea")
        alice.wait(lambda line: line.startswith("MEMBERS q1tea"), "alice in q1tea")
        alice.send("/quit")
        alice.wait(lambda line: line.startswith("BYE"))

        page = self.come_back("q1alice")
        page.wait_page("room")
        wait_for("both rooms", lambda: len(self.sidebar_rooms(page)) == 2)
        first = self.shown(page)
        (other,) = set(self.sidebar_rooms(page)) - {first}
        self.switch(page, other)
        wait_for("its answers", lambda: self.all_answered(page))
        self.switch(page, first)
        page.type_into("message-input", "hello")
        witness = bob if first == "q1cafe" else olive
        self.said(witness, first, "hello")
        page.shows("hello")
        wait_for("every answer", lambda: self.all_answered(page))
        witness.listen(2.5)  # as the journey looks: 2.5 s after the hello

        self.assert_quiet(page)

        if self.shown(page) != "q1cafe":
            self.switch(page, "q1cafe")
        members = {
            item.text: str(item.get_attribute("title") or "")
            for item in self.find(page, "#members li")
        }
        marks = {
            name: members[next(text for text in members if name in text)]
            for name in ("Alice Quinn", "q1bob", "q1carol")
        }
        self.assertEqual(
            marks, {"Alice Quinn": "owner", "q1bob": "operator", "q1carol": ""}
        )
        wait_for("the pinned bar", lambda: page.visible("pinned"))
        self.assertIn("rules: be kind to the kettle", page.element("pins").text)
        bar = page.element("pinned").rect
        log = page.element("log").rect
        self.assertLessEqual(bar["y"] + bar["height"], log["y"] + 60)
        self.screenshot(page, "second-day-quiet")


class RoomOwnershipTests(SecondDayCase):
    def test_room_ownership(self) -> None:
        """An account's room stays its own while its page is closed and
        once it is back (nobody is told of a new owner); its second room,
        left with its ×, simply leaves, and is kept with what was said."""
        page = self.new_account("owalice", "o1room")
        bob = self.line_user("owbob")
        self.join(bob, "o1room")
        self.close(page)
        self.gone(bob, "o1room", "owalice")
        self.assertEqual(
            [line for line in bob.listen(2.5) if line.startswith("OWNER")], []
        )
        bob.send("/info")
        self.assertEqual(
            bob.wait(lambda line: line.startswith("INFO o1room owner ")),
            "INFO o1room owner account:owalice",
        )

        page = self.come_back("owalice")
        page.wait_page("room")
        bob.wait(lambda line: line == "JOIN o1room owalice", "owalice back")
        bob.lines.clear()
        self.assertEqual(
            [line for line in bob.listen(2.5) if line.startswith("OWNER")], []
        )
        bob.send("/info")
        self.assertEqual(
            bob.wait(lambda line: line.startswith("INFO o1room owner ")),
            "INFO o1room owner owalice",
        )

        page.element("lobby-button").click()
        page.wait_page("lobby")
        self.go_to(page, "o1notes")
        page.type_into("message-input", "notes to keep")
        page.shows("notes to keep")
        self.find(page, '#my-rooms button[aria-label="Leave o1notes"]')[0].click()
        wait_for("o1notes left", lambda: "o1notes" not in self.sidebar_rooms(page))
        carol = self.line_user("owcarol")
        carol.send("/join o1notes")
        carol.wait(lambda line: line.startswith("JOINED o1notes "), "o1notes kept")
        carol.wait(
            lambda line: (
                line.startswith("HISTORY o1notes owalice ")
                and line.endswith(" notes to keep")
            ),
            "what was said there",
        )

    def test_the_last_member_of_a_guests_room_is_asked(self) -> None:
        """A plain name's room goes when its last member leaves: the page
        asks first, and Cancel keeps the user in it."""
        page = self.open_page()
        self.enter(page, "o2wes")
        self.go_to(page, "o2scratch")
        wait_for("its settings", lambda: self.all_answered(page))
        leave = self.find(page, '#my-rooms button[aria-label="Leave o2scratch"]')[0]
        leave.click()
        wait_for("the question", lambda: self.alert(page) is not None)
        self.assertIn("it goes when you leave", self.alert(page).text)
        self.alert(page).dismiss()
        self.assertEqual(self.sidebar_rooms(page), ["o2scratch"])
        page.element("leave-button").click()
        wait_for("the question again", lambda: self.alert(page) is not None)
        self.alert(page).accept()
        page.wait_page("lobby")
        self.assertEqual(self.sidebar_rooms(page), [])

    def alert(self, page: BrowserPage) -> Any:
        """The ``confirm()`` the page shows, or None."""
        from selenium.common.exceptions import NoAlertPresentException

        try:
            return page.driver.switch_to.alert
        except NoAlertPresentException:
            return None


class PrivateConversationsTests(SecondDayCase):
    def test_private_conversations(self) -> None:
        """``/msg`` typed in a room opens the conversation at once, with the
        message sent; the answer gives it a badge; after a reload the
        conversation is back with its unread mark, and opening it shows
        both messages."""
        bob = self.account("p1bob")
        bob.send("/create p1room")
        bob.wait(lambda line: line.startswith("MEMBERS p1room"), "the room")
        page = self.new_account("p1alice", "p1room")
        page.type_into("message-input", "/msg p1bob are you coming to tea?")
        wait_for(
            "the conversation", lambda: self.entry(page, "p1bob") is not None, timeout=3
        )
        self.assertEqual(self.shown(page), "p1room")
        self.open_entry(page, "p1bob")
        wait_for("its messages", lambda: self.shown(page) == "p1bob")
        page.shows("are you coming to tea?")
        self.switch(page, "p1room")

        bob.wait(lambda line: line.endswith(" are you coming to tea?"), "the message")
        bob.send("/msg p1alice yes, at four")
        wait_for("the badge", lambda: "1" in (self.entry(page, "p1bob") or ""))
        self.screenshot(page, "conversations")

        page.driver.get(self.come_back_url())
        if page.visible("username-page") or self.names_asked(page):
            self.sign_in(page, "p1alice")
        page.wait_page("room")
        wait_for(
            "the unread mark",
            lambda: "1" in (self.entry(page, "p1bob") or ""),
            timeout=6,
        )
        self.open_entry(page, "p1bob")
        wait_for("the conversation", lambda: self.shown(page) == "p1bob")
        page.shows("are you coming to tea?")
        page.shows("yes, at four")

    def names_asked(self, page: BrowserPage) -> bool:
        """Whether the page opened at its name form (or is about to)."""
        wait_for(
            "the page to sign in or ask",
            lambda: page.visible("username-page") or page.visible("room-page"),
        )
        return bool(page.visible("username-page"))


class TypingPaceTests(SecondDayCase):
    """The server's default flood limits."""

    server_options = ()

    def test_typing_pace(self) -> None:
        """An account in two rooms signs in; as soon as a room shows it
        switches to the other, types ten lines 0.4 s apart, switches back
        and types three: each is said in its room, in order, within 3 s of
        its Enter, and no log has a flood warning."""
        alice = self.account("t1alice")
        olive, bob = self.line_user("t1olive"), self.line_user("t1bob")
        olive.send("/create t1tea")
        olive.wait(lambda line: line.startswith("MEMBERS t1tea"), "t1tea made")
        bob.send("/create t1cafe")
        bob.wait(lambda line: line.startswith("MEMBERS t1cafe"), "t1cafe made")
        alice.send("/caps multi")
        for room in ("t1tea", "t1cafe"):
            self.join(alice, room)
        alice.send("/quit")
        alice.wait(lambda line: line.startswith("BYE"))
        witnesses = {"t1tea": olive, "t1cafe": bob}  # alice in both: /caps multi

        page = self.come_back("t1alice")
        page.wait_page("room")
        wait_for("both rooms", lambda: len(self.sidebar_rooms(page)) == 2)
        first = self.shown(page)
        (other,) = set(witnesses) - {first}
        typed: list[tuple[str, str, float]] = []

        def type_lines(room: str, count: int) -> None:
            for _ in range(count):
                text = f"pace {len(typed) + 1:02} in {room}"
                page.type_into("message-input", text)
                typed.append((room, text, time.time()))
                time.sleep(0.4)  # a person's pace, as the journey types

        self.switch(page, other)
        type_lines(other, 10)
        self.switch(page, first)
        type_lines(first, 3)

        for room, witness in witnesses.items():
            mine = [entry for entry in typed if entry[0] == room]
            said = [self.said(witness, room, text) for _, text, _ in mine]
            order = [witness.lines.index(line) for line in said]
            self.assertEqual(order, sorted(order), f"{room}: in order")
            for (_, text, entered), line in zip(mine, said, strict=True):
                when = datetime.fromisoformat(line.split()[3].replace("Z", "+00:00"))
                self.assertLess(when.timestamp() - entered, 3, f"{text}: said late")
        for room, log in self.room_logs(page).items():
            for line in log:
                for noise in FLOOD_WORDS:
                    self.assertNotIn(noise, line, f"{room}: {line}")
