"""Wires the protocol to the model and the user's input to the protocol.

Everything runs on one reactor: the protocol calls in with events, the
screen calls in with what the user does (:class:`~.actions.UserActions`),
and reconnection waits on the injected clock (``task.Clock`` in tests),
so there are no threads and no sleeps.

Each server event goes through one table, :data:`EVENTS`: the event word
names the model's method that takes it (the model then tells the screen
what changed) and, where the controller has something to do about it
(send ``/who`` after a join, sign in after ``HELLO``...), the
controller's own. The controller is composed of parts that each keep one
kind of state: the paced outbox (:class:`~.sending.Outbox`), what was
said and not yet acknowledged (:class:`~.unacknowledged.Unacknowledged`),
signing in (:class:`~.accounts.SignIn`), rejoining after a reconnect
(:class:`~.rejoining.Rejoiner`) and typing notices
(:class:`~.typingnotices.TypingNotices`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import NamedTuple

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
from chatroom.client.addressing import addressed, command_word, unaddressed
from chatroom.client.confirming import Confirmations
from chatroom.client.entries import EntryKind, LogEntry, Page, log_key
from chatroom.client.fetching import Fetcher
from chatroom.client.helptext import help_lines
from chatroom.client.model import SessionModel
from chatroom.client.pasting import fits
from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol
from chatroom.client.rejoining import Rejoiner
from chatroom.client.sending import LIMITS_QUERY, Outbox, Outgoing
from chatroom.client.staying import SessionTokens
from chatroom.client.typingnotices import TypingNotices
from chatroom.client.unacknowledged import NO_ROOM, Rows, Unacknowledged
from chatroom.client.uploading import Poster, Uploads, http_poster
from chatroom.wire.commands import sent_by_itself
from chatroom.wire.lines import ParsedLine
from chatroom.wire.names import is_valid_name, name_key
from chatroom.wire.pastes import paste_command, pasted_lines
from chatroom.wire.said import is_command, said_text
from chatroom.wire.txn import key_of

#: Connects the factory somewhere (an endpoint's ``connect``).
Connector = Callable[[ChatClientFactory], "Deferred[ChatClientProtocol]"]

#: A room's members' profiles are asked for (their display names go in
#: the member list and beside their joins) when it has at most this many,
#: as the page does; a bigger room's come with what each says.
MEMBER_PROFILES = 30

#: How long /quit waits for the server to close before closing itself.
QUIT_GRACE_SECONDS = 2.0

#: How often the lag to the server is measured while connected.
LAG_PROBE_SECONDS = 15.0

#: How often a reconnect retries a name the server still holds for the lost
#: session (2, 4, 8, 16, then every 30 s: about 3.5 minutes in all, longer
#: than the server's default ping interval plus timeout).
NAME_RETRIES = 10


#: How long after a room's newest line came into view ``/read`` is sent.
#: Lines sent count against the server's flood limit (1 a second after a
#: burst), so markers are batched; a line read is never more than this
#: late in reaching the user's other devices.
READ_DELAY_SECONDS = 2.0

#: Commands that act on the server's current room, which a private
#: conversation (or the search results) on screen is not: refused there
#: rather than sent elsewhere.
ROOM_ONLY = frozenset(
    {
        "/me",
        "/topic",
        "/who",
        "/history",
        "/reply",
        "/edit",
        "/redact",
        "/react",
        "/unreact",
        "/modlog",
        "/opmsg",
        "/paste",
    }
)


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


#: The fields of the lines :meth:`ChatController.after_named` follows
#: that name a person.
_NAMING: dict[str, tuple[str, ...]] = {
    "FOUND": ("user",),
    "PINNED": ("user",),
    "REPORT": ("reporter",),
    "REPORT_TEXT": ("user",),
    "REPORT_CLOSED": ("by",),
}


class ChatController:
    """One client session: connection, reconnection and the user's actions."""

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
        post: Poster | None = None,
        tokens: SessionTokens | None = None,
    ) -> None:
        """Args:
        send_clock: paces lines to the server (default ``clock``); the
            server's flood limit runs on real time, so tests that fake
            ``clock`` against a real server pass the reactor here.
        password: sign in to the ``username`` account with it, without
            asking (``CHATROOM_PASSWORD``); otherwise a registered name
            asks for its password on the username page.
        post: makes ``/upload``'s HTTP requests (default: twisted.web's
            ``Agent`` on ``clock``, which is then the reactor).
        tokens: where device sessions are kept, to stay signed in across
            starts (see :mod:`.staying`); None: the password each time.
        """
        self.model = model
        self.connect = connect
        self.clock = clock
        self.address = address
        self.on_exit = on_exit
        self.backoff = backoff or Backoff()
        self.factory = ChatClientFactory(self)
        self.protocol: ChatClientProtocol | None = None
        self.outbox = Outbox(
            send_clock or clock,
            self._write,
            on_refused=self._refused,
            on_lag=model.set_lag,
            on_waiting=model.set_queued,
            on_held=self._ask_limits,
        )
        #: What the user said, each with its key, until acknowledged.
        self.unacknowledged = Unacknowledged(
            clock,
            lambda line, where: self.outbox.send(line, True, where),
            Rows(
                model.add_row,
                model.change_row,
                model.stored_ids,
                model.copy_in_place,
                model.said_in_place,
            ),
            lambda: model.own_name or "",
        )
        #: Whether the lobby list should be pushed (the user may turn it off).
        self.watch = True
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
        #: The users whose profile this connection asked for (by name key):
        #: each once, the first time they are seen saying something.
        self._profiles_asked: set[str] = set()
        given = Credentials(username, password) if username and password else None
        #: Signing in, and the password held to sign in again after a reconnect.
        self.accounts = SignIn(model, self._send, given, tokens, address)
        #: The keys typed with ``/join ROOM KEY``, by folded room name, so a
        #: rejoin after a reconnect gets into a room with a key (memory only).
        self.room_keys: dict[str, str] = {}
        self.rejoiner = Rejoiner(model, self.outbox, self._send, self.room_keys)
        #: The history the client asks by itself (see .fetching).
        self.fetcher = Fetcher(model, self._send, lambda: self.accounts.signed_in)
        #: Deleting a room, or leaving one that goes with you, asked first.
        self.confirmations = Confirmations(model, self._send)
        self.typing = TypingNotices(
            model, clock, self.outbox, lambda: self.protocol is not None
        )
        #: Why the server ended the session for good (signed in elsewhere,
        #: killed, banned): no reconnecting until the user asks.
        self.ended: str | None = None
        #: ``/upload PATH``: files sent to the server's HTTP door, then shared.
        self.uploads = Uploads(
            model,
            self._send,
            post or (lambda *request: http_poster(clock)(*request)),
            clock,
            self._set_ready_status,
            self._say_shared,
        )

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
        """One server event: the model takes it, then the controller acts
        on it, as :data:`EVENTS` says (unknown events change nothing)."""
        model = self.model
        if event.name == "PONG" and self.outbox.pong(event.text):
            return
        answering = self.outbox.answering
        if (
            event.name == "ERR"
            and event.field("code") == "RATE_LIMITED"
            # Refusing a password line means too many failed sign-ins: it
            # must not be sent again, the user has to wait.
            and not (answering is not None and is_secret(answering.text))
            and self.outbox.rate_limited(event.text) is not None
        ):
            return  # _refused says which line, and it is sent again
        if (
            event.name == "ERR"
            and answering is not None
            and answering.text == LIMITS_QUERY
            and not answering.typed
        ):
            return  # a server without /limits: the defaults' pace it is
        if event.name == "ERR" and answering is not None and self._quiet(answering):
            self.fetcher.refused(answering.text)
            return  # the client's own question: the user asked nothing
        key = keyed_by(answering)
        copied = key if key is not None and self._own_copy(event) else None
        if (
            key is not None
            and event.name == "ERR"
            and self.unacknowledged.refused(key, event.field("code"))
        ):
            return  # sent again after a moment, with its key; told once
        event = self._reworded(event)
        was_page = model.page
        route = EVENTS.get(event.name, NOWHERE)
        typed = answering is not None and answering.typed
        model.answer_in = answering.where if typed and answering else None
        model.quiet = answering is not None and self._quiet(answering)
        try:
            with model.batch():
                if route.update is not None:
                    route.update(model, event)
                if route.then is not None:
                    route.then(self, event, was_page)
                if copied is not None:  # in the log now: where it was said
                    self.unacknowledged.copy_came(copied)
        finally:
            model.answer_in, model.quiet = None, False
        self.seen()

    def _own_copy(self, event: ParsedLine) -> bool:
        """Whether ``event`` is the server's copy of something the user
        said (their own ``MSG``, ``ACTION``, ``PRIVMSG``)."""
        own = self.model.own_name
        if event.name in ("MSG", "ACTION"):
            return bool(own) and event.field("user") == own
        return event.name == "PRIVMSG" and bool(own) and event.field("from") == own

    def _quiet(self, line: Outgoing) -> bool:
        """Whether ``line`` is one of the client's own questions (members,
        levels, markers, history...), whose answers it keeps to itself
        (on the username page, signing in with a kept token, every answer
        is the user's business)."""
        return (
            not line.typed
            and sent_by_itself(line.text)
            and self.model.page != Page.USERNAME
        )

    def _reworded(self, event: ParsedLine) -> ParsedLine:
        """An answer the server words for someone else, reworded for us.

        ``/register`` by a user already signed in to their name's account
        gets ``NAME_REGISTERED``, whose text ("alice is registered: /login
        alice PASSWORD") is meant for someone who wants that name.
        """
        if (
            event.name == "ERR"
            and event.field("code") == "NAME_REGISTERED"
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
        self.uploads.connection_lost()
        self._cancel_name_retry()
        self._cancel(self._lag_probe)
        self._cancel(self._read_call)
        self._read_call = None
        self._profiles_asked.clear()
        self.fetcher.connection_lost()
        # What was said with a key waits to go again with it, once back.
        lost = [line for line in self.outbox.reset() if keyed_by(line) is None]
        self.unacknowledged.connection_lost()
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
        self.rejoiner.remember()
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
            typed = as_typed(line.text)
            model.note(f"{what} ({recall}): {masked(typed)}", EntryKind.ERROR)
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
        typed = as_typed(line.text)
        self.model.note(
            f"the server refused “{masked(typed)}” ({line.refused}); sending it again",
            EntryKind.ERROR,
        )

    # -- what the controller does after the model took an event ----------------
    #
    # Each takes the event and the page shown before it; EVENTS names them.

    def after_hello(self, event: ParsedLine, was_page: Page) -> None:
        """Sign in, or take the name wanted (again, after a reconnect)."""
        if self.accounts.greet(self.wanted_name):
            return  # signed in with the password held, or a token kept
        if self.model.password_for is not None:
            return  # the password prompt is still up: the user signs in
        if self.wanted_name:
            self.accounts.plain_name()
            self._send(self.wanted_name)
        elif self.reconnecting:
            self.model.note("reconnected; choose a username")
            self.reconnecting = False

    def after_welcome(self, event: ParsedLine, was_page: Page) -> None:
        """Watch the lobby, ask for an account's unread counts, and after a
        reconnect go back into every room."""
        self._cancel_name_retry()
        self._name_attempts = 0
        if self.accounts.welcomed():
            self._send("/session new")  # to stay signed in (see .staying)
        if self.watch:
            self._send("/watch on")
        if self.accounts.signed_in:
            # An account's unread counts (its markers outlive connections;
            # a plain name's start afresh): see protocol.md, *Read markers*.
            # One line per sign-in, ahead of the queue as /caps is: its
            # UNREAD lines answer no typed line.
            self._write("/unread")
            # The account's conversations, kept by the server: their
            # buffers, with their unread counts, as on the last device.
            self._send("/conversations")
        name = self.model.own_name
        self._set_ready_status()
        self.unacknowledged.ready(NO_ROOM)  # private messages may go
        if not self.reconnecting:
            return
        self.backoff.reset()
        # Each room's log says "reconnected" once back in (see the model).
        # An account's rooms come back unasked (the server remembers them):
        # only those that did not are asked for, after /unread's answer.
        if not self.rejoiner.rejoin_all(later=self.accounts.signed_in):
            self.model.note(f"reconnected as {name}")
            self.reconnecting = False

    def after_joined(self, event: ParsedLine, was_page: Page) -> None:
        """Ask who owns the room; count a room rejoined."""
        # The join sequence doesn't name the owner; /who's reply does.
        room = event.field("room")
        self._send(addressed(room, "/who"))
        self.unacknowledged.ready(room)  # what was said there goes
        buffer = self.model.buffers.room_buffer(room)
        if self.accounts.signed_in and buffer and not buffer.level:
            self._send(f"/notify {room}")  # its level, for the buffer list
        if self.reconnecting and self.rejoiner.rejoined(room):
            self.reconnecting = False

    def after_read(self, event: ParsedLine, was_page: Page) -> None:
        """A join's replay is over (its ``READ``): the room shows its
        recent messages, filled in if it lacks them (see .fetching)."""
        target, self.model.joined_now = self.model.joined_now, None
        if target is not None and target == event.field("room"):
            self.fetcher.joined(target)

    def after_pins(self, event: ParsedLine, was_page: Page) -> None:
        """A room joined has pins: which ones, quietly (``/pins``), so that
        ``p`` on a pinned message unpins it."""
        room, count = event.field("room"), event.field("count")
        if count.isdigit() and int(count) and self.model.buffers.room_buffer(room):
            self._send(addressed(room, "/pins"))

    def after_conversation(self, event: ParsedLine, was_page: Page) -> None:
        """A typed ``/conversations``: each in the log too (the client's
        own, on signing in, only restores the buffers)."""
        if self._answers_typed("/conversations"):
            unread = event.field("unread")
            news = f", {unread} unread" if unread not in ("", "0") else ""
            self.model.note(f"  {event.field('user')}{news}")

    def after_conversations_end(self, event: ParsedLine, was_page: Page) -> None:
        if self._answers_typed("/conversations"):
            self.model.note(
                f"{event.field('count') or 0} conversation(s), newest first"
            )

    def after_unread_end(self, event: ParsedLine, was_page: Page) -> None:
        """The rooms the server put an account back in are in: the rest."""
        self.rejoiner.rejoin_rest()

    def after_lobby(self, event: ParsedLine, was_page: Page) -> None:
        """``/watch`` as typed: a list pushed again is fetched whole."""
        answering = self.outbox.answering
        if answering is None or not answering.typed:
            return
        self.watch = self.model.watching
        if self.watch:
            # Changes made while it was off were never pushed: refresh.
            self._send("/list")
        else:
            self.model.note("the room list is no longer updated; /list refreshes it")

    def after_account_change(self, event: ParsedLine, was_page: Page) -> None:
        """REGISTERED, PASSWORD_CHANGED, UNREGISTERED: the password held,
        and the device session kept (a new password ended it: another)."""
        answering = self.outbox.answering
        self.accounts.confirmed(event, answering.text if answering else "")
        if event.name != "UNREGISTERED" and self.accounts.tokens is not None:
            self._send("/session new")

    def after_session(self, event: ParsedLine, was_page: Page) -> None:
        """SESSION: the device session kept, when staying signed in."""
        kept = self.accounts.session_made(event.field("token"))
        if self._answers_typed("/session"):
            self.model.note(
                "this device stays signed in (/session end signs it out)"
                if kept
                else "a device session was made, but not kept: chatroom-urwid "
                "--stay-signed-in keeps one"
            )

    def after_session_ended(self, event: ParsedLine, was_page: Page) -> None:
        """SESSION_ENDED: the token kept is forgotten."""
        self.accounts.session_ended()
        self.model.note("this device's session has ended: the next start asks")

    def after_nick(self, event: ParsedLine, was_page: Page) -> None:
        """The status bar names the user."""
        self._set_ready_status()

    def after_room_renamed(self, event: ParsedLine, was_page: Page) -> None:
        """What waits to be said in the room goes by its new name."""
        self.unacknowledged.room_renamed(event.field("room"), event.field("new"))

    def after_err(self, event: ParsedLine, was_page: Page) -> None:
        """A refused sign-in, a name still held after a reconnect, or a
        room that could not be rejoined."""
        code = event.field("code")
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
        elif self.reconnecting and self.rejoiner.refused(code):
            self.reconnecting = False
        answering = self.outbox.answering
        if answering is not None and answering.text == "/token":
            self.uploads.token_refused(event.text)

    def after_limits(self, event: ParsedLine, was_page: Page) -> None:
        """LIMITS: lines are paced to this server's own flood limits; the
        answer to a ``/limits`` the user typed is shown too."""
        try:
            rate = float(event.field("rate"))
            burst = int(event.field("burst"))
        except ValueError:
            return  # not numbers: keep the pace there is
        self.outbox.follow(rate, burst)
        if self._answers_typed(LIMITS_QUERY):
            pace = "no limit" if rate <= 0 else f"{rate:g} a second"
            self.model.note(
                f"you may send {burst} lines at once, then {pace}; past that "
                f"they wait (at most {event.field('backlog')})"
            )

    def after_slow(self, event: ParsedLine, was_page: Page) -> None:
        """SLOW: the server is holding our lines, so the pace followed is
        too fast for it (its limits changed since we asked, or the network
        bunched our lines): slow to the rate it names at once, and ask its
        limits again."""
        try:
            rate = float(event.field("rate"))
        except ValueError:
            rate = 0.0  # not a number: the burst is spent all the same
        self.outbox.slowed(rate)
        self._ask_limits()

    def after_ack(self, event: ParsedLine, was_page: Page) -> None:
        """ACK: a line said with a key is said, once."""
        self.unacknowledged.acknowledged(
            event.field("key"), event.field("target"), event.field("id")
        )

    def after_token(self, event: ParsedLine, was_page: Page) -> None:
        """TOKEN: the uploads waiting for one go."""
        self.uploads.token_arrived(event)

    def after_typing(self, event: ParsedLine, was_page: Page) -> None:
        """Whoever said they are typing is forgotten when their time is up."""
        self.typing.others_changed()

    def after_said(self, event: ParsedLine, was_page: Page) -> None:
        """The first time a user is seen saying something, their profile
        is asked for (its display name goes beside their lines); later
        changes come by themselves (``PROFILE``, ``/caps rich``)."""
        user = event.field("user")
        if self._profile_wanted(user):
            self._write(f"/profile {user}")

    def after_private(self, event: ParsedLine, was_page: Page) -> None:
        """A private message's sender, the first time: their profile, as
        for a room's (their display name goes beside their lines)."""
        sender = event.field("from")
        if self._profile_wanted(sender):
            self._write(f"/profile {sender}")

    def _profile_wanted(self, user: str) -> bool:
        """Whether ``user``'s profile is still to be asked for on this
        connection (once each; never our own); noted as asked."""
        if not user or user == self.model.own_name:
            return False
        if name_key(user) in self._profiles_asked:
            return False
        self._profiles_asked.add(name_key(user))
        return True

    def _ask_profiles(self, room: str, users: Iterable[str]) -> None:
        """The profiles of ``users``, members of ``room``, when it is small
        enough to ask for all (:data:`MEMBER_PROFILES`): at the pace of the
        client's own questions, never printed."""
        buffer = self.model.buffers.room_buffer(room)
        if buffer is None or len(buffer.members) > MEMBER_PROFILES:
            return
        for user in users:
            if self._profile_wanted(user):
                self._send(f"/profile {user}")

    def after_named(self, event: ParsedLine, was_page: Page) -> None:
        """A search result, a pinned message listed, a report, what it
        said, its closing: the people it names, the first time each is
        seen, asked for their profiles at the pace of the client's own
        questions (their display names then stand for them there, as
        beside their lines). The pins known quietly on joining are not
        shown, so ask for nobody."""
        if event.name == "PINNED" and self.model.quiet:
            return
        room = event.field("room") if event.name == "REPORT" else ""
        named = [event.field(field) for field in _NAMING.get(event.name, ())]
        if room.startswith("@"):  # a private conversation's other side
            named.append(room[1:])
        for user in named:
            if self._profile_wanted(user):
                self._send(f"/profile {user}")

    def after_member_joined(self, event: ParsedLine, was_page: Page) -> None:
        """A member who joins is named by their display name (their join
        line, the member list) from the first."""
        self._ask_profiles(event.field("room"), [event.field("user")])

    def after_profile(self, event: ParsedLine, was_page: Page) -> None:
        """A typed ``/profile``'s answer, in the log, a key a line."""
        if self._answers_typed("/profile"):
            key, value = event.field("key"), event.text or "(unset)"
            self.model.note(f"{event.field('user')}'s {key}: {value}")

    def after_profile_end(self, event: ParsedLine, was_page: Page) -> None:
        if self._answers_typed("/profile") and event.field("count") == "0":
            self.model.note(f"{event.field('user')} has no profile")

    def after_members(self, event: ParsedLine, was_page: Page) -> None:
        """A typed ``/who``'s answer, in the log; the members' display
        names asked for (the member list shows them)."""
        if self._answers_typed("/who"):
            self.model.note_members()
        self._ask_profiles(event.field("room"), event.listed)

    def after_rooms(self, event: ParsedLine, was_page: Page) -> None:
        """A typed ``/list``'s answer starts in the log."""
        if self._answers_typed("/list"):
            self.model.note(f"rooms ({event.field('count') or 0}):")

    def after_room(self, event: ParsedLine, was_page: Page) -> None:
        """A typed ``/list``'s room, in the log."""
        listing = self.model.rooms.get(event.field("room"))
        if listing is not None and self._answers_typed("/list"):
            self.model.note_room(listing)

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

    def _answers_typed(self, command: str) -> bool:
        """Whether the server is answering ``command`` as the user typed it
        (in a room's buffer, as ``/in ROOM COMMAND``)."""
        line = self.outbox.answering
        return line is not None and line.typed and command_word(line.text) == command

    # -- the user's actions (UserActions) ------------------------------------------

    def submit(self, text: str) -> bool:
        """Act on a typed line; False if it could not be sent (the screen keeps it)."""
        self.confirmations.typed()
        command, _, argument = text.partition(" ")
        if command.lower() == "/help":
            # The client's own words, not the protocol's (see .helptext).
            for line in help_lines():
                self.model.note(line, EntryKind.HELP)
            return True
        if command == "/quit":
            self.quit(argument.strip())
            return True
        if command.lower() == "/clear":
            self.model.clear()
            return True
        page = self.model.page
        if self.protocol is None:
            return self._offline(text)
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
                if not self.unacknowledged.say(sent, self.model.logs.shown):
                    self._remember_key(sent)
                    self._send(sent, typed=True)
                said = unaddressed(sent)[1]
                if not is_command(said) or said.startswith("/paste "):
                    self.typing.stop()  # the message says the user is done
        return True

    def _say_shared(self, line: str, where: str) -> None:
        """An upload's link (``/say ROOM URL``, ``/msg USER URL``), said
        with a key as anything typed is, its row in log ``where``."""
        if not self.unacknowledged.say(line, where):
            self._send(line)

    def _offline(self, text: str) -> bool:
        """A line typed while disconnected: what is said in a room's or a
        conversation's buffer waits with its key (it goes once back in
        there); anything else is not sent (False: the input keeps it)."""
        if self.model.page == Page.ROOM:
            sent = self._buffer_line(text)
            if sent is None:
                return True
            if self.unacknowledged.say(sent, self.model.logs.shown):
                self.typing.stop()
                return True
        self.model.note("not connected: that line was not sent", EntryKind.ERROR)
        return False

    def _buffer_line(self, text: str) -> str | None:
        """What a typed line becomes in the buffer on screen: the line to
        send, or None when it was handled here (nothing to send).

        ``/focus``, ``/join`` of a room the user is in and ``/leave`` of a
        conversation show another buffer; ``/leave`` and ``/part`` leave
        the room on screen; ``/query`` opens a conversation; a line typed
        in a conversation is ``/msg USER``, one in the search results a
        new search."""
        model = self.model
        buffer = model.buffer
        plain = not is_command(text)
        if buffer is not None and buffer.search and plain:
            text = f"/search {text.removeprefix('/')}"  # typed there: search again
        if buffer is not None and buffer.thread and plain:  # said in the thread
            return addressed(buffer.name, f"/thread {buffer.thread} {said_text(text)}")
        command, _, argument = text.partition(" ")
        command, argument = command.lower(), argument.strip()
        if command == "/thread" and argument.isdigit():  # no words: open it
            if buffer is None or not (buffer.is_room or buffer.thread):
                model.note(
                    "/thread ID opens a room's thread: show the room", EntryKind.ERROR
                )
                return None
            model.open_thread(buffer.name, argument)
            self._focused_changed()
            return None
        if command == "/upload":
            self._upload(argument)
            return None
        if command == "/search" and argument:
            model.start_search(argument)
            return text
        if command == "/reports":
            model.start_reports(argument)
            return text
        if buffer is not None and buffer.reports and plain:
            model.note(
                "this is the reports buffer: /report close N [NOTE] closes one",
                EntryKind.ERROR,
            )
            return None
        if command in ("/leave", "/part") and buffer is not None:
            if not buffer.is_room:
                model.close(buffer.key)
                self._focused_changed()
                return None
            # The room on screen, whatever the server's current room is.
            return self.confirmations.leaving(argument or buffer.name)
        if command == "/delete" and argument:
            return self.confirmations.deleting(argument.split(" ", 1)[0])
        if command == "/focus" and argument:
            if model.focus(log_key(Page.ROOM, argument)):
                self._focused_changed()
                return None
            return text  # the server says why not
        joining = argument.split(" ", 1)[0]
        if command == "/join" and model.focus(log_key(Page.ROOM, joining)):
            self._focused_changed()  # already in: show it
            return None
        if command == "/query" and argument:
            user, _, said = argument.partition(" ")
            model.open_conversation(user)
            return f"/msg {user} {said}" if said.strip() else None
        if buffer is not None and buffer.search and command in ROOM_ONLY:
            model.note(f"{command} is for rooms; this is the search", EntryKind.ERROR)
            return None
        if buffer is not None and buffer.reports and command in ROOM_ONLY:
            model.note(f"{command} is for rooms; these are reports", EntryKind.ERROR)
            return None
        if buffer is not None and buffer.private:
            if not is_command(text):
                return f"/msg {buffer.name} {said_text(text)}"
            first = argument.split(" ", 1)[0]
            if command == "/report" and first.isdigit():  # its message: @USER ID
                return f"/report @{buffer.name} {argument}"
            if command == "/history" and first.isdigit():  # this conversation's
                text = f"/history @{buffer.name} {argument}"
                argument = text.partition(" ")[2]
            elif command in ROOM_ONLY:
                model.note(
                    f"{command} is for rooms; this is a private conversation",
                    EntryKind.ERROR,
                )
                return None
        if command == "/history":
            self.fetcher.typed(argument)
        if buffer is not None and (buffer.is_room or buffer.thread):
            return addressed(buffer.name, text)  # to the room on screen, by name
        return text

    def after_info_end(self, event: ParsedLine, was_page: Page) -> None:
        """The settings of a room the user is leaving as its last member,
        asked by the client itself: it goes, or the client asks first."""
        line = self.confirmations.settings_heard(event.field("room"))
        if line is not None:
            self._send(line, typed=True)

    def _upload(self, path: str) -> None:
        """``/upload PATH``: the file goes, and is shared in the room or the
        conversation on screen (the one it was typed in)."""
        buffer = self.model.buffer
        if buffer is None or buffer.search or buffer.reports:
            self.model.note(
                "/upload shares a file in a room or a conversation: open one",
                EntryKind.ERROR,
            )
            return
        share = f"/say {buffer.name}" if buffer.is_room else f"/msg {buffer.name}"
        self.uploads.start(path, share, self.model.logs.shown)

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
        """PgUp at the top of a room's log (or a kept conversation's): fetch
        the messages before it."""
        self.fetcher.older()

    def switch_to(self, number: int) -> None:
        """Alt-1..9: show the ``number``-th buffer (from 1)."""
        if self.model.focus_number(number):
            self._focused_changed()

    def switch_step(self, step: int) -> None:
        """Alt-Right (1) and Alt-Left (-1): the next or previous buffer."""
        if self.model.focus_step(step):
            self._focused_changed()

    def _focused_changed(self) -> None:
        """Another buffer is on screen: the room left behind hears that the
        user stopped typing there, and the news now in view is read. (What
        is typed next names the room on screen itself, see .addressing.)
        A kept conversation opened for the first time on this connection
        shows its messages (``/history @USER``)."""
        self.typing.left()
        self.fetcher.shown()
        self.seen()

    def seen(self) -> None:
        """The screen may show a buffer's newest line now (switched,
        scrolled to the bottom, a line arrived): mark it read soon, with
        ``/read ROOM ID``, batched so a busy room costs one line every
        READ_DELAY_SECONDS and not one per message."""
        if self.model.buffers.to_mark_read() and self._read_call is None:
            self._read_call = self.clock.callLater(READ_DELAY_SECONDS, self._mark_read)

    def _mark_read(self) -> None:
        self._read_call = None
        if self.protocol is None:
            return
        for target, number in self.model.buffers.to_mark_read():
            if target.startswith("@") and not self.accounts.signed_in:
                continue  # a plain name's conversations are not kept
            self.model.mark_read(target, number)
            self._send(f"/read {target} {number}")

    def typed(self, text: str) -> None:
        """The input line now reads ``text`` (a key changed it)."""
        self.typing.typed(text)

    def paste(self, text: str) -> None:
        """Several lines pasted: one ``/paste`` message in a room when the
        server takes it whole (see :mod:`.pasting`), else each line as if
        typed."""
        lines = pasted_lines(text)
        if not lines:
            return
        self.typing.stop()
        room = self.model.room if self.model.page == Page.ROOM else None
        if room is not None and len(lines) > 1 and fits(lines):
            self._send(addressed(room, paste_command(lines)), typed=True)
            return
        for line in lines:
            if line.strip():
                self.submit(line)

    def pin(self, entry: LogEntry) -> None:
        """``p`` on a selected message: pinned, or unpinned when it is (the
        room's owner and operators; anyone else is told why not)."""
        room = self._room_of_buffer()
        if room is None or entry.id is None:
            return
        verb = "/unpin" if self.model.is_pinned(entry) else "/pin"
        self._send(addressed(room, f"{verb} {entry.id}"), typed=True)

    def open_thread(self, entry: LogEntry) -> None:
        """``t`` on a selected message: its thread's buffer, on screen, where
        what is typed is said in the thread."""
        room = self._room_of_buffer()
        if room is None or entry.id is None:
            return
        self.model.open_thread(room, str(entry.id))
        self._focused_changed()

    def _room_of_buffer(self) -> str | None:
        """The room of the buffer on screen (a thread's: its room's)."""
        buffer = self.model.buffer
        if buffer is None or not (buffer.is_room or buffer.thread):
            return None
        return buffer.name

    def show_room(self, room: str) -> None:
        """A search result chosen: show its room (joining it if need be),
        or its private conversation (``@USER``)."""
        if room.startswith("@"):
            self.submit(f"/query {room[1:]}")
        else:
            self.submit(f"/join {room}")

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

    def _ask_limits(self) -> None:
        """Ask the server's own limits: the pace first held a line back,
        or the server held ours (``SLOW``)."""
        if self.protocol is not None:
            self.outbox.ask(LIMITS_QUERY)

    def _send(self, line: str, typed: bool = False) -> None:
        """Queue a line for the server (paced; see :mod:`.sending`); one
        the user typed remembers the buffer it was typed in."""
        if self.protocol is not None:
            self.outbox.send(line, typed, self.model.logs.shown if typed else "")

    def _write(self, line: str) -> None:
        if self.protocol is not None:
            self.protocol.send_line(line)


#: What the model makes of an event (it tells the screen what changed).
Update = Callable[[SessionModel, ParsedLine], None]
#: What the controller does once the model has the event (given the page
#: shown before it): lines to send, timers to set.
Reaction = Callable[[ChatController, ParsedLine, Page], None]


class Route(NamedTuple):
    """Where one server event goes: the model, then the controller."""

    update: Update | None
    then: Reaction | None = None


#: Where an event the client does not know goes: nowhere.
NOWHERE = Route(None)

#: Every server event the client acts on, by its word; any other changes
#: nothing. Keepalive PING is the protocol's; a PONG the outbox's.
EVENTS: dict[str, Route] = {
    # signing in and the lobby
    "HELLO": Route(SessionModel.greeted, ChatController.after_hello),
    "WELCOME": Route(SessionModel.welcomed, ChatController.after_welcome),
    "ERR": Route(SessionModel.refused, ChatController.after_err),
    "ROOMS": Route(SessionModel.rooms_listing, ChatController.after_rooms),
    "ROOM": Route(SessionModel.room_listed, ChatController.after_room),
    "ROOM_GONE": Route(SessionModel.room_gone),
    "LOBBY": Route(SessionModel.lobby_watching, ChatController.after_lobby),
    "BYE": Route(SessionModel.goodbye),
    "HELP": Route(SessionModel.help_line),
    "SLOW": Route(SessionModel.slowed, ChatController.after_slow),
    "LIMITS": Route(None, ChatController.after_limits),
    # rooms and their members
    "JOINED": Route(SessionModel.joined, ChatController.after_joined),
    "MEMBERS": Route(SessionModel.members_listed, ChatController.after_members),
    "OWNER": Route(SessionModel.owner_named),
    "TOPIC": Route(SessionModel.topic_changed),
    "JOIN": Route(SessionModel.member_joined, ChatController.after_member_joined),
    "PART": Route(SessionModel.member_left),
    "NICK": Route(SessionModel.renamed, ChatController.after_nick),
    "LEFT": Route(SessionModel.left_room),
    "DELETED": Route(SessionModel.room_deleted),
    "RENAMED": Route(SessionModel.room_renamed, ChatController.after_room_renamed),
    "NOTICE": Route(SessionModel.room_notice),
    # what is said
    "MSG": Route(SessionModel.message, ChatController.after_said),
    "ACTION": Route(SessionModel.action, ChatController.after_said),
    "OPMSG": Route(SessionModel.to_operators),
    "OPNOTICE": Route(SessionModel.to_operators),
    "EPHEMERAL": Route(SessionModel.ephemeral),
    "PRIVMSG": Route(SessionModel.private_message, ChatController.after_private),
    # a room's history
    "HISTORY": Route(SessionModel.history_message, ChatController.after_said),
    "HISTORY_ACTION": Route(SessionModel.history_action, ChatController.after_said),
    "HISTORY_END": Route(SessionModel.older_lines),
    "GAP": Route(SessionModel.gap),
    # messages with a life, and who is typing
    "EDIT": Route(SessionModel.edited),
    "REDACT": Route(SessionModel.redacted),
    "REACT": Route(SessionModel.reaction_given),
    "UNREACT": Route(SessionModel.reaction_taken_back),
    "TYPING": Route(SessionModel.someone_typing, ChatController.after_typing),
    "PREVIEW": Route(SessionModel.link_previewed),
    # many rooms and read markers
    "FOCUS": Route(SessionModel.server_focused),
    "READ": Route(SessionModel.read_marker, ChatController.after_read),
    "CONVERSATION": Route(
        SessionModel.conversation_listed, ChatController.after_conversation
    ),
    "CONVERSATIONS_END": Route(None, ChatController.after_conversations_end),
    "UNREAD": Route(SessionModel.unread_counts),
    "UNREAD_END": Route(None, ChatController.after_unread_end),
    # search and the moderation log
    "FOUND": Route(SessionModel.found, ChatController.after_named),
    "FOUND_END": Route(SessionModel.found_all),
    "MODLOG": Route(SessionModel.modlog_row),
    "MODLOG_END": Route(SessionModel.modlog_end),
    # accounts, moderation and admin: a line as .moderation words it
    "REGISTERED": Route(SessionModel.described, ChatController.after_account_change),
    "PASSWORD_CHANGED": Route(
        SessionModel.described, ChatController.after_account_change
    ),
    "UNREGISTERED": Route(SessionModel.described, ChatController.after_account_change),
    "OP": Route(SessionModel.described),
    "CALL": Route(SessionModel.described),
    "CALL_MEMBERS": Route(SessionModel.described),
    "DEOP": Route(SessionModel.described),
    "VOICE": Route(SessionModel.described),
    "DEVOICE": Route(SessionModel.described),
    "KICK": Route(SessionModel.member_kicked),
    "KICKED": Route(SessionModel.kicked),
    "BAN": Route(SessionModel.described),
    "UNBAN": Route(SessionModel.described),
    "BANS": Route(SessionModel.described),
    "SET": Route(SessionModel.setting_changed),
    "INVITE": Route(SessionModel.described),
    "INVITED": Route(SessionModel.described),
    "INFO": Route(SessionModel.setting_shown),
    "INFO_END": Route(None, ChatController.after_info_end),
    "ANNOUNCE": Route(SessionModel.described),
    "KILLED": Route(SessionModel.described),
    "GBAN": Route(SessionModel.described),
    "GUNBAN": Route(SessionModel.described),
    "GBANS": Route(SessionModel.described),
    "LOCKDOWN": Route(SessionModel.described),
    "IGNORED": Route(SessionModel.described),
    "UNIGNORED": Route(SessionModel.described),
    "IGNORES": Route(SessionModel.described),
    "REHASHED": Route(SessionModel.described),
    "MOTD": Route(SessionModel.described),
    "APP_PASSWORD": Route(SessionModel.described),
    "APP_PASSWORD_MADE": Route(SessionModel.described),
    "APP_PASSWORDS_END": Route(SessionModel.described),
    "APP_PASSWORD_REMOVED": Route(SessionModel.described),
    "BOT": Route(SessionModel.described),
    "BOT_MADE": Route(SessionModel.described),
    "BOTS_END": Route(SessionModel.described),
    "BOT_REMOVED": Route(SessionModel.described),
    "MAIL": Route(SessionModel.described),
    "WEBHOOK": Route(SessionModel.described),
    "WEBHOOKS_END": Route(SessionModel.described),
    "WEBHOOK_REMOVED": Route(SessionModel.described),
    "COMMAND": Route(SessionModel.described),
    "COMMANDS_END": Route(SessionModel.described),
    "COMMAND_REMOVED": Route(SessionModel.described),
    "PREVIEWS": Route(SessionModel.described),
    # pins, threads and notification levels: a line as .moderation words it
    "PIN": Route(SessionModel.pin_changed),
    "UNPIN": Route(SessionModel.pin_changed),
    "PINNED": Route(SessionModel.pinned_row, ChatController.after_named),
    "PINS_END": Route(SessionModel.pins_listed),
    "PINS": Route(SessionModel.described, ChatController.after_pins),
    "THREAD": Route(SessionModel.described),
    "THREADS_END": Route(SessionModel.described),
    "FOLLOW": Route(SessionModel.described),
    "UNFOLLOW": Route(SessionModel.described),
    "NOTIFY": Route(SessionModel.level_set),
    # reports of messages: a line as .moderation words it
    "REPORTED": Route(SessionModel.described),
    # reports of messages: the reports buffer (see .reports)
    "REPORT": Route(SessionModel.report_heard, ChatController.after_named),
    "REPORT_TEXT": Route(SessionModel.report_said, ChatController.after_named),
    "REPORTS_END": Route(SessionModel.reports_listed),
    "REPORT_CLOSED": Route(SessionModel.report_closed, ChatController.after_named),
    "PROFILE": Route(SessionModel.profile_seen, ChatController.after_profile),
    "PROFILE_END": Route(None, ChatController.after_profile_end),
    # saying it once (see .unacknowledged)
    "ACK": Route(None, ChatController.after_ack),
    # uploads (/upload)
    "TOKEN": Route(None, ChatController.after_token),
    # device sessions (staying signed in, see .staying)
    "SESSION": Route(None, ChatController.after_session),
    "SESSION_ENDED": Route(None, ChatController.after_session_ended),
}


def keyed_by(line: Outgoing | None) -> str | None:
    """The key of a line said with one (``/txn KEY …``, ``/in ROOM /txn
    KEY …``); None for any other line."""
    if line is None:
        return None
    _room, inner = unaddressed(line.text)
    return key_of(inner)


def as_typed(line: str) -> str:
    """A line sent as the user typed it: without ``/in ROOM`` nor its key,
    a room message's words without ``/say ROOM``."""
    _room, inner = unaddressed(line)
    if key_of(inner) is None:
        return inner
    said = inner.split(" ", 2)[2] if inner.count(" ") >= 2 else ""
    if command_word(said) == "/say":
        return said.split(" ", 2)[2] if said.count(" ") >= 2 else ""
    return said


def update_model(model: SessionModel, event: ParsedLine) -> None:
    """What the model alone makes of a server event, as :data:`EVENTS`
    says (a model with no connection: the tests, the screenshots)."""
    route = EVENTS.get(event.name)
    if route is not None and route.update is not None:
        with model.batch():
            route.update(model, event)
