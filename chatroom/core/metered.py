"""A :class:`~chatroom.core.registry.Registry` that times every operation.

Latency is what a command waits on: each of the registry's operations is
timed here (``chatroom_command_seconds``, labelled by operation), and
messages accepted from clients are counted by door. The wiring wraps the
registry only when ``--http`` serves ``/metrics``, so a server without it
pays nothing.

Every member of :class:`Registry` is written out below, one line each, so
that mypy checks each against the protocol and nothing is forwarded
unseen; ``tests/test_metrics.py`` fails if the protocol gains an operation
this wrapper does not time. Only the lifecycle (:data:`UNTIMED`) is passed
through untimed: it is no command's wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from time import perf_counter
from typing import TypeVar

from prometheus_client import Counter, Histogram
from twisted.internet.defer import Deferred

from chatroom.core.accounts import AccountStore
from chatroom.core.admin import Killed
from chatroom.core.events import (
    Departure,
    DeviceList,
    Listing,
    PrivateMessage,
    PrivateTagMessage,
    RoomDetails,
    SearchResult,
    StoredEvent,
    TagMessage,
)
from chatroom.core.metrics import LATENCY_BUCKETS, REGISTRY, fanned_out
from chatroom.core.moderation import Action
from chatroom.core.modlog import ModEntry
from chatroom.core.reading import Marker, Unread
from chatroom.core.registry import Member, Registry
from chatroom.core.roominfo import RoomSettings
from chatroom.wire.tags import Tags

T = TypeVar("T")

MESSAGES_IN = Counter(
    "chatroom_messages_in",
    "Chat messages, actions and private messages accepted from clients.",
    ["door"],
    registry=REGISTRY,
)
OPERATION_SECONDS = Histogram(
    "chatroom_command_seconds",
    "Time the shared side took per operation a command asked of it.",
    ["operation"],
    registry=REGISTRY,
    buckets=LATENCY_BUCKETS,
)

#: Registry members passed through untimed: the server's lifecycle.
UNTIMED = frozenset({"account_store", "available", "start", "stop", "detach"})


class MeteredRegistry:
    """Times what it forwards to ``inner``; otherwise the same registry."""

    def __init__(self, inner: Registry) -> None:
        self.inner = inner
        self._timers: dict[str, Histogram] = {}

    def _timer(self, operation: str) -> Histogram:
        timer = self._timers.get(operation)
        if timer is None:
            timer = self._timers[operation] = OPERATION_SECONDS.labels(operation)
        return timer

    async def _timed(self, operation: str, call: Awaitable[T]) -> T:
        started = perf_counter()
        try:
            return await call
        finally:
            self._timer(operation).observe(perf_counter() - started)

    def _timed_now(self, operation: str, call: Callable[[], T]) -> T:
        started = perf_counter()
        try:
            return call()
        finally:
            self._timer(operation).observe(perf_counter() - started)

    # -- lifecycle, untimed ----------------------------------------------------

    @property
    def account_store(self) -> AccountStore:
        return self.inner.account_store

    @property
    def available(self) -> bool:
        return self.inner.available

    def start(self) -> None:
        self.inner.start()

    def stop(self) -> None:
        self.inner.stop()

    def detach(self) -> Deferred[None]:
        return self.inner.detach()

    # -- operations, timed -----------------------------------------------------

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> None:
        call = self.inner.claim_name(member, name, account, takeover)
        await self._timed("claim_name", call)

    async def set_account(self, member: Member, account: str) -> None:
        await self._timed("set_account", self.inner.set_account(member, account))

    def account_of(self, member: Member) -> str:
        return self._timed_now("account_of", lambda: self.inner.account_of(member))

    def account_named(self, name: str) -> str:
        return self._timed_now("account_named", lambda: self.inner.account_named(name))

    async def set_away(self, member: Member, message: str) -> None:
        await self._timed("set_away", self.inner.set_away(member, message))

    async def set_realname(self, member: Member, realname: str) -> None:
        await self._timed("set_realname", self.inner.set_realname(member, realname))

    def release(self, member: Member, reason: str) -> None:
        self._timed_now("release", lambda: self.inner.release(member, reason))

    def quit(self, member: Member, words: str) -> str:
        return self._timed_now("quit", lambda: self.inner.quit(member, words))

    async def list_rooms(self, member: Member | None = None) -> Listing:
        return await self._timed("list_rooms", self.inner.list_rooms(member))

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        call = self.inner.create_room(member, name, leaving)
        await self._timed("create_room", call)

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
        catch_up: bool = False,
    ) -> None:
        call = self.inner.join_room(member, name, leaving, since, key, catch_up)
        await self._timed("join_room", call)

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[StoredEvent]:
        call = self.inner.room_history(member, room, count, before)
        return await self._timed("room_history", call)

    async def leave_room(self, member: Member, room: str, words: str = "") -> Departure:
        return await self._timed(
            "leave_room", self.inner.leave_room(member, room, words)
        )

    async def say(
        self,
        member: Member,
        room: str,
        text: str,
        tags: Tags = (),
        action: bool = False,
    ) -> None:
        await self._timed("say", self.inner.say(member, room, text, tags, action))
        MESSAGES_IN.labels(member.door).inc()

    async def paste(self, member: Member, room: str, text: str) -> None:
        await self._timed("paste", self.inner.paste(member, room, text))
        MESSAGES_IN.labels(member.door).inc()

    async def reply(
        self, member: Member, room: str, event_id: int, text: str, tags: Tags = ()
    ) -> None:
        await self._timed("reply", self.inner.reply(member, room, event_id, text, tags))
        MESSAGES_IN.labels(member.door).inc()

    async def edit(self, member: Member, room: str, event_id: int, text: str) -> None:
        await self._timed("edit", self.inner.edit(member, room, event_id, text))

    async def redact(
        self, member: Member, room: str, event_id: int, reason: str
    ) -> None:
        await self._timed("redact", self.inner.redact(member, room, event_id, reason))

    async def react(
        self, member: Member, room: str, event_id: int, reaction: str, adding: bool
    ) -> None:
        call = self.inner.react(member, room, event_id, reaction, adding)
        await self._timed("react", call)

    async def to_operators(
        self, member: Member, room: str, text: str, notice: bool = False
    ) -> None:
        call = self.inner.to_operators(member, room, text, notice)
        await self._timed("to_operators", call)

    async def typing(self, member: Member, room: str, state: str) -> None:
        await self._timed("typing", self.inner.typing(member, room, state))

    async def tag_message(
        self,
        member: Member,
        room: str,
        tags: Tags,
        typing: str | None = None,
        reactions: Sequence[tuple[int, str, bool]] = (),
    ) -> TagMessage:
        return await self._timed(
            "tag_message",
            self.inner.tag_message(member, room, tags, typing, reactions),
        )

    async def private_tag_message(
        self, member: Member, target: str, tags: Tags
    ) -> PrivateTagMessage:
        return await self._timed(
            "private_tag_message",
            self.inner.private_tag_message(member, target, tags),
        )

    async def modlog(self, member: Member, room: str, count: int) -> list[ModEntry]:
        return await self._timed("modlog", self.inner.modlog(member, room, count))

    async def room_details(self, room: str) -> RoomDetails:
        return await self._timed("room_details", self.inner.room_details(room))

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        await self._timed("set_topic", self.inner.set_topic(member, room, topic))

    async def delete_room(self, member: Member, name: str) -> None:
        await self._timed("delete_room", self.inner.delete_room(member, name))

    async def private_message(
        self, member: Member, target: str, text: str, tags: Tags = ()
    ) -> PrivateMessage:
        call = self.inner.private_message(member, target, text, tags)
        event = await self._timed("private_message", call)
        MESSAGES_IN.labels(member.door).inc()
        fanned_out(event, 1)  # the recipient's copy; no room fans it out
        return event

    async def private_history(
        self, member: Member, other: str, count: int, before: int | None = None
    ) -> list[PrivateMessage]:
        call = self.inner.private_history(member, other, count, before)
        return await self._timed("private_history", call)

    async def private_targets(self, member: Member) -> list[PrivateMessage]:
        return await self._timed("private_targets", self.inner.private_targets(member))

    async def deliver_kept(self, member: Member) -> None:
        await self._timed("deliver_kept", self.inner.deliver_kept(member))

    async def read_marker(self, member: Member, room: str) -> int | None:
        return await self._timed("read_marker", self.inner.read_marker(member, room))

    async def mark_read(self, member: Member, room: str, event_id: int) -> Marker:
        call = self.inner.mark_read(member, room, event_id)
        return await self._timed("mark_read", call)

    async def unread(self, member: Member, rooms: list[str]) -> list[Unread]:
        return await self._timed("unread", self.inner.unread(member, rooms))

    async def search(
        self, member: Member, rooms: list[str], text: str
    ) -> list[SearchResult]:
        return await self._timed("search", self.inner.search(member, rooms, text))

    def watch_lobby(self, member: Member, watching: bool) -> None:
        self._timed_now("watch_lobby", lambda: self.inner.watch_lobby(member, watching))

    async def moderate(self, member: Member, room: str, action: Action) -> None:
        await self._timed("moderate", self.inner.moderate(member, room, action))

    async def room_settings(self, member: Member, room: str) -> RoomSettings:
        call = self.inner.room_settings(member, room)
        return await self._timed("room_settings", call)

    async def kill(self, member: Member, target: str, reason: str) -> Killed:
        return await self._timed("kill", self.inner.kill(member, target, reason))

    async def server_ban(self, member: Member, target: str, banned: bool) -> str:
        call = self.inner.server_ban(member, target, banned)
        return await self._timed("server_ban", call)

    async def announce(self, member: Member, text: str) -> None:
        await self._timed("announce", self.inner.announce(member, text))

    async def wallops(self, member: Member, text: str) -> None:
        await self._timed("wallops", self.inner.wallops(member, text))

    async def viewing_every_room(self, member: Member) -> None:
        call = self.inner.viewing_every_room(member)
        await self._timed("viewing_every_room", call)

    async def devices_of(self, member: Member) -> DeviceList:
        return await self._timed("devices_of", self.inner.devices_of(member))

    async def end_device(self, member: Member, number: int) -> None:
        await self._timed("end_device", self.inner.end_device(member, number))
