"""The numbers on ``/metrics`` cannot drift from the code they measure.

The timing wrapper must time every operation of the registry protocol and
of each service it hands the doors, so adding an operation without timing
it fails here; the hot-path counters
stay a leaf module, importable by every layer without a cycle.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.metered import (
    SERVICES,
    UNTIMED,
    MeteredRegistry,
    metered,
    operations_of,
)
from chatroom.core.model import metrics
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.presence import Presence
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.whowas import Departed
from chatroom.core.policy.moderation import Action, Actor
from chatroom.core.registry import Registry
from chatroom.core.rooms.slash_commands import SlashCall
from chatroom.core.server.census import Census
from chatroom.doors.base.hub import DoorHub
from chatroom.wiring.registries import local_registry
from tests.support import FakeClient

#: What each required argument of a registry operation is, by its name; the
#: member is the test's own. An operation with a new argument fails below
#: until a sample is added here.
SAMPLES: dict[str, object] = {
    "number": 7,
    "name": "general",
    "room": "general",
    "page": "http://chat.example/",
    "user": "nobody",
    "target": "nobody",
    "other": "nobody",
    "text": "hi",
    "reason": "bye",
    "words": "bye",
    "kind": "MSG",
    "topic": "tea",
    "account": "",
    "count": 1,
    "action": Action("op", "nobody"),
    "banned": True,
    "watching": True,
    "event_id": 0,
    "rooms": ["general"],
    "reaction": "x",
    "adding": True,
    "state": "active",
    "tags": (("+typing", "active"),),
    "message": "lunch",
    "realname": "Someone",
    "secret": "no-such-hook",
    "body": b"{}",
    "token": "no-such-export",
    "endpoint": "https://push.example/x",
    "p256dh": "x",
    "auth": "x",
    "format": "json",
    "archive": b"{}",
    "actor": Actor("someone"),
    "path": "unwritten.sqlite3",
    "facts": Presence("someone", "some", "Someone"),
    "gone": Departed("someone", "some", "Someone", 0.0),
    "names": ["nobody"],
    "nick": "carol/matrix",
    "listener": lambda news: None,
    "following": False,
    "root": 1,
    "refusal": ChatError("NOT_IN_ROOM", "you are not in that room"),
    "pinned": True,
    "before": None,
    "here": Census(1, 0, 0),
    "level": "",
    "ignore": True,
    "note": "",
    "key": "display-name",
    "value": "",
    "door": "irc",
    "positions": {},
    "bot": "robot",
    "txn": None,
    "stream": "no-such-stream",
    "since": None,
    "limit": 1,
    "url": "https://hooks.example/weather",
    "call": SlashCall(
        SlashCommand("weather", "https://hooks.example/weather", "t", "alice"),
        "general",
        [],
    ),
}


def operations() -> list[str]:
    """Every member the :class:`Registry` protocol declares but the
    services it hands out."""
    return sorted(
        name
        for name in vars(Registry)
        if not name.startswith("_") and name not in SERVICES
    )


def service_operations() -> dict[str, str]:
    """Every operation of every service, as ``service.method``, with the
    label it is timed under."""
    return {
        f"{attribute}.{name}": label
        for attribute, (service, labels) in SERVICES.items()
        for name, label in operations_of(service, labels).items()
    }


def timed(operation: str) -> float:
    """How many times ``operation`` has been timed in this process."""
    sample = metrics.REGISTRY.get_sample_value(
        "chatroom_command_seconds_count", {"operation": operation}
    )
    return sample or 0.0


class MeteredRegistryTests(unittest.TestCase):
    """Every registry operation a command can ask for is timed."""

    def setUp(self) -> None:
        # A fresh user per operation, all from one address: no limit on them.
        config = ServerConfig(rate=0, max_per_ip=0)
        clock = Clock()
        self.registry = metered(local_registry(config, clock))
        self.registry.start()
        self.server = DoorHub(config, clock=clock, registry=self.registry)
        self.users = 0

    def member(self) -> FakeClient:
        """A fresh named user in room ``general``."""
        self.users += 1
        client = FakeClient(self.server)
        client.send(f"user{self.users}")
        client.send("/join general")
        return client

    def method(self, operation: str) -> Callable[..., Any]:
        """The wrapper's ``operation`` (``name``, or ``service.name``)."""
        found: Any = self.registry
        for part in operation.split("."):
            found = getattr(found, part)
        method: Callable[..., Any] = found
        return method

    def arguments(self, operation: str) -> list[object]:
        """The required arguments of ``operation``: a fresh member, samples."""
        method = self.method(operation)
        arguments: list[object] = []
        for parameter in inspect.signature(method).parameters.values():
            if parameter.default is not inspect.Parameter.empty:
                continue
            if parameter.name == "member":
                arguments.append(self.member().protocol)
            else:
                self.assertIn(parameter.name, SAMPLES, f"{operation}: add a sample")
                arguments.append(SAMPLES[parameter.name])
        return arguments

    def call(self, operation: str, arguments: list[object]) -> None:
        """Ask the wrapper for ``operation`` once; a refusal still counts."""
        method = self.method(operation)
        try:
            result = method(*arguments)
        except ChatError:
            return
        if inspect.iscoroutine(result):
            done: Deferred[object] = ensureDeferred(result)
            done.addErrback(lambda failure: failure.trap(ChatError))
            self.successResultOf(done)

    def test_every_member_forwarded(self) -> None:
        """The wrapper has every member of the protocol itself, made from
        the protocol: nothing reaches the inner registry unseen (there is
        no ``__getattr__``)."""
        missing = set(operations()) - set(vars(MeteredRegistry))
        self.assertEqual(missing, set())
        self.assertNotIn("__getattr__", vars(MeteredRegistry))
        for attribute in SERVICES:
            wrapper = type(getattr(self.registry, attribute))
            self.assertNotIn("__getattr__", vars(wrapper))
            inner = cast(MeteredRegistry, self.registry).inner
            self.assertIs(
                getattr(self.registry, attribute).inner, getattr(inner, attribute)
            )

    def test_every_operation_timed(self) -> None:
        """Each operation, called once through the wrapper, is observed once
        under its own name; only the lifecycle is left untimed."""
        timed_operations = {name: name for name in operations() if name not in UNTIMED}
        timed_operations.update(service_operations())
        self.assertEqual(timed_operations["rooms.join_room"], "join_room")
        self.assertEqual(len(set(timed_operations.values())), len(timed_operations))
        for operation, label in timed_operations.items():
            arguments = self.arguments(operation)
            before = timed(label)
            self.call(operation, arguments)
            self.assertEqual(timed(label), before + 1, operation)

    def test_untimed_only_lifecycle(self) -> None:
        """What is passed through untimed is only the lifecycle and the
        properties, never a command's operation."""
        self.assertEqual(
            UNTIMED,
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
            },
        )
        self.assertLessEqual(UNTIMED, set(operations()))


class LeafTests(unittest.TestCase):
    """The hot path's counters import nothing of chatroom's."""

    def test_metrics_is_a_leaf(self) -> None:
        """``chatroom.core.model.metrics`` has no chatroom import, so back-ends,
        doors and the core can all count into it without a cycle."""
        tree = ast.parse(Path(metrics.__file__).read_text())
        imported = {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        self.assertEqual({m for m in imported if m.startswith("chatroom")}, set())
