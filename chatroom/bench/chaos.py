"""The chaos run (issue 35, item 4): faults under steady chat, and what users lost.

``python -m chatroom.bench.chaos`` (``make chaos``) starts, on 127.0.0.1,
a replicated Redis behind Sentinel (a primary, a replica, three
Sentinels), ``--nodes`` ``twistd chatroom`` nodes going through the
Sentinels, and ``--clients`` line-protocol clients (asyncio, one process)
spread over ``--rooms`` rooms and over the nodes. Once every client is in
its room, each sends a message every ``--interval`` seconds (one at a
time: the next only once the last was answered), and the faults come one
after another, each once the chat has recovered from the one before:

1. a node killed with ``SIGKILL``: its clients reconnect to the next
   node of their list (as ``chatroom-urwid --also`` does), take their name
   back once the others have harvested the dead node (``--node-ttl``), and
   rejoin their room ``since`` the last id they saw;
2. the Redis primary killed with ``SIGKILL``: the Sentinels promote the
   replica; the nodes answer ``ERR UNAVAILABLE`` meanwhile, then follow;
3. then, on a Redis Cluster of three primaries and their replicas (nodes
   and clients started again on it, ``cluster://``, a new chat: its rooms
   apart, spread over the primaries, the run printing how many each
   serves), the primary of a shard serving rooms but not the server's
   slot killed with ``SIGKILL``: the cluster promotes its replica, the
   nodes follow, and the old primary comes back as a replica;
4. then the primary of the server's slot (``{chatroom}``: names,
   accounts, every node's heartbeat and resume; rooms too), the same way.

A message is *acknowledged* when its sender gets its own copy back (the
acknowledgement at every door; behind Sentinel only once a replica has it,
``--redis-replicas``). Every member of the room must then receive it: an
acknowledged message some member never got is *lost*. A message with the
same id twice is a *duplicate*, one with an id below one already received
*out of order*. For each fault the table gives the seconds from the fault
until every client has had a message acknowledged again, and those counts
for the messages sent from that fault to the next.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chatroom.bench.sampling import raise_nofile_limit
from chatroom.bench.servers import (
    PROJECT_ROOT,
    ServerCode,
    child_env,
    find_redis_server,
    free_port,
    twistd_argv,
)
from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.redisclient.slots import key_slot

#: The name the Sentinels know the primary by.
SERVICE = "chat"

#: Seconds between a client's attempts to send after a fault, until one is
#: acknowledged again.
PROBE = 0.25

#: The Redis fault's row's name.
PRIMARY_KILLED = "Redis primary killed (Sentinel)"

#: What a node logs for a room Redis came back behind
#: (:meth:`chatroom.backends.redis.delivery.NodeRooms.resumed`).
REWOUND = "events behind this node"

#: Seconds without a delivery after which the ones still owed are lost.
QUIET = 10.0

#: How many duplicates' sightings the table lists.
DETAILS_SHOWN = 10

#: The Redis Cluster faults' rows' names: a shard serving rooms alone, then
#: the shard serving the server's slot (and rooms).
SHARD_KILLED = "Cluster shard killed (rooms)"
SERVER_SHARD_KILLED = "Cluster shard killed (server)"

#: A Redis Cluster's shards in the run: primaries, each with a replica.
SHARDS = 3

#: A fault: strikes, repairs what an operator's supervisor would (a Redis
#: restarted as a replica), and returns the moment it struck.
Strike = Callable[[], Awaitable[float]]


@dataclass
class Fault:
    """One fault's figures."""

    name: str
    #: Seconds from the fault until every client had a message acknowledged.
    recovered: float | None = None
    acknowledged: int = 0
    #: Deliveries that acknowledged messages should have had, and had.
    expected: int = 0
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    #: Messages answered ``ERR`` (nothing acknowledged, so nothing owed).
    refused: int = 0
    #: Times a client was taken out of its room (``LEFT``) or its session
    #: ended (``BYE``) by the server; it rejoins (reconnects) ``since``.
    taken_out: int = 0
    #: Rooms a node found Redis back behind (a failover that lost events
    #: the nodes had been handed): their numbers passed over.
    rewound: int = 0
    note: str = ""
    #: What was struck, where that says more than the name (a shard's rooms).
    struck: str = ""
    #: Each duplicate's two sightings (:attr:`ChaosClient.duplicate_details`).
    duplicate_details: list[str] = field(default_factory=list)
    #: The keyed clients' (:class:`KeyedChaosClient`) messages acknowledged
    #: (``ACK``); the deliveries they owed that never came; the members
    #: that got one twice (under two ids); the keys never acknowledged by
    #: the end of the run (their senders left unsure); and the rest that
    #: must never happen: a member getting one under another id than its
    #: ``ACK``'s, a key acknowledged under two ids, a member getting a
    #: keyed message its sender never saw acknowledged.
    keyed_acknowledged: int = 0
    keyed_lost: int = 0
    keyed_doubled: int = 0
    keyed_unsure: int = 0
    keyed_other_id: int = 0
    keyed_two_ids: int = 0
    keyed_never_acknowledged: int = 0

    @property
    def keyed_bad(self) -> int:
        """Keyed deliveries under another id, keys acknowledged under two,
        and keyed messages delivered though never acknowledged."""
        return self.keyed_other_id + self.keyed_two_ids + self.keyed_never_acknowledged


