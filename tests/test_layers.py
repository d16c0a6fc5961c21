"""The layers of ``chatroom/`` point one way (docs/architecture.md).

The wiring imports the doors and the back-ends; the doors and the back-ends
import the core; the core imports neither, nor the wiring; a back-end never
imports the other; the wire and net packages import nothing else of
chatroom's, and the Redis client nothing but net; no module imports itself
back through others; and inside the core not even an import the type
checker alone reads makes a cycle, so no core module has an
``if TYPE_CHECKING:`` block. Read from
the source (every import statement of every module, those inside
functions and type-checking blocks too), so a change that breaks a rule
fails here, naming the line.

A door never loading the Redis back-end is checked by running it: a fresh
interpreter imports every door and builds a server as ``twistd chatroom``
does, and only with ``--redis`` is ``chatroom.backends.redis`` (or
txredisapi) loaded. So is what a server leaves unloaded until an option
asks for it (the doors not served, the other back-end, PostgreSQL's and
redis-py's clients), which every node on a machine would otherwise hold:
a fresh interpreter runs ``twistd chatroom`` until it serves, and names
the modules it loaded.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from twisted.trial import unittest

from chatroom.wiring.cluster import ONLY_CHATROOM
from tests.cluster.support import RedisTestCase

CHECKOUT = Path(__file__).resolve().parents[1]
PACKAGE = CHECKOUT / "chatroom"


@dataclass(frozen=True)
class Import:
    """One import of a chatroom module by another."""

    importer: str
    line: int
    imported: str
    #: Under ``if TYPE_CHECKING:``: read by the type checker only, never run.
    typing_only: bool

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}"


def module_names() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(CHECKOUT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


@cache
def parsed(path: Path) -> ast.Module:
    """The module at ``path``, parsed once for every reader of the source
    (this module's and ``tests/test_wings_shape.py``'s)."""
    return ast.parse(path.read_text(), str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_by(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The chatroom modules ``module`` imports: ``from a.b import c`` names
    module ``a.b.c`` if there is one, else ``a.b``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        for target in targets:
            if target.split(".")[0] == "chatroom" and target != module:
                line = getattr(node, "lineno", 0)
                found.append(Import(module, line, target, typing_only))
        for inner in ast.iter_child_nodes(node):
            visit(inner, typing_only)

    visit(parsed(path), False)
    return found


@cache
def every_import() -> tuple[Import, ...]:
    """Every import between chatroom's modules, in module order."""
    modules = module_names()
    return tuple(
        found
        for module, path in sorted(modules.items())
        for found in _imported_by(module, path, modules)
    )


def layer(module: str) -> str:
    """``core``, ``doors``, ``wiring``, ``wire``, ``net``, ``redisclient``,
    ``client``, ``bench``, or a back-end by its own name (``backends.local``,
    ``backends.redis``)."""
    parts = module.split(".")[1:]
    if parts[:1] == ["backends"] and len(parts) > 1:
        return f"backends.{parts[1]}"
    return parts[0] if parts else ""


BACKENDS = frozenset({"backends.local", "backends.redis"})

