"""A :class:`~chatroom.core.registry.Registry` that times every operation.

Latency is what a command waits on: each operation a door asks of the
registry or of one of its services is timed here
(``chatroom_command_seconds``, labelled by operation), and messages
accepted from clients are counted by door. The wiring wraps the registry
only when ``--http`` serves ``/metrics``, so a server without it pays
nothing.

The wrappers are derived when this module is imported: every member the
:class:`Registry` protocol declares gets a forwarder to the inner
registry, timed unless it is the lifecycle (:data:`UNTIMED`, which is no
command's wait), and each service it hands out (:data:`SERVICES`) a
wrapper of its own, with a timed forwarder for each of its operations
(every public method of a service written for the doors; the named ones
of an object handed over as it is, labelled as :data:`SERVICES` says). An
operation added is timed without a line here, nothing reaches the inner
registry unseen (there is no ``__getattr__``), and a member of a kind the
wrapper cannot forward (a bare attribute) fails the import.
:func:`metered` hands the wrapper out as a ``Registry``, which is what
mypy checks its callers against; ``tests/core/test_metrics.py`` calls
every operation through it and fails if one goes untimed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import update_wrapper
from operator import attrgetter
from time import perf_counter
from typing import Any, cast

from prometheus_client import Counter, Histogram

from chatroom.core.accounts.notify_levels import NotifyLevels
from chatroom.core.accounts.profiles import Profiles
from chatroom.core.calls.service import Calls
from chatroom.core.messages.abuse_reports import AbuseReports
from chatroom.core.messages.pins import Pins
from chatroom.core.messages.threads import MessageThreads
from chatroom.core.model.events import PrivateMessage
from chatroom.core.model.member import Member
from chatroom.core.model.metrics import LATENCY_BUCKETS, REGISTRY, CountedBy, fanned_out
from chatroom.core.registry import Registry
from chatroom.core.rooms.slash_commands import SlashCommands
from chatroom.core.rooms.webhooks import Webhooks
from chatroom.core.services.bot_api import BotAPI
from chatroom.core.services.devices import Devices
from chatroom.core.services.messages import MessageService
from chatroom.core.services.moderation import ModerationService
from chatroom.core.services.presence import PresenceService
from chatroom.core.services.reading import Markings
from chatroom.core.services.rooms import RoomService
from chatroom.core.services.users import UserService

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

#: Registry members passed through untimed: the server's lifecycle, and what
#: it holds (its accounts, whose sign-ins wait on hashing, not on the
#: shared side; its server bans, its files, its store's epoch, its sessions).
UNTIMED = frozenset(
    {
        "accounts",
        "bans",
        "missed_mail",
        "available",
        "files",
        "store_epoch",
        "start",
        "stop",
        "reconfigure",
        "detach",
        "attach_reloader",
        "sessions",
        "standing",
    }
)


class _Timing:
    """One operation's series of ``chatroom_command_seconds``, made on its
    first use, so ``/metrics`` lists only the operations that ran."""

    __slots__ = ("histogram", "operation")

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.histogram: Histogram | None = None

    def observe(self, seconds: float) -> None:
        histogram = self.histogram
        if histogram is None:
            histogram = self.histogram = OPERATION_SECONDS.labels(self.operation)
        histogram.observe(seconds)


#: ``chatroom_messages_in`` per door, each made on the door's first message.
_MESSAGES_IN_BY_DOOR = CountedBy(MESSAGES_IN)


def _message_in(member: Member, _result: object) -> None:
    """A message, action or paste accepted from ``member``'s door."""
    _MESSAGES_IN_BY_DOOR.inc(member.door)


def _private_message_in(member: Member, event: PrivateMessage) -> None:
    """A private message accepted, and its recipient's copy handed over (no
    room fans it out, so nothing else counts it)."""
    _message_in(member, event)
    fanned_out(event, 1)


#: The operations counted besides being timed, and how: each is called with
#: the operation's member (its first argument) and its result.
COUNTED: dict[str, Callable[[Member, Any], None]] = {
    "say": _message_in,
    "paste": _message_in,
    "reply": _message_in,
    "private_message": _private_message_in,
}


def _passed_through(name: str) -> Callable[..., Any]:
    """A lifecycle method forwarded as it is, untimed."""

    def forward(self: _Metered, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.inner, name)(*args, **kwargs)

    return forward


