"""Profiles: what a user tells others of itself beside its name.

Four keys, as IRC's ``draft/metadata-2`` names them (:data:`KEYS`): a
``display-name``, ``pronouns``, a ``status`` line, and an ``avatar``;
and, as that draft allows, any other key a client chooses (``color``,
``homepage``...). The rule is here, once, for every door (the line
protocol's ``/profile``, IRC's ``METADATA``, the web page):

- **Where it is kept.** An account's four profile keys are one of the
  account's settings (:mod:`chatroom.core.accounts.account_settings`, kind
  :data:`PROFILE`), so they last, every device and node reads the same,
  and ``/export`` carries them. Everything else (any key of a plain name,
  an account's keys beyond the four) is kept with the session, as Ergo
  keeps an unregistered client's: it is gone when the session ends, at
  most :data:`SESSION_KEYS` keys, and the other nodes read it with the
  user's presence (:mod:`chatroom.core.model.presence`).
- **What a key and a value may be** (:mod:`chatroom.core.policy.metadata_rule`,
  which rooms' metadata follows too). A key is one of :data:`KEYS` in any
  case, or a metadata key as the draft spells them (``a-z 0-9 _ . / -``);
  a value is text on one line, at most its key's characters and 400
  bytes of UTF-8 (what an IRC line has room for beside the ``METADATA``
  words); "" removes the key.
- **The avatar.** The address of a picture uploaded to this server
  (``--files``): ``…/files/<id>/<name>``, at the server's own address when
  it knows it (``--public-url``, else where its HTTP door listens: there
  ``localhost`` and ``127.0.0.1`` are one), naming a file it keeps of a
  type a browser shows in place (:data:`~chatroom.core.accounts.files.SAFE_IMAGES`).
  Any other address is refused, so a profile never makes every reader's
  browser fetch from elsewhere.
- **Who hears a change.** Everyone who shares a room with the user, once
  (:class:`~chatroom.core.model.events.ProfileChanged`); each door shows it to
  the connections that want it (``rich`` ones, IRC clients subscribed to
  the key).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from chatroom.core.accounts.account_settings import PROFILE, SettingStore, of_kind
from chatroom.core.accounts.files import SAFE_IMAGES, FileService
from chatroom.core.infra.filedir import ID_PATTERN
from chatroom.core.infra.seats import Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model import errors
from chatroom.core.model.changes.base import Apply, DecidedChange
from chatroom.core.model.changes.settings import AccountSettings, SetProfile
from chatroom.core.model.events import ProfileChanged
from chatroom.core.model.facts import Target
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Metadata, PresenceSteps
from chatroom.core.model.text import name_key
from chatroom.core.policy.metadata_rule import (
    AVATAR,
    KEYS,
    SESSION_KEYS,
    check_key,
    check_value,
)

#: An uploaded file's address: the origin, then ``/files/<id>/<name>``.
_AVATAR = re.compile(rf"^(https?://[^/\s]+)/files/({ID_PATTERN})/[^/\s]+$")


def profile_in(settings: dict[str, str]) -> dict[str, str]:
    """The profile among an account's ``settings``: key → value, the keys
    set only, in :data:`KEYS` order."""
    kept = of_kind(settings, PROFILE)
    return {key: kept[key] for key in KEYS if kept.get(key)}


class Profiles:
    """``/profile``, ``METADATA``: the core's side."""

    def __init__(
        self,
        settings: SettingStore,
        apply: Apply,
        session_of: Callable[[Member], Session],
        files: FileService | None,
        tell_neighbours: Callable[[Member, ProfileChanged], Awaitable[None]],
        sessions: Sessions,
        presence: PresenceSteps,
        publish_metadata: Callable[[str, str, Metadata], Awaitable[None]],
        find_user: Callable[[str], Awaitable[Target | None]],
    ) -> None:
        """Args:
        settings: where profiles are read.
        apply: the back-end's one write (:meth:`~chatroom.core.backend.Backend.apply`).
        sessions: this node's sessions, which keep what is not an account's.
        presence: where the other nodes read what a session keeps.
        publish_metadata: what a session keeps, for the other nodes (the
            bus's :meth:`~chatroom.core.server.bus.Bus.publish_metadata`).
        find_user: the back-end's look-up of a user by name, on any node.
        files: the server's uploads (None while ``--files`` is off), where
            an avatar must be.
        tell_neighbours: hands a change to everyone who shares a room
            with the member.
        """
        self.settings = settings
        self.apply = apply
        self.session_of = session_of
        self.files = files
        self.tell_neighbours = tell_neighbours
        self.sessions = sessions
        self.presence = presence
        self.publish_metadata = publish_metadata
        self.find_user = find_user

    async def of(self, name: str) -> dict[str, str]:
        """The profile of the user called ``name``: its account's (the
        account it is signed in to, else the one registered as ``name``),
        then what its session keeps if it is connected (read here, or
        where its node published it: a session of any door)."""
        found = await self.find_user(name)
        account = found.account if found is not None else name_key(name)
        kept = profile_in(await self.settings.settings(account)) if account else {}
        if found is None or not found.session:
            return kept
        seat = self.sessions.by_token(found.session)
        session = self.sessions.get(seat) if seat is not None else None
        if session is not None:
            return {**kept, **dict(session.metadata)}
        there = await self.presence.metadata([found.key])
        return {**kept, **dict(there.get(found.key, ()))}

    async def own(self, member: Member) -> dict[str, str]:
        """The member's own profile: its account's, then what its session
        keeps."""
        session = self.session_of(member)
        kept = (
            profile_in(await self.settings.settings(session.account))
            if session.account
            else {}
        )
        return {**kept, **dict(session.metadata)}

    async def set(self, member: Member, key: str, value: str) -> ProfileChanged:
        """The member's ``key`` is now ``value`` ("": removed), kept where
        the rule says (its account, else its session); its rooms' members
        hear it. Returns the change.

        Raises:
            ChatError: ``BAD_ARGS`` (a key or value refused, one key more
                than a session keeps).
        """
        key = check_key(key)
        value = check_value(key, value)
        session = self.session_of(member)
        if key == AVATAR and value:
            await self._check_avatar(value)
        if session.account and key in KEYS:
            ops = (SetProfile(key, value),)
            await self.apply(DecidedChange(AccountSettings(session.account), (), ops))
            if key in dict(session.metadata):  # kept before signing in: no more
                await self._keep(member, session, key, "")
        else:
            await self._keep(member, session, key, value)
        change = ProfileChanged(session.name, key, value)
        await self.tell_neighbours(member, change)
        return change

    async def _keep(
        self, member: Member, session: Session, key: str, value: str
    ) -> None:
        """The session keeps ``key`` as ``value`` ("": no more), here and
        for the other nodes."""
        kept = dict(session.metadata)
        if value and key not in kept and len(kept) >= SESSION_KEYS:
            raise errors.bad_args(f"a session keeps {SESSION_KEYS} keys at most")
        if value:
            kept[key] = value
        else:
            kept.pop(key, None)
        metadata = tuple(kept.items())
        self.sessions.describe(member, metadata=metadata)
        await self.publish_metadata(name_key(session.name), session.token, metadata)

    async def _check_avatar(self, url: str) -> None:
        """``url`` is a picture this server keeps (``BAD_ARGS``)."""
        files = self.files
        if files is None:
            raise errors.bad_args("this server keeps no uploads for avatars")
        found = _AVATAR.match(url)
        if found is None or not _same_origin(found.group(1), files.upload_url):
            raise errors.bad_args("an avatar is a picture uploaded here: /files/...")
        record = await files.store.get(found.group(2))
        if record is None or record.type not in SAFE_IMAGES:
            raise errors.bad_args("an avatar is a picture uploaded here: /files/...")


#: The names of this machine's loopback address, one origin to a browser
#: on it whichever it used.
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})


def _same_origin(origin: str, own_url: str) -> bool:
    """Whether ``origin`` is the server's own (``own_url``'s: its
    ``--public-url``, else where its HTTP door listens; any, while it does
    not know it)."""
    if not own_url:
        return True
    given, own = urlsplit(origin), urlsplit(own_url)
    hosts = {given.hostname or "", own.hostname or ""}
    same_host = (
        given.hostname == own.hostname
        or {f"[{host}]" if ":" in host else host for host in hosts} <= _LOOPBACK
    )
    return given.scheme == own.scheme and given.port == own.port and same_host
