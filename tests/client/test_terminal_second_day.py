"""The second day in a real terminal (issue 79): ``chatroom-urwid`` in tmux
against a real ``twistd chatroom``, witnesses on plain line sockets.

Each test is one of the spec's journeys (specs/second-day.md, *Done
when*), as a person goes through it: the terminal half of each.

- :meth:`SecondDayTests.test_terminal_signin_room`: signed in again, a
  line and ``/info`` typed in the room on screen act on that room;
- :meth:`SecondDayTests.test_history_on_return`: a room read to the end
  shows its 20 newest messages on coming back;
- :meth:`SecondDayTests.test_private_conversations`: a conversation and
  its unread mark outlive a restart, and opening it shows both lines;
- :meth:`SecondDayTests.test_actions_without_ids`: pin, thread and report
  from the selection bar, no id typed;
- :meth:`SecondDayTests.test_terminal_view`: the log follows its newest
  message as it grows; ``/history 20`` keeps time order;
- :meth:`SecondDayTests.test_display_names`: a member with a display
  name is named by it in her old and new messages' rows, the member
  list, a reply's quote, a thread's summary, the pin's line, her
  operator's line and her join line, never by her name alone;
- :class:`TypingPaceTests`: at the server's default flood limits, lines
  typed 0.4 s apart right after signing in, switching rooms, each said
  within 3 s, with no flood wording.

:class:`SecondDayTwoNodesTests` runs the sign-in and conversation journeys
on two nodes of a cluster, the client coming back through the other node.
"""

from __future__ import annotations

import re
import time

from chatroom.wire.lines import parse_time
from tests.client.tmux import TerminalCase, TerminalClient, wait_for
from tests.integration.real_clients import LineUser
from tests.integration.two_nodes import start_two_nodes

PASSWORD = "second-day-tea"

#: The flood wording the spec's checks look for (``typing_pace``).
FLOOD = re.compile(
    r"more than \d+ lines? a second|waits? (their|its|your) turn|flood|too fast"
    r"|slow down",
    re.IGNORECASE,
)

#: The conversation with p7carol in the buffer list, unread and marked.
MARKED = re.compile(r"(\d):p7carol\(1!\)")

#: The words of a room's settings ``/info`` shows.
SETTINGS_WORDS = ("owner", "operator", "settings", "invite", "keep", "topic")


def register(port: int, name: str) -> None:
    """``name`` becomes an account (its password :data:`PASSWORD`) at the
    line door, which then leaves."""
    user = LineUser(port, name)
    user.send(f"/register {PASSWORD}")
    user.wait(lambda line: line == f"REGISTERED {name}", "registered")
    user.send("/quit")
    user.close()


def witness(case: TerminalCase, port: int, name: str, room: str) -> LineUser:
    """A line user in ``room`` (made if new), who keeps every line."""
    user = LineUser(port, name)
    case.addCleanup(user.close)
    user.send("/caps ids rich", f"/join {room}")
    answer = user.wait(
        lambda line: line.startswith((f"JOINED {room} ", "ERR NO_SUCH_ROOM")), "joined"
    )
    if answer.startswith("ERR"):
        user.send(f"/create {room}")
        user.wait(lambda line: line.startswith(f"JOINED {room} "), f"{name} in {room}")
    return user


def shown_room(client: TerminalClient) -> str:
    """The room whose buffer is on screen (its header: `` #tea — ...``)."""
    header = client.rows()[0].strip()
    return header[1:].split(" ", 1)[0] if header.startswith("#") else ""


def buffer_list(client: TerminalClient) -> str:
    """The buffer list above the status bar."""
    return client.rows()[-3]


def numbers_on_screen(client: TerminalClient, word: str) -> list[int]:
    """The numbers of the ``WORD N`` lines on screen, top to bottom."""
    pattern = re.compile(rf"\b{word} (\d+)\b")
    found = []
    for row in client.rows():
        match = pattern.search(row.split("│")[0])
        if match:
            found.append(int(match.group(1)))
    return found