#: What each layer must never import (the back-ends: also each other).
FORBIDDEN = {
    "core": {"doors", "wiring", *BACKENDS},
    "doors": {"wiring"},
    **{backend: {"doors", "wiring", *(BACKENDS - {backend})} for backend in BACKENDS},
}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(edges.get(module, ())):
            if imported not in index:
                connect(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            connect(module)
    return groups


#: The core's rule modules: the core decides with them and hands a back-end
#: the outcome as a typed change; a back-end never calls them (the server
#: admins' rules among them: which sessions a server ban ends).
RULES_MEMBERSHIP = "chatroom.core.rooms.membership"
RULES = frozenset(
    {
        RULES_MEMBERSHIP,
        "chatroom.core.policy.moderation",
        "chatroom.core.policy.rules",
        "chatroom.core.moderation.admin",
    }
)


def rules_called_by_backends(imports: tuple[Import, ...]) -> list[str]:
    """The imports of a rule module by a back-end's module."""
    return [
        str(found)
        for found in imports
        if layer(found.importer) in BACKENDS and found.imported in RULES
    ]


def redis_client_outside(imports: tuple[Import, ...]) -> list[str]:
    """The imports by the Redis client of chatroom's modules other than its
    own and the TCP plumbing's."""
    return [
        str(found)
        for found in imports
        if layer(found.importer) == "redisclient"
        and layer(found.imported) not in ("redisclient", "net")
    ]


#: What a door never reads: the back-end, and the stores under it (the
#: accounts' above all), which it reaches only through the registry's
#: services (:mod:`chatroom.core.services`).
BACK_END_NAMES = frozenset({"backend", "account_store", "store"})


def back_end_reads(module: str, source: str) -> list[str]:
    """Where ``source`` (module ``module``) reads an attribute named as
    the back-end or one of its stores."""
    found = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in BACK_END_NAMES
    ]
    found.sort(key=lambda node: (node.lineno, node.col_offset))
    return [f"{module}:{node.lineno} reads .{node.attr}" for node in found]


def doors_reading_the_back_end() -> list[str]:
    """Every door module's read of the back-end or a store under it."""
    return [
        found
        for module, path in sorted(module_names().items())
        if layer(module) == "doors"
        for found in back_end_reads(module, path.read_text())
    ]


