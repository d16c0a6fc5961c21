"""Who is signed in to which account, told to the rooms a user is in.

IRC clients show the account of each user (``account-tag``,
``extended-join``) and expect to hear when it changes (``account-notify``:
``:nick!user@host ACCOUNT name``, ``ACCOUNT *`` on signing out). The core
knows each session's account (:class:`chatroom.core.infra.sessions.Sessions`)
under its folded key; this module keeps the name it was registered with
beside it, and when a user in rooms signs in or out, at any door, tells
everyone who shares a room with it, once, an
:class:`~chatroom.core.model.events.AccountChanged` (``*`` for none), unkept.
Only the IRC door shows it: the line door's table renders it as nothing.
"""

from __future__ import annotations

import contextlib

from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import AccountChanged, Sighting
from chatroom.core.model.member import Member
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.core.server.watching import tell_watchers


async def registered_name(
    store: AccountStore, key: str, before: str = ""
) -> str | None:
    """The name account ``key`` was registered with (None for no key, or
    ``before``'s: the session's account is none, or unchanged)."""
    return (await signing_in(store, key, before))[0]


async def signing_in(
    store: AccountStore, key: str, before: str = ""
) -> tuple[str | None, bool | None]:
    """The name account ``key`` was registered with, as
    :func:`registered_name` answers it, and whether it is a bot's (None:
    unchanged), read once."""
    if not key or key == before:
        return None, None
    account = await store.get(key)
    if account is None:
        return key, False
    return account.name, bool(account.bot)


async def tell_rooms(
    bus: Bus,
    rooms: RoomStore,
    sessions: Sessions,
    member: Member,
    before: str,
    watched: bool = True,
) -> None:
    """``member``'s account is no longer ``before``: everyone who shares a
    room with it hears so, once (IRC's ``account-notify``), then, if
    ``watched``, whoever watches its name (``extended-monitor``; not for a
    name that has just come online signed in: its sign-on is the news)."""
    session = sessions.get(member)
    if session is None or not session.name or session.account == before:
        return
    event = AccountChanged(session.name, session.account_name or "*")
    with contextlib.suppress(ChatError):
        await bus.tell_neighbours(member, session, event, including_self=False)
    if watched:
        await tell_watchers(
            bus.tell_watchers,
            session.name,
            Sighting.ACCOUNT,
            event.account,
            rooms.rooms_of(member),
        )