def said_by(user: LineUser, room: str, text: str) -> str | None:
    """The ``MSG`` of ``text`` in ``room`` that ``user`` got, if any (what
    came meanwhile read first)."""
    for line in user.listen(0.05):
        body = line.split(" ", 1)[1] if line.startswith("@") else line
        if body.startswith(f"MSG {room} ") and body.endswith(f" {text}"):
            return body
    return None


class SecondDayCase(TerminalCase):
    """A server with no flood limit (``--rate 0``), as the spec's checks
    run most journeys."""

    server_options: tuple[str, ...] = ("--rate", "0")
    #: The port a client that comes back uses (another node's, on two).
    return_port: int | None = None

    def sign_in(
        self,
        name: str,
        size: tuple[int, int],
        label: str,
        port: int | None = None,
    ) -> TerminalClient:
        """``chatroom-urwid --username NAME``, its password typed at the
        prompt, as a person signs in."""
        client = TerminalClient(
            self, name, "--username", name, size=size, port=port, session=label
        )
        client.shows(f"Password for {name}")
        client.type_line(PASSWORD)
        return client

    def quit(self, client: TerminalClient) -> None:
        client.type_line("/quit")
        client.exited_cleanly()

    def in_rooms(
        self, name: str, rooms: tuple[str, ...], size: tuple[int, int]
    ) -> None:
        """``name`` (an account) joins ``rooms`` in order, then quits."""
        client = self.sign_in(name, size, f"{name}-first")
        client.shows(f"you are {name}")
        for room in rooms:
            client.type_line(f"/join {room}")
            client.shows(f"you joined {room}")
        self.quit(client)