class LayerTests(unittest.TestCase):
    """Every import statement in ``chatroom/`` keeps to the layers."""

    def test_imports_are_read(self) -> None:
        """The walk sees the imports it judges: the wiring imports each door
        and the local back-end, and a door imports the hub below it (a
        walk that saw nothing would pass every rule)."""
        expected = {
            ("chatroom.wiring.tap", "chatroom.doors.line.protocol"),
            ("chatroom.wiring.tap", "chatroom.doors.irc.protocol"),
            ("chatroom.wiring.registries", "chatroom.backends.local.local_backend"),
            ("chatroom.wiring.registries", "chatroom.backends.redis.redis_backend"),
            ("chatroom.doors.line.protocol", "chatroom.doors.base.hub"),
            ("chatroom.backends.redis.node", "chatroom.backends.redis.node_scripts"),
        }
        pairs = {(found.importer, found.imported) for found in every_import()}
        self.assertEqual(expected - pairs, set())

    def test_layers_point_one_way(self) -> None:
        """No door imports the wiring; the core imports no door, back-end
        or wiring; a back-end imports no door, no wiring and not the other
        back-end."""
        crossing = [
            str(found)
            for found in every_import()
            if layer(found.imported) in FORBIDDEN.get(layer(found.importer), ())
        ]
        self.assertEqual(crossing, [])

    def test_backends_call_no_rule(self) -> None:
        """No back-end module imports membership's, moderation's, the
        admins' or the core's rules (not even their types: the values a
        back-end names are leaves, such as ``core/model/facts.py`` and
        ``core/model/changes/``): the core decides, and a back-end applies
        what it decided."""
        self.assertEqual(rules_called_by_backends(every_import()), [])

    def test_a_backends_rule_import_is_found(self) -> None:
        """The check names a back-end's import of a rule module (a check
        that let it through would pass any module)."""
        strays = (
            Import(
                "chatroom.backends.redis.decided",
                3,
                "chatroom.core.policy.rules",
                False,
            ),
            Import("chatroom.backends.local.applying", 5, RULES_MEMBERSHIP, True),
        )
        self.assertEqual(
            rules_called_by_backends((*every_import(), *strays)),
            [
                "chatroom.backends.redis.decided:3 imports chatroom.core.policy.rules",
                "chatroom.backends.local.applying:5 imports "
                "chatroom.core.rooms.membership",
            ],
        )

    def test_doors_never_hold_the_back_end(self) -> None:
        """No door reads a ``backend`` or a store (the account store above
        all): each asks the registry's service of its concern
        (``registry.accounts`` for an account), so what a back-end keeps
        is read and written through the core's rules only."""
        self.assertEqual(doors_reading_the_back_end(), [])

    def test_a_doors_back_end_read_is_found(self) -> None:
        """The check names a door's read of the account store, of the
        back-end, and of a service's store (a check that let them through
        would pass any door)."""
        source = (
            "async def whois(session):\n"
            "    await session.registry.account_store.get('bob')\n"
            "    session.server.registry.backend.stop()\n"
            "    return session.registry.accounts.store\n"
        )
        self.assertEqual(
            back_end_reads("chatroom.doors.irc.stray", source),
            [
                "chatroom.doors.irc.stray:2 reads .account_store",
                "chatroom.doors.irc.stray:3 reads .backend",
                "chatroom.doors.irc.stray:4 reads .store",
            ],
        )

    def test_wire_imports_nothing_of_chatroom(self) -> None:
        """The line grammar the server, the clients and the bench share
        imports only itself, so each of them can take it alone."""
        outside = [
            str(found)
            for found in every_import()
            if layer(found.importer) == "wire" and layer(found.imported) != "wire"
        ]
        self.assertEqual(outside, [])

    def test_client_imports_only_the_wire(self) -> None:
        """The terminal client imports of chatroom only ``chatroom.wire``
        and its own package (inside functions too), so it runs, and is
        packaged, without a line of the server."""
        outside = [
            str(found)
            for found in every_import()
            if layer(found.importer) == "client"
            and layer(found.imported) not in ("client", "wire")
        ]
        self.assertEqual(outside, [])

    def test_net_imports_nothing_of_chatroom(self) -> None:
        """The TCP plumbing under the doors and the Redis links imports
        only itself, so a door and the Redis client may both use it."""
        outside = [
            str(found)
            for found in every_import()
            if layer(found.importer) == "net" and layer(found.imported) != "net"
        ]
        self.assertEqual(outside, [])
        self.assertIn(
            "chatroom.net.tcpdirect",
            {
                found.imported
                for found in every_import()
                if layer(found.importer) == "redisclient"
            },
        )

    def test_redis_client_imports_only_net(self) -> None:
        """The Redis client (links, RESP, Sentinel, a Redis Cluster's slots
        and routing) imports nothing of chatroom's but itself and the TCP
        plumbing: it knows no chat, and the back-end uses it as a library."""
        self.assertEqual(redis_client_outside(every_import()), [])
        self.assertIn(
            ("chatroom.redisclient.link", "chatroom.net.tcpdirect"),
            {(found.importer, found.imported) for found in every_import()},
        )

    def test_a_redis_client_import_of_the_core_is_found(self) -> None:
        """The check names an import of the core by the Redis client (a
        check that let it through would pass any module)."""
        stray = Import(
            "chatroom.redisclient.link", 7, "chatroom.core.model.config", False
        )
        self.assertEqual(
            redis_client_outside((*every_import(), stray)),
            ["chatroom.redisclient.link:7 imports chatroom.core.model.config"],
        )

    def test_no_import_cycles(self) -> None:
        """No module imports itself back through others (an import under
        ``if TYPE_CHECKING:`` never runs, so it cannot make a cycle)."""
        edges: dict[str, set[str]] = {}
        for found in every_import():
            if not found.typing_only:
                edges.setdefault(found.importer, set()).add(found.imported)
        self.assertEqual(cycles(edges), [])

    def test_core_has_no_cycle_even_for_the_type_checker(self) -> None:
        """Inside ``core/`` no module imports itself back through others,
        counting the imports the type checker alone reads: a module's value
        types sit below the services that use them, so no core module
        needs an ``if TYPE_CHECKING:`` import to dodge a cycle."""
        edges: dict[str, set[str]] = {}
        for found in every_import():
            if layer(found.importer) == layer(found.imported) == "core":
                edges.setdefault(found.importer, set()).add(found.imported)
        self.assertEqual(cycles(edges), [])

    def test_core_has_no_type_checking_import(self) -> None:
        """No module of ``core/`` has an ``if TYPE_CHECKING:`` block (the
        sign of a cycle dodged: every import of the core is a real one)."""
        dodging = [
            f"{module}:{node.lineno}"
            for module, path in sorted(module_names().items())
            if layer(module) == "core"
            for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.If) and _is_type_checking(node.test)
        ]
        self.assertEqual(dodging, [])

    def test_cycles_are_found(self) -> None:
        """The cycle finder finds a cycle of three and leaves the rest out."""
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
        self.assertEqual(cycles(edges), [["a", "b", "c"]])


