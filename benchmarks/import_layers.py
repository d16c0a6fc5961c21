"""Where an empty node's memory goes: the modules it holds, in layers.

Run from a checkout::

    .venv/bin/python benchmarks/import_layers.py [--redis-server PATH]

It starts a private ``redis-server`` and, in a fresh interpreter, a node
of a cluster on it with the three doors (``--port``, ``--irc``,
``--http``), as ``chatroom-cluster`` starts each (``twistd`` offered
chatroom's plugin alone: :data:`chatroom.wiring.cluster.ONLY_CHATROOM`),
and once the node is in its cluster takes the names of the modules it
loaded. Another fresh interpreter then imports those modules in layers
and prints its memory after each (from ``/proc/self/smaps_rollup``: the
anonymous pages, which are the process's own, and the RSS):

- Python itself;
- ``twistd`` and the reactor, as every Twisted server has them;
- the other libraries the node loaded;
- chatroom's own modules.

What the node makes once it serves (its tables, its scripts) is not
counted: ``python -m chatroom.bench.idle`` gives the whole of it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from chatroom.bench.servers import find_redis_server, free_port, start_redis
from chatroom.wiring.cluster import ONLY_CHATROOM

CHECKOUT = Path(__file__).resolve().parents[1]

#: A node (``sys.argv[1:]`` its options) that prints the names of its
#: modules as JSON once it is in its cluster, and stops.
NODE = (
    ONLY_CHATROOM
    + """
import json, sys
from twisted.internet import reactor
options = twistd.ServerOptions()
options.parseOptions(["chatroom", *sys.argv[1:]])
service = options.loadedPlugins["chatroom"].makeService(options.subOptions)
service.startService()
registry = service.server.registry
backend = getattr(registry, "inner", registry).backend

def joined(_):
    print(json.dumps(sorted(sys.modules)))
    service.stopService().addBoth(lambda _: reactor.stop())

backend.when_available().addCallback(joined)
reactor.run()
"""
)

#: Imports the modules named on its standard input (JSON) in layers,
#: printing a JSON line of its memory after each.
LAYERS = """
import importlib, json, sys

def memory(layer):
    fields = {}
    for line in open("/proc/self/smaps_rollup"):
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[name] = int(value.split()[0])
    print(json.dumps([layer, fields["Anonymous"], fields["Rss"]]), flush=True)

names = json.load(sys.stdin)
memory("Python itself")
import twisted.scripts.twistd
from twisted.internet import reactor
memory("twistd and the reactor")
for layer, ours in (("the other libraries", False), ("chatroom's modules", True)):
    for name in names:
        if name.startswith("twisted.plugins"):
            continue  # the twistd plugin: a few lines, no library
        if name.startswith("chatroom") == ours:
            try:
                importlib.import_module(name)
            except Exception:
                pass  # a module only its importer's context makes (none today)
    memory(layer)
"""


def node_modules(redis_server: str) -> list[str]:
    """The modules a node with three doors holds once it is in its cluster."""
    redis = start_redis(redis_server)
    try:
        doors = [
            option
            for door in ("--port", "--irc", "--http")
            for option in (door, f"tcp:{free_port()}:interface=127.0.0.1")
        ]
        url = f"redis://127.0.0.1:{redis.target.port}/0"
        done = subprocess.run(
            [sys.executable, "-c", NODE, *doors, "--db", ":memory:", "--redis", url],
            cwd=CHECKOUT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        redis.stop()
    names: list[str] = json.loads(done.stdout.splitlines()[-1])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis-server", help="redis-server binary (default: PATH)")
    options = parser.parse_args()
    redis_server = options.redis_server or find_redis_server()
    if redis_server is None:
        sys.exit("import_layers: no redis-server (--redis-server PATH)")
    names = node_modules(redis_server)
    layers = subprocess.run(
        [sys.executable, "-c", LAYERS],
        input=json.dumps(names),
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    print(f"{len(names)} modules ({sum(n.startswith('chatroom') for n in names)} ours)")
    print(f"{'imported':<24} {'anonymous MiB':>14} {'RSS MiB':>8}")
    for line in layers.stdout.splitlines():
        layer, anonymous, rss = json.loads(line)
        print(f"{layer:<24} {anonymous / 1024:14.1f} {rss / 1024:8.1f}")


if __name__ == "__main__":
    main()
