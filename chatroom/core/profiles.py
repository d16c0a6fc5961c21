"""Profiles: what an account tells others of itself beside its name.

Four keys, as IRC's ``draft/metadata-2`` names them (:data:`KEYS`): a
``display-name``, ``pronouns``, a ``status`` line, and an ``avatar``. The
rule is here, once, for every door (the line protocol's ``/profile``,
IRC's ``METADATA``, the web page):

- **Who keeps one.** Accounts only: a profile is one of the account's
  settings (:mod:`chatroom.core.account_settings`, kind :data:`PROFILE`),
  so it lasts, every device and node reads the same, and ``/export``
  carries it. A plain name is refused (``NOT_ALLOWED``).
- **What a value may be.** Text on one line, at most :data:`LIMITS`
  characters for its key and :data:`MAX_BYTES` bytes of UTF-8 (what an
  IRC line has room for beside the ``METADATA`` words); "" removes the key.
- **The avatar.** The address of a picture uploaded to this server
  (``--files``): ``…/files/<id>/<name>``, at the server's own address when
  it knows it (``--public-url``, else where its HTTP door listens: there
  ``localhost`` and ``127.0.0.1`` are one), naming a file it keeps of a
  type a browser shows in place (:data:`~chatroom.core.files.SAFE_IMAGES`).
  Any other address is refused, so a profile never makes every reader's
  browser fetch from elsewhere.
- **Who hears a change.** Everyone who shares a room with the user, once
  (:class:`~chatroom.core.events.ProfileChanged`); each door shows it to
  the connections that want it (``rich`` ones, IRC clients subscribed to
  the key).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from chatroom.core import errors
from chatroom.core.account_settings import PROFILE, SettingStore, of_kind
from chatroom.core.changes import AccountSettings, DecidedChange, SetProfile
from chatroom.core.events import ProfileChanged
from chatroom.core.filedir import ID_PATTERN
from chatroom.core.files import SAFE_IMAGES, FileService
from chatroom.core.member import Member
from chatroom.core.sessions import Session
from chatroom.core.text import name_key

DISPLAY_NAME = "display-name"
PRONOUNS = "pronouns"
STATUS = "status"
AVATAR = "avatar"
#: Every key a profile has, in the order ``/profile NAME`` lists them.
KEYS = (DISPLAY_NAME, PRONOUNS, STATUS, AVATAR)
#: The most characters each key's value may have.
LIMITS = {DISPLAY_NAME: 64, PRONOUNS: 32, STATUS: 200, AVATAR: 300}
#: The most bytes of UTF-8 any value may have (IRC's irctest refuses 480).
MAX_BYTES = 400

#: An uploaded file's address: the origin, then ``/files/<id>/<name>``.
_AVATAR = re.compile(rf"^(https?://[^/\s]+)/files/({ID_PATTERN})/[^/\s]+$")


def check_key(key: str) -> str:
    """``key`` in lower case, if a profile has it (``BAD_ARGS``)."""
    if key.lower() not in KEYS:
        raise errors.bad_args(f"profiles have {', '.join(KEYS)}")
    return key.lower()


def check_value(key: str, value: str) -> str:
    """``value`` without its outer spaces, if ``key`` may hold it
    (``BAD_ARGS``): one line, within the key's :data:`LIMITS` and
    :data:`MAX_BYTES`."""
    value = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise errors.bad_args(f"a {key} is one line of text")
    if len(value) > LIMITS[key] or len(value.encode("utf-8")) > MAX_BYTES:
        raise errors.bad_args(f"a {key} has {LIMITS[key]} characters at most")
    return value


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
        apply: Callable[[DecidedChange], Awaitable[None]],
        session_of: Callable[[Member], Session],
        files: Callable[[], FileService | None],
        tell_neighbours: Callable[[Member, ProfileChanged], Awaitable[None]],
    ) -> None:
        """Args:
        settings: where profiles are read.
        apply: the back-end's one write (:meth:`~chatroom.core.backend.Backend.apply`).
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

    async def of(self, name: str) -> dict[str, str]:
        """The profile of the account called ``name`` (empty for a name
        no account keeps one under)."""
        return profile_in(await self.settings.settings(name_key(name)))

    async def own(self, member: Member) -> dict[str, str]:
        """The member's own profile (empty for a plain name)."""
        account = self.session_of(member).account
        return profile_in(await self.settings.settings(account)) if account else {}

    async def set(self, member: Member, key: str, value: str) -> ProfileChanged:
        """The member's account's ``key`` is now ``value`` ("": removed);
        its rooms' members hear it. Returns the change."""
        key = check_key(key)
        value = check_value(key, value)
        session = self.session_of(member)
        if not session.account:
            raise errors.not_allowed("only accounts keep a profile: /register PASSWORD")
        if key == AVATAR and value:
            await self._check_avatar(value)
        ops = (SetProfile(key, value),)
        await self.apply(DecidedChange(AccountSettings(session.account), (), ops))
        change = ProfileChanged(session.name, key, value)
        await self.tell_neighbours(member, change)
        return change

    async def _check_avatar(self, url: str) -> None:
        """``url`` is a picture this server keeps (``BAD_ARGS``)."""
        files = self.files()
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
