"""What a message in a room bridged to Matrix costs Redis beside one in a
plain room: its writes, counted by Redis itself.

It starts a ``redis-server`` (no persistence) and one chat node in this
process over it (a real Redis registry and line door), with the Matrix
bridge composed over the node's core as ``twistd chatroom
--matrix-registration …`` composes it, its homeserver an in-memory one that
answers as Synapse does (the bridge's calls to Matrix are not what is
counted). ``alice`` says MESSAGES lines in ``plain`` and ``bob`` as many
in ``tea``, a portal, alternated ROUNDS times; then the bridge's sender
sends tea's lines to Matrix (a pass sends a batch of 50 a room). Each
step's cost is the difference of Redis's ``INFO commandstats`` before
and after it: the calls of every command a script makes inside Redis
(``HINCRBY``, ``RPUSH``, ``SET``…) counted apart from the scripts
(``EVALSHA``, a message's ``FCALL``), and of those, the commands Redis's
``COMMAND INFO`` flags ``write``. The node's own timers (its heartbeat)
run meanwhile, so a figure may carry a fraction of their calls.

Run from a checkout with ``redis-server`` on the ``PATH``::

    PYTHONPATH=. .venv/bin/python benchmarks/bridged_writes.py [MESSAGES] [ROUNDS]
"""

from __future__ import annotations

import sys
from typing import Any, cast

from twisted.internet import defer, task

from chatroom.core.model.config import ServerConfig
from chatroom.wiring.composition import compose_bridge
from tests.cluster.resume_crowds import start_node, wait_for
from tests.cluster.support import RedisProcess
from tests.matrix.fake_homeserver import SETTINGS, FakeHomeserver
from tests.support import FakeClient, free_port, redis_backend, redis_command

MESSAGES = 200
ROUNDS = 3


async def command_calls(hub: Any) -> dict[str, int]:
    """Redis's calls of each command since it started (``INFO commandstats``)."""
    info = await redis_command(hub, "INFO", "commandstats")
    text = info.decode() if isinstance(info, bytes) else str(info)
    calls: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("cmdstat_"):
            name, _, fields = line[len("cmdstat_") :].partition(":")
            stats = dict(field.split("=", 1) for field in fields.split(","))
            calls[name] = int(stats["calls"])
    return calls


async def writing(hub: Any, names: set[str]) -> set[str]:
    """Which of the commands ``names`` Redis flags ``write``."""
    flagged = set()
    for name in sorted(names):
        info = await redis_command(hub, "COMMAND", "INFO", name.split("|")[0])
        flags = {bytes(f).decode() for f in info[0][2]} if info and info[0] else set()
        if "write" in flags:
            flagged.add(name)
    return flagged


class Counted:
    """Redis's calls over one step: scripts, and the writes inside them."""

    def __init__(self, before: dict[str, int], after: dict[str, int]) -> None:
        self.calls = {
            name: after[name] - before.get(name, 0)
            for name in after
            if after[name] != before.get(name, 0) and name != "info"
        }

    def scripts(self) -> int:
        return sum(
            n for name, n in self.calls.items() if name.startswith(("eval", "fcall"))
        )

    def writes(self, flagged: set[str]) -> int:
        return sum(n for name, n in self.calls.items() if name in flagged)


async def said(hub: Any, speaker: FakeClient, count: int, tag: str) -> Counted:
    """``count`` lines said in the speaker's room, each waited for until
    it is heard back."""
    speaker.received()
    before = await command_calls(hub)
    for number in range(count):
        text = f"{tag} {number}"
        speaker.send(text)
        heard: list[str] = []

        def echoed(text: str = text, heard: list[str] = heard) -> bool:
            heard.extend(speaker.received())
            return any(line.endswith(" " + text) for line in heard)

        await wait_for(echoed, 30, f"the echo of {text!r} (heard {heard[-5:]})")
    return Counted(before, await command_calls(hub))


async def run(messages: int, rounds: int) -> None:
    redis = RedisProcess(free_port())
    await redis.start()
    try:
        hub = start_node(redis.url, "bench", ServerConfig(rate=0))
        await redis_backend(hub).when_available()
        alice, bob = FakeClient(hub), FakeClient(hub)
        for client, name, room in ((alice, "alice", "plain"), (bob, "bob", "tea")):
            client.send(name)
            client.send(f"/create {room}")
            await wait_for(lambda c=client: "JOINED" in str(c.received()), 30, room)
        homeserver = FakeHomeserver()
        bridge = compose_bridge(SETTINGS, cast(Any, hub.registry), homeserver)
        made = await bridge.room_query("#chatroom_tea:localhost")
        assert made, "the portal was not made"
        bridge.pinger.answering = True  # as after its ping's answer
        sender = cast(Any, bridge.sender)
        await sender.send_due()  # the lease taken, the mark set
        names: set[str] = set()
        rows = []
        for number in range(rounds):
            plain = await said(hub, alice, messages, f"p{number}")
            portal = await said(hub, bob, messages, f"t{number}")
            before = await command_calls(hub)
            sends = len(homeserver.sends())
            while len(homeserver.sends()) < sends + messages:  # a batch a pass
                await sender.send_due()
            sent = Counted(before, await command_calls(hub))
            rows.append((plain, portal, sent))
            names |= {*plain.calls, *portal.calls, *sent.calls}
        flagged = await writing(hub, names)
        print(f"{messages} messages a room a round, {rounds} rounds; Redis's calls")
        print(
            "round  plain: scripts writes  portal: scripts writes  sent: scripts writes"
        )
        for number, (plain, portal, sent) in enumerate(rows, 1):
            print(
                f"{number:5}  {plain.scripts() / messages:14.2f} "
                f"{plain.writes(flagged) / messages:6.2f}  "
                f"{portal.scripts() / messages:15.2f} "
                f"{portal.writes(flagged) / messages:6.2f}  "
                f"{sent.scripts() / messages:13.2f} "
                f"{sent.writes(flagged) / messages:6.2f}"
            )
        plain, portal, sent = rows[-1]
        print("the last round's commands a message:")
        for label, counted in (("plain", plain), ("portal", portal), ("sent", sent)):
            shown = ", ".join(
                f"{name} {n / messages:.2f}"
                for name, n in sorted(counted.calls.items())
            )
            print(f"  {label}: {shown}")
        alice.lose()
        bob.lose()
        hub.stop()
    finally:
        await redis.stop()


def main(argv: list[str]) -> None:
    messages = int(argv[0]) if argv else MESSAGES
    rounds = int(argv[1]) if len(argv) > 1 else ROUNDS
    task.react(lambda _: defer.ensureDeferred(run(messages, rounds)), [])


if __name__ == "__main__":
    main(sys.argv[1:])
