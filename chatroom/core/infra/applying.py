"""The back-end's one write as the core's parts hold it, and what it answers.

Every decided write is one :class:`~chatroom.core.model.changes.base.DecidedChange`
handed to the back-end's ``apply`` (:meth:`chatroom.core.backend.Backend.apply`).
A part of the core is handed that one method (:class:`Applies`), never the
back-end: it decides, and the back-end applies what it decided or refuses
it with the facts as they are now. Most writes answer nothing to go on
from; a join answers what its reply is built from (:class:`Applied`), so
the core shows it without the back-end calling back into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chatroom.core.infra.seats import Session
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.facts import WelcomeFacts
from chatroom.core.model.member import Member


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying a change produced, for the core to go on from: a join's
    or a create's welcome facts (``welcome``; None for every other write)."""

    welcome: WelcomeFacts | None = None


#: What most writes answer: nothing to go on from.
NOTHING = Applied()


class Applies(Protocol):
    """The back-end's one write (:meth:`chatroom.core.backend.Backend.apply`)."""

    async def __call__(
        self,
        change: DecidedChange,
        member: Member | None = None,
        session: Session | None = None,
    ) -> Applied:
        """Apply ``change`` atomically if every one of its premises holds,
        else :class:`~chatroom.core.model.changes.base.PremiseFailedError`
        (nothing applied); ``member`` and ``session``: who it is by, if
        anyone."""
        ...
