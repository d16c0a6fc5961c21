"""Who is signed in to which account, told to the rooms a user is in.

IRC clients show the account of each user (``account-tag``,
``extended-join``) and expect to hear when it changes (``account-notify``:
``:nick!user@host ACCOUNT name``, ``ACCOUNT *`` on signing out). The core
knows each session's account (:class:`chatroom.core.sessions.Sessions`)
under its folded key; this module keeps the name it was registered with
beside it, and when a user in rooms signs in or out, at any door, relays
``ACCOUNT room user name`` (``*`` for none) to each of its rooms, unkept,
as a typing notice is relayed. Only the IRC door shows it: the line door
and the web client drop it (:data:`chatroom.core.events.IRC_ONLY`).
"""

from __future__ import annotations

import contextlib

from chatroom.core.accounts import AccountStore
from chatroom.core.backend import Backend
from chatroom.core.errors import ChatError
from chatroom.core.events import Event
from chatroom.core.registry import Member
from chatroom.core.sessions import Sessions


async def registered_name(
    store: AccountStore, key: str, before: str = ""
) -> str | None:
    """The name account ``key`` was registered with (None for no key, or
    ``before``'s: the session's account is none, or unchanged)."""
    if not key or key == before:
        return None
    account = await store.get(key)
    return account.name if account is not None else key


async def tell_rooms(
    backend: Backend, sessions: Sessions, member: Member, before: str
) -> None:
    """``member``'s account is no longer ``before``: its rooms hear
    ``ACCOUNT`` (a room it left meanwhile is passed over)."""
    session = sessions.get(member)
    if session is None or not session.name or session.account == before:
        return
    shown = session.account_name or "*"
    for room in backend.rooms_of(member):
        event = Event("ACCOUNT", (room, session.name, shown))
        with contextlib.suppress(ChatError):
            await backend.messages.relay(member, session, room, event)