class SecondDayTests(SecondDayCase):
    """The journeys, on one server."""

    def test_terminal_signin_room(self) -> None:
        """Signed in again, the room on screen is where a line and
        ``/info`` go: the member of that room gets the line, the other
        room's member never does; ``/info``'s rows name that room there."""
        witnesses = {
            room: witness(self, self.port, f"w{number}", room)
            for number, room in enumerate(("q1first", "q1second"))
        }
        register(self.port, "q1alice")
        self.in_rooms("q1alice", tuple(witnesses), (110, 40))
        alice = self.sign_in("q1alice", (110, 40), "q1alice-again", self.return_port)
        wait_for(
            "a room on screen with both in the buffer list",
            lambda: (
                shown_room(alice) in witnesses
                and all(f"#{room}" in buffer_list(alice) for room in witnesses)
            ),
        )
        time.sleep(2)  # as a person looks before typing (the spec's 2 s)
        room = shown_room(alice)
        other = next(each for each in witnesses if each != room)
        alice.type_line("is this the room I see?")
        wait_for(
            "the line in the room on screen",
            lambda: (
                said_by(witnesses[room], room, "is this the room I see?") is not None
            ),
            timeout=5,
        )
        alice.type_line("/info")
        wait_for(
            "/info's rows on screen, naming the room",
            lambda: any(
                room in row and any(word in row for word in SETTINGS_WORDS)
                for row in alice.rows()[1:-3]
            ),
            timeout=6,
        )
        self.assertEqual(shown_room(alice), room)
        witnesses[other].listen(1)
        self.assertIsNone(said_by(witnesses[other], other, "is this the room I see?"))
        alice.capture("signed-in-again")
        self.quit(alice)

    def test_history_on_return(self) -> None:
        """A new account joins a room of 30 messages and sees 11-30; it
        reads to the end, quits, comes back: 11-30 are on screen again."""
        host = witness(self, self.port, "h5host", "h5room")
        for number in range(1, 31):
            host.send(f"message {number}")
        host.wait(lambda line: line.endswith(" message 30"), "the 30th")
        register(self.port, "h5alice")
        alice = self.sign_in("h5alice", (110, 50), "h5alice-first")
        alice.shows("you are h5alice")
        alice.type_line("h5room")
        wait_for(
            "lines 11-30",
            lambda: set(range(11, 31)) <= set(numbers_on_screen(alice, "message")),
        )
        time.sleep(3)  # read to the end (its marker goes to the server)
        self.quit(alice)
        again = self.sign_in("h5alice", (110, 50), "h5alice-again", self.return_port)
        wait_for(
            "lines 11-30 again",
            lambda: set(range(11, 31)) <= set(numbers_on_screen(again, "message")),
            timeout=8,
        )
        numbers = numbers_on_screen(again, "message")
        self.assertEqual(numbers, sorted(set(numbers)))  # in order, each once
        again.capture("back")

    def test_private_conversations(self) -> None:
        """``/msg`` opens the conversation at once with the message; the
        answer marks it ``N:carol(1!)``; after /quit and a new start the
        mark is still there, and Alt-N shows both lines."""
        register(self.port, "p7alice")
        register(self.port, "p7carol")
        carol = LineUser(self.port, None)
        self.addCleanup(carol.close)
        carol.send(f"/login p7carol {PASSWORD}")
        carol.wait(lambda line: line == "WELCOME p7carol", "carol signed in")
        alice = self.sign_in("p7alice", (110, 40), "p7alice-first")
        alice.shows("you are p7alice")
        alice.type_line("p7tea")
        alice.shows("you joined p7tea")
        alice.type_line("/msg p7carol are you coming to tea?")
        wait_for("the conversation listed", lambda: "p7carol" in buffer_list(alice), 3)
        carol.wait(lambda line: line.endswith(" are you coming to tea?"), "the message")
        carol.send("/msg p7alice yes, at four")
        wait_for("the mark", lambda: MARKED.search(buffer_list(alice)) is not None, 5)
        self.quit(alice)
        again = self.sign_in("p7alice", (110, 40), "p7alice-again", self.return_port)
        wait_for(
            "the mark after a restart",
            lambda: MARKED.search(buffer_list(again)) is not None,
        )
        mark = MARKED.search(buffer_list(again))
        assert mark is not None
        again.press(f"M-{mark.group(1)}")
        again.shows("are you coming to tea?", timeout=6)
        again.shows("yes, at four", timeout=6)
        again.capture("conversation")

    def test_actions_without_ids(self) -> None:
        """An operator selects the owner's message with Alt-Up: ``p`` pins
        it, ``t`` opens its thread where a line goes into it, ``!`` and a
        reason report it; the owner gets each, within 6 s."""
        owner = witness(self, self.port, "a9owner", "a9room")
        alice = TerminalClient(self, "a9alice", "--username", "a9alice", size=(110, 40))
        alice.shows("you are a9alice")
        alice.type_line("a9room")
        alice.shows("you joined a9room")
        owner.send("/op a9alice", "who has the scones?")
        said = owner.wait(lambda line: line.endswith(" who has the scones?"), "said")
        number = said.split(" ", 1)[0].split(";")[0].lstrip("@")
        alice.shows("who has the scones?")
        alice.shows("a9owner made a9alice an operator")

        alice.press("M-Up")
        alice.shows("p pin")
        alice.shows("t thread")
        alice.shows("! report")
        alice.press("p")
        owner.wait(lambda line: line == f"PIN a9room {number} a9alice", "the pin")

        alice.press("M-Up", "t")
        wait_for(
            "the thread's buffer", lambda: f"#a9room›{number}" in buffer_list(alice)
        )
        alice.type_line("in the blue tin")
        owner.wait(
            lambda line: (
                f"thread={number}" in line.split(" ", 1)[0]
                and line.endswith(" in the blue tin")
            ),
            "the thread's line",
        )

        alice.press("M-Up", "M-Up")  # in the thread: the root, above the answer
        alice.press("!")
        wait_for("/report on the input line", lambda: "/report" in alice.input_line())
        alice.type_line("spam")
        owner.wait(lambda line: line.startswith(f"REPORT 1 a9room {number} "), "report")
        alice.capture("acted")

    def test_terminal_view(self) -> None:
        """A full log: a reaction and a thread's summary on the newest
        message come into view by themselves, nothing after them; then an
        account back to a room with two new lines: after ``/history 20``
        the numbered lines increase top to bottom, 13-32 among them."""
        bob = witness(self, self.port, "v3bob", "v3room")
        alice = TerminalClient(self, "v3alice", "--username", "v3alice", size=(110, 30))
        alice.shows("you are v3alice")
        alice.type_line("v3room")
        alice.shows("you joined v3room")
        for number in range(1, 41):
            bob.send(f"line {number}")
        newest = bob.wait(lambda line: line.endswith(" line 40"), "line 40")
        root = newest.split(" ", 1)[0].split(";")[0].lstrip("@")
        alice.shows("line 40")
        time.sleep(1)  # the screen settled
        bob.send(f"/react {root} 🎉")
        wait_for(
            "🎉 at the bottom", lambda: self.last_log_row(alice).strip() == "🎉 1", 4
        )
        bob.send(f"/thread {root} the answer")
        wait_for(
            "the thread's count at the bottom",
            lambda: "1 repl" in self.last_log_row(alice, 3),
            timeout=4,
        )
        alice.capture("grown")

        register(self.port, "v3carol")
        carol = self.sign_in("v3carol", (110, 30), "v3carol-first")
        carol.shows("you are v3carol")
        carol.type_line("v3count")
        carol.shows("you joined v3count")
        counter = witness(self, self.port, "v3counter", "v3count")
        for number in range(1, 31):
            counter.send(f"count {number}")
        carol.shows("count 30")
        time.sleep(3)  # read to the end
        self.quit(carol)
        counter.send("count 31", "count 32")
        counter.wait(lambda line: line.endswith(" count 32"), "count 32")
        again = self.sign_in("v3carol", (110, 30), "v3carol-again")
        again.shows("count 32")
        again.type_line("/history 20")
        time.sleep(2)
        numbers = numbers_on_screen(again, "count")
        self.assertEqual(numbers, sorted(set(numbers)), numbers)
        self.assertLessEqual(set(range(13, 33)), set(numbers))
        again.capture("history")

    def test_display_names(self) -> None:
        """The terminal of a member who joined after d11alice (*Alice
        Liddell*) first spoke: *Alice Liddell* names her in her old
        message's row (from the join's history) and her new one's, in the
        member list, in the quote of a reply to her, in the summary of a
        thread she answered last, in the lines of her pin, of her becoming
        an operator and of her joining again; never her name alone."""
        host = witness(self, self.port, "d11host", "d11room")
        alice = witness(self, self.port, "d11alice", "d11room")
        alice.send("/profile set display-name Alice Liddell", "who has the scones?")
        said = alice.wait(lambda line: line.endswith(" who has the scones?"), "said")
        scones = said.split(" ", 1)[0].split(";")[0].lstrip("@")
        alice.send("/leave")
        alice.wait(lambda line: line.startswith("LEFT d11room"), "left")

        carol = TerminalClient(
            self, "d11carol", "--username", "d11carol", size=(110, 40)
        )
        carol.shows("you are d11carol")
        carol.type_line("d11room")
        carol.shows("you joined d11room")
        carol.shows("<Alice Liddell (d11alice)> who has the scones?")
        alice.send("/join d11room")
        carol.shows("→ Alice Liddell (d11alice) joined")
        alice.send("the kettle is on")
        carol.shows("<Alice Liddell (d11alice)> the kettle is on")
        wait_for(
            "her in the member list",
            lambda: any("Alice Liddell" in row.split("│")[-1] for row in carol.rows()),
        )
        host.send(f"/reply {scones} in the blue tin", "/op d11alice")
        carol.shows("↪ Alice Liddell: who has the scones? · <d11host> in the blue tin")
        carol.shows("d11host made Alice Liddell an operator")
        kettle = alice.wait(lambda line: line.endswith(" the kettle is on"), "kettle")
        root = kettle.split(" ", 1)[0].split(";")[0].lstrip("@")
        alice.send(f"/thread {root} on the hob", f"/pin {scones}")
        carol.shows("1 reply, last by Alice Liddell at")
        carol.shows(
            f"Alice Liddell pinned message #{scones} (Alice Liddell: who has the"
        )
        screen = carol.capture("display-names")
        for alone in ("d11alice:", "d11alice pinned", "<d11alice>", "by d11alice"):
            self.assertNotIn(alone, screen)
        self.assertNotIn("→ d11alice joined", screen)

    def last_log_row(self, client: TerminalClient, rows: int = 1) -> str:
        """The log's last ``rows`` rows (the member list cut off), the row
        above the buffer list last."""
        log = [row.split("│")[0] for row in client.rows()[1:-3]]
        while log and not log[-1].strip():
            log.pop()
        return "\n".join(log[-rows:])