@dataclass
class ChaosClient:
    """One user: its room, the nodes it may use, what it sent and received."""

    index: int
    room: str
    ports: list[int]
    interval: float
    name: str = ""
    current: int = 0
    last_id: int | None = None
    #: Its messages by number: the time each was acknowledged.
    acked: dict[int, float] = field(default_factory=dict)
    sent: int = 0
    #: The number of the message awaiting its answer (one at a time).
    waiting: int | None = None
    #: Every message it received: (sender, number), and the ids seen.
    received: set[tuple[str, int]] = field(default_factory=set)
    #: The ids each message it received came under (more than one: it
    #: came twice, as two messages).
    copies: dict[tuple[str, int], set[int]] = field(default_factory=dict)
    #: The ids seen, each with what it was the first time (``MSG u3 s7``).
    ids: dict[int, str] = field(default_factory=dict)
    duplicates: list[float] = field(default_factory=list)
    #: Each duplicate's two sightings: a repeat of one message, or one id
    #: given to two messages, which are different faults.
    duplicate_details: list[str] = field(default_factory=list)
    out_of_order: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    #: When the server took it out of its room (``LEFT``) or ended its
    #: session (``BYE``) without a fault of the run's.
    taken_out: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = f"u{self.index}"
        self.in_room = asyncio.Event()
        #: When the latest fault happened (0: none yet).
        self.fault_at = 0.0
        self.named = False
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, chatting: asyncio.Event, stop: asyncio.Event) -> None:
        """Stay connected (to the next node when one goes) until ``stop``."""
        while not stop.is_set():
            port = self.ports[self.current]
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                self.current = (self.current + 1) % len(self.ports)
                await asyncio.sleep(0.2)
                continue
            self.writer = writer
            self.named = False
            self.in_room.clear()
            try:
                await self.session(reader, chatting, stop)
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                self.writer = None
                self.waiting = None  # its fate unknown: never counted as acknowledged
                writer.close()
            if not stop.is_set():
                self.current = (self.current + 1) % len(self.ports)
                await asyncio.sleep(random.uniform(0.05, 0.3))

    def send(self, line: str) -> None:
        assert self.writer is not None
        self.writer.write(line.encode() + b"\r\n")

    async def session(
        self,
        reader: asyncio.StreamReader,
        chatting: asyncio.Event,
        stop: asyncio.Event,
    ) -> None:
        self.send("/caps ids")
        self.send(self.name)
        talker = asyncio.create_task(self.talk(chatting, stop))
        try:
            while not stop.is_set():
                raw = await reader.readline()
                if not raw:
                    return
                await self.line(raw.decode(errors="replace").rstrip("\r\n"))
        finally:
            talker.cancel()

    async def line(self, line: str) -> None:
        ident: int | None = None
        if line.startswith("@"):
            head, _, line = line.partition(" ")
            ident = int(head[1:].split(";")[0])
        word, _, rest = line.partition(" ")
        if word == "WELCOME":
            self.named = True
            self.join()
        elif word == "JOINED":
            self.in_room.set()
        elif word == "LEFT" and self.in_room.is_set():
            # Taken out of its room by the server (its node harvested while
            # alive, its heartbeat late): back in, from the last id seen.
            self.taken_out.append(time.monotonic())
            self.in_room.clear()
            self.waiting = None  # its answer may never come
            self.join()
        elif word == "BYE":
            self.taken_out.append(time.monotonic())
        elif word == "ERR":
            if not self.named:
                # NAME_TAKEN: the dead node's session, until it is harvested;
                # UNAVAILABLE: Redis failing over.
                await asyncio.sleep(0.5)
                self.send(self.name)
            elif not self.in_room.is_set():
                await asyncio.sleep(0.5)
                self.join()
            elif self.waiting is not None:
                self.refused.append(time.monotonic())
                self.waiting = None
        elif word in ("MSG", "HISTORY") and ident is not None:
            _room, user, _when, text = rest.split(" ", 3)
            self.receive(ident, user, text, live=word == "MSG")

    def join(self) -> None:
        """Into the room, from the last id seen if there is one."""
        since = "" if self.last_id is None else f" since {self.last_id}"
        self.send(f"/join {self.room}{since}")

    def receive(self, ident: int, user: str, text: str, live: bool) -> None:
        now = time.monotonic()
        seen = f"{'MSG' if live else 'HISTORY'} {user} {text}"
        if ident in self.ids:
            self.duplicates.append(now)
            first = self.ids[ident]
            self.duplicate_details.append(
                f"{self.name} in {self.room}: id {ident} as {first!r}, then {seen!r}"
            )
            return
        if self.last_id is not None and ident < self.last_id:
            self.out_of_order.append(now)
        self.ids[ident] = seen
        self.last_id = max(ident, self.last_id or 0)
        if text.startswith("s") and text[1:].isdigit():
            number = int(text[1:])
            self.received.add((user, number))
            self.copies.setdefault((user, number), set()).add(ident)
            if user == self.name and live and number == self.waiting:
                self.acked[number] = now
                self.waiting = None

    async def talk(self, chatting: asyncio.Event, stop: asyncio.Event) -> None:
        await chatting.wait()
        await self.in_room.wait()
        if not self.sent:  # the clients' first messages spread over an interval
            await asyncio.sleep(random.uniform(0, self.interval))
        while not stop.is_set():
            if self.waiting is None and self.in_room.is_set() and chatting.is_set():
                self.sent += 1
                self.waiting = self.sent
                self.send(f"s{self.sent}")
            # After a fault, until one of its messages is acknowledged again,
            # a client tries every PROBE seconds, so that "back" is measured
            # to within that, not to within its interval.
            back = any(at >= self.fault_at for at in self.acked.values())
            await asyncio.sleep(self.interval if back else PROBE)


