"""A name as a session holds it: its sign-in and its release.

A session holds one name (:mod:`chatroom.core.infra.sessions`); what changes the
holding is decided by the core and applied by the back-end with the member
and session it is by (:meth:`chatroom.core.backend.Backend.apply`): the
account the session is signed in to (for the other nodes' bans, invitations
and kept rooms), and its end (out of its rooms, whose departures the core
decides on what the back-end reports, and its name free).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Subject, declare

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class HeldName(Subject):
    """Name key ``name`` as the session a change is by holds it."""

    name: str


# -- a held name: operations ---------------------------------------------------


@dataclass(frozen=True)
class SetAccount(Operation):
    """The session is now signed in to account ``account`` ("": none)."""

    account: str


@dataclass(frozen=True)
class Release(Operation):
    """The session is gone: out of its rooms, whose ``QUIT`` departures say
    ``reason`` (the user's own words if ``own_words``), and its name free."""

    reason: str
    own_words: bool = False


# -- the declarations -----------------------------------------------------------

declare(HeldName, operations=(SetAccount, Release))
