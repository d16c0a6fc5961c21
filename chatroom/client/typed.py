"""What the user types, turned into lines for the server.

:class:`TypedLines` is the part of
:class:`chatroom.client.controller.ChatController` that answers the
screen's :class:`chatroom.client.view.UserActions`: a name on the username
page, a room name in the lobby, a password at the prompt, PgUp at the top
of the log, anything else as a command or a message. The connection, the
paced queue and reconnection are the controller's.
"""

from __future__ import annotations

from chatroom.client import keys
from chatroom.client.accounts import SignIn
from chatroom.client.model import EntryKind, Page, SessionModel
from chatroom.client.protocol import ChatClientProtocol
from chatroom.client.sending import SendQueue
from chatroom.core.text import is_valid_name, name_key
from chatroom.wire.lines import ParsedLine
from chatroom.wire.said import is_command

#: How many earlier messages one PgUp at the top of the log asks for.
OLDER_PAGE = 50


class TypedLines:
    """The user's lines and keys, as the controller acts on them."""

    # Set by the controller.
    model: SessionModel
    protocol: ChatClientProtocol | None
    accounts: SignIn
    #: The name to take (again) as soon as the server says HELLO.
    wanted_name: str | None
    #: The keys typed with ``/join ROOM KEY``, by folded room name.
    room_keys: dict[str, str]

    outbox: SendQueue

    def quit(self, reason: str = "") -> None:
        """Leave (the controller's)."""
        raise NotImplementedError

    def _send(self, line: str, typed: bool = False) -> None:
        """Queue a line for the server (the controller's)."""
        raise NotImplementedError

    def _buffer_line(self, text: str) -> str | None:
        """The typed line as the buffer on screen sends it (.switching)."""
        raise NotImplementedError

    def _stop_typing(self) -> None:
        """Forget the typing notices (.richactions)."""
        raise NotImplementedError

    def _cancel_name_retry(self) -> None:
        """Stop retrying a name held by a lost session (the controller's)."""
        raise NotImplementedError

    def submit(self, text: str) -> bool:
        """Act on a typed line; False if it could not be sent (the screen keeps it)."""
        command, _, argument = text.partition(" ")
        if command == "/help":
            self.model.note("keys:", EntryKind.HELP)
            for line in keys.help_lines():
                self.model.note(line, EntryKind.HELP)
        if command == "/quit":
            self.quit(argument.strip())
            return True
        if self.protocol is None:
            self.model.note("not connected: that line was not sent", EntryKind.ERROR)
            return command == "/help"
        page = self.model.page
        if page == Page.USERNAME and not text.startswith("/"):
            self._cancel_name_retry()  # the user chose instead
            self.wanted_name = text.strip()
            self.accounts.plain_name()
            self._send(self.wanted_name, typed=True)
        elif page == Page.USERNAME and self.accounts.typed_login(text):
            self._cancel_name_retry()
        elif page == Page.USERNAME and text.split(" ", 1)[0].lower() == "/nick":
            self.wanted_name = text.split(" ", 1)[-1].strip()  # as a bare name
            self.accounts.plain_name()
            self._send(text, typed=True)
        elif page == Page.LOBBY and not text.startswith("/"):
            return self._enter_room(text.strip())
        else:
            sent = self._buffer_line(text)
            if sent is not None:
                self._remember_key(sent)
                self._send(sent, typed=True)
                if not is_command(sent) or sent.startswith("/paste "):
                    self._stop_typing()  # the message says the user is done
        return True

    def _remember_key(self, text: str) -> None:
        """``/join ROOM KEY``: keep the key, for rejoining after a reconnect."""
        words = text.split()
        if len(words) >= 3 and words[0].lower() == "/join" and words[2] != "since":
            self.room_keys[name_key(words[1])] = words[2]

    def sign_in(self, password: str) -> bool:
        """The password typed at the username page's prompt: ``/login``.

        False (the prompt keeps it) when there is nothing to send yet.
        """
        name = self.model.password_for
        if name is None or not password.strip():
            return False
        if self.protocol is None:
            self.model.ask_password(name, "not connected: press Enter once it is")
            return False
        if any(character.isspace() for character in password):
            self.model.ask_password(name, "a password has no spaces")
            return False
        self._cancel_name_retry()
        self.wanted_name = name
        self.accounts.login(name, password)
        return True

    def cancel(self) -> None:
        """Esc: from the password prompt back to the name; in the lobby,
        hide the notice (a kick, an invitation) the user has read."""
        if self.model.page == Page.USERNAME and self.model.password_for:
            self.accounts.cancel()
        else:
            self.model.dismiss_alert()

    def _enter_room(self, room: str) -> bool:
        """A name typed in the lobby: join it if it exists, else create it."""
        if not is_valid_name(room):
            # Checked here: the server would answer "usage: /create NAME",
            # a command the user never typed.
            self.model.note(
                f"“{room}” cannot be a room name: use 1-32 letters, digits, "
                "'_', '-' or '.'",
                EntryKind.ERROR,
            )
            return False
        # Room names compare as the server compares them (Tea == tea).
        known = {name_key(name) for name in self.model.rooms}
        verb = "join" if name_key(room) in known else "create"
        self._send(f"/{verb} {room}", typed=True)
        return True

    def join(self, room: str) -> None:
        """Enter a room chosen from the lobby list."""
        self._send(f"/join {room}", typed=True)

    def load_older(self) -> None:
        """PgUp at the top of a room's log: fetch the messages before it."""
        model = self.model
        oldest = model.oldest_id()
        if model.page != Page.ROOM or oldest is None:
            return
        if model.loading_older or model.shown_log in model.complete:
            return
        self.model.expect_older()
        self._send(f"/history {OLDER_PAGE} before {oldest}")

    # -- answers to typed /who and /list, shown in the log -------------------

    def _answers_typed(self, command: str) -> bool:
        """Whether the server is answering ``command`` as the user typed it."""
        line = self.outbox.answering
        return (
            line is not None
            and line.typed
            and line.text.split(" ", 1)[0].lower() == command
        )

    def _after_MEMBERS(self, event: ParsedLine, was_page: Page) -> None:
        if self._answers_typed("/who"):
            self.model.note_members()

    def _after_ROOMS(self, event: ParsedLine, was_page: Page) -> None:
        if self._answers_typed("/list"):
            count = event.fields[0] if event.fields else event.text
            self.model.note(f"rooms ({count or 0}):")

    def _after_ROOM(self, event: ParsedLine, was_page: Page) -> None:
        listing = self.model.rooms.get(event.fields[0] if event.fields else "")
        if listing is not None and self._answers_typed("/list"):
            self.model.note_room(listing)