#: Seconds before a keyed client sends again a line answered ``ERR``
#: (``UNAVAILABLE``: Redis failing over), and one left unanswered (the
#: spec's careful client: docs/protocol.md, *Saying it once*).
AGAIN_AFTER_ERROR = 1.0
AGAIN_UNANSWERED = 3.0

#: Seconds the keyed clients go on sending their unacknowledged keys
#: again once the chat has stopped, at most.
RESEND_BOUND = 45.0


@dataclass
class UnansweredKey:
    """A keyed client's message in its outbox: its key, and when it is
    to be sent again (``inf``: not before an answer or a reconnect)."""

    key: str
    due: float


@dataclass
class KeyedChaosClient(ChaosClient):
    """A user whose client resends with keys (``/txn KEY /say ROOM sN``):
    a new message every interval, whatever the last one's answer; one
    answered ``ERR`` goes again with its key after :data:`AGAIN_AFTER_ERROR`,
    one unanswered after :data:`AGAIN_UNANSWERED`, and every one still
    unacknowledged once it is back in its room after a reconnect, until
    each is acknowledged (``ACK``). Each must reach every other member of
    its room once, under the id its ``ACK`` names."""

    #: Unacknowledged messages by number.
    outbox: dict[int, UnansweredKey] = field(default_factory=dict)
    #: Every id an ``ACK`` named for a message, by number (two: a fault).
    ack_ids: dict[int, set[int]] = field(default_factory=dict)
    #: When each message was first sent, by number.
    first_sent: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.by_key: dict[str, int] = {}

    async def line(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "ACK":
            key, _room, ident = rest.split(" ")[:3]
            number = self.by_key.get(key)
            if number is not None and ident.isdigit():
                self.ack_ids.setdefault(number, set()).add(int(ident))
                self.acked.setdefault(number, time.monotonic())
                self.outbox.pop(number, None)
            return
        if word == "ERR" and self.named and self.in_room.is_set():
            self.refused.append(time.monotonic())
            said = rest.rpartition(" ")[2]  # "... was not sent: TEXT"
            number = int(said[1:]) if said[:1] == "s" and said[1:].isdigit() else 0
            if number in self.outbox:
                self.outbox[number].due = time.monotonic() + AGAIN_AFTER_ERROR
            return  # "try again" names no line: it goes again unanswered
        await super().line(line)
        if word == "JOINED":  # back in its room: everything unacknowledged again
            for keyed in self.outbox.values():
                keyed.due = 0.0

    def send_keyed(self, number: int) -> None:
        keyed = self.outbox[number]
        keyed.due = time.monotonic() + AGAIN_UNANSWERED
        self.send(f"/txn {keyed.key} /say {self.room} s{number}")

    async def talk(self, chatting: asyncio.Event, stop: asyncio.Event) -> None:
        await chatting.wait()
        await self.in_room.wait()
        if not self.sent:  # the clients' first messages spread over an interval
            await asyncio.sleep(random.uniform(0, self.interval))
        next_new = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if self.in_room.is_set() and self.writer is not None:
                if chatting.is_set() and now >= next_new:
                    self.sent += 1
                    key = f"{self.name}-{self.sent}-{random.getrandbits(64):x}"
                    self.by_key[key] = self.sent
                    self.outbox[self.sent] = UnansweredKey(key, 0.0)
                    self.first_sent[self.sent] = now
                    next_new = now + self.interval
                for number in [n for n, k in self.outbox.items() if now >= k.due]:
                    self.send_keyed(number)
            await asyncio.sleep(min(0.05, self.interval))


class Processes:
    """Redis, its Sentinels and the nodes, killed at the end whatever happens."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.running: list[subprocess.Popen[bytes]] = []
        #: Each Redis Cluster server's bus port (the same when restarted).
        self.bus_ports: dict[int, int] = {}
        redis = find_redis_server()
        if redis is None:
            raise SystemExit("chaos: no redis-server on the PATH")
        self.redis_server = redis
        self.redis_cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"

    def spawn(self, argv: list[str], label: str) -> subprocess.Popen[bytes]:
        log = open(os.path.join(self.directory, f"{label}.log"), "wb")  # noqa: SIM115
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env(),
            cwd=self.directory,
            preexec_fn=raise_nofile_limit,
        )
        log.close()
        self.running.append(process)
        return process

    def ask(self, port: int, *command: str) -> str:
        """One command to the Redis or Sentinel on ``port``; its reply ('' if none)."""
        try:
            done = subprocess.run(
                [self.redis_cli, "-p", str(port), *command],
                capture_output=True,
                timeout=2,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return ""
        return done.stdout.decode(errors="replace")

    def redis(self, port: int, *options: str) -> subprocess.Popen[bytes]:
        return self.spawn(
            [
                self.redis_server,
                "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--logfile", "",
                "--repl-diskless-sync-delay", "0",
                "--dir", self.directory, "--dbfilename", f"redis-{port}.rdb",
                "--maxclients", "10000",
                *options,
            ],
            f"redis-{port}",
        )  # fmt: skip

    def cluster_redis(self, port: int, node_timeout: int) -> subprocess.Popen[bytes]:
        """A ``redis-server`` of a Redis Cluster, its cluster file its own
        (started again, it rejoins the cluster as what the cluster says)."""
        return self.redis(
            port,
            "--cluster-enabled", "yes",
            "--cluster-config-file", f"nodes-{port}.conf",
            "--cluster-node-timeout", str(node_timeout),
            # A replica fails over however long its primary has been gone
            # (docs/scaling.md, "On a Redis Cluster: one slot").
            "--cluster-replica-validity-factor", "0",
            # Its bus port is a free one of its own: the default, the port
            # plus 10,000, may be taken, or past 65,535.
            "--cluster-port", str(self.bus_ports.setdefault(port, free_port())),
        )  # fmt: skip

    def sentinel(
        self, port: int, primary: int, down_after: int
    ) -> subprocess.Popen[bytes]:
        path = os.path.join(self.directory, f"sentinel-{port}.conf")
        with open(path, "w") as config:
            config.write(
                f"port {port}\nbind 127.0.0.1\n"
                f'dir "{self.directory}"\n'
                f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {down_after}\n"
                f"sentinel failover-timeout {SERVICE} 3000\n"
            )
        return self.spawn(
            [self.redis_server, path, "--sentinel", "--logfile", ""],
            f"sentinel-{port}",
        )

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.kill()
        for process in self.running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def until(check: Callable[..., object], bound: float, what: str) -> None:
    """Poll ``check()`` until true, at most ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"chaos: not within {bound:.0f} s: {what}")
        time.sleep(0.1)