class TypingPaceTests(SecondDayCase):
    """``typing_pace`` at the server's default flood limits."""

    server_options: tuple[str, ...] = ()

    def test_typing_pace(self) -> None:
        """Signed in to an account in two rooms: as soon as a room shows,
        the other is shown, 10 lines typed 0.4 s apart, back, 3 more: each
        said in its room, in order, within 3 s of its Enter; no flood
        wording anywhere."""
        rooms = ("t2one", "t2two")
        witnesses = {
            room: witness(self, self.port, f"t2w{number}", room)
            for number, room in enumerate(rooms)
        }
        register(self.port, "t2alice")
        self.in_rooms("t2alice", rooms, (110, 40))
        alice = self.sign_in("t2alice", (110, 40), "t2alice-again")
        wait_for(
            "a room on screen with both in the buffer list",
            lambda: (
                shown_room(alice) in rooms
                and all(f"#{room}" in buffer_list(alice) for room in rooms)
            ),
        )
        first = shown_room(alice)
        second = next(room for room in rooms if room != first)
        typed: list[tuple[str, str, float]] = []
        alice.press("M-Right")
        wait_for("the other room", lambda: shown_room(alice) == second, 2)
        for number in range(10):
            text = f"pace {number}"
            alice.type_line(text)
            typed.append((second, text, time.time()))
            time.sleep(0.4)
        alice.press("M-Left")
        wait_for("back", lambda: shown_room(alice) == first, 2)
        for number in range(10, 13):
            text = f"pace {number}"
            alice.type_line(text)
            typed.append((first, text, time.time()))
            time.sleep(0.4)
        for room, text, entered in typed:
            said = wait_for_said(witnesses[room], room, text)
            moment = parse_time(said.split(" ")[3])
            self.assertLess(moment - entered, 3.0, f"{text}: {moment - entered:.1f} s")
        for room in rooms:
            order = [
                int(line.rsplit(" ", 1)[1])
                for line in witnesses[room].lines
                if " pace " in line and line.split(" ", 1)[-1].startswith(f"MSG {room}")
            ]
            self.assertEqual(order, sorted(order), room)
        screens = [alice.capture("typed")]
        alice.press("M-Right")
        time.sleep(0.5)
        screens.append(alice.capture("other"))
        for screen in screens:
            self.assertIsNone(FLOOD.search(screen), screen)


def wait_for_said(user: LineUser, room: str, text: str) -> str:
    """The ``MSG`` of ``text`` in ``room``, once ``user`` has it."""
    wait_for(f"{text!r} in {room}", lambda: said_by(user, room, text) is not None)
    said = said_by(user, room, text)
    assert said is not None
    return said


class SecondDayTwoNodesTests(SecondDayCase):
    """``terminal_signin_room`` and ``private_conversations`` on two nodes
    of a cluster (``--redis``): the client comes back through the other
    node; the witnesses are on the first."""

    def start_server(self) -> None:
        one, two = start_two_nodes(self.folder, self.server_options, self.addCleanup)
        self.port, self.return_port = one.line_port, two.line_port

    test_terminal_signin_room = SecondDayTests.test_terminal_signin_room
    test_private_conversations = SecondDayTests.test_private_conversations
