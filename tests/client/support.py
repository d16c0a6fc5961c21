"""Shared helpers for the client tests: fake actions, screen text, events."""

from __future__ import annotations

import urwid
from twisted.trial import unittest

from chatroom.client.controller import update_model
from chatroom.client.entries import LogEntry
from chatroom.client.model import SessionModel
from chatroom.client.view import ChatScreen
from chatroom.wire.lines import parse_event

SIZE = (80, 24)


class RecordedActions:
    """Stands in for the controller behind a screen and records what it asked."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.submitted: list[str] = []
        self.joined: list[str] = []
        self.quits = 0
        self.retries = 0
        self.older = 0
        self.passwords: list[str] = []
        self.cancels = 0
        self.switches: list[int] = []
        self.steps: list[int] = []
        self.seen_calls = 0
        self.typed_lines: list[str] = []
        self.pastes: list[str] = []
        self.rooms_shown: list[str] = []
        self.pins: list[int | None] = []
        self.threads: list[int | None] = []

    def submit(self, text: str) -> bool:
        self.submitted.append(text)
        return self.accept

    def join(self, room: str) -> None:
        self.joined.append(room)

    def sign_in(self, password: str) -> bool:
        self.passwords.append(password)
        return self.accept

    def cancel(self) -> None:
        self.cancels += 1

    def quit(self) -> None:
        self.quits += 1

    def retry_now(self) -> None:
        self.retries += 1

    def load_older(self) -> None:
        self.older += 1

    def switch_to(self, number: int) -> None:
        self.switches.append(number)

    def switch_step(self, step: int) -> None:
        self.steps.append(step)

    def seen(self) -> None:
        self.seen_calls += 1

    def typed(self, text: str) -> None:
        self.typed_lines.append(text)

    def paste(self, text: str) -> None:
        self.pastes.append(text)

    def show_room(self, room: str) -> None:
        self.rooms_shown.append(room)

    def pin(self, entry: LogEntry) -> None:
        self.pins.append(entry.id)

    def open_thread(self, entry: LogEntry) -> None:
        self.threads.append(entry.id)


def feed(model: SessionModel, *lines: str) -> None:
    """Apply server lines to a model, as the protocol would deliver them
    (the model's part of the controller's table, without a connection)."""
    for line in lines:
        update_model(model, parse_event(line))


def screen_text(widget: urwid.Widget, size: tuple[int, int] = SIZE) -> list[str]:
    """What a terminal of ``size`` would show, one string per row."""
    canvas = widget.render(size, focus=True)
    return [row.decode("utf-8") for row in canvas.text]


def type_text(widget: urwid.Widget, text: str, size: tuple[int, int] = SIZE) -> None:
    """Press one key per character."""
    for character in text:
        widget.keypress(size, character)


IN_LOBBY = (
    "HELLO chatroom 1 Welcome to chatroom. Choose a username.",
    "WELCOME alice",
    "ROOMS 2",
    "ROOM general 3 256",
    "ROOM tea 1 256 Tea and biscuits",
)

IN_TEA = (
    *IN_LOBBY,
    "JOINED tea 2 256",
    "MEMBERS tea bob alice",
    "TOPIC tea bob Tea and biscuits",
)


class ScreenTestCase(unittest.TestCase):
    """A real model and screen over recorded actions; the bell is counted."""

    def setUp(self) -> None:
        self.model = SessionModel()
        self.actions = RecordedActions()
        self.rings = 0
        self.screen = ChatScreen(
            self.model, self.actions, "example:8080", bell=self.ring
        )

    def ring(self) -> None:
        self.rings += 1

    def text(self, size: tuple[int, int] = SIZE) -> str:
        return "\n".join(screen_text(self.screen, size))