def until_promoted(processes: Processes, sentinel: int, old: int, bound: float) -> int:
    """The port of the primary the Sentinels promoted in place of ``old``."""
    found: list[int] = []

    def promoted() -> bool:
        words = processes.ask(
            sentinel, "SENTINEL", "get-master-addr-by-name", SERVICE
        ).split()
        if len(words) == 2 and words[1].isdigit() and int(words[1]) != old:
            found.append(int(words[1]))
        return bool(found)

    until(promoted, bound, "a replica promoted")
    return found[0]


@dataclass
class Plan:
    """What a run does (the command line's options)."""

    nodes: int = 3
    clients: int = 2000
    rooms: int = 200
    interval: float = 10.0
    node_ttl: float = 3.0
    settle: float = 60.0
    #: Sentinel's ``down-after-milliseconds``: how soon a dead primary is seen.
    down_after: int = 1000
    #: How many of the clients resend with keys (:class:`KeyedChaosClient`).
    keyed: int = 1000
    #: Only the faults behind Sentinel (no Redis Cluster).
    sentinel_only: bool = False


def table(faults: list[Fault], plan: Plan) -> str:
    """The figures, one row per fault."""
    head = (
        f"{plan.clients} clients ({plan.keyed} resending with keys) in "
        f"{plan.rooms} rooms over {plan.nodes} nodes, a message each every "
        f"{plan.interval:g} s; --node-ttl {plan.node_ttl:g}"
    )
    rows = [
        head,
        f"{'fault':<32} {'back (s)':>9} {'acked':>7} {'owed':>8} {'delivered':>9} "
        f"{'lost':>5} {'dup':>4} {'order':>5} {'refused':>7} {'out':>5} "
        f"{'keyed':>6} {'klost':>5} {'kdup':>4} {'unsure':>6} {'kbad':>4}",
    ]
    for fault in faults:
        if fault.note:
            rows.append(f"{fault.name:<32} {fault.note}")
            continue
        back = "–" if fault.recovered is None else f"{fault.recovered:.1f}"
        rows.append(
            f"{fault.name:<32} {back:>9} {fault.acknowledged:>7} {fault.expected:>8} "
            f"{fault.delivered:>9} {fault.lost:>5} {fault.duplicates:>4} "
            f"{fault.out_of_order:>5} {fault.refused:>7} {fault.taken_out:>5} "
            f"{fault.keyed_acknowledged:>6} {fault.keyed_lost:>5} "
            f"{fault.keyed_doubled:>4} {fault.keyed_unsure:>6} "
            f"{fault.keyed_bad:>4}"
        )
        if fault.struck:
            rows.append(f"  {fault.struck}")
    rewound = sum(fault.rewound for fault in faults)
    rows.append(
        f"rooms Redis came back behind a node (lost events passed over): {rewound}"
    )
    details = [line for fault in faults for line in fault.duplicate_details]
    if details:
        rows.append(f"duplicates ({len(details)}; the first {DETAILS_SHOWN}):")
        rows += [f"  {line}" for line in details[:DETAILS_SHOWN]]
    return "\n".join(rows)


