"""The server's tunables, with the defaults ``twistd chatroom`` uses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from chatroom.core.text import name_key


@dataclass(frozen=True)
class ServerConfig:
    """Every tunable of the server (``twistd chatroom --help`` explains each)."""

    name: str = "chatroom"
    #: What IRC's ``LINKS`` says of this server (``--description``).
    description: str = "chatroom"
    rooms: tuple[str, ...] = ("general",)
    room_capacity: int = 256
    #: From this many members on, a room's joiners join quietly: they are
    #: announced when they first speak (``--big-room``; 0: never;
    #: chatroom.core.presence).
    big_room: int = 1000
    max_rooms: int = 1024
    history: int = 50
    max_line: int = 4096
    max_unterminated: int = 64 * 1024
    rate: float = 1.0
    burst: int = 10
    max_backlog: int = 100
    max_clients: int = 10_000
    max_per_ip: int = 50
    #: Most connections (devices) signed in to one account at once.
    max_devices: int = 10
    login_timeout: float = 60.0
    sendq: int = 1024 * 1024
    ping_interval: float = 120.0
    ping_timeout: float = 60.0
    lobby_interval: float = 1.0
    shutdown_grace: float = 3.0
    #: Events kept per room (in the store, or in memory with ``--db :memory:``).
    retention: int = 10_000
    #: Seconds an event is kept in the store; 0 for no age limit.
    retention_age: float = 0.0
    #: Seconds a restored room waits for someone to rejoin it.
    grace: float = 300.0
    #: Most events replayed to a member resuming with ``/join ROOM since ID``.
    resume_bound: int = 1000
    #: Private messages kept for one absent account, waiting for it to sign
    #: in (more are refused with ``INBOX_FULL``), and messages kept per
    #: private conversation (the oldest go first).
    kept_private: int = 100
    conversation_retention: int = 1000
    #: Seconds after sending in which a message may be edited (0: never).
    edit_window: float = 900.0
    #: The shortest password an account may have (``--password-min``).
    password_min: int = 8
    #: Accounts (names) that are server admins when signed in (``--admins``).
    admins: tuple[str, ...] = ()
    #: Refuse plain names: every user signs in (``--require-account``).
    require_account: bool = False
    #: The IRC door's server password (``--irc-password``): "" for none.
    irc_password: str = ""

    #: Registrations one address may make per ``register_window`` seconds
    #: (``--register-limit``; 0 for no limit). Ergo's default, 30 per 10 minutes.
    register_limit: int = 30
    register_window: float = 600.0
    #: Registrations the whole server (each node) accepts per minute
    #: (``--register-rate``; 0 for no limit).
    register_rate: int = 60
    #: Rooms one user (account, else name) may make in any hour
    #: (``--rooms-per-hour``; 0 for no limit); server admins are not counted.
    rooms_per_hour: int = 10

    @cached_property
    def admin_accounts(self) -> frozenset[str]:
        """The name keys of ``--admins``: an account (always a name key) is
        a server admin if it is in here. Every registry and door asks this."""
        return frozenset(name_key(name) for name in self.admins)
