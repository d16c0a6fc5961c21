"""``/admin/``: the HTTP admin API that ``chatroom-admin`` speaks.

Served with ``--http`` when the server has ``--admin-token-file``; every
request must carry ``Authorization: Bearer TOKEN`` (compared in constant
time), else ``401`` with ``WWW-Authenticate: Bearer``. JSON in (a small
body: the door reads at most ``HTTPLimits.max_body`` bytes) and JSON out;
a refusal is ``{"error": CODE, "message": TEXT}`` with a status from its
code (:data:`STATUS`).

The API is a door like the others: what changes anything goes through the
core, as the server's operator (:func:`chatroom.core.operating.operator`),
under the admin rules chat admins are held to; listings read the
registry. The token is never logged, nor a password it sets.

======  =============================  ======================================
GET     ``/admin/accounts[?search=T]``  ``{"accounts": [NAME, ...]}``
DELETE  ``/admin/accounts/NAME``        ``{"deleted": NAME}``
POST    ``/admin/accounts/NAME/lock``   ``{"locked": NAME, "mask": MASK}``
POST    ``/admin/accounts/NAME/password``  ``{"password": P}`` optional;
                                        answers ``{"account": NAME,
                                        "password": P}``
GET     ``/admin/rooms``                ``{"rooms": [{"name", "members",
                                        "capacity", "topic", "secret"}]}``
POST    ``/admin/rooms/ROOM/owner``     ``{"account": A}`` →
                                        ``{"room": ROOM, "owner": A}``
POST    ``/admin/rooms/ROOM/hooks``     ``{"name": N}`` (optional: ``hook``)
                                        → ``{"room", "name", "url"}``
DELETE  ``/admin/rooms/ROOM/hooks/NAME``  ``{"removed": NAME, "room": ROOM}``
GET     ``/admin/hooks[?room=ROOM]``    ``{"hooks": [{"room", "name",
                                        "url", "by"}]}``
GET     ``/admin/bans``                 ``{"bans": [MASK, ...], "terms":
                                        [{"mask", "by", "until", "reason"}]}``
POST    ``/admin/bans``                 ``{"mask": M, "reason": R,
                                        "duration": D}`` (D optional:
                                        ``30s``...``4w``) →
                                        ``{"banned": MASK, "until": TIME}``
GET     ``/admin/lockdown``             ``{"lockdown": LEVEL, "by": ADMIN}``
POST    ``/admin/lockdown``             ``{"level": L}`` → the same
GET     ``/admin/invitations``          ``{"invitations": [{"id", "uses",
                                        "until", "room", "by"}]}``
POST    ``/admin/invitations``          ``{"uses": N, "hours": H, "room":
                                        R}`` (each optional) →
                                        ``{"code", "url", "id", "uses",
                                        "until", "room", "by"}``
DELETE  ``/admin/invitations/CODE``     (or its id) → ``{"revoked": ID}``
POST    ``/admin/announce``             ``{"text": T}`` → ``{"announced": T}``
GET     ``/admin/bots``                 ``{"bots": [{"name", "owner",
                                        "relay", "made"}]}``
POST    ``/admin/bots``                 ``{"name": N, "owner": A, "relay":
                                        B}`` (owner, relay optional) →
                                        ``{"bot", "token", "owner",
                                        "relay"}``
DELETE  ``/admin/bots/NAME``            ``{"removed": NAME}``
GET     ``/admin/backup``               the SQLite file
                                        (``application/vnd.sqlite3``), or in
                                        cluster mode the export of Redis's
                                        keys (``application/octet-stream``:
                                        chatroom.backends.redis.dumpfile)
======  =============================  ======================================
"""

from __future__ import annotations

import hmac
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core import operating
from chatroom.core.accounts.invitations import HOURS, USES, InviteLink, check_terms
from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.hooks import Hook, hook_url
from chatroom.core.model.text import name_key
from chatroom.core.moderation.netbans import ServerBan
from chatroom.doors.base.hub import DoorHub
from chatroom.wire.lines import format_time

#: The HTTP status of each refusal's code; any other code is ``409``.
STATUS = {
    "BAD_ARGS": 400,
    "BAD_CODE": 404,
    "BAD_NAME": 400,
    "BAD_TEXT": 400,
    "USAGE": 400,
    "NOT_ALLOWED": 403,
    "NO_SUCH_ACCOUNT": 404,
    "NO_SUCH_USER": 404,
    "NO_SUCH_ROOM": 404,
    "NO_SUCH_WEBHOOK": 404,
    "NOT_SUPPORTED": 501,
    "UNAVAILABLE": 503,
}