def tally(
    name: str, clients: list[ChaosClient], start: float, end: float, first: float
) -> Fault:
    """The figures of the messages acknowledged in [start, end)."""
    fault = Fault(name)
    backs = []
    for client in clients:
        after = [at for at in client.acked.values() if at >= start]
        backs.append(min(after) - start if after else None)
    if start > first:  # a fault's: the slowest client's (inf: one never was)
        fault.recovered = max(float("inf") if b is None else b for b in backs)
    members: dict[str, list[ChaosClient]] = {}
    for client in clients:
        members.setdefault(client.room, []).append(client)
    for client in clients:
        if isinstance(client, KeyedChaosClient):
            others = [m for m in members[client.room] if m is not client]
            keyed_tally(fault, client, others, start, end)
            mine = []  # its own copy is no acknowledgement: its ACK is
        else:
            mine = [n for n, at in client.acked.items() if start <= at < end]
        fault.acknowledged += len(mine)
        for number in mine:
            for member in members[client.room]:
                fault.expected += 1
                if (client.name, number) in member.received:
                    fault.delivered += 1
                else:
                    fault.lost += 1
        fault.duplicates += sum(start <= at < end for at in client.duplicates)
        sightings = zip(client.duplicates, client.duplicate_details, strict=True)
        fault.duplicate_details += [
            detail for at, detail in sightings if start <= at < end
        ]
        fault.out_of_order += sum(start <= at < end for at in client.out_of_order)
        fault.refused += sum(start <= at < end for at in client.refused)
        fault.taken_out += sum(start <= at < end for at in client.taken_out)
    return fault


def keyed_tally(
    fault: Fault,
    client: KeyedChaosClient,
    others: list[ChaosClient],
    start: float,
    end: float,
) -> None:
    """``client``'s keyed messages acknowledged in [start, end), and those
    first sent then and never acknowledged, as the other members of its
    room (``others``) got them, added to ``fault``."""
    for number, at in client.acked.items():
        if not start <= at < end:
            continue
        fault.keyed_acknowledged += 1
        ids = client.ack_ids[number]
        fault.keyed_two_ids += len(ids) > 1
        for member in others:
            copies = member.copies.get((client.name, number), set())
            if not copies:
                fault.keyed_lost += 1
            elif len(copies) > 1:
                fault.keyed_doubled += 1
            elif not copies <= ids:
                fault.keyed_other_id += 1
    for number, at in client.first_sent.items():
        if start <= at < end and number not in client.acked:
            fault.keyed_unsure += 1
            fault.keyed_never_acknowledged += sum(
                (client.name, number) in member.copies for member in others
            )


async def chat_through(
    plan: Plan, ports: list[int], faults: list[tuple[str, Strike]]
) -> list[Fault]:
    """Connect the clients to the nodes on ``ports``, chat, then strike
    each of ``faults`` in turn, each once every client has sent again
    after the one before; the figures of the steady chat and of each."""
    clients = [
        (KeyedChaosClient if index < plan.keyed else ChaosClient)(
            index,
            f"r{index % plan.rooms}",
            [ports[(index + k) % len(ports)] for k in range(len(ports))],
            plan.interval,
        )
        for index in range(plan.clients)
    ]
    chatting, stop = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(client.run(chatting, stop)) for client in clients]
    connecting = time.monotonic()
    while not all(client.in_room.is_set() for client in clients):
        if time.monotonic() - connecting > plan.settle:
            raise RuntimeError("chaos: the clients did not all get into their rooms")
        await asyncio.sleep(0.2)
    print(f"{plan.clients} clients in their rooms in "
          f"{time.monotonic() - connecting:.1f} s", flush=True)  # fmt: skip
    chatting.set()
    begun = time.monotonic()
    marks: list[tuple[str, float]] = [("steady chat (no fault)", begun)]

    async def recovered_since(moment: float) -> None:
        for client in clients:
            client.fault_at = moment
        deadline = moment + plan.settle
        while time.monotonic() < deadline:
            if all(any(at >= moment for at in c.acked.values()) for c in clients):
                return
            await asyncio.sleep(0.2)

    for name, strike in faults:
        await asyncio.sleep(plan.interval * 2)
        struck = await strike()
        marks.append((name, struck))
        await recovered_since(struck)
    await asyncio.sleep(plan.interval * 2)
    # Stop sending; let the last answers and deliveries arrive.
    ended = time.monotonic()
    chatting.clear()
    # The last answers, then the deliveries they go with.
    deadline = time.monotonic() + 10
    while any(c.waiting is not None and c.writer for c in clients):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    # The keyed clients send their unacknowledged keys again until each is
    # acknowledged; those left then are their senders' doubts.
    keyed = [c for c in clients if isinstance(c, KeyedChaosClient)]
    deadline = time.monotonic() + RESEND_BOUND
    while any(c.outbox for c in keyed) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    print(f"keys unacknowledged at the end: {sum(len(c.outbox) for c in keyed)}",
          flush=True)  # fmt: skip
    drained = time.monotonic()
    missing = await delivered_or_quiet(clients, ended)
    print(f"deliveries awaited {time.monotonic() - drained:.1f} s after the last "
          f"answers; {missing} still missing", flush=True)  # fmt: skip
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    # The last row takes the answers and resends after the chat stopped.
    bounds = [moment for _, moment in marks] + [math.inf]
    return [
        tally(name, clients, start, end, begun)
        for (name, start), end in zip(marks, bounds[1:], strict=True)
    ]