def class_names() -> dict[str, list[str]]:
    """Every top-level class of the package by name: where each is defined."""
    found: dict[str, list[str]] = {}
    for name, path in sorted(module_names().items()):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, []).append(f"{name}:{node.lineno}")
    return found


class NameTests(unittest.TestCase):
    """One name per idea (docs/architecture.md, *Glossary*)."""

    def test_class_names_are_unique(self) -> None:
        """No two classes of ``chatroom/`` share a name, so a name read in a
        traceback, a log or the documentation names one thing (the IRC
        door's parsed line is ``ClientLine``, not a second ``Message``)."""
        twice = {name: where for name, where in class_names().items() if len(where) > 1}
        self.assertEqual(twice, {})

    def test_a_shared_name_is_found(self) -> None:
        """The check sees the classes it should: the core's ``Message`` and
        the door's ``ClientLine``, each once."""
        names = class_names()
        [message] = names["Message"]
        [client_line] = names["ClientLine"]
        self.assertTrue(message.startswith("chatroom.core.model.events:"))
        self.assertTrue(client_line.startswith("chatroom.doors.irc.wire:"))


#: Run in a fresh interpreter: import every door, build the server from
#: the options given, print which Redis modules were loaded.
BUILD_A_SERVER = """
import json, sys
import chatroom.doors.irc.protocol
import chatroom.doors.line.protocol
import chatroom.doors.web.site
from chatroom.wiring.tap import Options, makeService

options = Options()
options.parseOptions(sys.argv[1:])
makeService(options)
print(json.dumps(sorted(
    name for name in sys.modules
    if name == "txredisapi" or name.startswith("chatroom.backends.redis")
)))
"""

DOORS = ("--port", "tcp:0", "--irc", "tcp:0", "--http", "tcp:0", "--db", ":memory:")


def module_names_printed(script: str, *options: str) -> list[str]:
    """The module names ``script`` printed (as its last line, in JSON),
    run with ``options`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, *options],
        cwd=CHECKOUT,
        env=dict(os.environ, PYTHONPATH=str(CHECKOUT)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stdout.splitlines()
    if done.returncode or not lines:
        raise AssertionError(f"the server failed:\n{done.stdout}{done.stderr}")
    names: list[str] = json.loads(lines[-1])
    return names


def redis_modules_loaded(*options: str) -> list[str]:
    """The Redis modules a fresh interpreter holds after building a server."""
    return module_names_printed(BUILD_A_SERVER, *options)


class RedisOnlyWithRedisTests(unittest.TestCase):
    """Only ``--redis`` loads the Redis back-end and its client library."""

    def test_a_server_alone_loads_no_redis(self) -> None:
        """Every door imported and a server built with all three doors, but
        without ``--redis``: neither ``chatroom.backends.redis`` nor
        txredisapi was imported."""
        self.assertEqual(redis_modules_loaded(*DOORS), [])

    def test_redis_loads_it(self) -> None:
        """With ``--redis`` (nothing is connected until the service starts)
        the same build loads the Redis back-end and txredisapi."""
        loaded = redis_modules_loaded(*DOORS, "--redis", "redis://127.0.0.1:1")
        self.assertIn("chatroom.backends.redis.redis_backend", loaded)
        self.assertIn("txredisapi", loaded)


#: Run in a fresh interpreter: ``twistd chatroom OPTIONS`` as twistd runs
#: it (twistd's options find the plugin, whose service is started on the
#: reactor); once the line door listens, and a node is in its cluster,
#: print the name of every module loaded, and stop.
RUN_A_SERVER = """
import json, sys
from twisted.internet import reactor
from twisted.internet.defer import maybeDeferred
from twisted.scripts.twistd import ServerOptions

