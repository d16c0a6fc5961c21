"""Who is who across the Matrix bridge: the words both sides' names are
made of, and the bridge's settings.

A member of chatroom is, on Matrix, the puppet ``@chatroom_NAME:SERVER``
(:func:`puppet_localpart`: the name case-folded, and every character but
``a-z``, digits, ``.``, ``-`` and ``_`` written ``=`` and the two
lower-case hex digits of each of its UTF-8 bytes); a Matrix user is, in
chatroom, their user id without its ``@`` (:func:`bridged_name`:
``@bob:example.org`` is ``bob:example.org``), which holds ``:``, no name
character, so it never passes for a user's name. A room's portal is the
alias ``#chatroom_ROOM:SERVER``. Everything here is a pure function of
its arguments: the doors, the core and the tests all read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The bridge's own Matrix user's localpart (``@chatroom:SERVER``).
BRIDGE_LOCALPART = "chatroom"
#: What every puppet's localpart starts with (the users namespace).
PUPPET_PREFIX = "chatroom_"
#: What every portal's alias localpart starts with (the aliases namespace).
ALIAS_PREFIX = "chatroom_"
#: The value of the ``bridged`` tag (:data:`chatroom.wire.tags.BRIDGED_TAG`)
#: on a message from Matrix.
MATRIX = "matrix"

#: A localpart's characters that stand for themselves.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")
#: ``=`` and two hex digits: one escaped byte.
_ESCAPE = re.compile(r"=([0-9a-f]{2})")


@dataclass(frozen=True)
class MatrixSettings:
    """The bridge as its registration and options name it."""

    #: The registration's ``id`` (the ping's path).
    service_id: str
    #: What the bridge sends the homeserver.
    as_token: str
    #: What the homeserver sends the bridge.
    hs_token: str
    #: The bridge's own user's localpart.
    sender_localpart: str
    #: The client-server API's base, without a trailing ``/``.
    homeserver: str
    #: The homeserver's ``server_name``.
    server_name: str

    @property
    def bridge_user(self) -> str:
        """``@chatroom:SERVER``: who makes the portals."""
        return f"@{self.sender_localpart}:{self.server_name}"

    def puppet(self, name: str) -> str:
        """The Matrix user id of chatroom's ``name``."""
        return f"@{puppet_localpart(name)}:{self.server_name}"

    def portal_alias(self, room: str) -> str:
        """The alias of ``room``'s portal."""
        return f"#{ALIAS_PREFIX}{room}:{self.server_name}"

    def is_bridge_user(self, user_id: str) -> bool:
        """Whether ``user_id`` is the bridge's own (a puppet or
        ``@chatroom:SERVER``): what they say is never mirrored back."""
        localpart, _, server = user_id.removeprefix("@").partition(":")
        return server == self.server_name and (
            localpart == self.sender_localpart or localpart.startswith(PUPPET_PREFIX)
        )

    def alias_room(self, alias: str) -> str | None:
        """The room an alias of the bridge names (as written), or None."""
        if not alias.startswith("#" + ALIAS_PREFIX):
            return None
        localpart, _, server = alias[1 + len(ALIAS_PREFIX) :].partition(":")
        if server != self.server_name or not localpart:
            return None
        return localpart

    def puppet_name(self, user_id: str) -> str | None:
        """The (case-folded) chatroom name a puppet's user id stands for,
        or None when it is no puppet of this bridge."""
        if not user_id.startswith("@" + PUPPET_PREFIX):
            return None
        localpart, _, server = user_id[1 + len(PUPPET_PREFIX) :].partition(":")
        if server != self.server_name or not localpart:
            return None
        return name_of_localpart(localpart)


def puppet_localpart(name: str) -> str:
    """``chatroom_`` and ``name`` as a localpart may hold it (``Zoë`` →
    ``chatroom_zo=c3=ab``)."""
    escaped = []
    for character in name.casefold():
        if character in _PLAIN:
            escaped.append(character)
        else:
            escaped.extend(f"={byte:02x}" for byte in character.encode("utf-8"))
    return PUPPET_PREFIX + "".join(escaped)


def name_of_localpart(escaped: str) -> str | None:
    """What :func:`puppet_localpart` wrote (without its prefix) read back,
    or None when it is not one it writes."""
    if any(c not in _PLAIN and c != "=" for c in escaped):
        return None
    raw = bytearray()
    at = 0
    while at < len(escaped):
        found = _ESCAPE.match(escaped, at)
        if found:
            raw.append(int(found.group(1), 16))
            at = found.end()
        elif escaped[at] == "=":
            return None
        else:
            raw.extend(escaped[at].encode("ascii"))
            at += 1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def bridged_name(user_id: str) -> str:
    """A Matrix user's name in chatroom: the user id without its ``@``."""
    return user_id.removeprefix("@")


#: A Matrix user's bridged name: their localpart (the characters Matrix
#: has allowed in user ids, historical ones too), ``:``, the server's name.
_MATRIX_USER = re.compile(r"[\x21-\x39\x3b-\x7e]+:[A-Za-z0-9.\-\[\]:]+")
#: The longest Matrix user id, ``@`` left out.
MATRIX_USER_MAX = 254


def is_matrix_user_name(name: str) -> bool:
    """Whether ``name`` is a Matrix user's bridged name as the bridge makes
    it (``bob:example.org``): what a bridged member may be called."""
    return len(name) <= MATRIX_USER_MAX and bool(_MATRIX_USER.fullmatch(name))


def is_bridged_name(name: str) -> bool:
    """Whether ``name`` is a Matrix user's (it holds ``:``, which no name
    of chatroom does)."""
    return ":" in name


def without_reply_fallback(body: str) -> str:
    """A reply's body without the fallback Matrix clients put before it:
    the leading lines starting with ``> `` and the blank line after them."""
    lines = body.split("\n")
    at = 0
    while at < len(lines) and (lines[at].startswith("> ") or lines[at] == ">"):
        at += 1
    if at == 0:
        return body
    if at < len(lines) and not lines[at].strip():
        at += 1
    return "\n".join(lines[at:])