def node_killed(plan: Plan, node: subprocess.Popen[bytes]) -> Strike:
    """kill -9 of ``node``: its clients go to the next node of their list."""

    async def strike() -> float:
        killed = time.monotonic()
        node.send_signal(signal.SIGKILL)
        print("node killed", flush=True)
        return killed

    return strike


def primary_killed(plan: Plan, processes: Processes, sentinel: int) -> Strike:
    """kill -9 of the primary the Sentinels name; its supervisor restarts
    it as the replica of the one they promote."""

    async def strike() -> float:
        primary = int(
            processes.ask(
                sentinel, "SENTINEL", "get-master-addr-by-name", SERVICE
            ).split()[1]
        )
        killed = kill_redis(processes, primary)
        print("Redis primary killed", flush=True)
        # Until it is back no replica confirms a message (--redis-replicas
        # 1), so none is acknowledged.
        promoted = await asyncio.to_thread(
            until_promoted, processes, sentinel, primary, plan.settle
        )
        print(f"replica promoted {time.monotonic() - killed:.1f} s after", flush=True)
        processes.redis(primary, "--replicaof", "127.0.0.1", str(promoted))
        await back_as_replica(plan, processes, primary, killed)
        return killed

    return strike


def shard_killed(
    plan: Plan, processes: Processes, servers: list[int], slot: int
) -> Strike:
    """kill -9 of the primary serving ``slot`` (one of ``servers``, the
    cluster's); the cluster promotes its replica, and the old one, started
    again on its cluster file, rejoins as the new one's replica."""

    async def strike() -> float:
        primary = primary_of(processes, servers, slot)
        killed = kill_redis(processes, primary)
        print(f"Redis Cluster primary of slot {slot} killed", flush=True)
        others = [port for port in servers if port != primary]

        def promoted() -> bool:
            return primary_of(processes, others, slot) not in (0, primary)

        await asyncio.to_thread(until, promoted, plan.settle, "a replica promoted")
        print(f"replica promoted {time.monotonic() - killed:.1f} s after", flush=True)
        processes.cluster_redis(primary, plan.down_after)
        await back_as_replica(plan, processes, primary, killed)
        return killed

    return strike


def kill_redis(processes: Processes, port: int) -> float:
    """kill -9 of the Redis on ``port``; the moment it was killed."""
    pid = int(processes.ask(port, "INFO", "server").split("process_id:")[1].split()[0])
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    return killed


async def back_as_replica(
    plan: Plan, processes: Processes, port: int, killed: float
) -> None:
    """Until the Redis started again on ``port`` copies its new primary."""
    await asyncio.to_thread(
        until,
        lambda: "master_link_status:up" in processes.ask(port, "INFO", "replication"),
        plan.settle,
        "the old primary back as a replica",
    )
    print(f"old primary back as a replica {time.monotonic() - killed:.1f} s after",
          flush=True)  # fmt: skip


def primary_of(processes: Processes, asked: list[int], slot: int) -> int:
    """The port of the primary serving ``slot``, as the first Redis of
    ``asked`` that can say says (0: none can)."""
    for port in asked:
        for primary, slots in served(processes, port).items():
            if any(first <= slot <= last for first, last in slots):
                return primary
    return 0


def served(processes: Processes, asked: int) -> dict[int, list[tuple[int, int]]]:
    """Each live primary's port and the ranges of slots it serves, as the
    Redis on ``asked`` says (nothing if it cannot say). ``CLUSTER NODES``
    gives one line per server: its id, ``host:port@bus``, its flags, ...,
    then its slots (``first-last`` ranges, or single ones)."""
    primaries = {}
    for line in processes.ask(asked, "CLUSTER", "NODES").splitlines():
        fields = line.split()
        if len(fields) < 9 or "master" not in fields[2] or "fail" in fields[2]:
            continue
        slots = []
        for range_ in fields[8:]:
            first, _, last = range_.partition("-")
            if first.isdigit():
                slots.append((int(first), int(last or first)))
        primaries[int(fields[1].split("@")[0].rpartition(":")[2])] = slots
    return primaries


def rooms_per_primary(
    processes: Processes, servers: list[int], rooms: int
) -> dict[int, list[int]]:
    """Each primary's port and the slots of the run's rooms it serves
    (rooms apart: room ``r`` under ``{chatroom/r}``)."""
    spread: dict[int, list[int]] = {}
    for index in range(rooms):
        slot = key_slot(f"{{chatroom/r{index}}}:room")
        spread.setdefault(primary_of(processes, servers, slot), []).append(slot)
    return spread


