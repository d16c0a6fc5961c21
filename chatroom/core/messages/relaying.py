"""Relayed messages: a bridge speaking as someone of another network.

IRC's ``RELAYMSG #chan NICK :TEXT`` (Ergo's ``draft/relaymsg``, which
matterbridge speaks) says TEXT in a room as NICK, a name of the other
network's (``carol/matrix``), through the relayer's own membership: the
room hears it from NICK at every door, stored with the
:data:`~chatroom.wire.tags.RELAY_TAG` tag naming the relayer, so the
history and ``CHATHISTORY`` give it back the same way.

Who may relay is decided here, once: a bot account made with the relay
permission (``chatroom-admin bots add NAME --relay``,
:mod:`chatroom.core.accounts.bots`) and the server's admins (``--admins``);
nobody else, a room's owner or operators neither (``PRIVS_NEEDED``). A
relayed nick holds a :data:`SEPARATOR`, which no name can hold, so it
never passes for a user; the rest of it is name characters
(``INVALID_NICK``).
"""

from __future__ import annotations

from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.infra.seats import Session
from chatroom.core.model.accountrecord import bot_of
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import is_valid_name

#: What a relayed nick must hold (IRC's ``draft/relaymsg=/``).
SEPARATOR = "/"
#: The longest relayed nick.
NICK_MAX = 64


def privs_needed() -> ChatError:
    return ChatError(
        "PRIVS_NEEDED", "only a relay bot or a server admin may relay messages"
    )


def invalid_nick(nick: str) -> ChatError:
    return ChatError(
        "INVALID_NICK",
        f"{nick!r}: a relayed nick holds {SEPARATOR!r} and otherwise name characters",
    )


def check_nick(nick: str) -> str:
    """``nick`` as said, or ``INVALID_NICK``: it holds :data:`SEPARATOR`,
    and each part between separators is name characters."""
    parts = nick.split(SEPARATOR)
    if len(nick) > NICK_MAX or len(parts) < 2:
        raise invalid_nick(nick)
    if not all(part and is_valid_name(part) for part in parts):
        raise invalid_nick(nick)
    return nick


async def check_relayer(session: Session, admin: bool, records: AccountStore) -> None:
    """``PRIVS_NEEDED`` unless ``session`` is a server admin's (``admin``)
    or signed in to a bot with the relay permission."""
    if admin:
        return
    if session.bot:
        bot = bot_of(await records.get(session.account))
        if bot is not None and bot.relay:
            return
    raise privs_needed()
