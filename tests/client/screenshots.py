"""docs/client.md's screenshots, rendered from the real client objects.

``python -m tests.client.screenshots`` rewrites every block in
docs/client.md that follows a ``<!-- screenshot: NAME -->`` marker;
``test_docs`` fails when one is out of date. The controller, model and
screen are the real ones; the server's lines are fed to the real protocol
over a ``StringTransport``, the clock is a ``task.Clock`` and times are
shown in UTC, so every run draws the same screens.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from chatroom.client.controller import ChatController
from chatroom.client.model import SessionModel
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol
from chatroom.client.view import ChatScreen
from chatroom.wire.lines import parse_time
from tests.client.support import screen_text, type_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "client.md"
ADDRESS = "127.0.0.1:8080"
T = "2026-11-21T19:1"  # times are T + "M:SS.000Z", minutes past 19:10
MARKER = re.compile(r"<!-- screenshot: (\w+) -->\n```text\n(.*?)```", re.DOTALL)


class ScriptedSession:
    """A real controller, model and screen talking to a scripted server."""

    def __init__(self, username: str | None = "alice") -> None:
        self.clock = Clock()
        self.clock.advance(parse_time(f"{T}9:00.000Z"))  # 19:19
        self.model = SessionModel(now=self.clock.seconds)
        self.protocol: ChatClientProtocol | None = None
        self.controller = ChatController(
            self.model, self.connect, self.clock, ADDRESS, username=username
        )
        self.screen = ChatScreen(self.model, self.controller, ADDRESS)
        self.controller.start()

    def connect(self, factory: ChatClientFactory) -> Deferred[ChatClientProtocol]:
        self.protocol = factory.buildProtocol(None)
        self.protocol.makeConnection(StringTransport())
        return succeed(self.protocol)

    def say(self, *lines: str) -> None:
        """Server lines, then the PONG for every PING the client has sent."""
        assert self.protocol is not None and self.protocol.transport is not None
        transport = self.protocol.transport
        assert isinstance(transport, StringTransport)
        for line in lines:
            self.protocol.dataReceived(line.encode() + b"\r\n")
        sent = transport.value().decode()
        transport.clear()
        for ping in re.findall(r"^PING (q\d+)\r$", sent, re.MULTILINE):
            self.clock.advance(0.012)  # a plausible round trip
            self.protocol.dataReceived(f"PONG {ping}\r\n".encode())

    def show(self, size: tuple[int, int] = (80, 24)) -> str:
        return "\n".join(row.rstrip() for row in screen_text(self.screen, size)) + "\n"


def username() -> str:
    session = ScriptedSession(username=None)
    session.say("HELLO chatroom 1 Welcome to chatroom. Choose a username.")
    type_text(session.screen, "bob")
    session.screen.keypress((80, 24), "enter")
    session.say("ERR NAME_TAKEN bob is taken, choose another name")
    type_text(session.screen, "by")  # the refused name stays, to correct
    return session.show()


def sign_in() -> str:
    session = ScriptedSession(username="alice")
    session.say("HELLO chatroom 1 Welcome to chatroom. Choose a username.")
    session.say("ERR NAME_REGISTERED alice is registered: /login alice PASSWORD")
    type_text(session.screen, "correct horse")
    return session.show()


def lobby() -> str:
    session = _in_lobby()
    session.say(f"PRIVMSG carol alice {T}9:05.000Z are you coming to tea?")
    session.screen.keypress((80, 24), "down")
    session.screen.keypress((80, 24), "down")
    return session.show()


def _in_lobby() -> ScriptedSession:
    session = ScriptedSession()
    session.say(
        "HELLO chatroom 1 Welcome to chatroom. Choose a username.",
        "WELCOME alice",
        "ROOMS 3",
        "ROOM general 0 256",
        "ROOM help 0 256",
        "ROOM tea 1 256 Tea and biscuits",
        "LOBBY watching",
    )
    session.clock.advance(0.012)
    session.say("PONG lag1")  # the lag probe sent on connecting
    return session


def _in_tea() -> ScriptedSession:
    session = _in_lobby()
    type_text(session.screen, "tea")
    session.screen.keypress((80, 24), "enter")
    session.say(
        "JOINED tea 2 256",
        "MEMBERS tea bob alice",
        f"HISTORY tea bob {T}8:40.000Z kettle's on, who wants a cup?",
        f"HISTORY_ACTION tea bob {T}8:52.000Z pours tea",
        "TOPIC tea bob Tea and biscuits",
        "MEMBERS tea bob alice",
        "OWNER tea bob",
        "JOIN tea carol",
        f"MSG tea bob {T}9:31.000Z welcome alice! milk or lemon?",
        f"ACTION tea carol {T}9:40.000Z brings scones, still warm from the oven, "
        "with clotted cream and far too much jam for three people",
    )
    type_text(session.screen, "lemon please, thanks bo")
    return session


def kicked() -> str:
    session = _in_tea()
    session.say(
        "KICKED tea bob too many scones",
        "ROOMS 3",
        "ROOM general 0 256",
        "ROOM help 0 256",
        "ROOM tea 1 256 Tea and biscuits",
    )
    session.screen.input.set_edit_text("")
    return session.show()


def moderation() -> str:
    session = _in_tea()
    session.say(
        "JOIN tea dave",
        "OP tea carol bob",
        "KICK tea dave carol spamming",
        "BAN tea account:dave carol",
        "SET tea invite-only on bob",
        "INVITE tea erin bob",
        "INVITED coffee erin",
    )
    return session.show()


def room() -> str:
    return _in_tea().show()


def narrow() -> str:
    return _in_tea().show((40, 16))


def disconnected() -> str:
    return _disconnected().show()


def _disconnected() -> ScriptedSession:
    session = _in_tea()
    session.clock.advance(60)
    session.say("BYE server shutting down")
    assert session.protocol is not None
    session.protocol.connectionLost(Failure(ConnectionDone("closed")))
    return session


def reconnected() -> str:
    """Back after a server restart: one line, not joins and the topic again."""
    session = _disconnected()
    session.clock.advance(1)
    session.say("HELLO chatroom 1 Welcome to chatroom. Choose a username.")
    session.say("WELCOME alice", "ROOMS 1", "ROOM tea 1 256 Tea and biscuits")
    session.say(
        "JOINED tea 1 256",
        "MEMBERS tea alice",
        "TOPIC tea bob Tea and biscuits",
        "JOIN tea bob",
        "OWNER tea bob",
        "JOIN tea carol",
        "MSG tea bob 2026-11-21T19:20:05.000Z that was quick",
    )
    return session.show()


def paste() -> str:
    """A paste past the server's burst: the lines wait their turn, counted,
    each pending (``sending``) until its ``ACK``."""
    session = _in_tea()
    session.screen.input.set_edit_text("")
    session.clock.advance(3)  # the typing notice's line is paid back
    lines = [f"step {number} of the scone recipe" for number in range(1, 13)]
    for line in lines:
        type_text(session.screen, line)
        session.screen.keypress((80, 24), "enter")
    keys = list(session.controller.unacknowledged.said)
    session.say(
        *(
            answer
            for number, (key, line) in enumerate(
                zip(keys[:4], lines[:4], strict=True), 50
            )
            for answer in (
                f"@{number} MSG tea alice {T}9:50.000Z {line}",
                f"ACK {key} tea {number}",
            )
        )
    )
    return session.show()


def buffers() -> str:
    """Three rooms and a conversation: cafe on screen, news in the others."""
    session = _in_tea()
    session.screen.input.set_edit_text("")
    for room, count in (("help", 4), ("cafe", 2)):
        type_text(session.screen, f"/join {room}")
        session.screen.keypress((80, 24), "enter")
        session.say(
            f"JOINED {room} {count} 256",
            f"MEMBERS {room} dave alice" if count == 2 else f"MEMBERS {room} alice",
            f"READ {room} *",
        )
    session.say(
        f"@41 MSG cafe dave {T}9:50.000Z flat white or cortado?",
        f"@12 MSG tea bob {T}9:51.000Z more scones?",
        f"@13 MSG tea carol {T}9:52.000Z alice, the jam is yours",
        f"@7 MSG help erin {T}9:53.000Z anyone know how to /reply?",
        f"PRIVMSG carol alice {T}9:54.000Z save me a scone",
    )
    session.clock.advance(3)  # the lines sent so far are paid back
    type_text(session.screen, "cortado, thanks")
    return session.show()


def lively() -> str:
    """Reactions, a paste, bob typing, and a message selected with Alt-Up."""
    session = _in_tea()
    lines = r"def\sbrew(pot):\n\s\s\s\sreturn\spot.pour()\nbrew(tea)"
    session.say(
        f"@21 MSG tea bob {T}9:45.000Z who is bringing the teapot?",
        "@22 REACT tea 21 carol 🫖",
        "@23 REACT tea 21 alice 🫖",
        "@24 REACT tea 21 carol :tea:",
        f"@25;multiline={lines} MSG tea carol {T}9:46.000Z def brew(pot): "
        "return pot.pour() brew(tea)",
        f"@26;reply=21 MSG tea carol {T}9:47.000Z I am, it is warming",
        "TYPING tea bob active",
    )
    for _ in range(3):
        session.screen.keypress((80, 24), "meta up")
    return session.show()


def _threaded() -> ScriptedSession:
    """bob's question in tea, answered in its thread; tea muted."""
    session = _in_tea()
    session.screen.input.set_edit_text("")
    session.say(
        "NOTIFY tea none",
        f"@21 MSG tea bob {T}9:45.000Z who has the key to the shed?",
        f"@22;thread=21 MSG tea carol {T}9:46.000Z under the flowerpot",
        f"@23 MSG tea carol {T}9:47.000Z scones are out",
        f"@24;thread=21 MSG tea bob {T}9:48.000Z not there, I looked",
        f"@25;thread=21 MSG tea carol {T}9:49.000Z the blue one, by the door",
    )
    return session


