"""A person's two days at the three doors, typed as newcomers type (issue
79, *Done when*: "A person's two-day journey ... meets every point").

One real server, started as ``make run`` starts it (the twistd plugin with
the line door, ``--irc``, ``--http``, ``--files``, the default flood
limits) on a ``--db`` SQLite file, and three people:

- **alice**, a newcomer in the page (chromium at 1280×800, and her phone at
  390×844 on the second day): she registers on the name form and makes
  ``kitchen``, which is hers;
- **bob** in ``chatroom-urwid`` in tmux: he picks a name, registers with
  ``/register`` and makes ``garden``;
- **carol** in irssi 1.4 in tmux: she registers with NickServ.

The first day they talk in both rooms, each typing where they look; alice
and bob have a private conversation; alice replies to bob, writes in his
question's thread, reacts to it and pins it from the message menu; bob
pins from the terminal's selection keys; bob writes Markdown with
```code``` and ``~~strike~~``; alice deletes a slip (asked first), then gives herself
a display name and a picture from her own profile card. carol
leaves for the night; while she is away a reply to her and a good night
are said, and bob renames garden ``flowerbed`` and talks on there.

The next morning: alice reloads the page (still signed in, a quiet log,
the marks, the pinned bar and the conversation there); bob starts his
client again (his rooms with their recent messages, his conversation);
the server restarts on its file (the page and the terminal come back by
themselves, replies keep their quotes); alice signs in on her phone (her
picture beside her words);
carol starts irssi again (only what she missed, each line at its
original time, the reply with its addressee and quote, flowerbed from
where she left garden).

Every check reads what a person has on screen: the page's elements, the
terminal's and irssi's tmux panes (``--log-dir`` files are never read).
Waits are on conditions; nothing is timed.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from typing import cast

from tests.client.test_terminal import wait_for
from tests.client.test_terminal_second_day import buffer_list, shown_room
from tests.client.tmux import TerminalCase, TerminalClient, run_tmux
from tests.integration.real_clients import BrowserPage, Irssi
from tests.integration.test_irc_second_day import styled_rows
from tests.integration.test_web_files import PNG
from tests.integration.test_web_life import CHIPS, WebLifeCase
from tests.integration.test_web_profiles import AVATARS, CARD_AVATAR, ROWS
from tests.integration.test_web_second_day import PASSWORD, SecondDayCase
from tests.integration.web_support import PHONE

#: The inline code and the struck words of the page's message holding
#: ``arguments[0]``, as it draws them.
FORMATTED = """
const text = [...document.querySelectorAll("#log li[data-id] .text")]
  .find((text) => text.textContent.includes(arguments[0]));