async def delivered_or_quiet(clients: list[ChaosClient], ended: float) -> int:
    """Until every delivery owed for the messages acknowledged before
    ``ended`` has arrived, or none has for :data:`QUIET` seconds: what is
    missing then is lost, not late (a fixed second used to end the run: on
    a busy machine deliveries still on their way were counted lost). The
    deliveries still missing."""
    missing, since = -1, time.monotonic()
    while True:
        figures = tally("", clients, 0.0, math.inf, 0.0)
        now_missing = figures.lost + figures.keyed_lost
        if now_missing == 0 or time.monotonic() - since > QUIET:
            return now_missing
        if now_missing != missing:
            missing, since = now_missing, time.monotonic()
        await asyncio.sleep(0.25)


def run(plan: Plan) -> list[Fault]:
    """Start everything, run the faults, stop everything; the figures."""
    raise_nofile_limit()
    # SIGTERM (timeout, kill) stops every process started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="chatroom-chaos-") as directory:
        processes = Processes(directory)
        try:
            return _run(plan, processes)
        finally:
            processes.stop()


def _run(plan: Plan, processes: Processes) -> list[Fault]:
    faults = _behind_sentinel(plan, processes)
    if not plan.sentinel_only:
        faults += _on_redis_cluster(plan, processes)
    return faults


def _behind_sentinel(plan: Plan, processes: Processes) -> list[Fault]:
    """The steady chat, a node killed and the primary killed, behind Sentinel."""
    primary, replica = free_port(), free_port()
    processes.redis(primary)
    until(lambda: processes.ask(primary, "PING").strip() == "PONG", 10, "Redis up")
    processes.redis(replica, "--replicaof", "127.0.0.1", str(primary))
    until(
        lambda: (
            "master_link_status:up" in processes.ask(replica, "INFO", "replication")
        ),
        20,
        "the replica in sync",
    )
    sentinel_ports = [free_port() for _ in range(3)]
    for port in sentinel_ports:
        processes.sentinel(port, primary, plan.down_after)

    def acquainted() -> bool:
        for port in sentinel_ports:
            state = processes.ask(port, "SENTINEL", "master", SERVICE).split("\n")
            pairs = dict(zip(state[::2], state[1::2], strict=False))
            if (
                pairs.get("num-other-sentinels") != "2"
                or pairs.get("num-slaves") != "1"
            ):
                return False
        return True

    hosts = ",".join(f"127.0.0.1:{port}" for port in sentinel_ports)
    # The nodes start meanwhile: they only need a Sentinel to name the primary.
    nodes, ports = start_nodes(plan, processes, f"sentinel://{hosts}/{SERVICE}", "node")
    until(acquainted, 30, "each Sentinel knows the others")
    wait_for_nodes(plan, processes, "node")
    faults = asyncio.run(
        chat_through(
            plan,
            ports,
            [
                (
                    f"node killed (kill -9 of 1 of {plan.nodes})",
                    node_killed(plan, nodes[-1]),
                ),
                (PRIMARY_KILLED, primary_killed(plan, processes, sentinel_ports[0])),
            ],
        )
    )
    for fault in faults:
        if fault.name == PRIMARY_KILLED:
            fault.rewound = rooms_rewound(processes.directory, plan.nodes, "node")
    for node in nodes:  # the next layout's nodes take over
        if node.poll() is None:
            node.kill()
    return faults


#: Milliseconds of a Redis Cluster's node timeout while it is made.
CREATION_NODE_TIMEOUT = 5000


