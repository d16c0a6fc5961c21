"""``METADATA`` (IRCv3 ``draft/metadata-2``, also offered as
``draft/metadata-3``): profiles at the IRC door.

https://ircv3.net/specs/extensions/metadata (work in progress). A user's
metadata here is its account's profile (:mod:`chatroom.core.profiles`):
the keys ``display-name``, ``pronouns``, ``status`` and ``avatar``, the
same the line protocol's ``/profile`` and the web page show. So:

- ``METADATA <target> GET key...`` and ``LIST`` answer in a ``metadata``
  batch, ``761 RPL_KEYVALUE`` for a key set and ``766 RPL_KEYNOTSET`` for
  one that is not, ``FAIL METADATA KEY_INVALID`` for a key no key can be;
  the target is ``*`` or a nick that is online (else ``FAIL METADATA
  INVALID_TARGET``); a channel keeps no metadata here (``INVALID_TARGET``);
- ``METADATA * SET key [:value]`` (no value: unset) changes your own
  account's profile, answered ``761`` or ``766``; another's, or a key a
  profile does not have, is ``KEY_NO_PERMISSION``, a plain name too (only
  accounts keep one); a value the profile's rule refuses is
  ``INVALID_VALUE``; ``CLEAR`` unsets every key, in a batch of ``766``;
- ``METADATA * SUB key...``, ``UNSUB``, ``SUBS``: the keys this connection
  is told of (``770``, ``771``, a ``metadata-subs`` batch of ``772``). A
  change of a user who shares a channel with the client, of a key it
  subscribed to, comes as ``METADATA <nick> <key> * :<value>`` (no value:
  unset); ``SYNC <target>`` is a ``metadata`` batch of the target's
  subscribed keys;
- with the capability, the registration burst has the client's own
  metadata in a ``metadata`` batch, before the MOTD.

Metadata is not sent on ``JOIN`` (a channel's members' profiles would cost
a read each): a client asks with ``SYNC`` or ``GET``.
"""

from __future__ import annotations

import re

from chatroom.core.errors import ChatError
from chatroom.core.profiles import KEYS
from chatroom.core.text import name_key
from chatroom.doors.irc.caps import METADATA_SUBS, has_metadata
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.presence import account_of, elsewhere
from chatroom.doors.irc.replay import in_batch
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, room_of

RPL_WHOISKEYVALUE = "760"
RPL_KEYVALUE = "761"
RPL_KEYNOTSET = "766"
RPL_METADATASUBOK = "770"
RPL_METADATAUNSUBOK = "771"
RPL_METADATASUBS = "772"

#: A key as the specification allows them (any of them may be subscribed).
_KEY = re.compile(r"^[a-z0-9_./-]+$")


def key_value(session: IRCSession, target: str, key: str, value: str) -> bytes:
    """``761`` (a key set) or ``766`` (``value`` "": not set)."""
    if value:
        return build(session.me, RPL_KEYVALUE, session.nick, target, key, "*", value)
    return build(session.me, RPL_KEYNOTSET, session.nick, target, key, "key not set")


def _batch(session: IRCSession, target: str, data: bytes) -> None:
    session.send(in_batch(session.renderer, "metadata", (target,), data))


async def _profile_of(session: IRCSession, target: str) -> dict[str, str] | None:
    """The profile of ``target`` (``*``: the client's own), None if it is
    no user online (``FAIL METADATA INVALID_TARGET`` said). An IRC user is
    found by its presence; a user of another door in the list of names
    held (one read, for a question IRC clients seldom ask of them)."""
    if target == "*" or name_key(target) == name_key(session.nick):
        return await session.registry.profiles.own(session.member)
    here = session.directory.find(target) if room_of(target) is None else None
    there = None
    if here is None and room_of(target) is None:
        there = (await elsewhere(session, [target])).get(name_key(target))
    if here is None and there is None and room_of(target) is None:
        online = (
            await session.registry.presence.names_online()
        )  # a user of another door
        known = any(name_key(name) == name_key(target) for name in online)
    else:
        known = here is not None or there is not None
    if not known:
        fail(session, "METADATA", "INVALID_TARGET", target, "Invalid target")
        return None
    account = await account_of(session, target, there)
    return await session.registry.profiles.of(account) if account else {}