def _timed(name: str, member: Callable[..., Any], label: str) -> Callable[..., Any]:
    """An operation forwarded and timed as ``label`` (and counted, if
    :data:`COUNTED`)."""
    timing = _Timing(label)
    count = COUNTED.get(label)
    if count is not None:
        return _timed_and_counted(name, member, timing, count)
    if inspect.iscoroutinefunction(member):

        async def forward(self: _Metered, *args: Any, **kwargs: Any) -> Any:
            started = perf_counter()
            try:
                return await getattr(self.inner, name)(*args, **kwargs)
            finally:
                timing.observe(perf_counter() - started)

        return forward

    def forward_now(self: _Metered, *args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        try:
            return getattr(self.inner, name)(*args, **kwargs)
        finally:
            timing.observe(perf_counter() - started)

    return forward_now


def _timed_and_counted(
    name: str,
    member: Callable[..., Any],
    timing: _Timing,
    count: Callable[[Member, Any], None],
) -> Callable[..., Any]:
    """An operation forwarded, timed, then counted with its member and result."""
    taking = list(inspect.signature(member).parameters)
    if not inspect.iscoroutinefunction(member) or taking[1:2] != ["member"]:
        raise TypeError(f"{name}: counted, so a coroutine taking the member first")

    async def forward(self: _Metered, member: Member, *args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        try:
            result = await getattr(self.inner, name)(member, *args, **kwargs)
        finally:
            timing.observe(perf_counter() - started)
        count(member, result)
        return result

    return forward


class _Metered:
    """Times what it forwards to ``inner``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner


#: The services the registry hands the doors, by its attribute: the class,
#: and for an object handed over as it is (not written for the doors, so
#: with public methods the doors never call), its operations and the label
#: each is timed under; None: every public method, under its own name.
SERVICES: dict[str, tuple[type, dict[str, str] | None]] = {
    "rooms": (RoomService, None),
    "messages": (MessageService, None),
    "moderation": (ModerationService, None),
    "presence": (PresenceService, None),
    "users": (UserService, None),
    "markers": (Markings, None),
    "webhooks": (
        Webhooks,
        {
            "add": "add_webhook",
            "remove": "remove_webhook",
            "listed": "webhooks",
            "post": "post_webhook",
            "add_as": "add_webhook_as",
            "remove_as": "remove_webhook_as",
            "listed_as": "webhooks_as",
            "every_hook": "every_webhook",
        },
    ),
    "bot_api": (
        BotAPI,
        {
            "member": "api_stand",
            "me": "api_me",
            "listed": "api_rooms",
            "join": "api_join",
            "leave": "api_leave",
            "members": "api_members",
            "post": "api_post",
            "history": "api_history",
            "open_stream": "api_stream_open",
            "stream_ended": "api_stream_ended",
            "take_turn": "api_take_turn",
        },
    ),
    "slash_commands": (
        SlashCommands,
        {
            "add": "add_slash_command",
            "remove": "remove_slash_command",
            "listed": "slash_commands",
            "called": "use_slash_command",
            "answered": "slash_command_answer",
        },
    ),
    "calls": (
        Calls,
        {
            "members": "call",
            "start": "call_start",
            "join": "call_join",
            "leave": "call_leave",
            "signal": "call_signal",
        },
    ),
    "devices": (
        Devices,
        {
            "listed": "devices_of",
            "end": "end_device",
            "end_others": "end_other_devices",
            "show_rooms": "viewing_every_room",
        },
    ),
    "threads": (
        MessageThreads,
        {
            "say": "thread",
            "threads": "threads",
            "history": "thread_history",
            "follow": "follow_thread",
        },
    ),
    "pins": (Pins, {"pin": "pin", "pinned": "pinned"}),
    "notify_levels": (NotifyLevels, {"level": "notify_level"}),
    "profiles": (
        Profiles,
        {"of": "profile_of", "own": "own_profile", "set": "set_profile"},
    ),
    "abuse_reports": (
        AbuseReports,
        {"report": "report", "queue": "open_reports", "close": "close_report"},
    ),
}


def operations_of(service: type, labels: dict[str, str] | None) -> dict[str, str]:
    """The operations of a service class the doors call, each with the
    label it is timed under."""
    if labels is not None:
        return labels
    return {
        name: name
        for name, member in vars(service).items()
        if name[0] != "_" and inspect.isfunction(member)
    }


def _metered_service(service: type, labels: dict[str, str] | None) -> type:
    """A wrapper class for ``service``: its operations, timed."""
    made = type(f"Metered{service.__name__}", (_Metered,), {})
    for name, label in operations_of(service, labels).items():
        member = vars(service)[name]
        setattr(made, name, update_wrapper(_timed(name, member, label), member))
    return made


_WRAPPERS = {
    attribute: _metered_service(service, labels)
    for attribute, (service, labels) in SERVICES.items()
}


class MeteredRegistry(_Metered):
    """Times what it forwards to ``inner``; otherwise the same registry.

    Its members are made from :class:`Registry`'s below; use :func:`metered`
    to have one typed as the registry it is.
    """

    def __init__(self, inner: Registry) -> None:
        super().__init__(inner)
        for attribute, wrapper in _WRAPPERS.items():
            setattr(self, attribute, wrapper(getattr(inner, attribute)))


def _derive_from_protocol() -> None:
    """Give :class:`MeteredRegistry` a forwarder for each member of the
    :class:`Registry` protocol: a property (the lifecycle's, the sessions)
    read from the inner registry, a service wrapped (in :meth:`__init__`),
    a method timed unless it is in :data:`UNTIMED`."""
    members = {
        name: member for name, member in vars(Registry).items() if name[0] != "_"
    }
    bare = set(getattr(Registry, "__annotations__", {})) - set(members)
    if bare:
        raise TypeError(f"MeteredRegistry cannot forward attributes {sorted(bare)}")
    for name, member in members.items():
        if name in SERVICES:
            continue
        if isinstance(member, property) and name in UNTIMED:
            inner = attrgetter(f"inner.{name}")
            setattr(MeteredRegistry, name, property(inner, doc=member.__doc__))
            continue
        if not inspect.isfunction(member):
            raise TypeError(f"MeteredRegistry cannot time {name!r}: not a method")
        made = _passed_through(name) if name in UNTIMED else _timed(name, member, name)
        # Its name, docstring and signature are the protocol's (the
        # signature through __wrapped__: what inspect and tests read).
        setattr(MeteredRegistry, name, update_wrapper(made, member))


_derive_from_protocol()


def metered(inner: Registry) -> Registry:
    """``inner`` with every operation timed, as the :class:`Registry` it is."""
    return cast(Registry, MeteredRegistry(inner))
