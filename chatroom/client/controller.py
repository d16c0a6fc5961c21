"""Wires the protocol to the model and the user's input to the protocol.

Everything runs on one reactor: the protocol calls in with events, the
screen calls in with typed lines, and reconnection waits on the injected
clock (``task.Clock`` in tests), so there are no threads and no sleeps.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from chatroom.client import keys
from chatroom.client.accounts import (
    Credentials,
    SignIn,
    is_secret,
    masked,
    session_ended,
)
from chatroom.client.model import EntryKind, Page, SessionModel
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol
from chatroom.client.rejoining import Rejoining
from chatroom.client.richactions import RichActions
from chatroom.client.sending import Outgoing, SendQueue
from chatroom.client.switching import BufferActions
from chatroom.client.typed import TypedLines
from chatroom.wire.lines import ParsedLine

#: Connects the factory somewhere (an endpoint's ``connect``).
Connector = Callable[[ChatClientFactory], "Deferred[ChatClientProtocol]"]

#: How long /quit waits for the server to close before closing itself.
QUIT_GRACE_SECONDS = 2.0


#: How often the lag to the server is measured while connected.
LAG_PROBE_SECONDS = 15.0

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


class ChatController(RichActions, BufferActions, Rejoining, TypedLines):
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
        send_clock: IReactorTime | None = None,
        password: str | None = None,
    ) -> None:
        """Args:
        send_clock: paces lines to the server (default ``clock``); the
            server's flood limit runs on real time, so tests that fake
            ``clock`` against a real server pass the reactor here.
        password: sign in to the ``username`` account with it, without
            asking (``CHATROOM_PASSWORD``); otherwise a registered name
            asks for its password on the username page.
        """
        self.model = model
        self.connect = connect
        self.clock = clock
        self.address = address
        self.on_exit = on_exit
        self.backoff = backoff or Backoff()
        self.factory = ChatClientFactory(self)
        self.protocol: ChatClientProtocol | None = None
        self.outbox = SendQueue(
            send_clock or clock,
            self._write,
            on_refused=self._refused,
            on_lag=model.set_lag,
            on_waiting=model.set_queued,
        )
        #: Whether the lobby list should be pushed (the user may turn it off).
        self.watch = True
        self._init_rejoining()
        self._read_call: IDelayedCall | None = None
        self._lag_probe: IDelayedCall | None = None
        #: When the next reconnect attempt is due, for the countdown.
        self._retry_at = 0.0
        self._retry_why = ""
        self._countdown: IDelayedCall | None = None
        #: The name to take (again) as soon as the server says HELLO.
        self.wanted_name = username
        self.reconnecting = False
        self.quitting = False
        self._retry: IDelayedCall | None = None
        #: Retrying our old name while the server still holds it for the
        #: session that was lost (until its ping timeout harvests it).
        self._name_retry: IDelayedCall | None = None
        self._name_attempts = 0
        self._quit_timeout: IDelayedCall | None = None
        given = Credentials(username, password) if username and password else None
        #: Signing in, and the password held to sign in again after a reconnect.
        self.accounts = SignIn(model, self._send, given)
        #: The keys typed with ``/join ROOM KEY``, by folded room name, so a
        #: rejoin after a reconnect gets into a room with a key (memory only).
        self.room_keys: dict[str, str] = {}
        #: Why the server ended the session for good (signed in elsewhere,
        #: killed, banned): no reconnecting until the user asks.
        self.ended: str | None = None

    # -- connecting ----------------------------------------------------------------

    def start(self) -> Deferred[ChatClientProtocol]:
        """The first connection; its failure is the caller's (main exits on it)."""
        self.model.set_status(f"connecting to {self.address}…")
        return self.connect(self.factory)

    def _attempt_reconnect(self) -> None:
        self._retry = None
        self._cancel(self._countdown)
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
        self._retry_why = why
        self._retry_at = self.clock.seconds() + delay
        self._retry = self.clock.callLater(delay, self._attempt_reconnect)
        self._tick()

    def _tick(self) -> None:
        """The status bar counts down to the next attempt, second by second."""
        left = max(0, math.ceil(self._retry_at - self.clock.seconds() - 1e-9))
        why = self._retry_why
        if len(why) > 20:  # so the whole bar fits in 80 columns
            why = why[:19] + "…"
        retry, leave = keys.keys_for("RETRY_NOW")[0], keys.keys_for("QUIT")[0]
        self.model.note_disconnected(
            f"disconnected ({why}) · retry in {left}s · {retry}: now · {leave}: quit"
        )
        self._countdown = self.clock.callLater(1.0, self._tick) if left > 1 else None

    def retry_now(self) -> None:
        """Reconnect at once instead of waiting out the backoff (the retry key);
        after the server ended the session for good, reconnect because the
        user asked to (and sign in again, taking the account back)."""
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
            self._attempt_reconnect()
        elif self.ended is not None and self.protocol is None and not self.quitting:
            self.ended = None
            self._attempt_reconnect()

    def _cancel(self, call: IDelayedCall | None) -> None:
        if call is not None and call.active():
            call.cancel()

    # -- EventReceiver: called by the protocol ---------------------------------

    def connection_made(self, protocol: ChatClientProtocol) -> None:
        self.protocol = protocol
        # Stored events' ids (``@ID``) let a rejoin resume where the log stopped and
        # PgUp fetch what came before it; ``multi`` keeps every room joined
        # (a buffer each) and brings read markers; ``rich`` brings replies,
        # edits and deletions (see .rich). Sent ahead of the paced
        # queue: it is one line, once per connection, and its reply (CAPS)
        # needs no matching to a typed line. Sent before signing in, so
        # an account's catch-up (protocol.md, *Read markers*) applies.
        self._write("/caps ids multi rich")
        self.model.note_connected(f"connected to {self.address}")
        self._probe_lag()

    def event_received(self, event: ParsedLine) -> None:
        model = self.model
        if event.name == "PONG" and self.outbox.pong(event.text):
            return
        answering = self.outbox.answering
        if (
            event.name == "ERR"
            and event.fields[:1] == ("RATE_LIMITED",)
            # Refusing a password line means too many failed sign-ins: it
            # must not be sent again, the user has to wait.
            and not (answering is not None and is_secret(answering.text))
            and self.outbox.rate_limited(event.text) is not None
        ):
            return  # _refused says which line, and it is sent again
        event = self._reworded(event)
        was_page = model.page
        react = getattr(self, f"_after_{event.name}", None)
        with model.batch():
            model.apply(event)
            if react is not None:
                react(event, was_page)
        self.seen()

    def _reworded(self, event: ParsedLine) -> ParsedLine:
        """An answer the server words for someone else, reworded for us.

        ``/register`` by a user already signed in to their name's account
        gets ``NAME_REGISTERED``, whose text ("alice is registered: /login
        alice PASSWORD") is meant for someone who wants that name.
        """
        if (
            event.name == "ERR"
            and event.fields[:1] == ("NAME_REGISTERED",)
            and self.model.page != Page.USERNAME
            and self._answers_typed("/register")
        ):
            return event._replace(
                text=f"{self.model.own_name} is already your account and you are "
                "signed in to it (/password OLD NEW changes its password)"
            )
        return event

    def connection_lost(self, reason: Failure) -> None:
        # Waiters on the model resume only once the retry is scheduled.
        with self.model.batch():
            self._connection_lost(reason)

    def _connection_lost(self, reason: Failure) -> None:
        self.protocol = None
        self._cancel_name_retry()
        self._cancel(self._lag_probe)
        self._cancel(self._read_call)
        self._read_call = None
        self._focus_asked = 0
        lost = self.outbox.reset()
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
        self._remember_rooms()
        self.reconnecting = True
        why = model.bye_reason or reason.getErrorMessage() or "connection lost"
        self.ended = session_ended(model.bye_reason)
        if self.ended is None:
            model.note(f"connection lost: {why}; reconnecting", EntryKind.ERROR)
        for line in lost:
            # Typed lines are in the input history (Up recalls them), except
            # those with a password. A line already written may or may not
            # have reached the server.
            what = "not confirmed" if line.token else "not sent"
            recall = "type it again" if is_secret(line.text) else "↑ recalls it"
            model.note(f"{what} ({recall}): {masked(line.text)}", EntryKind.ERROR)
        if self.ended is None:
            self._schedule_reconnect(why)
            return
        # Coming back on our own would fight the other session (or the admin).
        retry, leave = keys.keys_for("RETRY_NOW")[0], keys.keys_for("QUIT")[0]
        model.note_alert(
            f"Disconnected: {self.ended}. Not reconnecting: {retry} reconnects "
            f"(and signs in again), {leave} quits."
        )
        model.note_disconnected(
            f"disconnected for good · {retry}: reconnect · {leave}: quit"
        )

    def _probe_lag(self) -> None:
        """Measure the round trip now and every LAG_PROBE_SECONDS."""
        if self.protocol is not None:
            self.outbox.probe()
            self._lag_probe = self.clock.callLater(LAG_PROBE_SECONDS, self._probe_lag)

    def _refused(self, line: Outgoing) -> None:
        self.model.note(
            f"the server refused “{masked(line.text)}” ({line.refused}); "
            "sending it again",
            EntryKind.ERROR,
        )

    # -- reacting to events ----------------------------------------------------

    def _after_HELLO(self, event: ParsedLine, was_page: Page) -> None:
        if self.accounts.greet():
            return  # signed in with the password held for the session
        if self.model.password_for is not None:
            return  # the password prompt is still up: the user signs in
        if self.wanted_name:
            self.accounts.plain_name()
            self._send(self.wanted_name)
        elif self.reconnecting:
            self.model.note("reconnected; choose a username")
            self.reconnecting = False

    def _after_WELCOME(self, event: ParsedLine, was_page: Page) -> None:
        self._cancel_name_retry()
        self._name_attempts = 0
        self.accounts.welcomed()
        if self.watch:
            self._send("/watch on")
        if self.accounts.credentials is not None:
            # An account's unread counts (its markers outlive connections;
            # a plain name's start afresh): see protocol.md, *Read markers*.
            # One line per sign-in, ahead of the queue as /caps is: its
            # UNREAD lines answer no typed line.
            self._write("/unread")
        name = self.model.own_name
        self._set_ready_status()
        if not self.reconnecting:
            return
        self.backoff.reset()
        # Each room's log says "reconnected" once back in (see the model).
        # An account's rooms come back unasked (the server remembers them):
        # only those that did not are asked for, after /unread's answer.
        if not self._rejoin_all(later=self.accounts.credentials is not None):
            self.model.note(f"reconnected as {name}")
            self.reconnecting = False

    def _after_JOINED(self, event: ParsedLine, was_page: Page) -> None:
        # The join sequence doesn't name the owner; /who's reply does. It
        # asks about the current room: after a reconnect several joins are
        # on their way, and the last is current by the time /who arrives.
        room = event.fields[0] if event.fields else ""
        if self.reconnecting and self._focus_each:
            self._ask_focus(room)
        self._send("/who")
        if self.reconnecting:
            self._rejoined(room)

    def _after_UNREAD_END(self, event: ParsedLine, was_page: Page) -> None:
        self._rejoin_rest()

    def _after_LOBBY(self, event: ParsedLine, was_page: Page) -> None:
        answering = self.outbox.answering
        if answering is None or not answering.typed:
            return
        self.watch = self.model.watching
        if self.watch:
            # Changes made while it was off were never pushed: refresh.
            self._send("/list")
        else:
            self.model.note("the room list is no longer updated; /list refreshes it")

    def _after_REGISTERED(self, event: ParsedLine, was_page: Page) -> None:
        answering = self.outbox.answering
        self.accounts.confirmed(event, answering.text if answering else "")

    _after_PASSWORD_CHANGED = _after_REGISTERED
    _after_UNREGISTERED = _after_REGISTERED

    def _after_NICK(self, event: ParsedLine, was_page: Page) -> None:
        self._set_ready_status()

    def _after_ERR(self, event: ParsedLine, was_page: Page) -> None:
        code = event.fields[0] if event.fields else ""
        if was_page == Page.USERNAME and self.accounts.refused(
            code, event.text, self.wanted_name or ""
        ):
            self._cancel_name_retry()
            if code == "BANNED":
                self.reconnecting = False
        elif was_page == Page.USERNAME and self.reconnecting:
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
        elif self.reconnecting:
            self._rejoin_refused(code)

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

    # -- the user's actions (UserActions; typed lines in .typed) --------------

    def quit(self, reason: str = "") -> None:
        """Leave cleanly: /quit to the server, then exit when it closes."""
        if self.quitting:
            return
        self.quitting = True
        for call in (self._retry, self._countdown, self._lag_probe, self._read_call):
            self._cancel(call)
        if self.protocol is None:
            self.on_exit()
            return
        # Straight out, ahead of any queued lines: the user is leaving now.
        self._write(f"/quit {reason}".rstrip())
        protocol = self.protocol
        self._quit_timeout = self.clock.callLater(
            QUIT_GRACE_SECONDS, self._close_after_quit, protocol
        )

    def _close_after_quit(self, protocol: ChatClientProtocol) -> None:
        if protocol.transport is not None:
            protocol.transport.loseConnection()

    def _send(self, line: str, typed: bool = False) -> None:
        """Queue a line for the server (paced; see :mod:`.sending`)."""
        if self.protocol is not None:
            self.outbox.send(line, typed)

    def _write(self, line: str) -> None:
        if self.protocol is not None:
            self.protocol.send_line(line)