async def metadata(session: IRCSession, params: tuple[str, ...]) -> None:
    """``METADATA <target> <subcommand> [params]``."""
    target, verb, rest = params[0], params[1].upper(), params[2:]
    if verb in ("SUB", "UNSUB", "SUBS"):
        _subscriptions(session, verb, rest)
    elif verb in ("SET", "CLEAR"):
        await _change(session, target, verb, rest)
    elif verb in ("GET", "LIST", "SYNC"):
        if verb == "GET" and not rest:
            fail(session, "METADATA", "NEED_MORE_PARAMS", "Missing keys")
            return
        profile = await _profile_of(session, target)
        if profile is None:
            return
        if verb == "GET":
            keys: tuple[str, ...] | list[str] = rest
        elif verb == "LIST":
            keys = list(profile)
        else:
            keys = [key for key in session.metadata_subs if key in profile]
        lines = []
        for key in keys:
            if not _KEY.match(key):
                lines.append(
                    build(
                        session.me,
                        "FAIL",
                        "METADATA",
                        "KEY_INVALID",
                        key,
                        "Invalid key",
                    )
                )
            elif verb == "SYNC":
                lines.append(
                    build(session.me, "METADATA", target, key, "*", profile[key])
                )
            else:
                lines.append(key_value(session, target, key, profile.get(key, "")))
        _batch(session, target, b"".join(lines))
    else:
        fail(session, "METADATA", "SUBCOMMAND_INVALID", verb, "Unknown subcommand")


async def _change(
    session: IRCSession, target: str, verb: str, rest: tuple[str, ...]
) -> None:
    """``SET`` and ``CLEAR``: of the client's own profile only."""
    own = target == "*" or name_key(target) == name_key(session.nick)
    key = rest[0] if verb == "SET" and rest else "*"
    if verb == "SET" and not rest:
        fail(session, "METADATA", "NEED_MORE_PARAMS", "Missing key")
        return
    if not _KEY.match(key) and key != "*":
        fail(session, "METADATA", "KEY_INVALID", key, "Invalid key")
        return
    if not own or (key != "*" and key not in KEYS):
        fail(session, "METADATA", "KEY_NO_PERMISSION", target, key, "Not yours to set")
        return
    profile = await session.registry.profiles.own(session.member)
    keys = [key] if verb == "SET" else list(profile)
    value = rest[1] if verb == "SET" and len(rest) > 1 else ""
    if verb == "SET" and not value and key not in profile:
        fail(session, "METADATA", "KEY_NOT_SET", key, "Key not set")
        return
    answers = []
    for each in keys:
        try:
            change = await session.registry.profiles.set(session.member, each, value)
        except ChatError as refused:
            code = (
                "INVALID_VALUE" if refused.code == "BAD_ARGS" else "KEY_NO_PERMISSION"
            )
            fail(session, "METADATA", code, each, refused.text)
            return
        answers.append(key_value(session, target, each, change.value))
    if verb == "SET":
        session.send(answers[0])
    else:
        _batch(session, target, b"".join(answers))


def _subscriptions(session: IRCSession, verb: str, keys: tuple[str, ...]) -> None:
    """``SUB``, ``UNSUB``, ``SUBS``: this connection's subscribed keys."""
    subs = set(session.metadata_subs)
    if verb == "SUBS":
        lines = [build(session.me, RPL_METADATASUBS, session.nick, *sorted(subs))]
        data = lines[0] if subs else b""
        session.send(in_batch(session.renderer, "metadata-subs", (), data))
        return
    done = []
    for key in keys:
        if not _KEY.match(key):
            fail(session, "METADATA", "KEY_INVALID", key, "Invalid key")
        elif verb == "SUB" and key not in subs and len(subs) >= METADATA_SUBS:
            fail(session, "METADATA", "TOO_MANY_SUBS", key, "Too many subscriptions")
        else:
            (subs.add if verb == "SUB" else subs.discard)(key)
            done.append(key)
    session.metadata_subs = frozenset(subs)
    if done:
        code = RPL_METADATASUBOK if verb == "SUB" else RPL_METADATAUNSUBOK
        session.send(build(session.me, code, session.nick, *done))


async def own_burst(session: IRCSession) -> bytes:
    """The registration burst's ``metadata`` batch of the client's own
    metadata (empty without any), for a client with the capability."""
    if not has_metadata(session.caps) or "batch" not in session.caps:
        return b""
    profile = await session.registry.profiles.own(session.member)
    data = b"".join(
        build(session.me, "METADATA", session.nick, key, "*", value)
        for key, value in profile.items()
    )
    return in_batch(session.renderer, "metadata", (session.nick,), data)


def told(session: IRCSession, key: str) -> bool:
    """Whether a change of ``key`` reaches this client: it has the
    capability and subscribed to the key."""
    return has_metadata(session.caps) and key in session.metadata_subs
