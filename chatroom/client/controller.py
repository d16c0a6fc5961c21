"""Wires the protocol to the model and the user's input to the protocol.

Everything runs on one reactor: the protocol calls in with events, the
screen calls in with typed lines, and reconnection waits on the injected
clock (``task.Clock`` in tests), so there are no threads and no sleeps.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from chatroom.client import keys
from chatroom.client.model import EntryKind, Page, SessionModel
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol
from chatroom.text import name_key
from chatroom.wire import Event

#: Connects the factory somewhere (an endpoint's ``connect``).
Connector = Callable[[ChatClientFactory], "Deferred[ChatClientProtocol]"]

#: How long /quit waits for the server to close before closing itself.
QUIT_GRACE_SECONDS = 2.0


#: How often a reconnect retries a name the server still holds for the lost
#: session (2, 4, 8, 16, then every 30 s: about 3.5 minutes in all, longer
#: than the server's default ping interval plus timeout).
NAME_RETRIES = 10


class Backoff:
    """Reconnect delays that double from ``initial`` up to ``maximum``."""

    def __init__(self, initial: float = 1.0, maximum: float = 30.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.current = initial

    def next_delay(self) -> float:
        """The delay before the next attempt (each one doubles the next)."""
        delay = self.current
        self.current = min(self.maximum, self.current * 2)
        return delay

    def reset(self) -> None:
        """Back to the shortest delay (after a session is restored)."""
        self.current = self.initial


class ChatController:
    """One client session: connection, reconnection and the user's commands."""

    def __init__(
        self,
        model: SessionModel,
        connect: Connector,
        clock: IReactorTime,
        address: str,
        username: str | None = None,
        on_exit: Callable[[], None] = lambda: None,
        backoff: Backoff | None = None,
    ) -> None:
        self.model = model
        self.connect = connect
        self.clock = clock
        self.address = address
        self.on_exit = on_exit
        self.backoff = backoff or Backoff()
        self.factory = ChatClientFactory(self)
        self.protocol: ChatClientProtocol | None = None
        #: The name to take (again) as soon as the server says HELLO.
        self.wanted_name = username
        #: The room to go back to after a reconnect.
        self.wanted_room: str | None = None
        self.reconnecting = False
        self.quitting = False
        self._retry: IDelayedCall | None = None
        #: Retrying our old name while the server still holds it for the
        #: session that was lost (until its ping timeout harvests it).
        self._name_retry: IDelayedCall | None = None
        self._name_attempts = 0
        self._quit_timeout: IDelayedCall | None = None

    # -- connecting ----------------------------------------------------------------

    def start(self) -> Deferred[ChatClientProtocol]:
        """The first connection; its failure is the caller's (main exits on it)."""
        self.model.set_status(f"connecting to {self.address}…")
        return self.connect(self.factory)

    def _attempt_reconnect(self) -> None:
        self._retry = None
        self.model.set_status(f"reconnecting to {self.address}…")
        attempt = self.connect(self.factory)
        attempt.addErrback(self._reconnect_failed)

    def _reconnect_failed(self, failure: Failure) -> None:
        with self.model.batch():
            self._schedule_reconnect(failure.getErrorMessage())

    def _schedule_reconnect(self, why: str) -> None:
        if self.quitting:
            return
        delay = self.backoff.next_delay()
        self.model.note_disconnected(
            f"disconnected ({why}) · retrying in {delay:g}s · Ctrl-C quits"
        )
        self._retry = self.clock.callLater(delay, self._attempt_reconnect)

    # -- EventReceiver: called by the protocol ---------------------------------

    def connection_made(self, protocol: ChatClientProtocol) -> None:
        self.protocol = protocol
        self.model.note_connected(f"connected to {self.address}")

    def event_received(self, event: Event) -> None:
        model = self.model
        was_page = model.page
        react = getattr(self, f"_after_{event.name}", None)
        with model.batch():
            model.apply(event)
            if react is not None:
                react(event, was_page)

    def connection_lost(self, reason: Failure) -> None:
        # Waiters on the model resume only once the retry is scheduled.
        with self.model.batch():
            self._connection_lost(reason)

    def _connection_lost(self, reason: Failure) -> None:
        self.protocol = None
        self._cancel_name_retry()
        if self._quit_timeout is not None and self._quit_timeout.active():
            self._quit_timeout.cancel()
        if self.quitting:
            self.model.note_disconnected("disconnected")
            self.on_exit()
            return
        model = self.model
        # Remember where the user was, to go back there.
        if model.own_name:
            self.wanted_name = model.own_name
        self.wanted_room = model.room
        self.reconnecting = True
        why = model.bye_reason or reason.getErrorMessage() or "connection lost"
        model.note(f"connection lost: {why}; reconnecting", EntryKind.ERROR)
        self._schedule_reconnect(why)

    # -- reacting to events ----------------------------------------------------

    def _after_HELLO(self, event: Event, was_page: Page) -> None:
        if self.wanted_name:
            self._send(self.wanted_name)
        elif self.reconnecting:
            self.model.note("reconnected; choose a username")
            self.reconnecting = False

    def _after_WELCOME(self, event: Event, was_page: Page) -> None:
        self._cancel_name_retry()
        self._name_attempts = 0
        self._send("/watch on")
        name = self.model.own_name
        self._set_ready_status()
        if not self.reconnecting:
            return
        self.backoff.reset()
        if self.wanted_room:
            self.model.note(f"reconnected as {name}; rejoining {self.wanted_room}")
            self._send(f"/join {self.wanted_room}")
        else:
            self.model.note(f"reconnected as {name}")
            self.reconnecting = False

    def _after_JOINED(self, event: Event, was_page: Page) -> None:
        # The join sequence doesn't name the owner; /who's reply does.
        self._send("/who")
        self.reconnecting = False
        self.wanted_room = self.model.room

    def _after_LEFT(self, event: Event, was_page: Page) -> None:
        self.wanted_room = None

    _after_DELETED = _after_LEFT

    def _after_NICK(self, event: Event, was_page: Page) -> None:
        self._set_ready_status()

    def _after_ERR(self, event: Event, was_page: Page) -> None:
        code = event.fields[0] if event.fields else ""
        if was_page == Page.USERNAME and self.reconnecting:
            if code == "NAME_TAKEN" and self._name_attempts < NAME_RETRIES:
                # After a network failure the server keeps our old session,
                # and so our name, until that session's ping times out.
                self._name_attempts += 1
                delay = min(2.0**self._name_attempts, 30.0)
                self.model.note(
                    f"{self.wanted_name} is still held by the lost session; "
                    f"trying again in {delay:g}s (or type another name)"
                )
                self._name_retry = self.clock.callLater(delay, self._retry_name)
                return
            self.model.note(f"could not take back the name {self.wanted_name}")
            self.reconnecting = False
        elif self.reconnecting and self.wanted_room and code == "NO_SUCH_ROOM":
            # The server restarted and forgot the room: make it again.
            self.model.note(f"{self.wanted_room} is gone; creating it again")
            self._send(f"/create {self.wanted_room}")
        elif self.reconnecting and self.wanted_room:
            self.model.note(f"could not rejoin {self.wanted_room}")
            self.reconnecting = False

    def _retry_name(self) -> None:
        self._name_retry = None
        if self.wanted_name and self.model.page == Page.USERNAME:
            self._send(self.wanted_name)

    def _cancel_name_retry(self) -> None:
        if self._name_retry is not None and self._name_retry.active():
            self._name_retry.cancel()
        self._name_retry = None

    def _set_ready_status(self) -> None:
        self.model.set_status(
            f"connected to {self.address} as {self.model.own_name} · /help for keys"
        )

    # -- the user's actions (UserActions) --------------------------------------

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
            self._send(self.wanted_name)
        elif page == Page.LOBBY and not text.startswith("/"):
            room = text.strip()
            # Room names compare as the server compares them (Tea == tea).
            known = {name_key(name) for name in self.model.rooms}
            verb = "join" if name_key(room) in known else "create"
            self._send(f"/{verb} {room}")
        else:
            self._send(text)
        return True

    def join(self, room: str) -> None:
        """Enter a room chosen from the lobby list."""
        self._send(f"/join {room}")

    def quit(self, reason: str = "") -> None:
        """Leave cleanly: /quit to the server, then exit when it closes."""
        if self.quitting:
            return
        self.quitting = True
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        if self.protocol is None:
            self.on_exit()
            return
        self._send(f"/quit {reason}".rstrip())
        protocol = self.protocol
        self._quit_timeout = self.clock.callLater(
            QUIT_GRACE_SECONDS, self._close_after_quit, protocol
        )

    def _close_after_quit(self, protocol: ChatClientProtocol) -> None:
        if protocol.transport is not None:
            protocol.transport.loseConnection()

    def _send(self, line: str) -> None:
        if self.protocol is not None:
            self.protocol.send_line(line)