options = ServerOptions()
options.parseOptions(["chatroom", *sys.argv[1:]])
service = options.loadedPlugins["chatroom"].makeService(options.subOptions)

def serving(_):
    registry = service.server.registry
    backend = getattr(registry, "inner", registry).backend  # /metrics wraps it
    return backend.when_available() if hasattr(backend, "when_available") else None

def loaded(_):
    print(json.dumps(sorted(sys.modules)))

def stop(outcome):
    maybeDeferred(service.stopService).addBoth(lambda _: reactor.stop())
    return outcome

service.startService()
started = service.listener.whenListening().addCallback(serving)
started.addCallback(loaded).addBoth(stop)
reactor.run()
"""

#: The same as ``chatroom-cluster`` runs each node: twistd offered
#: chatroom's plugin alone (:data:`chatroom.wiring.cluster.ONLY_CHATROOM`).
RUN_A_NODE = ONLY_CHATROOM + "\n" + RUN_A_SERVER

#: What a node of a cluster (``--port`` and ``--redis`` on one Redis, as
#: ``chatroom-cluster`` starts each) never loads, and why: megabytes of
#: every node's memory, used only where an option asks for them.
NOT_IN_A_NODE = {
    "redis": "redis-py, blocking: --redis-replicas (Sentinel, a Redis Cluster)",
    "psycopg": "PostgreSQL's client: --search-db and --files-db alone",
    "chatroom.backends.local": "the local back-end: a node keeps all in Redis",
    "sqlite3": "the local back-end's store",
    "chatroom.doors.irc.protocol": "the IRC door: --irc alone",
    "twisted.words.protocols.irc": "the IRC door's parser",
    "chatroom.doors.web.site": "the web door: --http alone",
    "twisted.web.server": "the web door's HTTP server",
    "wsproto": "the web door's WebSocket",
    "scramp": "SCRAM: when a password is set, at a SCRAM sign-in",
    "twisted.trial": "trial's interfaces: twistd's search of every installed plugin",
    "unittest": "imported by trial's interfaces",
    "twisted.mail": "Twisted Mail, the SMTP sender: --smtp alone",
    "twisted.names.client": "Twisted Names, the DNS blocklists' resolver: --dnsbl",
    "twisted.names.dns": "Twisted Names' DNS messages: --dnsbl alone",
    "twisted.web.client": "twisted.web's HTTP client: a link preview, a push",
    "py_vapid": "Web Push's signer: at the first push",
    "http_ece": "Web Push's encryption: at the first push",
    "joserfc": "the OpenID provider's token checks: --oidc-issuer alone",
}

#: What a server alone, with all three doors, never loads, and why.
NOT_IN_A_SERVER = {
    "chatroom.backends.redis": "the Redis back-end: --redis alone",
    "txredisapi": "the Redis back-end's client",
    "redis": "redis-py: a node's start, and chatroom-admin",
    "psycopg": "PostgreSQL's client: a node's --search-db and --files-db",
    "emoji": "the page's emoji list: at its first request (/emoji.json)",
    "twisted.mail": "Twisted Mail, the SMTP sender: --smtp alone",
    "twisted.names.client": "Twisted Names, the DNS blocklists' resolver: --dnsbl",
    "twisted.names.dns": "Twisted Names' DNS messages: --dnsbl alone",
    "markdown_it": "the IRC door's Markdown parser: at the first text with a mark",
    "py_vapid": "Web Push's signer: at the first push",
    "http_ece": "Web Push's encryption: at the first push",
    "joserfc": "the OpenID provider's token checks: --oidc-issuer alone",
    "chatroom.wiring.oidc_provider": "the OpenID provider's edge: --oidc-issuer alone",
}


#: What ``chatroom-cluster`` imports once for its nodes before it forks
#: them (:func:`chatroom.wiring.prefork.preload`), for the options it is
#: given: every node then holds those modules too.
PRELOAD = """
import json, sys
from chatroom.wiring.prefork import preload
preload(sys.argv[1:])
print(json.dumps(sorted(sys.modules)))
"""


def modules_run(*options: str) -> list[str]:
    """The modules loaded by ``twistd chatroom OPTIONS`` once it serves."""
    return module_names_printed(RUN_A_SERVER, *options)


def among(loaded: list[str], unwanted: dict[str, str]) -> dict[str, str]:
    """Each of ``unwanted`` (a package stands for its modules) that is
    ``loaded``, with why it should not be."""
    return {
        name: why
        for name, why in unwanted.items()
        if any(module == name or module.startswith(f"{name}.") for module in loaded)
    }


class LoadedWhenUsedTests(RedisTestCase):
    """A server loads what it serves, not every feature it could: an empty
    node's memory is mostly the modules it imported."""

    timeout = 120

    def test_a_node_leaves_unloaded_what_it_does_not_serve(self) -> None:
        """A node on one Redis, its line door alone, serving: none of
        :data:`NOT_IN_A_NODE` was loaded."""
        loaded = module_names_printed(
            RUN_A_NODE,
            "--port", "tcp:0:interface=127.0.0.1", "--redis", self.redis_url,
        )  # fmt: skip
        self.assertEqual(among(loaded, NOT_IN_A_NODE), {})
        self.assertIn("chatroom.backends.redis.redis_backend", loaded)  # it did serve

    def test_a_launcher_preloads_no_more_than_its_nodes_use(self) -> None:
        """``chatroom-cluster`` given ``--port`` and ``--redis`` imports, for
        the nodes it forks, none of :data:`NOT_IN_A_NODE`, and no reactor
        (each node installs its own); with ``--irc`` and ``--http`` too, it
        imports both doors, so the nodes share them."""
        loaded = module_names_printed(
            PRELOAD, "--port", "tcp:0", "--redis", self.redis_url
        )
        self.assertEqual(among(loaded, NOT_IN_A_NODE), {})
        self.assertIn("chatroom.backends.redis.redis_backend", loaded)
        self.assertNotIn("twisted.internet.reactor", loaded)
        with_doors = module_names_printed(
            PRELOAD, "--port", "tcp:0", "--irc", "tcp:0", "--http", "tcp:0",
            "--redis", self.redis_url,
        )  # fmt: skip
        for door in ("chatroom.doors.irc.protocol", "chatroom.doors.web.site"):
            self.assertIn(door, with_doors)
        self.assertNotIn("twisted.internet.reactor", with_doors)

    def test_a_server_alone_leaves_unloaded_what_only_a_node_uses(self) -> None:
        """A server alone with its three doors and a ``--db`` file, serving:
        none of :data:`NOT_IN_A_SERVER` was loaded, and each door was."""
        loaded = modules_run(
            "--port", "tcp:0:interface=127.0.0.1",
            "--irc", "tcp:0:interface=127.0.0.1",
            "--http", "tcp:0:interface=127.0.0.1",
            "--db", os.path.abspath(self.mktemp()),
        )  # fmt: skip
        self.assertEqual(among(loaded, NOT_IN_A_SERVER), {})
        for door in ("chatroom.doors.irc.protocol", "chatroom.doors.web.site"):
            self.assertIn(door, loaded)