def _on_redis_cluster(plan: Plan, processes: Processes) -> list[Fault]:
    """New nodes and clients on a Redis Cluster (a new chat, its rooms
    apart), and two of its primaries killed: a rooms' one, then the server
    slot's."""
    servers = [free_port() for _ in range(2 * SHARDS)]
    # Made with a patient node timeout: with the fault's short one, a
    # loaded machine's late gossip fails primaries over while the cluster
    # is being made, and redis-cli waits for a join that keeps moving.
    for port in servers:
        processes.cluster_redis(port, CREATION_NODE_TIMEOUT)
    for port in servers:
        until(lambda port=port: processes.ask(port, "PING").strip() == "PONG", 10,
              "Redis up")  # fmt: skip
    try:
        made = subprocess.run(
            [
                processes.redis_cli, "--cluster", "create",
                *(f"127.0.0.1:{port}" for port in servers),
                "--cluster-replicas", "1", "--cluster-yes",
            ],
            capture_output=True, timeout=180, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as late:
        said = (late.stdout or b"").decode(errors="replace")
        raise RuntimeError(f"chaos: no Redis Cluster in 180 s: {said}") from None
    if made.returncode != 0:
        raise RuntimeError(f"chaos: no Redis Cluster: {made.stdout.decode()}")
    timeout = ("CONFIG", "SET", "cluster-node-timeout", str(plan.down_after))
    for port in servers:  # the fault's timeout from now on
        until(lambda port=port: processes.ask(port, *timeout).strip() == "OK", 10,
              "the fault's node timeout set")  # fmt: skip

    def ready() -> bool:
        return all(
            "cluster_state:ok" in processes.ask(port, "CLUSTER", "INFO")
            for port in servers
        ) and all(
            "state=online" in processes.ask(port, "INFO", "replication")
            for port in servers
            if "role:master" in processes.ask(port, "INFO", "replication")
        )

    until(ready, 30, "the Redis Cluster serving every slot, its replicas in sync")
    seeds = ",".join(f"127.0.0.1:{port}" for port in servers[:2])
    _, ports = start_nodes(plan, processes, f"cluster://{seeds}", "cnode")
    wait_for_nodes(plan, processes, "cnode")
    spread = rooms_per_primary(processes, servers, plan.rooms)
    server_slot = key_slot(CLUSTER_PREFIX)
    server = primary_of(processes, servers, server_slot)
    counts = ", ".join(
        f"{port}{' (the server slot)' if port == server else ''}: {len(slots)}"
        for port, slots in sorted(spread.items())
    )
    print(f"rooms per primary: {counts}", flush=True)
    rooms_only = [port for port in spread if port != server]
    if not rooms_only:
        raise RuntimeError("chaos: every room is on the server slot's primary")
    shard = max(rooms_only, key=lambda port: len(spread[port]))
    figures = asyncio.run(
        chat_through(
            plan,
            ports,
            [
                (
                    SHARD_KILLED,
                    shard_killed(plan, processes, servers, spread[shard][0]),
                ),
                (
                    SERVER_SHARD_KILLED,
                    shard_killed(plan, processes, servers, server_slot),
                ),
            ],
        )
    )
    faults = figures[1:]  # its steady chat is the first layout's row's kind
    faults[0].struck = (
        f"{len(spread[shard])} of {plan.rooms} rooms on it, not the server slot; "
        f"rooms per primary: {counts}"
    )
    faults[
        1
    ].struck = (
        f"the server slot, and {len(spread.get(server, []))} of {plan.rooms} rooms"
    )
    faults[-1].rewound = rooms_rewound(processes.directory, plan.nodes, "cnode")
    return faults


def start_nodes(
    plan: Plan, processes: Processes, redis: str, label: str
) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    """``plan.nodes`` nodes on ``redis``, logging to LABEL1.log, ...; the
    processes and their ports."""
    rooms = ",".join(f"r{index}" for index in range(plan.rooms))
    code = ServerCode(sys.executable, PROJECT_ROOT)
    ports = [free_port() for _ in range(plan.nodes)]
    nodes = []
    for number, port in enumerate(ports, 1):
        options = [
            "--port", f"tcp:{port}:interface=127.0.0.1:backlog=1024",
            "--redis", redis,
            "--node-id", f"{label}{number}", "--node-ttl", str(plan.node_ttl),
            "--redis-timeout", "2", "--rooms", rooms,
            "--rate", "0", "--max-per-ip", "0", "--max-clients", "0",
        ]  # fmt: skip
        argv = twistd_argv(code, "-n", "--pidfile=", "--logfile=-", "chatroom")
        nodes.append(processes.spawn([*argv, *options], f"{label}{number}"))
    return nodes, ports


def wait_for_nodes(plan: Plan, processes: Processes, label: str) -> None:
    """Until every node labelled ``label`` says it is in the cluster."""
    for number in range(1, plan.nodes + 1):
        log = Path(processes.directory) / f"{label}{number}.log"
        until(
            lambda log=log, number=number: (
                f"node {label}{number}: in the cluster"
                in log.read_text(errors="replace")
            ),
            60,
            f"{label}{number} in the cluster",
        )


def rooms_rewound(directory: str, nodes: int, label: str) -> int:
    """How many times a node labelled ``label`` found Redis back behind what
    it had handed out (its log says so: events a failover lost, passed over)."""
    return sum(
        (Path(directory) / f"{label}{number}.log")
        .read_text(errors="replace")
        .count(REWOUND)
        for number in range(1, nodes + 1)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="chatroom-chaos", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--interval", type=float, default=10.0,
                        help="seconds between one client's messages")  # fmt: skip
    parser.add_argument("--node-ttl", type=float, default=3.0)
    parser.add_argument(
        "--settle",
        type=float,
        default=90.0,
        help="seconds a phase may take before the run gives up",
    )
    parser.add_argument(
        "--down-after",
        type=int,
        default=1000,
        help="Sentinel's down-after-milliseconds",
    )
    parser.add_argument(
        "--keyed",
        type=int,
        help="how many of the clients resend with keys (/txn); half by default",
    )
    parser.add_argument(
        "--sentinel-only",
        action="store_true",
        help="only the faults behind Sentinel, no Redis Cluster",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    options = parser.parse_args(argv)
    keyed = options.clients // 2 if options.keyed is None else options.keyed
    plan = Plan(
        options.nodes, options.clients, options.rooms, options.interval,
        options.node_ttl, options.settle, options.down_after, keyed,
        options.sentinel_only,
    )  # fmt: skip
    started = time.monotonic()
    faults = run(plan)
    print(table(faults, plan))
    print(f"run took {time.monotonic() - started:.0f} s; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    if options.json:
        options.json.write_text(json.dumps([asdict(f) for f in faults], indent=1))
    if any(
        f.lost or f.duplicates or f.out_of_order or f.keyed_lost or f.keyed_doubled
        or f.keyed_unsure or f.keyed_bad
        for f in faults
    ):  # fmt: skip
        sys.exit(1)


if __name__ == "__main__":
    main()
