"""A Matrix user for the bridge's tests: matrix-nio, a real client library,
on an asyncio loop in a thread of its own, driven from trial's reactor.

Each call (:meth:`MatrixUser.call`) runs a coroutine on that loop and
fires a Deferred with its result; :meth:`MatrixUser.timeline` syncs and
returns every event of a room the user has seen so far (raw, as the
homeserver sent them), so a test waits for one with :func:`tests.support.until`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from nio import AsyncClient, JoinError, RoomSendError, SyncError
from twisted.internet import defer, threads


class MatrixUser:
    """One Matrix user, signed in with a password."""

    def __init__(self, homeserver: str, user_id: str) -> None:
        self.user_id = user_id
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = AsyncClient(homeserver, user_id)
        #: room id → every timeline event seen there (raw JSON), in order.
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.since: str | None = None

    def call(self, work: Coroutine[Any, Any, Any]) -> defer.Deferred[Any]:
        """``work`` run on the client's loop: fires with its result."""
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        return threads.deferToThread(future.result, 120)

    async def _login(self, password: str) -> None:
        answer = await self.client.login(password)
        assert getattr(answer, "access_token", None), answer

    def login(self, password: str) -> defer.Deferred[None]:
        return self.call(self._login(password))

    async def _join(self, room: str) -> str | None:
        answer = await self.client.join(room)
        return None if isinstance(answer, JoinError) else str(answer.room_id)

    def join(self, room: str) -> defer.Deferred[str | None]:
        """Join ``room`` (an alias or id): its id, or None if refused."""
        return self.call(self._join(room))

    async def _send(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        answer = await self.client.room_send(room_id, kind, content)
        assert not isinstance(answer, RoomSendError), answer
        return str(answer.event_id)

    def send(
        self, room_id: str, content: dict[str, Any], kind: str = "m.room.message"
    ) -> defer.Deferred[str]:
        """An event sent: its id."""
        return self.call(self._send(room_id, kind, content))

    def say(
        self, room_id: str, text: str, msgtype: str = "m.text"
    ) -> defer.Deferred[str]:
        return self.send(room_id, {"msgtype": msgtype, "body": text})

    async def _sync(self) -> None:
        answer = await self.client.sync(timeout=0, since=self.since)
        if isinstance(answer, SyncError):
            return
        self.since = answer.next_batch
        for room_id, room in answer.rooms.join.items():
            seen = self.events.setdefault(room_id, [])
            seen.extend(event.source for event in room.timeline.events)

    def timeline(self, room_id: str) -> defer.Deferred[list[dict[str, Any]]]:
        """Every event of ``room_id`` seen so far (synced now)."""
        syncing = self.call(self._sync())
        syncing.addCallback(lambda _: list(self.events.get(room_id, [])))
        return syncing

    def close(self) -> defer.Deferred[None]:
        async def closing() -> None:
            await self.client.close()

        done = self.call(closing())
        done.addBoth(lambda _: self.loop.call_soon_threadsafe(self.loop.stop))
        return done
