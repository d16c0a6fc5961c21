"""The lockdown switch: how open the server is to new sessions, for a raid.

An admin's ``/lockdown off|accounts|closed`` (chatroom-admin's ``lockdown
LEVEL``; the admin API's ``POST /admin/lockdown``), as Ergo's ``DEFCON``:

- ``off``: the server as configured;
- ``accounts``: plain names are refused at the name step
  (``ACCOUNT_REQUIRED``), and so is registering an account
  (``REGISTRATION_CLOSED``): only existing accounts sign in;
- ``closed``: no new session gets a name but an admin's sign-in
  (``SERVER_CLOSED``).

Sessions that have their names stay, whatever the level: a lockdown stops
the raid's next wave, and the admins deal with those already in. The level
is one record of the store (who set it, and to what), kept across restarts.
Each node keeps a copy of it (:class:`LockdownCopy`), which a name claim
asks with no read: read once, then kept current by the back-end's news of
the level set on any node, told in the same step as it is stored, and
read again when news may have been missed (a Redis link dropped); a
registration reads the level as stored. Every admin connected, on any
node, hears ``LOCKDOWN <level> <by>`` when it changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.moderation import ServerLockdown, SetLockdown
from chatroom.core.moderation.modlog import SERVER_LOG, ModAction, ModEntry, recording
from chatroom.core.policy.moderation import Actor

OFF, ACCOUNTS, CLOSED = "off", "accounts", "closed"
#: The levels, most open first.
LEVELS = (OFF, ACCOUNTS, CLOSED)


@dataclass(frozen=True, slots=True)
class Lockdown:
    """The level, and the admin who set it ("" for none: never set)."""

    level: str = OFF
    by: str = ""

    def encoded(self) -> str:
        """As a back-end keeps it: ``level by``."""
        return f"{self.level} {self.by}"

    @classmethod
    def decoded(cls, kept: str) -> Lockdown:
        level, _, by = kept.partition(" ")
        return cls(level, by) if level in LEVELS else OPEN


#: The level of a server nobody locked down.
OPEN = Lockdown()


def parse_level(word: str) -> str:
    """``off``, ``accounts`` or ``closed`` (any case).

    Raises:
        ChatError: ``BAD_ARGS`` for another word.
    """
    level = word.strip().lower()
    if level not in LEVELS:
        raise errors.usage("/lockdown [off|accounts|closed]")
    return level


def setting(actor: Actor, level: str, stamp: str) -> DecidedChange:
    """``/lockdown LEVEL`` by ``actor`` at ``stamp``: the change to store,
    if an admin's, with the entry the server's moderation log records of
    it (applied with it).

    Raises:
        ChatError: ``NOT_ALLOWED``.
    """
    if not actor.admin:
        raise errors.admins_only("lockdown")
    entry = ModEntry(stamp, actor.name, ModAction.LOCKDOWN, level)
    return DecidedChange(
        ServerLockdown(),
        ops=(
            SetLockdown(level, actor.name),
            recording(SERVER_LOG, [entry]),
        ),
    )


def check_claim(lockdown: Lockdown, account: str, admin: bool) -> None:
    """May a session signed in to ``account`` ("" for none; ``admin`` if
    it is an admin's) take a name now?

    Raises:
        ChatError: ``ACCOUNT_REQUIRED`` (``accounts``, no account),
            ``SERVER_CLOSED`` (``closed``, no admin).
    """
    if lockdown.level == CLOSED and not admin:
        raise errors.server_closed()
    if lockdown.level == ACCOUNTS and not account:
        raise errors.locked_account_required()


def check_registration(lockdown: Lockdown) -> None:
    """No account is registered while the server is locked down.

    Raises:
        ChatError: ``REGISTRATION_CLOSED``.
    """
    if lockdown.level != OFF:
        raise errors.locked_registration_closed()


class LockdownNews(Protocol):
    """What a back-end tells the core of the lockdown level, set on any
    node: what keeps a node's :class:`LockdownCopy` current."""

    def lockdown_set(self, lockdown: Lockdown) -> None:
        """The level is now ``lockdown``."""

    def missed(self) -> None:
        """News may have been missed (the node's link to the others
        dropped, or came back): the level is read again."""


class LockdownCopy:
    """This node's copy of the lockdown level, for each new session's name
    claim: read once (``read``, the back-end's), kept current by its news
    (:class:`LockdownNews`), which it follows from the start.

    Args:
        read: the level as stored.
        follow: has the copy hear every level set from now on, on any node
            (the back-end's news of it).
    """

    def __init__(
        self,
        read: Callable[[], Awaitable[Lockdown]],
        follow: Callable[[LockdownNews], None],
    ) -> None:
        self._read = read
        #: The level (None: none to trust: not read yet, or news missed).
        self.known: Lockdown | None = None
        #: Bumped by news (set or missed): a read that started before is
        #: not kept.
        self._news = 0
        follow(self)

    async def level(self) -> Lockdown:
        """The level: the copy's, else read (and kept, unless news came
        meanwhile)."""
        if self.known is not None:
            return self.known
        news = self._news
        read = await self._read()
        if news == self._news:
            self.known = read
        return self.known or read

    def lockdown_set(self, lockdown: Lockdown) -> None:
        self._news += 1
        self.known = lockdown

    def missed(self) -> None:
        self._news += 1
        self.known = None
