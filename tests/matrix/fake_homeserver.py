"""A fake Matrix homeserver for the bridge's unit tests (not Synapse): it
answers the calls the bridge makes (createRoom, register, ping, send, a
portal's power levels) as
Synapse would, and records them; :attr:`FakeHomeserver.away` makes every
call fail as an unreachable homeserver's does."""

from __future__ import annotations

from typing import Any

from chatroom.core.bridging.appservice import HomeserverAwayError
from chatroom.core.model.bridged import MatrixSettings

SETTINGS = MatrixSettings(
    service_id="chatroom",
    as_token="as-token-" + "a" * 32,
    hs_token="hs-token-" + "h" * 32,
    sender_localpart="chatroom",
    homeserver="http://127.0.0.1:9",
    server_name="localhost",
)


class FakeHomeserver:
    """:class:`chatroom.core.bridging.appservice.Homeserver`, in memory."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any] | None, str | None]] = []
        self.away = False
        self.rooms = 0
        #: Each send's (and redaction's) event id, by its path: a send
        #: again with the same transaction id is answered the same id, as
        #: Synapse answers it.
        self.sent: dict[str, str] = {}
        #: The portals' ``m.room.power_levels`` (as Synapse makes a
        #: public_chat room's: its creator, the bridge, at 100).
        self.power_levels: dict[str, Any] = {
            "users": {SETTINGS.bridge_user: 100},
            "users_default": 0,
            "redact": 50,
        }

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        if self.away:
            raise HomeserverAwayError("ConnectionRefusedError")
        self.calls.append((method, path, body, user_id))
        if path.endswith("/createRoom"):
            self.rooms += 1
            return 200, {"room_id": f"!portal{self.rooms}:localhost"}
        if path.endswith("/register"):
            return 200, {"user_id": f"@{(body or {}).get('username')}:localhost"}
        if path.endswith("/state/m.room.power_levels") and method == "GET":
            return 200, self.power_levels
        if "/send/" in path or "/redact/" in path:
            event_id = self.sent.setdefault(path, f"$sent{len(self.sent) + 1}")
            return 200, {"event_id": event_id}
        return 200, {}

    def sends(self) -> list[tuple[str, dict[str, Any], str | None]]:
        """Every send and redaction made: its path, its content, as whom
        (repeats too)."""
        return [
            (path, body or {}, user)
            for _, path, body, user in self.calls
            if "/send/" in path or "/redact/" in path
        ]

    def made(self, path_end: str) -> list[dict[str, Any] | None]:
        """The bodies of the calls to paths ending ``path_end``."""
        return [body for _, path, body, _ in self.calls if path.endswith(path_end)]


def message(
    event_id: str,
    body: str,
    room_id: str = "!portal1:localhost",
    sender: str = "@bob:example.org",
    msgtype: str = "m.text",
    **content: Any,
) -> dict[str, Any]:  # content: more of the event's content's fields
    """An ``m.room.message`` event as a homeserver pushes it."""
    return {
        "type": "m.room.message",
        "event_id": event_id,
        "room_id": room_id,
        "sender": sender,
        "origin_server_ts": 1795000000000,
        "content": {"msgtype": msgtype, "body": body, **content},
    }
