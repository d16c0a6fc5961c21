"""Mail for what an account missed while it was away.

When an account is mentioned in a room, or sent a private message, while
none of its devices has been active for ``--mail-idle`` minutes, it is
mailed, as Zulip and Synapse do; this module is that rule, written once,
on the injected clock:

- **who**: the same as a push's (:mod:`chatroom.core.accounts.push`): a room
  message mentions the accounts whose names are words of its text (not
  its sender), in a room the account keeps and has not muted (``/notify
  ROOM none``), from nobody it ignores; a private message, its recipient.
  Only an account with a verified address (``/email``, ``/verify``:
  :mod:`chatroom.core.services.mailbox`) that has not turned the mail off (``/set
  mail off``, one of its settings: :data:`~chatroom.core.accounts.account_settings.
  MAIL`) is mailed;
- **when**: only while none of the account's devices was active (did
  anything, or left) within ``--mail-idle`` minutes (the pushes' record
  of activity, :meth:`~chatroom.core.accounts.push.Activity.last_active`),
  and none is connected on another node (whose activity only that node
  knows);
- **how many**: the first thing missed waits :data:`GATHER` seconds for
  more; then everything held goes as one mail, a digest listing each (at
  most :data:`LISTED` of them, then how many more). The account's next
  mail goes no sooner than ``--mail-idle`` minutes after, so ten
  mentions in a row are one mail, never ten. What is held when a device
  of the account becomes active is dropped: it is seen there.

Which accounts have a verified address is read every :data:`REFRESH`
seconds (:meth:`MissedMail.start`), so a room's message costs a set
lookup per word and nothing while no such account is named; whatever
else is read (the account's settings, its rooms, its address again) is
read off the message's way, which never waits for it. The mail is sent
by the server's mailer (the SMTP sender, :mod:`chatroom.wiring.mailer`,
handed over with :meth:`MissedMail.attach`); a server without one mails
nothing and holds nothing. A mail not sent is logged (the account's
name and why, never the address) and dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.accounts.account_settings import MAIL, of_kind
from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.accounts.notify_levels import NONE, level_in
from chatroom.core.accounts.push import ConnectedElsewhere, KeptRooms, named_keys
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Mailbox, mailbox_of
from chatroom.core.model.changes.base import Apply, DecidedChange
from chatroom.core.model.changes.settings import AccountSettings, SetMissedMail
from chatroom.core.model.letters import Letter, LinkBase, Mailer, missed_letter
from chatroom.core.model.text import name_key

#: Seconds the first thing missed waits for more before the mail goes.
GATHER = 300.0
#: The most messages one mail lists (it says how many more there were).
LISTED = 20
#: The most messages held for one account (the others are counted only).
HELD = 100
#: Seconds between two reads of which accounts have a verified address.
REFRESH = 60.0
#: Default of ``--mail-idle``: minutes without a device's activity.
IDLE_MINUTES = 30.0

#: An account's settings (:mod:`chatroom.core.accounts.account_settings`).
SettingsOf = Callable[[str], Awaitable[dict[str, str]]]
#: When a device of an account was last active here (None: not since
#: this node started).
LastActive = Callable[[str], float | None]

log = Logger()


def mailed_missed(settings: dict[str, str]) -> bool:
    """Whether an account's ``settings`` let it be mailed what it missed
    (on unless ``/set mail off``)."""
    return of_kind(settings, MAIL).get("missed", "on") != "off"


def missed_mail_set(account: str, on: bool) -> DecidedChange:
    """Account ``account`` is mailed what it misses (``on``), or not."""
    return DecidedChange(AccountSettings(account), ops=(SetMissedMail(on),))


@dataclass(frozen=True, slots=True)
class Missed:
    """One message an account missed: ``sender`` said ``text`` in ``room``
    ("" for a private message), at ``at`` (seconds on the clock)."""

    room: str
    sender: str
    text: str
    at: float


@dataclass(slots=True)
class _Held:
    """What is held for one account, its timer, and when it was last mailed."""

    missed: list[Missed] = field(default_factory=list)
    uncounted: int = 0
    call: IDelayedCall | None = None
    mailed: float | None = None


def _no_link() -> str:
    """The link base of a server with no web door: no link."""
    return ""


class MissedMail:
    """The rule of the module: who is mailed what they missed, when, how often.

    Args:
        clock: every timer's.
        store: accounts (their addresses) and whom each ignores.
        apply: the back-end's one write (``/set mail on|off``).
        settings_of: an account's settings (its rooms' levels, the mail's).
        kept_rooms: the rooms an account is in while away.
        connected_elsewhere: whether an account has a device on another node.
        last_active: when a device of an account was last active here.
        idle: ``--mail-idle``, in seconds.
        server_name: ``--name``, which the mails are signed with.
        mailer: what sends the mail (``--smtp``; None: nothing is mailed).
        link_base: where the mails' links start (the web door's address,
            once it listens; None: no link).
    """

    def __init__(
        self,
        clock: IReactorTime,
        store: AccountStore,
        apply: Apply,
        settings_of: SettingsOf,
        kept_rooms: KeptRooms,
        connected_elsewhere: ConnectedElsewhere,
        last_active: LastActive,
        idle: float,
        server_name: str,
        mailer: Mailer | None = None,
        link_base: LinkBase | None = None,
    ) -> None:
        self.clock = clock
        self.store = store
        self.apply = apply
        self.settings_of = settings_of
        self.kept_rooms = kept_rooms
        self.connected_elsewhere = connected_elsewhere
        self.last_active = last_active
        self.idle = idle
        self.server_name = server_name
        #: What sends the mail (None: nothing is mailed, nothing held).
        self.mailer = mailer
        #: Where the mails' link starts ("": no link).
        self.link_base = link_base or _no_link
        #: The accounts with a verified address, as last read.
        self._mailable: frozenset[str] = frozenset()
        self._held: dict[str, _Held] = {}
        self._refreshing = LoopingCall(self._refresh)
        self._refreshing.clock = clock
        self._stopped = False
        #: Mails handed to the mailer, and messages looked at all the way
        #: (held or not: what a test waits for).
        self.sent = self.considered = 0

    # -- life ---------------------------------------------------------------------

    def start(self) -> None:
        """Read which accounts have a verified address now, then every
        :data:`REFRESH` seconds (only where mail is sent)."""
        if self.mailer is not None and not self._refreshing.running:
            self._refreshing.start(REFRESH, now=True)

    def stop(self) -> None:
        """Cancel every timer; none starts after."""
        self._stopped = True
        if self._refreshing.running:
            self._refreshing.stop()
        for held in self._held.values():
            if held.call is not None and held.call.active():
                held.call.cancel()
        self._held.clear()

    def _refresh(self) -> Deferred[None]:
        return self._spawn(self.refresh())

    async def refresh(self) -> None:
        """Read again which accounts have a verified address."""
        kept = await self.store.mailboxes()
        self._mailable = frozenset(
            key for key, mailbox in kept.items() if Mailbox.decode(mailbox).verified
        )

    # -- /set mail on|off -----------------------------------------------------------

    async def choose(self, account: str, on: bool) -> None:
        """``/set mail on|off``: whether account ``account`` is mailed what
        it misses (``NOT_ALLOWED`` for a plain name, which keeps nothing)."""
        if not account:
            raise errors.not_allowed(
                "only accounts are mailed what they missed: /register PASSWORD"
            )
        await self.apply(missed_mail_set(account, on))

    # -- what happened ------------------------------------------------------------

    def said_in_room(self, room: str, sender: str, text: str) -> None:
        """A room message was delivered: hold it for the idle accounts it
        mentions that may be mailed."""
        mailable = self._mailable
        if self.mailer is None or not mailable:
            self.considered += 1
            return
        sender_key = name_key(sender)
        named = {
            key
            for key in named_keys(text)
            if key in mailable and key != sender_key and self._idle(key)
        }
        if named:
            self._spawn(self._mentioned(room, sender, text, named))
        else:
            self.considered += 1

    def said_privately(self, recipient: str, sender: str, text: str) -> None:
        """A private message was delivered: hold it for its recipient, if
        idle and mailable."""
        account = name_key(recipient)
        if (
            self.mailer is None
            or account not in self._mailable
            or account == name_key(sender)
            or not self._idle(account)
        ):
            self.considered += 1
            return
        missed = Missed("", sender, text, self.clock.seconds())
        self._spawn(self._considered(self._offered(account, missed)))

    def _idle(self, account: str) -> bool:
        last = self.last_active(account)
        return last is None or self.clock.seconds() - last >= self.idle

    async def _mentioned(
        self, room: str, sender: str, text: str, named: set[str]
    ) -> None:
        """Hold the message for each of ``named`` whose room it is and who
        did not mute it."""
        now = self.clock.seconds()
        try:
            for account in sorted(named):
                settings = await self.settings_of(account)
                if level_in(settings, room) == NONE:
                    continue
                rooms = {name_key(kept) for kept in await self.kept_rooms(account)}
                if name_key(room) in rooms:
                    await self._offered(account, Missed(room, sender, text, now))
        finally:
            self.considered += 1

    async def _considered(self, work: Awaitable[None]) -> None:
        try:
            await work
        finally:
            self.considered += 1

    async def _offered(self, account: str, missed: Missed) -> None:
        """Hold ``missed`` for ``account`` unless it turned the mail off,
        ignores the sender, or has a device on another node."""
        if not mailed_missed(await self.settings_of(account)):
            return
        if name_key(missed.sender) in await self.store.ignores(account):
            return
        if self._stopped or await self.connected_elsewhere(account):
            return
        held = self._held.setdefault(account, _Held())
        if len(held.missed) < HELD:
            held.missed.append(missed)
        else:
            held.uncounted += 1
        if held.call is None:
            self._wait(account, held)

    def _wait(self, account: str, held: _Held) -> None:
        """Run :meth:`_due` once the gathering is over and the last mail is
        ``--mail-idle`` old."""
        now = self.clock.seconds()
        due = now + GATHER
        if held.mailed is not None:
            due = max(due, held.mailed + self.idle)
        held.call = self.clock.callLater(due - now, self._due, account)

    def _due(self, account: str) -> None:
        """Mail what is held for ``account``, unless a device of it was
        active since (what it missed before then is seen)."""
        held = self._held[account]
        held.call = None
        last = self.last_active(account)
        if last is not None:
            kept = [missed for missed in held.missed if missed.at > last]
            if len(kept) < len(held.missed):
                held.missed, held.uncounted = kept, 0
        if not held.missed:
            if held.mailed is None or self.clock.seconds() - held.mailed >= self.idle:
                del self._held[account]
            else:  # the gap after the last mail runs on
                self._wait(account, held)
            return
        missed, more = held.missed, held.uncounted
        held.missed, held.uncounted = [], 0
        held.mailed = self.clock.seconds()
        held.call = self.clock.callLater(self.idle, self._due, account)
        self._spawn(self._mail(account, missed, more))

    async def _mail(self, account: str, missed: list[Missed], more: int) -> None:
        """One mail of ``missed`` (and ``more`` not held) to ``account``'s
        verified address, if it still has one and still wants it."""
        found = await self.store.get(account)
        mailbox = mailbox_of(found)
        if found is None or not mailbox.verified:
            return
        if not mailed_missed(await self.settings_of(account)):
            return
        letter = missed_letter(
            self.server_name,
            self.link_base(),
            found.name,
            mailbox.address,
            [(m.room, m.sender, m.text) for m in missed[:LISTED]],
            len(missed) - LISTED + more if len(missed) > LISTED else more,
        )
        self._send(letter, found.name)

    def _send(self, letter: Letter, name: str) -> None:
        assert self.mailer is not None

        def failed(failure: Failure) -> None:
            log.warn(
                "missed messages not mailed to {name}: {why}",
                name=name,
                why=failure.getErrorMessage(),
            )

        self.sent += 1
        log.info("{name} was mailed what they missed", name=name)
        self.mailer.send(letter).addErrback(failed)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> Deferred[None]:
        done: Deferred[None] = ensureDeferred(work)
        # Redis out of reach (UNAVAILABLE): that message is not mailed;
        # nothing else is wrong.
        return done.addErrback(self._failed)

    def _failed(self, failure: Failure) -> None:
        if not isinstance(failure.value, errors.ChatError):
            log.failure("missed mail", failure)
