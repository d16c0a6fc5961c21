"""What the screen asks of the controller (:class:`UserActions`), so the
view needs nothing of the controller but this protocol."""

from __future__ import annotations

from typing import Protocol

from chatroom.client.entries import LogEntry


class UserActions(Protocol):
    """What the screen asks of the controller."""

    def submit(self, text: str) -> bool:
        """Send a typed line; False when it could not be sent (keep it)."""
        ...

    def join(self, room: str) -> None: ...

    def sign_in(self, password: str) -> bool:
        """The password typed at the prompt; False: not sent (keep it)."""
        ...

    def cancel(self) -> None:
        """Esc: leave the password prompt, or hide the lobby's notice."""

    def load_older(self) -> None:
        """PgUp at the top of a room's log: fetch earlier messages."""

    def quit(self) -> None: ...

    def retry_now(self) -> None: ...

    def switch_to(self, number: int) -> None:
        """Alt-1..9: show the ``number``-th room or conversation."""

    def switch_step(self, step: int) -> None:
        """Alt-Left (-1) and Alt-Right (1): the previous or next one."""

    def seen(self) -> None:
        """The newest line of the log on screen may be in view now."""

    def typed(self, text: str) -> None:
        """A key changed the input line, which now reads ``text``."""

    def paste(self, text: str) -> None:
        """Several lines were pasted: send them as one message."""

    def show_room(self, room: str) -> None:
        """A search result was chosen: show its room."""

    def pin(self, entry: LogEntry) -> None:
        """The selected message is to be pinned (unpinned, if it is)."""

    def open_thread(self, entry: LogEntry) -> None:
        """The selected message's thread is to be shown, to answer there."""