def threaded() -> str:
    """A thread kept out of the room's log: its count under its root."""
    return _threaded().show()


def thread() -> str:
    """``/thread 21``: the thread as a buffer, a reply being typed."""
    session = _threaded()
    type_text(session.screen, "/thread 21")
    session.screen.keypress((80, 24), "enter")
    session.say()
    type_text(session.screen, "found it, thanks")
    return session.show()


SCREENSHOTS: dict[str, Callable[[], str]] = {
    "username": username,
    "signin": sign_in,
    "lobby": lobby,
    "kicked": kicked,
    "room": room,
    "moderation": moderation,
    "narrow": narrow,
    "disconnected": disconnected,
    "reconnected": reconnected,
    "paste": paste,
    "buffers": buffers,
    "lively": lively,
    "threaded": threaded,
    "thread": thread,
}


def render_all() -> dict[str, str]:
    """Every screenshot, drawn with times in UTC."""
    zone = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        return {name: draw() for name, draw in SCREENSHOTS.items()}
    finally:
        if zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = zone
        time.tzset()


def documented() -> dict[str, str]:
    """The screenshots as docs/client.md has them now."""
    return dict(MARKER.findall(DOCS.read_text(encoding="utf-8")))


def main() -> None:
    """Rewrite docs/client.md's screenshots."""
    shots = render_all()
    text = MARKER.sub(
        lambda match: f"<!-- screenshot: {match[1]} -->\n```text\n{shots[match[1]]}```",
        DOCS.read_text(encoding="utf-8"),
    )
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
