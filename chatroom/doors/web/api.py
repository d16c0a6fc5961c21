"""``/api/v1/``: the REST API for bots and scripts, and its event stream.

Every request carries ``Authorization: Bearer TOKEN``, a bot's token
(checked by the bots' wing in constant time); without one, or with a
wrong one, the answer is ``401`` with ``WWW-Authenticate: Bearer``. JSON
in (at most 16 KiB: the channel refuses more from its headers, ``413``)
and JSON out; every refusal is ``{"error": CODE, "message": TEXT}``, CODE
being the line door's for the same refusal and the status its row of
:data:`STATUS` (any other: ``409``).

The API is a door like the others, and a thin one: each call is the
core's (:mod:`chatroom.core.services.bot_api`), which makes the bot's
requests through its standing member on this node
(:mod:`chatroom.core.rooms.standing`). Each request counts as one line of
a user against flood control, counted for the bot on this node
(:meth:`~chatroom.core.services.bot_api.BotAPI.take_turn`: ``--burst`` in
any ``--burst`` / ``--rate`` seconds), refused ``429`` past it with
``Retry-After`` the seconds until its oldest request counted leaves the
window, never queued.

======  ================================  =====================================
GET     ``/api/v1/me``                    ``{"name", "bot", "owner", "rooms"}``
GET     ``/api/v1/rooms``                 ``{"rooms": [{"name", "members",
                                          "capacity", "topic", "joined"}]}``
POST    ``/api/v1/rooms/ROOM/join``       ``{"key": K}`` optional →
                                          ``{"room", "members"}``
POST    ``/api/v1/rooms/ROOM/leave``      ``{"room", "left": true}``
GET     ``/api/v1/rooms/ROOM/members``    ``{"room", "members", "owner"}``
POST    ``/api/v1/rooms/ROOM/messages``   ``{"text", "txn", "action"}`` →
                                          ``{"room", "id", "time"}``
GET     ``/api/v1/rooms/ROOM/messages``   ``?since=ID&limit=N`` →
                                          ``{"room", "messages", "more"}``
GET     ``/api/v1/events``                Server-Sent Events (:class:`EventStream`)
======  ================================  =====================================
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Departure, Event, Joined, Message
from chatroom.core.model.multiline import MULTILINE_TAG
from chatroom.core.model.text import name_key
from chatroom.core.services.bot_api import (
    HISTORY_DEFAULT,
    HISTORY_MAX,
    is_bot,
    text_of,
)
from chatroom.doors.base.hub import DoorHub

#: The HTTP status of each refusal's code; any other code is ``409``.
STATUS = {
    "BAD_ARGS": 400,
    "BAD_TEXT": 400,
    "BAD_NAME": 400,
    "USAGE": 400,
    "BAD_TOKEN": 401,
    "NOT_ALLOWED": 403,
    "NOT_IN_ROOM": 403,
    "BANNED": 403,
    "MODERATED": 403,
    "INVITE_ONLY": 403,
    "BAD_KEY": 403,
    "NO_SUCH_ROOM": 404,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "UNAVAILABLE": 503,
}
#: Seconds between an event stream's keepalive comments (at most 30).
KEEPALIVE = 25.0

_JSON = "application/json; charset=utf-8"
Answer = dict[str, Any]


@dataclass(frozen=True)
class ApiBot:
    """A bot as its token names it: its name and its owner's (None: made
    by the operator)."""

    name: str
    owner: str | None = None


#: A token's bot (None: no bot has it); the bots' wing checks it.
TokenCheck = Callable[[str], Awaitable[ApiBot | None]]


def status_of(code: str) -> int:
    """The HTTP status of a refusal's code (:data:`STATUS`, else ``409``)."""
    return STATUS.get(code, 409)


class RefusedError(Exception):
    """A refusal of the API's own (no core code): its code and text."""

    def __init__(self, code: str, text: str, headers: dict[str, str]) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.headers = headers


#: (the path's parts with ``*`` for a room) → method → the handler's name.
ROUTES: dict[tuple[str, ...], dict[bytes, str]] = {
    ("me",): {b"GET": "me"},
    ("rooms",): {b"GET": "rooms"},
    ("rooms", "*", "join"): {b"POST": "join"},
    ("rooms", "*", "leave"): {b"POST": "leave"},
    ("rooms", "*", "members"): {b"GET": "members"},
    ("rooms", "*", "messages"): {b"GET": "history", b"POST": "post"},
    ("events",): {b"GET": "events"},
}


def route_of(parts: list[str]) -> tuple[dict[bytes, str], str] | None:
    """The methods of the endpoint at ``parts`` (after ``/api/v1``) and the
    room it names ("" for none); None for a path that is no endpoint."""
    if len(parts) == 3 and parts[0] == "rooms" and parts[1]:
        methods = ROUTES.get(("rooms", "*", parts[2]))
        return None if methods is None else (methods, parts[1])
    methods = ROUTES.get(tuple(parts))
    return None if methods is None else (methods, "")