#: What a handler answers: a JSON object, or a file to send (its path).
Answer = dict[str, Any]
Handler = Callable[[Request, list[str], Answer], Awaitable[Answer | str]]

_JSON = "application/json; charset=utf-8"
#: A webhook's name when ``POST /admin/rooms/ROOM/hooks`` gives none.
DEFAULT_HOOK = "hook"
#: The first bytes of every SQLite file: a backup that does not start so
#: is a cluster's export of Redis's keys.
SQLITE_HEADER = b"SQLite format 3\x00"


class AdminAPI(Resource):
    """``/admin/`` and everything under it (one leaf: routes are its table)."""

    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub, token: bytes) -> None:
        super().__init__()
        self.chat = server
        self.expected = b"Bearer " + token
        self.operator = operating.operator(server.config)
        #: (method, the path's first part, how many parts) → handler.
        self.routes: dict[tuple[bytes, str, int], Handler] = {
            (b"GET", "accounts", 1): self.accounts,
            (b"DELETE", "accounts", 2): self.delete_account,
            (b"POST", "accounts", 3): self.change_account,
            (b"GET", "rooms", 1): self.rooms,
            (b"POST", "rooms", 3): self.change_room,
            (b"DELETE", "rooms", 4): self.remove_hook,
            (b"GET", "hooks", 1): self.hooks,
            (b"GET", "bans", 1): self.bans,
            (b"POST", "bans", 1): self.ban,
            (b"POST", "announce", 1): self.announce,
            (b"GET", "lockdown", 1): self.lockdown,
            (b"POST", "lockdown", 1): self.lockdown,
            (b"GET", "invitations", 1): self.invitations,
            (b"POST", "invitations", 1): self.invite,
            (b"DELETE", "invitations", 2): self.revoke_invitation,
            (b"GET", "bots", 1): self.bots,
            (b"POST", "bots", 1): self.add_bot,
            (b"DELETE", "bots", 2): self.remove_bot,
            (b"GET", "backup", 1): self.backup,
        }

    def render(self, request: Request) -> bytes | int:
        given = request.getHeader(b"authorization") or b""
        if not hmac.compare_digest(given, self.expected):
            request.setResponseCode(401)
            request.setHeader(b"www-authenticate", b'Bearer realm="chatroom-admin"')
            return _json(request, {"error": "UNAUTHORIZED", "message": "bad token"})
        parts = [p.decode("utf-8", "replace") for p in request.postpath or [] if p]
        handler = self.routes.get(
            (request.method, parts[0] if parts else "", len(parts))
        )
        if handler is None:
            request.setResponseCode(404)
            return _json(request, {"error": "NOT_FOUND", "message": "no such call"})
        try:
            body = _body(request)
        except ChatError as refusal:
            return _refused(request, refusal)
        running = Deferred.fromCoroutine(_answer(handler(request, parts, body)))
        running.addCallback(self._send, request)
        running.addErrback(self._failed, request)
        return NOT_DONE_YET

    # -- reading ------------------------------------------------------------------

    async def accounts(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        search = request.args.get(b"search", [b""])[0].decode("utf-8", "replace")
        return {"accounts": await self.chat.registry.accounts.listed(search)}

    async def rooms(self, request: Request, parts: list[str], body: Answer) -> Answer:
        listing = await self.chat.registry.rooms.list_rooms()
        rooms = sorted(listing.rooms, key=lambda room: room.name.casefold())
        return {
            "rooms": [
                {
                    "name": room.name,
                    "members": room.members,
                    "capacity": room.capacity,
                    "topic": room.topic,
                    "secret": room.secret,
                }
                for room in rooms
            ]
        }

    async def hooks(self, request: Request, parts: list[str], body: Answer) -> Answer:
        """Every room's webhooks, or ``?room=ROOM``'s (``NO_SUCH_ROOM``)."""
        webhooks = self.chat.registry.webhooks
        room = request.args.get(b"room", [b""])[0].decode("utf-8", "replace")
        if room:
            _, hooks = await webhooks.listed_as(self.operator, room.lstrip("#"))
        else:
            hooks = await webhooks.every_hook(self.operator)
        return {"hooks": [self._hook(hook) | {"by": hook.by} for hook in hooks]}

    def _hook(self, hook: Hook) -> Answer:
        return {
            "room": hook.room,
            "name": hook.name,
            "url": hook_url(self.chat.webhook_base, hook.secret),
        }

    async def bans(self, request: Request, parts: list[str], body: Answer) -> Answer:
        bans = await self.chat.registry.bans.listed()
        return {
            "bans": [ban.mask for ban in bans],
            "terms": [
                {
                    "mask": ban.mask,
                    "by": ban.terms.by,
                    "until": _until(ban),
                    "reason": ban.terms.reason,
                }
                for ban in bans
            ],
        }

    # -- changing, through the core ------------------------------------------------

    async def ban(self, request: Request, parts: list[str], body: Answer) -> Answer:
        words = _text(body, "mask")
        if body.get("duration"):
            words += " " + _text(body, "duration")
        ban = await self.chat.registry.moderation.server_ban_as(
            self.operator, words, True, _text(body, "reason", "")
        )
        return {"banned": ban.mask, "until": _until(ban)}

    async def announce(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        text = _text(body, "text")
        await self.chat.registry.moderation.announce_as(self.operator, text)
        return {"announced": text}

    async def lockdown(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        level = _text(body, "level") if request.method == b"POST" else ""
        now = await self.chat.registry.moderation.lockdown_as(self.operator, level)
        return {"lockdown": now.level, "by": now.by}

    async def invitations(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        listed = await self.chat.invitations.listed(self.operator)
        return {"invitations": [_invitation(each) for each in listed]}

    async def invite(self, request: Request, parts: list[str], body: Answer) -> Answer:
        uses, hours = body.get("uses", USES), body.get("hours", HOURS)
        check_terms(uses, hours)
        service = self.chat.invitations
        room = _text(body, "room", "").lstrip("#")
        code, made = await service.make(self.operator, uses, hours, room)
        return {"code": code, "url": service.link(code), **_invitation(made)}

    async def revoke_invitation(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        revoked = await self.chat.invitations.revoke(self.operator, parts[1])
        return {"revoked": revoked.id}

    async def change_room(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        if parts[2] == "hooks":
            return await self.add_hook(parts[1], _text(body, "name", DEFAULT_HOOK))
        if parts[2] != "owner":
            raise errors.bad_args(f"rooms ROOM {parts[2]}: no such change")
        account = _text(body, "account")
        room = await self.chat.registry.moderation.give_room_as(
            self.operator, parts[1], account
        )
        return {"room": room, "owner": account}

    async def add_hook(self, room: str, name: str) -> Answer:
        """A webhook for the room, as its owner's ``/webhook add`` makes."""
        if not self.chat.webhook_base:
            raise errors.no_webhook_door()
        webhooks = self.chat.registry.webhooks
        return self._hook(await webhooks.add_as(self.operator, room.lstrip("#"), name))

    async def remove_hook(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        if parts[2] != "hooks":
            raise errors.bad_args(f"rooms ROOM {parts[2]}: no such change")
        webhooks = self.chat.registry.webhooks
        room = await webhooks.remove_as(self.operator, parts[1].lstrip("#"), parts[3])
        return {"removed": parts[3], "room": room}

    async def delete_account(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        deleted = await operating.delete(self.chat.registry, self.operator, parts[1])
        return {"deleted": deleted}

    async def change_account(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        name, what = parts[1], parts[2]
        if what == "lock":
            mask = await operating.lock(self.chat.registry, self.operator, name)
            return {"locked": name, "mask": mask}
        if what == "password":
            given = _text(body, "password", "")
            password = await operating.reset_password(
                self.chat.registry, self.operator, name, given
            )
            return {"account": name, "password": password}
        raise errors.bad_args(f"accounts NAME {what}: no such change")

    async def bots(self, request: Request, parts: list[str], body: Answer) -> Answer:
        listed = await self.chat.registry.accounts.bots.listed()
        return {
            "bots": [
                {
                    "name": bot.name,
                    "owner": bot.owner or None,
                    "relay": bot.relay,
                    "made": format_time(bot.made),
                }
                for bot in listed
            ]
        }

    async def add_bot(self, request: Request, parts: list[str], body: Answer) -> Answer:
        """A bot made by the operator: its token, this once."""
        owner = body.get("owner") or ""
        relay = body.get("relay", False)
        if not isinstance(owner, str) or not isinstance(relay, bool):
            raise errors.bad_args(
                '"owner" is an account\'s name, "relay" true or false'
            )
        bots = self.chat.registry.accounts.bots
        made, token = await bots.add(
            _text(body, "name"), owner=name_key(owner) if owner else "", relay=relay
        )
        return {
            "bot": made.name,
            "token": token,
            "owner": made.owner or None,
            "relay": made.relay,
        }

    async def remove_bot(
        self, request: Request, parts: list[str], body: Answer
    ) -> Answer:
        bots = self.chat.registry.accounts.bots
        return {"removed": await bots.remove(parts[1], self.operator.name)}

    async def backup(self, request: Request, parts: list[str], body: Answer) -> str:
        """The store copied into a new file of our own, which is sent."""
        handle, path = tempfile.mkstemp(prefix="chatroom-backup-", suffix=".sqlite3")
        os.close(handle)  # empty, and readable by this user alone (0600)
        try:
            await self.chat.registry.moderation.backup(self.operator, path)
        except BaseException:
            os.unlink(path)
            raise
        return path

    # -- answering ------------------------------------------------------------------

    def _send(self, answer: Answer | str, request: Request) -> None:
        if isinstance(answer, str):
            _send_file(request, answer)
            return
        request.write(_json(request, answer))
        request.finish()

    def _failed(self, failure: Failure, request: Request) -> None:
        if isinstance(failure.value, ChatError):
            request.write(_refused(request, failure.value))
        else:
            self.log.failure("an admin API call failed", failure)
            request.setResponseCode(500)
            request.write(_json(request, {"error": "INTERNAL", "message": "failed"}))
        request.finish()


async def _answer(running: Awaitable[Answer | str]) -> Answer | str:
    return await running


def _body(request: Request) -> Answer:
    """The request's JSON object ({} without a body)."""
    content = request.content.read() if request.content is not None else b""
    if not content.strip():
        return {}
    try:
        body = json.loads(content)
    except ValueError:
        raise errors.bad_args("the body is not JSON") from None
    if not isinstance(body, dict):
        raise errors.bad_args("the body must be a JSON object")
    return body


def _until(ban: ServerBan) -> str | None:
    """A ban's end as the wire writes times (None: for ever)."""
    return format_time(ban.terms.until) if ban.terms.until else None


def _invitation(invitation: InviteLink) -> Answer:
    """An invitation as the API shows it (never its code: it keeps none)."""
    return {
        "id": invitation.id,
        "uses": invitation.uses,
        "until": format_time(invitation.until),
        "room": invitation.room,
        "by": invitation.by,
    }


def _text(body: Answer, key: str, default: str | None = None) -> str:
    """``body[key]``, a string; required unless it has a ``default``."""
    value = body.get(key, default)
    if not isinstance(value, str):
        raise errors.bad_args(f"{key!r}: a string is required")
    return value


def _json(request: Request, answer: Answer) -> bytes:
    request.setHeader(b"content-type", _JSON)
    request.setHeader(b"cache-control", b"no-store")
    return json.dumps(answer).encode() + b"\n"


def _refused(request: Request, refusal: ChatError) -> bytes:
    request.setResponseCode(STATUS.get(refusal.code, 409))
    return _json(request, {"error": refusal.code, "message": refusal.text})


def _send_file(request: Request, path: str) -> None:
    """Send the file at ``path`` at the pace the client reads, then remove it."""
    try:
        copy = open(path, "rb")  # noqa: SIM115 (the producer closes it)
    finally:
        os.unlink(path)
    size = os.fstat(copy.fileno()).st_size
    sqlite = copy.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    copy.seek(0)
    kind = b"application/vnd.sqlite3" if sqlite else b"application/octet-stream"
    request.setHeader(b"content-type", kind)
    request.setHeader(b"content-length", str(size).encode())
    request.setHeader(b"cache-control", b"no-store")
    request.registerProducer(FileProducer(request, copy), False)


class FileProducer:
    """A file written to a request a chunk each time the connection asks
    (a pull producer): never more than a chunk beyond what the client has
    read, so a backup larger than ``--sendq`` is sent whole."""

    CHUNK = 64 * 1024

    def __init__(self, request: Request, file: BinaryIO) -> None:
        self.request = request
        self.file = file

    def resumeProducing(self) -> None:
        chunk = self.file.read(self.CHUNK)
        if chunk:
            self.request.write(chunk)
            return
        self.file.close()
        self.request.unregisterProducer()
        self.request.finish()

    def stopProducing(self) -> None:
        self.file.close()

    def pauseProducing(self) -> None:
        """A pull producer is asked for each chunk; nothing to pause."""