if (!text) return null;
return [...text.querySelectorAll("code, s")].map((e) => [e.localName, e.textContent]);
"""

#: How much of the message list a phone shows (its height inside the screen).
LOG_SHOWN = """
const box = document.getElementById("log").getBoundingClientRect();
return Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0);
"""

#: An irssi row's time, as ``timestamp_format %H:%M:%S`` draws it.
STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d) ")


class TwoDayJourneyTests(SecondDayCase, WebLifeCase):
    """The journey, one story; its steps are the methods below, in order."""

    db = "journey.sqlite3"
    server_options = ("--files",)  # as `make run`: uploads, default flood limits
    timeout = 900

    def setUp(self) -> None:
        super().setUp()
        # What a TerminalClient uses of its case (tests.client.tmux): the
        # line door's port, a private tmux server, where screens are kept.
        self.port = self.server.line_port
        self.socket = f"chatroom-journey-{os.getpid()}-{secrets.token_hex(4)}"
        self.clients: list[TerminalClient] = []
        self.artefacts = self.folder / "screens"
        self.addCleanup(self.tmux, "kill-server", check=False)
        self.addCleanup(self.capture_all)  # before the tmux server goes

    def tmux(self, *arguments: str, check: bool = True) -> str:
        return run_tmux(self.socket, *arguments, check=check)

    def capture_all(self) -> None:
        """Every terminal still open, as it was at the end (for a failure)."""
        for client in self.clients:
            if not client.status.exists():
                client.capture("last")

    def terminal(self, *arguments: str, session: str | None = None) -> TerminalClient:
        """bob's ``chatroom-urwid`` (110×40), started in tmux."""
        case = cast(TerminalCase, self)  # it has all a TerminalClient uses
        return TerminalClient(case, "bob", *arguments, size=(110, 40), session=session)

    def test_two_days(self) -> None:
        self.first_day()
        self.next_morning()

    # -- the first day -------------------------------------------------------------

    def first_day(self) -> None:
        self.arrive()
        self.talk_in_two_rooms()
        self.private_conversation()
        self.act_on_a_message()
        self.pin_from_the_terminal()
        self.markdown()
        self.delete_with_a_question()
        self.a_name_and_a_face()
        self.night()

    def arrive(self) -> None:
        """alice registers in the page and makes kitchen (hers: the member
        list marks her its owner); bob picks a name in the terminal,
        registers and makes garden; carol registers with NickServ in
        irssi; all three join both rooms."""
        self.page = self.new_account("alice", "kitchen")
        wait_for("alice the owner", lambda: self.mark(self.page, "alice") == "owner")

        self.bob = self.terminal()
        self.bob.shows("Username:")
        self.bob.type_line("bob")
        self.bob.shows("you are bob")
        self.bob.type_line(f"/register {PASSWORD}")
        self.bob.shows("bob is now your account and you are signed in to it")
        self.bob.type_line("garden")
        self.bob.shows("you joined garden")
        self.bob.type_line("/join kitchen")
        self.bob.shows("you joined kitchen")

        self.carol = self.irssi("carol", seconds=True)
        self.carol.shows("End of /MOTD command")
        self.carol.type_line(f"/msg NickServ REGISTER {PASSWORD}")
        self.carol.type_line("/window goto NickServ")  # its answer's window
        self.carol.shows("Account created")
        for channel in ("#kitchen", "#garden"):
            self.carol.type_line(f"/join {channel}")
            self.carol.shows(f"has joined {channel}")

        self.page.element("lobby-button").click()
        self.page.wait_page("lobby")
        self.go_to(self.page, "garden")

    def talk_in_two_rooms(self) -> None:
        """Each types in the room on screen, and it is said there and
        nowhere else, at every door."""
        self.switch(self.page, "kitchen")
        self.page.type_into("message-input", "the kettle is on")
        self.term_room(self.bob, "kitchen")
        self.bob.shows("<alice> the kettle is on")
        self.irssi_window(self.carol, "#kitchen", "the kettle is on")

        self.term_room(self.bob, "garden")
        self.bob.type_line("the roses are out")
        self.irssi_window(self.carol, "#garden", "the roses are out")
        self.switch(self.page, "garden")
        self.page.shows("<bob> the roses are out")

        self.irssi_window(self.carol, "#kitchen", "the kettle is on")
        self.carol.type_line("hello from irc")
        self.term_room(self.bob, "kitchen")
        self.bob.shows("<carol> hello from irc")
        self.switch(self.page, "kitchen")
        self.page.shows("<carol> hello from irc")

        logs = self.room_logs(self.page)
        kitchen, garden = " ".join(logs["kitchen"]), " ".join(logs["garden"])
        self.assertNotIn("the roses are out", kitchen)
        self.assertNotIn("the kettle is on", garden)
        self.assertNotIn("hello from irc", garden)
        self.term_room(self.bob, "garden")
        self.assertNotIn("the kettle is on", self.bob.screen())
        self.assertNotIn("hello from irc", self.bob.screen())

    def private_conversation(self) -> None:
        """alice's ``/msg`` opens the conversation in her page at once,
        with her words; bob's terminal lists it marked, he opens it and
        answers; her page's entry gets its badge."""
        self.page.type_into("message-input", "/msg bob are you coming to tea?")
        wait_for(
            "the conversation", lambda: self.entry(self.page, "bob") is not None, 3
        )
        self.assertEqual(self.shown(self.page), "kitchen")
        number = self.buffer_number(self.bob, r"alice\(1!\)")
        self.bob.press(f"M-{number}")
        self.bob.shows("alice → bob: are you coming to tea?")
        self.bob.type_line("yes, at four")
        wait_for("the badge", lambda: "1" in (self.entry(self.page, "bob") or ""))

    def act_on_a_message(self) -> None:
        """bob asks in kitchen; alice, from the message's menu, replies,
        writes in its thread, reacts and pins it: bob's terminal and
        carol's irssi show each with the message it concerns."""
        self.term_room(self.bob, "kitchen")
        self.bob.type_line("who has the scones?")
        self.page.shows("<bob> who has the scones?")

        self.open_menu(self.page, "who has the scones?")
        self.page.element("menu-reply").click()
        wait_for("replying", lambda: self.page.visible("compose-bar"))
        self.page.type_into("message-input", "in the blue tin")
        self.page.shows("↪ bob: who has the scones?")
        self.bob.shows("in the blue tin")
        (row,) = [row for row in self.bob.rows() if "in the blue tin" in row]
        self.assertIn("↪", row)
        self.irssi_window(self.carol, "#kitchen", "in the blue tin")
        (row,) = self.rows_with(self.carol, "in the blue tin")
        self.assertIn("bob: “who has the scones?” →", row)

        self.open_menu(self.page, "who has the scones?")
        self.page.element("menu-thread").click()
        wait_for("the thread's field", lambda: self.page.visible("thread-input"))
        self.page.type_into("thread-input", "or ask the pantry")
        self.page.element("thread-close").click()
        self.carol.shows("or ask the pantry")
        (row,) = self.rows_with(self.carol, "or ask the pantry")
        self.assertIn("thread", row)
        self.assertIn("who has the scones", row)
        self.bob.shows("1 repl")

        self.open_menu(self.page, "who has the scones?")
        self.page.element("menu-react").click()
        wait_for("the picker", lambda: self.page.visible("react-picker"))
        self.page.element("react-choices").find_element(
            "css selector", '[aria-label="react with 👍"]'
        ).click()
        wait_for(
            "the chip",
            lambda: self.script(self.page, CHIPS, "who has the scones") == ["👍 1*"],
        )
        self.carol.shows("reacted 👍")
        (row,) = self.rows_with(self.carol, "reacted 👍")
        self.assertIn("bob's “who has the scones?”", row)
        self.bob.shows("👍 1")

        self.open_menu(self.page, "who has the scones?")
        self.assertEqual(self.page.element("menu-pin").text, "Pin")
        self.page.element("menu-pin").click()
        self.page.shows("alice pinned a message by bob: “who has the scones?”")
        wait_for("the pinned bar", lambda: self.page.visible("pinned"))
        self.assertEqual(self.page.element("pins").text, "bob: who has the scones?")
        self.bob.shows("alice pinned")
        (row,) = [row for row in self.bob.rows() if "alice pinned" in row]
        self.assertIn("who has the scones", row)  # the message, not only its id

    def pin_from_the_terminal(self) -> None:
        """bob, owner of garden, selects his newest message there with
        Alt-Up and pins it with the selection bar's key; alice's page
        says so."""
        self.term_room(self.bob, "garden")
        self.bob.press("M-Up")
        self.bob.shows("p pin")
        self.bob.press("p")
        self.switch(self.page, "garden")
        self.page.shows("bob pinned a message by bob: “the roses are out”")
        wait_for("garden's pinned bar", lambda: self.page.visible("pinned"))

    def markdown(self) -> None:
        """bob's Markdown: the page draws the code and the struck words;
        irssi shows the backticks and tildes, with no control codes (no
        reverse video, no ``Q…Q`` or ``^…^``)."""
        said = "run `make run` then ~~ignore~~"
        self.term_room(self.bob, "kitchen")
        self.bob.type_line(said)
        self.switch(self.page, "kitchen")
        self.page.shows("run make run then ignore")
        self.assertEqual(
            self.script(self.page, FORMATTED, "make run"),
            [["code", "make run"], ["s", "ignore"]],
        )
        self.irssi_window(self.carol, "#kitchen", said)
        screen = self.carol.screen()
        self.assertNotIn("Qmake runQ", screen)
        self.assertNotIn("^ignore^", screen)
        (row,) = [row for row in styled_rows(self.carol) if "make run" in row]
        self.assertNotIn("\x1b[7m", row)  # reverse video

    def delete_with_a_question(self) -> None:
        """alice says a secret in kitchen and deletes it from the menu,
        which asks first: gone from the page and bob's terminal; carol's
        irssi says whose message of when was deleted, never its words."""
        self.page.type_into("message-input", "the secret word is swordfish")
        self.bob.shows("swordfish")
        self.irssi_window(self.carol, "#kitchen", "swordfish")
        (row,) = self.rows_with(self.carol, "swordfish")
        said = row[:8]  # when irssi showed it said (``%H:%M:%S``)
        self.open_menu(self.page, "the secret word is swordfish")
        self.page.element("menu-delete").click()
        wait_for("asked first", lambda: self.page.visible("delete-dialog"))
        self.page.element("delete-confirm").click()
        self.page.shows("message deleted")
        self.assertNotIn("swordfish", self.page.log())
        wait_for("gone for bob", lambda: "swordfish" not in self.bob.screen())
        self.carol.shows(f"alice deleted their message of {said}")

    def a_name_and_a_face(self) -> None:
        """alice's own name in the header opens her card: she gives a
        display name, and uploads a picture as her avatar (``--files``);
        bob's terminal names her so from then on."""
        self.page.element("whoami").click()
        wait_for("her card", lambda: self.page.visible("card-form"))
        self.page.type_into("card-display-name", "Alice Liddell")
        self.page.shows("Your display-name is now Alice Liddell.")
        self.page.element("whoami").click()
        wait_for("the upload", lambda: self.page.visible("card-upload"))
        # Selenium types a file's path into the file field, as the chooser would.
        self.script(self.page, 'document.getElementById("card-file").hidden = false')
        picture = self.folder / "me.png"
        picture.write_bytes(base64.b64decode(PNG))
        self.page.element("card-file").send_keys(str(picture))
        wait_for(
            "said",
            lambda: "Your picture is set." in self.page.element("card-note").text,
        )
        wait_for("the picture", lambda: bool(self.script(self.page, CARD_AVATAR)))
        self.avatar = self.script(self.page, CARD_AVATAR)[0]
        self.page.element("card-close").click()
        self.page.type_into("message-input", "call me Alice Liddell")
        self.bob.shows("<Alice Liddell (alice)> call me Alice Liddell")

    def night(self) -> None:
        """carol quits irssi; while she is away alice replies to her line
        from the menu, bob says good night and renames garden (which
        carol's account was in) flowerbed, and says a line there: when
        each was said is kept, to the second, for her return."""
        self.carol.quit()
        wait_for("irssi gone", lambda: self.carol.screen() == "")
        wait_for("carol gone", lambda: "carol" not in " ".join(self.members()))
        self.missed: dict[str, tuple[float, float]] = {}

        before = time.time()
        self.open_menu(self.page, "hello from irc")
        self.page.element("menu-reply").click()
        wait_for("replying", lambda: self.page.visible("compose-bar"))
        self.page.type_into("message-input", "welcome, carol")
        self.bob.shows("welcome, carol")
        self.missed["welcome, carol"] = (before, time.time())

        before = time.time()
        self.bob.type_line("good night all")
        self.page.shows("<bob> good night all")
        self.missed["good night all"] = (before, time.time())

        self.term_room(self.bob, "garden")
        self.bob.type_line("/rename flowerbed more room to grow")
        wait_for(
            "the page's flowerbed",
            lambda: "flowerbed" in self.sidebar_rooms(self.page),
        )
        self.term_room(self.bob, "flowerbed")
        before = time.time()
        self.bob.type_line("the tulips too")
        self.switch(self.page, "flowerbed")
        self.page.shows("<bob> the tulips too")
        self.page.shows("the roses are out")  # its history came with it
        self.missed_in_flowerbed = ("the tulips too", (before, time.time()))
        self.switch(self.page, "kitchen")

    # -- the next morning ----------------------------------------------------------

    def next_morning(self) -> None:
        self.reload_the_page()
        self.restart_the_terminal()
        self.restart_the_server()
        self.on_the_phone()
        self.irssi_again()

    def reload_the_page(self) -> None:
        """A reload: still signed in (no name form), back in the room it
        showed; no settings line, profile line or flood warning in any
        log; the owner's mark, the pinned bar, the rooms' recent messages
        and the conversation with its unread mark, whose messages show
        when opened."""
        shown = self.shown(self.page)
        self.page.driver.refresh()
        wait_for("the room again", lambda: self.in_room_page(self.page, shown), 15)
        wait_for("both rooms", lambda: len(self.sidebar_rooms(self.page)) == 2)
        wait_for("its answers", lambda: self.all_answered(self.page))
        self.assert_quiet(self.page)
        self.switch(self.page, "kitchen")
        for said in ("who has the scones?", "good night all", "welcome, carol"):
            self.page.shows(said)
        self.page.shows("↪ bob: who has the scones?")
        (kettle,) = self.rows(self.page, "the kettle is on")
        self.assertIn("Alice Liddell", kettle)  # named as her new words are
        self.assertEqual(self.mark(self.page, "alice"), "owner")
        wait_for("the pinned bar", lambda: self.page.visible("pinned"))
        self.assertEqual(self.page.element("pins").text, "bob: who has the scones?")
        wait_for("the unread mark", lambda: "1" in (self.entry(self.page, "bob") or ""))
        self.open_entry(self.page, "bob")
        wait_for("the conversation", lambda: self.shown(self.page) == "bob")
        self.page.shows("are you coming to tea?")
        self.page.shows("yes, at four")
        self.screenshot(self.page, "journey-morning")
        self.switch(self.page, "kitchen")

    def restart_the_terminal(self) -> None:
        """bob quits and starts again with his name and password: both
        rooms are listed with their recent messages, and so is the
        conversation with alice, both lines in it."""
        self.bob.type_line("/quit")
        self.bob.exited_cleanly()
        self.bob = self.terminal("--username", "bob", session="bob-morning")
        self.bob.shows("Password for bob")
        self.bob.type_line(PASSWORD)
        wait_for(
            "his rooms and conversation",
            lambda: all(
                label in buffer_list(self.bob)
                for label in ("#kitchen", "#flowerbed", "alice")
            ),
        )
        self.term_room(self.bob, "kitchen")
        for said in ("<bob> who has the scones?", "in the blue tin", "good night all"):
            self.bob.shows(said)
        # her words from before her display name, named by it as the new ones
        self.bob.shows("<Alice Liddell (alice)> the kettle is on")
        self.bob.press(f"M-{self.buffer_number(self.bob, 'alice')}")
        self.bob.shows("alice → bob: are you coming to tea?")
        self.bob.shows("bob → alice: yes, at four")
        self.bob.capture("morning")
        self.term_room(self.bob, "kitchen")

    def restart_the_server(self) -> None:
        """The server stops and starts on the same file: the page and the
        terminal come back by themselves and talk on; a reload finds the
        page signed in, kitchen still alice's, and both replies with
        their quotes."""
        self.server.stop()
        self.server.start()
        wait_for(
            "the page back", lambda: not self.page.visible("connection"), timeout=30
        )
        before = time.time()
        self.page.type_into("message-input", "good morning")
        self.term_shows(self.bob, "kitchen", "<Alice Liddell (alice)> good morning")
        self.missed["good morning"] = (before, time.time())

        self.page.driver.refresh()
        wait_for("signed in", lambda: self.in_room_page(self.page, "kitchen"), 15)
        self.page.shows("↪ bob: who has the scones?")
        self.page.shows("↪ carol: hello from irc")
        wait_for("alice the owner", lambda: self.mark(self.page, "alice") == "owner")
        before = time.time()
        self.bob.type_line("morning!")
        self.page.shows("<bob> morning!")
        self.missed["morning!"] = (before, time.time())
        wait_for("its answers", lambda: self.all_answered(self.page))
        self.assert_quiet(self.page)
        self.assertNotIn("morning!", " ".join(self.room_logs(self.page)["flowerbed"]))

    def on_the_phone(self) -> None:
        """alice signs in on her phone (390×844): kitchen with its recent
        messages, the reply's quote, most of the screen for them."""
        phone = self.open_page(phone=True)
        self.sign_in(phone, "alice")
        phone.wait_page("room")
        wait_for("kitchen", lambda: self.shown(phone) == "kitchen")
        phone.shows("morning!")
        phone.shows("↪ carol: hello from irc")
        wait_for(
            "her picture beside her words",
            lambda: [self.avatar, True] in self.script(phone, AVATARS),
        )
        self.assertGreaterEqual(self.script(phone, LOG_SHOWN), PHONE[1] / 2)
        self.screenshot(phone, "journey-phone")

    def irssi_again(self) -> None:
        """carol starts irssi again with her password: put back in her
        rooms, kitchen replays only what she missed, each line at the
        time it was said (to the second), the reply naming her and
        quoting her line; nothing she had read comes again."""
        self.carol = self.irssi("carol", PASSWORD, server_time=True, seconds=True)
        self.irssi_window(self.carol, "#kitchen", "morning!")
        for said, (before, after) in self.missed.items():
            (row,) = self.rows_with(self.carol, said)
            stamp = STAMP.match(row)
            self.assertIsNotNone(stamp, row)
            assert stamp is not None
            self.assertTrue(said_between(stamp, before, after), (row, before, after))
        (reply,) = self.rows_with(self.carol, "welcome, carol")
        self.assertIn("carol: “hello from irc” →", reply)
        screen = self.carol.screen()
        for read in ("the kettle is on", "in the blue tin", "make run"):
            self.assertNotIn(read, screen)

        # garden, renamed flowerbed meanwhile: she is back in it, and it
        # starts where she left garden.
        said, (before, after) = self.missed_in_flowerbed
        self.irssi_window(self.carol, "#flowerbed", said)
        (row,) = self.rows_with(self.carol, said)
        stamp = STAMP.match(row)
        assert stamp is not None, row
        self.assertTrue(said_between(stamp, before, after), (row, before, after))
        self.assertNotIn("the roses are out", self.carol.screen())

    # -- what each sees ------------------------------------------------------------

    def mark(self, page: BrowserPage, name: str) -> str:
        """The mark (``owner``, ``operator``, "") of ``name``'s row in the
        member list of the room on screen."""
        rows = {
            str(item.text): str(item.get_attribute("title") or "")
            for item in self.find(page, "#members li")
        }
        return next((title for text, title in rows.items() if name in text), "")

    def buffer_number(self, client: TerminalClient, label: str) -> str:
        """The number of the buffer whose label (a regular expression)
        the terminal's buffer list shows."""
        pattern = re.compile(rf"(\d+):{label}")
        wait_for(f"{label} listed", lambda: bool(pattern.search(buffer_list(client))))
        found = pattern.search(buffer_list(client))
        assert found is not None
        return found.group(1)

    def term_room(self, client: TerminalClient, room: str) -> None:
        """The terminal shows ``room``'s buffer (Alt and its number)."""
        if shown_room(client) != room:
            client.press(f"M-{self.buffer_number(client, f'#{room}')}")
        wait_for(f"{room} on screen", lambda: shown_room(client) == room)

    def irssi_window(self, irssi: Irssi, channel: str, text: str) -> None:
        """irssi shows ``channel``'s window (``/window goto``, typed again
        each second while its window is not there yet), with ``text``."""
        typed: list[float] = []

        def there() -> bool:
            screen = irssi.screen()
            if not screen.rstrip().endswith(f"[{channel}]"):
                if not typed or time.monotonic() - typed[-1] > 1:
                    typed.append(time.monotonic())
                    irssi.type_line(f"/window goto {channel}")
                return False
            return text in screen

        wait_for(f"{text!r} in {channel}'s window", there)

    def rows_with(self, irssi: Irssi, text: str) -> list[str]:
        return [row for row in irssi.screen().splitlines() if text in row]

    def in_room_page(self, page: BrowserPage, room: str) -> bool:
        """Whether the page shows ``room`` (and never its name form)."""
        self.assertFalse(page.visible("username-page"), "the name form")
        return page.visible("room-page") and self.shown(page) == room

    def rows(self, page: BrowserPage, text: str) -> list[str]:
        """The texts of the message rows whose words hold ``text``."""
        return list(self.script(page, ROWS, text))

    def members(self) -> list[str]:
        """The rows of the member list of the page's room on screen."""
        return [str(item.text) for item in self.find(self.page, "#members li")]

    def term_shows(self, client: TerminalClient, room: str, text: str) -> None:
        """Until the terminal shows ``text`` in ``room``'s buffer (shown
        again if a reconnect showed another), for as long as a restarted
        server and the client's reconnecting take."""

        def there() -> bool:
            if shown_room(client) != room:
                self.term_room(client, room)
            return text in client.screen()

        wait_for(f"{text!r} in {room} on {client.name}'s screen", there)


def said_between(stamp: re.Match[str], before: float, after: float) -> bool:
    """Whether an irssi time (``HH:MM:SS``, UTC) is one of the seconds from
    ``before`` to ``after``."""
    shown = tuple(int(part) for part in stamp.groups())
    second = int(before)
    while second <= after:
        moment = time.gmtime(second)
        if (moment.tm_hour, moment.tm_min, moment.tm_sec) == shown:
            return True
        second += 1
    return False