def message_json(message: Message) -> Answer:
    """A message as history shows it, in the spec's shape exactly: ``{"id",
    "author", "time", "text", "action", "bot", "tags"}`` (its room is the
    answer's ``room``, once)."""
    tags = {key: value for key, value in message.tags if key != MULTILINE_TAG}
    return {
        "id": int(message.id) if message.id.isdigit() else message.id,
        "author": message.user,
        "time": message.time,
        "text": text_of(message),
        "action": message.action,
        "bot": is_bot(message),
        "tags": tags,
    }


class BotAPIResource(Resource):
    """``/api/`` and everything under it (one leaf: routes are its table)."""

    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub, tokens: TokenCheck | None = None) -> None:
        """``tokens``: what checks a token (by default the bots' wing's,
        :meth:`~chatroom.core.accounts.bots.Bots.by_token`)."""
        super().__init__()
        self.chat = server
        self.tokens = tokens or self.bot_of_token

    def render(self, request: Request) -> bytes | int:
        parts = [p.decode("utf-8", "replace") for p in request.postpath or []]
        while parts and not parts[-1]:
            parts.pop()  # a trailing slash
        found = route_of(parts[1:]) if parts[:1] == ["v1"] else None
        if found is None:
            return _refused(request, "NOT_FOUND", "no such endpoint")
        running = Deferred.fromCoroutine(self._answer(request, *found))
        running.addErrback(self._failed, request)
        return NOT_DONE_YET

    async def _answer(
        self, request: Request, methods: dict[bytes, str], room: str
    ) -> None:
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)
        bot = await self._bot(request)
        handler = methods.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(m.decode() for m in methods))
            raise RefusedError(
                "METHOD_NOT_ALLOWED",
                "not a method of this endpoint",
                {"allow": allowed},
            )
        wait = await self.chat.registry.bot_api.take_turn(bot.name)
        if wait:
            seconds = max(1, math.ceil(wait))
            raise RefusedError(
                "RATE_LIMITED",
                f"too many requests: try again in {seconds} s",
                {"retry-after": str(seconds)},
            )
        body = _body(request) if request.method == b"POST" else {}
        if handler == "events":
            await self.events(request, bot, gone)
            return
        answer = await getattr(self, handler)(request, bot, room, body)
        if not gone:
            request.write(_json(request, answer))
            request.finish()

    async def bot_of_token(self, token: str) -> ApiBot | None:
        """The bot whose token ``token`` is (None: none, or one removed)."""
        found = await self.chat.registry.accounts.bots.by_token(token)
        return None if found is None else ApiBot(found.name, found.owner or None)

    async def _bot(self, request: Request) -> ApiBot:
        given = (request.getHeader("authorization") or "").strip()
        scheme, _, token = given.partition(" ")
        bot = None
        if scheme.lower() == "bearer" and token.strip():
            bot = await self.tokens(token.strip())
        if bot is None:
            text = "a bot's token is required" if not given else "bad token"
            raise RefusedError("BAD_TOKEN", text, {"www-authenticate": "Bearer"})
        return bot

    # -- the calls --------------------------------------------------------------

    async def me(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        name, rooms = await self.chat.registry.bot_api.me(bot.name)
        return {"name": name, "bot": True, "owner": bot.owner, "rooms": rooms}

    async def rooms(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        listing, joined = await self.chat.registry.bot_api.listed(bot.name)
        return {
            "rooms": [
                {
                    "name": info.name,
                    "members": info.members,
                    "capacity": info.capacity,
                    "topic": info.topic,
                    "joined": name_key(info.name) in joined,
                }
                for info in listing.rooms
            ]
        }

    async def join(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        key = body.get("key")
        if key is not None and not isinstance(key, str):
            raise errors.bad_args('"key": a string')
        where, members = await self.chat.registry.bot_api.join(bot.name, room, key)
        return {"room": where, "members": members}

    async def leave(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        where = await self.chat.registry.bot_api.leave(bot.name, room)
        return {"room": where, "left": True}

    async def members(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        roster = await self.chat.registry.bot_api.members(bot.name, room)
        return {
            "room": roster.room,
            "members": roster.members,
            "owner": roster.owner or None,
        }

    async def post(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        txn, action = body.get("txn"), body.get("action", False)
        if txn is not None and not isinstance(txn, str):
            raise errors.bad_args('"txn": a string')
        if not isinstance(action, bool):
            raise errors.bad_args('"action": true or false')
        api = self.chat.registry.bot_api
        posted = await api.post(bot.name, room, body.get("text"), action, txn)
        number = int(posted.id) if posted.id.isdigit() else posted.id
        return {"room": posted.room, "id": number, "time": posted.time}

    async def history(
        self, request: Request, bot: ApiBot, room: str, body: Answer
    ) -> Answer:
        since = _number(request, "since", None, 0, None)
        limit = _number(request, "limit", HISTORY_DEFAULT, 1, HISTORY_MAX)
        assert limit is not None
        read = await self.chat.registry.bot_api.history(bot.name, room, since, limit)
        return {
            "room": read.room,
            "messages": [message_json(message) for message in read.messages],
            "more": read.more,
        }

    async def events(self, request: Request, bot: ApiBot, gone: list[Failure]) -> None:
        """``GET /api/v1/events``: the stream, kept open (at most
        ``--max-devices`` of one bot at once over every node: the core
        counts them, and is told when one ends)."""
        api = self.chat.registry.bot_api
        opened = await api.open_stream(bot.name)
        try:
            member = await api.member(bot.name)
        except BaseException:
            api.stream_ended(bot.name, opened)
            raise
        if gone:
            api.stream_ended(bot.name, opened)
            return
        stream = EventStream(request, self.chat.clock)

        def closed(_: object) -> None:
            stop()
            stream.stop()
            api.stream_ended(bot.name, opened)

        stop = member.listen(stream.event, stream.end)
        request.notifyFinish().addBoth(closed)
        stream.start()

    # -- answering --------------------------------------------------------------

    def _failed(self, failure: Failure, request: Request) -> None:
        if request.finished or getattr(request, "_disconnected", False):
            return
        refusal = failure.value
        if isinstance(refusal, RefusedError):
            for name, value in refusal.headers.items():
                request.setHeader(name, value)
            extra = {}
            if refusal.code == "RATE_LIMITED":
                extra["retry_after"] = int(refusal.headers["retry-after"])
            body = _refused(request, refusal.code, refusal.text, extra)
        elif isinstance(refusal, ChatError):
            body = _refused(request, refusal.code, refusal.text)
        else:
            self.log.failure("a REST API call failed", failure)
            body = _refused(request, "INTERNAL", "the server failed", status=500)
        request.write(body)
        request.finish()


class EventStream:
    """One ``GET /api/v1/events``: the bot's rooms' messages, joins and
    departures as Server-Sent Events (``event: TYPE``, ``data: JSON``, a
    blank line), a ``: keepalive`` comment every :data:`KEEPALIVE`
    seconds on the server's clock. It is handed what the bot's standing
    member is handed, so it follows the bot's memberships: a room joined
    later is streamed from then on, one left no more."""

    def __init__(self, request: Request, clock: Any) -> None:
        self.request = request
        self.clock = clock
        self.timer: IDelayedCall | None = None
        self.open = True

    def start(self) -> None:
        self.request.setHeader("content-type", "text/event-stream; charset=utf-8")
        self.request.setHeader("cache-control", "no-store")
        self.request.setHeader("x-accel-buffering", "no")  # through a proxy too
        self.request.write(b": connected\n\n")
        self._later()

    def _later(self) -> None:
        self.timer = self.clock.callLater(KEEPALIVE, self._keepalive)

    def _keepalive(self) -> None:
        self.timer = None
        if self.open:
            self.request.write(b": keepalive\n\n")
            self._later()

    def event(self, event: Event) -> None:
        """One event the bot's standing member was handed, if the stream
        shows its kind."""
        if not self.open:
            return
        if isinstance(event, Message):
            self.send("message", {"room": event.room, **message_json(event)})
        elif isinstance(event, Joined):
            self.send("join", {"room": event.room, "user": event.user})
        elif isinstance(event, Departure):
            reason = event.reason or event.kind.value
            self.send(
                "part", {"room": event.room, "user": event.user, "reason": reason}
            )

    def send(self, kind: str, data: Answer) -> None:
        line = json.dumps(data, ensure_ascii=False)
        self.request.write(f"event: {kind}\ndata: {line}\n\n".encode())

    def end(self, reason: str) -> None:
        """The bot's standing member ended (the bot removed): the stream too."""
        if not self.open:
            return
        self.stop()
        self.request.write(f": ended: {reason}\n\n".encode())
        self.request.finish()

    def stop(self) -> None:
        self.open = False
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


def _body(request: Request) -> Answer:
    """The request's JSON object ({} without a body).

    Raises:
        ChatError: ``BAD_ARGS``: not JSON, or not an object.
    """
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


def _number(
    request: Request, name: str, default: int | None, least: int, most: int | None
) -> int | None:
    """The query's ``name``, a whole number from ``least`` to ``most``.

    Raises:
        ChatError: ``BAD_ARGS``: not a number in range.
    """
    given = request.args.get(name.encode())
    if not given:
        return default
    text = given[0].decode("ascii", "replace")
    if not text.isdigit() or int(text) < least or (most and int(text) > most):
        bound = f"{least}-{most}" if most else f"at least {least}"
        raise errors.bad_args(f"{name}: a number, {bound}")
    return int(text)


def _json(request: Request, answer: Answer) -> bytes:
    request.setHeader(b"content-type", _JSON)
    request.setHeader(b"cache-control", b"no-store")
    return json.dumps(answer).encode() + b"\n"


def _refused(
    request: Request,
    code: str,
    text: str,
    extra: Answer | None = None,
    status: int | None = None,
) -> bytes:
    request.setResponseCode(status or status_of(code))
    return _json(request, {"error": code, "message": text, **(extra or {})})
