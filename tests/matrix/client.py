"""A Matrix user for the bridge's tests: matrix-nio, a real client library,
on an asyncio loop in a thread of its own.

Each call blocks until the homeserver has answered (a test on trial's
reactor runs it with ``threads.deferToThread``); :meth:`MatrixUser.timeline`
syncs and returns every event of a room the user has seen so far (raw, as
the homeserver sent them), and :meth:`MatrixUser.wait_event` waits for one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from nio import AsyncClient, JoinError, RoomSendError, SyncError
from twisted.internet import defer, threads
from twisted.trial import unittest

from tests.client.tmux import wait_for
from tests.matrix import Synapse


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

    def call(self, work: Coroutine[Any, Any, Any]) -> Any:
        """``work`` run on the client's loop: its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(120)

    async def _login(self, password: str) -> None:
        answer = await self.client.login(password)
        assert getattr(answer, "access_token", None), answer

    def login(self, password: str) -> None:
        self.call(self._login(password))

    async def _join(self, room: str) -> str | None:
        answer = await self.client.join(room)
        return None if isinstance(answer, JoinError) else str(answer.room_id)

    def join(self, room: str) -> str | None:
        """Join ``room`` (an alias or id): its id, or None if refused."""
        return self.call(self._join(room))

    async def _leave(self, room_id: str) -> None:
        await self.client.room_leave(room_id)

    def leave(self, room_id: str) -> None:
        self.call(self._leave(room_id))

    async def _send(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        answer = await self.client.room_send(room_id, kind, content)
        assert not isinstance(answer, RoomSendError), answer
        return str(answer.event_id)

    def send(
        self, room_id: str, content: dict[str, Any], kind: str = "m.room.message"
    ) -> str:
        """An event sent: its id."""
        return str(self.call(self._send(room_id, kind, content)))

    def say(self, room_id: str, text: str, msgtype: str = "m.text") -> str:
        return self.send(room_id, {"msgtype": msgtype, "body": text})

    def edit(self, room_id: str, event_id: str, text: str) -> str:
        """An ``m.replace`` of ``event_id`` saying ``text`` now, with the
        ``* TEXT`` fallback a Matrix client sends: its id."""
        return self.send(
            room_id,
            {
                "msgtype": "m.text",
                "body": f"* {text}",
                "m.new_content": {"msgtype": "m.text", "body": text},
                "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
            },
        )

    def react(self, room_id: str, event_id: str, key: str) -> str:
        """An ``m.annotation`` of ``event_id`` with ``key``: its id."""
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return self.send(room_id, {"m.relates_to": relates}, "m.reaction")

    async def _redact(self, room_id: str, event_id: str, reason: str) -> None:
        answer = await self.client.room_redact(room_id, event_id, reason)
        assert getattr(answer, "event_id", None), answer

    def redact(self, room_id: str, event_id: str, reason: str = "") -> None:
        self.call(self._redact(room_id, event_id, reason))

    async def _sync(self) -> None:
        answer = await self.client.sync(timeout=0, since=self.since)
        if isinstance(answer, SyncError):
            return
        self.since = answer.next_batch
        for room_id, room in answer.rooms.join.items():
            seen = self.events.setdefault(room_id, [])
            seen.extend(event.source for event in room.timeline.events)

    def timeline(self, room_id: str) -> list[dict[str, Any]]:
        """Every event of ``room_id`` seen so far (synced now)."""
        self.call(self._sync())
        return list(self.events.get(room_id, []))

    def wait_event(
        self,
        room_id: str,
        what: str,
        check: Callable[[dict[str, Any]], bool],
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """The first event of ``room_id`` that ``check`` takes, waited for."""
        found: list[dict[str, Any]] = []

        def seen() -> bool:
            found[:] = [e for e in self.timeline(room_id) if check(e)]
            return bool(found)

        wait_for(what, seen, timeout=timeout, every=0.3)
        return found[0]

    def close(self) -> None:
        async def closing() -> None:
            await self.client.close()

        try:
            self.call(closing())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)


@defer.inlineCallbacks
def signed_in(
    case: unittest.TestCase, synapse: Synapse, localpart: str
) -> Generator[Any, Any, MatrixUser]:
    """A Matrix user made on ``synapse`` and signed in, closed when
    ``case`` ends."""
    user_id = yield threads.deferToThread(synapse.register_user, localpart)
    user = MatrixUser(synapse.url, user_id)
    case.addCleanup(threads.deferToThread, user.close)
    yield threads.deferToThread(user.login, "secret-pw")
    return user
