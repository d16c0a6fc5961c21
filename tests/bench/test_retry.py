"""The C generator's clients come back when turned away for now.

A small real server on 127.0.0.1 port 0 (a thread here) turns each name
away the first time it asks, with the very words the product says when its
Redis is out of reach (the line door's ``ERR UNAVAILABLE ...``, the IRC
door's notice), or by closing the connection before the client is seated;
the second time it seats it. Every client then comes in, after one retry
each, and says so in its ``ready``. A refusal that would be the same next
time (a bad name) stays a failure, and a failed client's socket is closed
at once (the server sees it go). Nothing here is timed: the back-off's
length is the generator's business.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from twisted.trial import unittest

from chatroom.bench.cgen import CGen
from chatroom.core.model.errors import ChatError, bad_name, unavailable
from chatroom.doors.irc.wire import build, refusal
from chatroom.wire.lines import format_line
from tests.bench.test_bench import NeedsCompiler

CLIENTS = 6

#: What the server does with a name's first sign-in.
TURN_AWAY = "unavailable"
CLOSE = "close"
REFUSE_NAME = "bad name"


def line_refusal(error: ChatError) -> bytes:
    """The line door's ``ERR`` (chatroom.doors.line.session's ``error``)."""
    return format_line("ERR", error.code, text=error.text)


class TurningAway(socketserver.ThreadingTCPServer):
    """Turns each name's first sign-in away (``how``), seats it the next
    time; counts the connections it has seen end."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, door: str, how: str) -> None:
        self.door, self.how = door, how
        self.seen: set[str] = set()
        self.ended = 0
        self.lock = threading.Lock()
        handler = IRCHandler if door == "irc" else LineHandler
        super().__init__(("127.0.0.1", 0), handler)

    def first_time(self, name: str) -> bool:
        with self.lock:
            first = name not in self.seen
            self.seen.add(name)
            return first

    def connection_ended(self) -> None:
        with self.lock:
            self.ended += 1


class LineHandler(socketserver.StreamRequestHandler):
    """The line door's sign-in, as far as the generator speaks it: a name,
    then ``/join ROOM`` (or ``/create ROOM``), answered ``JOINED``."""

    server: TurningAway

    def handle(self) -> None:
        try:
            self.sign_in()
        finally:
            self.server.connection_ended()

    def sign_in(self) -> None:
        name = self.rfile.readline().strip().decode()
        if self.server.first_time(name):
            if self.server.how == CLOSE:
                return
            error = unavailable() if self.server.how == TURN_AWAY else bad_name()
            self.wfile.write(line_refusal(error))
            self.rfile.read()  # the product keeps it open: the client closes
            return
        for line in self.rfile:
            verb, _, room = line.strip().decode().partition(" ")
            if verb in ("/join", "/create"):
                self.wfile.write(format_line("JOINED", room, "1", "0"))
                break
        self.rfile.read()


class IRCHandler(socketserver.StreamRequestHandler):
    """IRC registration (``NICK``, ``USER``), ``001``; ``JOIN``, ``366``."""

    server: TurningAway

    def handle(self) -> None:
        try:
            self.register()
        finally:
            self.server.connection_ended()

    def register(self) -> None:
        nick = ""
        for raw in self.rfile:
            command, _, rest = raw.strip().decode().partition(" ")
            if command == "NICK":
                nick = rest
            elif command == "USER" and self.server.first_time(nick):
                if self.server.how == CLOSE:
                    return
                error = unavailable() if self.server.how == TURN_AWAY else bad_name()
                self.wfile.write(refusal("chatroom", "*", error, "NICK", nick))
            elif command == "USER":
                self.wfile.write(build("chatroom", "001", nick, "Welcome"))
            elif command == "JOIN":
                self.wfile.write(build("chatroom", "366", nick, rest, "End"))


@contextlib.contextmanager
def turning_away(door: str, how: str) -> Iterator[TurningAway]:
    server = TurningAway(door, how)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class RetryTests(NeedsCompiler, unittest.TestCase):
    """A crowd client turned away while signing in comes back."""

    timeout = 120

    def crowd_ready(
        self, server: TurningAway, until: Callable[[], bool] = lambda: True
    ) -> dict[str, Any]:
        """The generator's ``ready`` against ``server``; once ``until()``
        holds (or after a minute, when it never does), it is stopped."""
        port = server.server_address[1]
        generator = CGen(
            "storm",
            "127.0.0.1",
            port,
            {"door": server.door, "clients": CLIENTS, "rooms": 2, "senders": 0,
             "timeout": 60, "wait": 30, "tag": "r"},
        )  # fmt: skip
        self.addCleanup(generator.close)
        ready = generator.read("ready", 90)
        deadline = time.monotonic() + 60
        while not until() and time.monotonic() < deadline:
            time.sleep(0.05)
        generator.tell("stop")
        generator.result(30)
        return ready

    def assert_all_came_back(self, ready: dict[str, Any]) -> None:
        self.assertEqual((ready["joined"], ready["error_count"]), (CLIENTS, 0))
        self.assertEqual((ready["retried_in"], ready["retries"]), (CLIENTS, CLIENTS))

    def test_unavailable_at_the_line_door(self) -> None:
        """``ERR UNAVAILABLE`` once: every client comes in on its retry."""
        with turning_away("line", TURN_AWAY) as server:
            ready = self.crowd_ready(server)
        self.assert_all_came_back(ready)
        self.assertIn(
            "ERR UNAVAILABLE the chat cluster is unreachable", ready["retry_reasons"]
        )

    def test_unavailable_at_the_irc_door(self) -> None:
        """The IRC door's ``NOTICE * :UNAVAILABLE ...`` once: the same."""
        with turning_away("irc", TURN_AWAY) as server:
            ready = self.crowd_ready(server)
        self.assert_all_came_back(ready)
        self.assertIn("NOTICE * :UNAVAILABLE", ready["retry_reasons"])

    def test_closed_before_seated(self) -> None:
        """A connection the server closes before seating it is tried again."""
        with turning_away("line", CLOSE) as server:
            ready = self.crowd_ready(server)
        self.assert_all_came_back(ready)
        self.assertRegex(
            ready["retry_reasons"], "closed by the server|Connection reset by peer"
        )

    def test_a_bad_name_stays_a_failure(self) -> None:
        """``ERR BAD_NAME``: given up at once, never retried, and its socket
        closed (the server sees every connection end while the generator
        still runs, which would otherwise hold them until it exits)."""
        for door in ("line", "irc"):
            with turning_away(door, REFUSE_NAME) as server:
                ready = self.crowd_ready(server, lambda: server.ended == CLIENTS)
                ended = server.ended
            self.assertEqual(
                (ready["joined"], ready["error_count"]), (0, CLIENTS), door
            )
            self.assertEqual((ready["retried_in"], ready["retries"]), (0, 0), door)
            self.assertEqual(ended, CLIENTS, door)
