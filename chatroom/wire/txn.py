"""Saying it once: ``/txn KEY LINE``, answered ``ACK KEY TARGET ID``.

A client puts a key of its own on whatever its person says, so that a
line sent again (after ``ERR UNAVAILABLE``, a lost connection, a restart,
through another node) is done once: the server keeps each key with what
it did, for a day, and answers a repeat with the first ``ACK``
(docs/protocol.md, *Saying it once*). The server's doors and the clients
read the same rules here: what a key is, which lines may carry one, how
the line and its acknowledgement are spelled.
"""

from __future__ import annotations

import re
import secrets
from typing import NamedTuple

from chatroom.wire.said import is_command

#: The command that carries a key.
TXN = "txn"
#: The acknowledgement's event name.
ACK = "ACK"
#: The error of a key its sender already used for another line.
TXN_REUSED = "TXN_REUSED"
#: The longest key.
KEY_MAX_LENGTH = 64
#: What an ``ACK`` names as its id when nothing was stored.
NOTHING_STORED = "-"

#: The commands a key may carry (a plain line and ``//text`` too: a
#: message, as ``/say`` is). Each is a thing said, done once per key.
KEYED_COMMANDS = frozenset(
    {"say", "me", "paste", "reply", "thread", "edit", "react", "unreact", "msg"}
)

_KEY = re.compile(rf"[A-Za-z0-9_-]{{1,{KEY_MAX_LENGTH}}}", re.ASCII)


def is_key(word: str) -> bool:
    """Whether ``word`` is a key: 1-64 ASCII letters, digits, ``-``, ``_``."""
    return _KEY.fullmatch(word) is not None


def new_key() -> str:
    """A fresh random key (128 bits, base64url): one per thing said, so
    that two devices of one account never pick the same."""
    return secrets.token_urlsafe(16)


def keyed_line(key: str, line: str) -> str:
    """The line that says ``line`` once per ``key``."""
    return f"/txn {key} {line}"


def may_carry_key(line: str) -> bool:
    """Whether ``line``, as a client would send it, is a thing said that
    a key may carry: words (a plain line, ``//text``) or one of
    :data:`KEYED_COMMANDS`."""
    if not is_command(line):
        return bool(line)
    return line[1:].split(" ", 1)[0].lower() in KEYED_COMMANDS


def key_of(line: str) -> str | None:
    """The key of a ``/txn KEY LINE`` a client sent (None for any other
    line), to match what answers it to what it said."""
    command, _, rest = line.partition(" ")
    if command.lower() != "/" + TXN:
        return None
    key = rest.partition(" ")[0]
    return key if is_key(key) else None


def split_txn(args: str) -> tuple[str, str, str]:
    """``KEY LINE`` (what follows ``/txn``) as its parts: the key, the
    command LINE runs ("" for a plain line or ``//text``: words to the
    current room) and what follows that command (a plain line's words,
    ``//`` made ``/``). A plain tuple, which its one reader unpacks at
    once: a named one costs a Python call more, on every keyed line.

    Raises:
        ValueError: why it is no keyed line, in words for ``ERR BAD_ARGS``
            (a bad key, no LINE, a LINE no key may carry).
    """
    key, _, line = args.partition(" ")
    if _KEY.fullmatch(key) is None:  # is_key, inline: every keyed line
        if not key:
            raise ValueError("usage: /txn KEY LINE")
        raise ValueError(
            f"a key is 1-{KEY_MAX_LENGTH} of the letters A-Z a-z, digits, - and _"
        )
    if not line:
        raise ValueError("usage: /txn KEY LINE (a line to say once)")
    if line[0] != "/":  # words (wire.said's rules, without two calls)
        return key, "", line
    if line.startswith("//"):  # //text says /text
        return key, "", line[1:]
    command, _, rest = line[1:].partition(" ")
    command = command.lower()
    if command not in KEYED_COMMANDS:
        raise ValueError(
            f"/txn carries a message, /me, /paste, /reply, /thread, /edit, "
            f"/react, /unreact or /msg, not /{command}"
        )
    return key, command, rest.strip()


class Ack(NamedTuple):
    """An ``ACK``: the key, the room (``@USER`` for a private message) and
    the id of the event stored (:data:`NOTHING_STORED`: none)."""

    key: str
    target: str
    id: str


def parse_ack(line: str) -> Ack | None:
    """The ``ACK`` a server line is, or None; fields after the four are
    a later version's, and ignored."""
    if not line.startswith(ACK + " "):
        return None
    fields = line.rstrip("\r\n").split(" ")
    if len(fields) < 4:
        return None
    return Ack(fields[1], fields[2], fields[3])
