"""``METADATA`` (IRCv3 ``draft/metadata-2``, also offered as
``draft/metadata-3``): users' profiles and channels' metadata at the IRC
door.

https://ircv3.net/specs/extensions/metadata (work in progress), as Ergo
answers it and irctest's ``metadata_3.py`` tests it. A user's metadata is
its profile (:mod:`chatroom.core.accounts.profiles`): an account's ``display-name``,
``pronouns``, ``status`` and ``avatar``, the same the line protocol's
``/profile`` and the web page show, and any other key kept with the
session (every key of a user without an account), gone when it ends. A
channel's is its room's (kept with the room's settings, set by its owner
and operators: :func:`chatroom.core.policy.moderation.decide`). So:

- ``METADATA <target> GET key...`` and ``LIST`` answer in a ``metadata``
  batch, ``761 RPL_KEYVALUE`` for a key set and ``766 RPL_KEYNOTSET`` for
  one that is not, ``FAIL METADATA KEY_INVALID`` for a key no key can be;
  the target is ``*``, a nick that is online (else ``FAIL METADATA
  INVALID_TARGET``) or a channel the client is in (else ``FAIL METADATA
  KEY_NO_PERMISSION``: a channel's metadata is its members');
- ``METADATA * SET key [:value]`` (no value: unset) changes your own,
  answered ``761`` or ``766``; another's is ``KEY_NO_PERMISSION``, and so
  is a channel's but for its owner and operators; a value the rule
  refuses is ``INVALID_VALUE``; ``CLEAR`` unsets every key, in a batch of
  ``766``;
- ``METADATA * SUB key...``, ``UNSUB``, ``SUBS``: the keys this connection
  is told of (``770``, ``771``, a ``metadata-subs`` batch of ``772``). A
  change of a user who shares a channel with the client, or of a channel
  it is in, of a key it subscribed to, comes as ``761 * <target> <key> *
  :<value>`` (``766`` for a key unset), as Ergo sends it; ``SYNC
  <target>`` is a ``metadata`` batch of the target's subscribed keys (a
  channel's and its members');
- on ``JOIN``, a client that subscribed to keys gets a ``metadata`` batch
  of the channel's and its members' (``774 RPL_METADATASYNCLATER`` for
  the members of a big channel: it asks with ``SYNC``;
  :mod:`chatroom.doors.irc.metadata_sync`);
- ``WHOIS`` shows a user's metadata as ``760 RPL_WHOISKEYVALUE`` lines;
- with the capability, the registration burst has the client's own
  metadata in a ``metadata`` batch, before the MOTD.
"""

from __future__ import annotations

import re

from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.core.policy import metadata_rule
from chatroom.core.policy.moderation import Action
from chatroom.doors.irc.caps import METADATA_SUBS, has_metadata
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.metadata_sync import (
    RPL_KEYVALUE,
    batch,
    members_synced,
    synced,
)
from chatroom.doors.irc.replay import in_batch
from chatroom.doors.irc.session import REGISTERED, IRCSession
from chatroom.doors.irc.wire import build, room_of

RPL_WHOISKEYVALUE = "760"
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


async def _profile_of(session: IRCSession, target: str) -> dict[str, str] | None:
    """The metadata of user ``target`` (``*``: the client's own), None if
    it is no user online (``FAIL METADATA INVALID_TARGET`` said). An IRC
    user is found by its presence; a user of another door in the list of
    names held (one read, for a question IRC clients seldom ask of them)."""
    if target == "*" or name_key(target) == name_key(session.nick):
        return await session.registry.profiles.own(session.member)
    known = session.directory.find(target) is not None
    if not known:  # an IRC user of another node
        there = await session.registry.presence.presence_of([target])
        known = name_key(target) in there
    if not known:
        online = await session.registry.presence.names_online()
        known = any(name_key(name) == name_key(target) for name in online)
    if not known:
        fail(session, "METADATA", "INVALID_TARGET", target, "Invalid target")
        return None
    return await session.registry.profiles.of(target)


async def _channel_of(session: IRCSession, target: str) -> dict[str, str] | None:
    """The metadata of channel ``target``, None if the client may not read
    it (not in it: ``FAIL METADATA KEY_NO_PERMISSION`` said)."""
    room = room_of(target) or ""
    try:
        return await session.registry.rooms.room_metadata(session.member, room)
    except ChatError:
        fail(session, "METADATA", "KEY_NO_PERMISSION", target, "*", "Not a member")
        return None


async def metadata(session: IRCSession, params: tuple[str, ...]) -> None:
    """``METADATA <target> <subcommand> [params]``."""
    target, verb, rest = params[0], params[1].upper(), params[2:]
    if verb in ("SUB", "UNSUB", "SUBS"):
        _subscriptions(session, verb, rest)
        return
    if session.state != REGISTERED:
        _before_connect(session, target, verb, rest)
        return
    if target == "*":  # the client itself, answered by its nick (as Ergo does)
        target = session.nick
    if verb in ("SET", "CLEAR"):
        if room_of(target) is None:
            await _change(session, target, verb, rest)
        else:
            await _change_channel(session, target, verb, rest)
    elif verb in ("GET", "LIST", "SYNC"):
        if verb == "GET" and not rest:
            fail(session, "METADATA", "NEED_MORE_PARAMS", "Missing keys")
            return
        is_channel = room_of(target) is not None
        if is_channel:
            kept = await _channel_of(session, target)
        else:
            kept = await _profile_of(session, target)
        if kept is None:
            return
        if verb == "SYNC":
            data = synced(session, target, kept)
            if is_channel:
                rooms = session.registry.rooms
                roster = await rooms.room_details(room_of(target) or "")
                data += await members_synced(session, roster)
            batch(session, target, data)
            return
        keys: tuple[str, ...] | list[str] = rest if verb == "GET" else list(kept)
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
            else:
                lines.append(key_value(session, target, key, kept.get(key, "")))
        batch(session, target, b"".join(lines))
    else:
        fail(session, "METADATA", "SUBCOMMAND_INVALID", verb, "Unknown subcommand")


async def _change(
    session: IRCSession, target: str, verb: str, rest: tuple[str, ...]
) -> None:
    """``SET`` and ``CLEAR`` of a user: of the client's own only."""
    own = target == "*" or name_key(target) == name_key(session.nick)
    key = rest[0] if verb == "SET" and rest else "*"
    if verb == "SET" and not rest:
        fail(session, "METADATA", "NEED_MORE_PARAMS", "Missing key")
        return
    if not _KEY.match(key) and key != "*":
        fail(session, "METADATA", "KEY_INVALID", key, "Invalid key")
        return
    if not own:
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
        batch(session, target, b"".join(answers))


async def _change_channel(
    session: IRCSession, target: str, verb: str, rest: tuple[str, ...]
) -> None:
    """``SET`` and ``CLEAR`` of a channel: its owner's and operators', as
    the room's ``metadata`` moderation command."""
    if verb == "SET" and not rest:
        fail(session, "METADATA", "NEED_MORE_PARAMS", "Missing key")
        return
    key = rest[0] if verb == "SET" else "*"
    if key != "*" and not _KEY.match(key):
        fail(session, "METADATA", "KEY_INVALID", key, "Invalid key")
        return
    value = rest[1].strip() if verb == "SET" and len(rest) > 1 else ""
    room = room_of(target) or ""
    cleared: list[str] = []
    try:
        if verb == "CLEAR":
            rooms = session.registry.rooms
            cleared = list(await rooms.room_metadata(session.member, room))
        action = Action("metadata", key, value)
        await session.registry.moderation.moderate(session.member, room, action)
    except ChatError as refused:
        if refused.code == "BAD_ARGS":
            fail(session, "METADATA", "INVALID_VALUE", key, refused.text)
        else:
            fail(session, "METADATA", "KEY_NO_PERMISSION", target, key, refused.text)
        return
    if verb == "SET":
        session.send(key_value(session, target, key, value))
    else:
        answers = [key_value(session, target, each, "") for each in cleared]
        batch(session, target, b"".join(answers))


async def whois_lines(session: IRCSession, nick: str) -> bytes:
    """``760`` for each key of ``nick``'s metadata, for a client with the
    capability (``WHOIS``)."""
    if not has_metadata(session.caps):
        return b""
    kept = await session.registry.profiles.of(nick)
    return b"".join(
        build(session.me, RPL_WHOISKEYVALUE, session.nick, nick, key, "*", value)
        for key, value in kept.items()
    )


def _before_connect(
    session: IRCSession, target: str, verb: str, rest: tuple[str, ...]
) -> None:
    """``METADATA *`` before the welcome (``before-connect``): ``SET``,
    ``CLEAR``, ``GET`` and ``LIST`` of what the connection keeps until it
    is registered (:func:`apply_before_connect`), checked as any metadata
    is (:mod:`chatroom.core.policy.metadata_rule`); answered to ``*``."""
    if target != "*":
        fail(session, "METADATA", "KEY_NO_PERMISSION", target, "*", "Not yet")
        return
    kept = dict(session.metadata_before)
    if verb == "SET":
        if not rest:
            fail(session, "METADATA", "NEED_MORE_PARAMS", "Missing key")
            return
        try:
            key = metadata_rule.check_key(rest[0])
            value = rest[1] if len(rest) > 1 else ""
            value = metadata_rule.check_value(key, value) if value else ""
        except ChatError as refused:
            fail(session, "METADATA", "INVALID_VALUE", rest[0], refused.text)
            return
        if value and key not in kept and len(kept) >= metadata_rule.SESSION_KEYS:
            fail(session, "METADATA", "LIMIT_REACHED", "*", "Too many keys")
            return
        if value:
            kept[key] = value
        else:
            kept.pop(key, None)
        session.metadata_before = tuple(kept.items())
        session.send(key_value(session, "*", key, value))
    elif verb in ("GET", "LIST", "CLEAR"):
        keys = rest if verb == "GET" else tuple(kept)
        if verb == "CLEAR":
            session.metadata_before = ()
            kept = {}
        lines = [key_value(session, "*", key, kept.get(key, "")) for key in keys]
        batch(session, "*", b"".join(lines))
    else:
        fail(session, "METADATA", "SUBCOMMAND_INVALID", verb, "Not before the welcome")


async def apply_before_connect(session: IRCSession) -> None:
    """What ``METADATA * SET`` kept before the welcome is the user's now,
    as far as the rule allows (a key refused is left out, as Ergo does)."""
    kept, session.metadata_before = session.metadata_before, ()
    for key, value in kept:
        try:
            await session.registry.profiles.set(session.member, key, value)
        except ChatError as refused:
            session.log.info(
                "metadata {key} of {user} not kept: {why}",
                key=key,
                user=session.nick,
                why=refused.code,
            )


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
        build(session.me, RPL_KEYVALUE, session.nick, session.nick, key, "*", value)
        for key, value in profile.items()
    )
    return in_batch(session.renderer, "metadata", (session.nick,), data)


def told(session: IRCSession, key: str) -> bool:
    """Whether a change of ``key`` reaches this client: it has the
    capability and subscribed to the key."""
    return has_metadata(session.caps) and key in session.metadata_subs
