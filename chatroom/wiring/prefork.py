"""Nodes forked from a launcher that imported their code once.

A node's memory before anyone connects is the code it imported: Twisted,
its TLS (pyOpenSSL, cryptography), twisted.web, prometheus_client and
chatroom's own modules, some 45 MiB of the process's own pages. Started
with ``exec``, every node of ``chatroom-cluster`` imports it all again,
and fifty nodes hold fifty copies. :func:`preload` imports the nodes'
modules once, in the launcher, and freezes them (``gc.freeze``) so that
no collection writes to them; :class:`ForkedNode` then starts each node
as a ``fork`` of the launcher without ``exec``, running ``twistd
chatroom`` with its options in the child. The kernel shares the
launcher's pages with every node until one writes to them, so a node
adds only what it makes or changes itself (docs/performance.md, "A
server nobody is connected to").

What the launcher must not hand down is a reactor. Its own (the one that
watches the nodes) is dropped in each child, which installs its own as
``twistd`` does. A module that binds the global reactor when imported
would keep the launcher's, so :func:`preload` imports with the reactor
unavailable, and what fails to import for that reason is left for each
node to import itself, after its reactor exists. Two libraries every node
uses are imported with a stand-in instead (:data:`STAND_IN_FOR`), since
what they keep of it is never used by a node: txredisapi's protocols keep
``reactor.callLater`` for timers of their own, which the Redis links
replace with their injected clock's (chatroom.redisclient.link), and
twisted.words' IRC module uses it in its client and DCC alone (the IRC
door uses its server-side parser and numerics). The stand-in raises if
anything calls it, so a library's use of it would fail loudly rather than
wait on a reactor that never runs.

A :class:`ForkedNode` is a :class:`twisted.internet.process.Process` whose
child runs Python instead of ``exec``: the launcher's process protocol,
pipes, signals and exit status are those of any spawned process. A program
that gives each node options of its own (the benchmarks: a ``/metrics``
port each) runs :func:`serve` instead (``python -m
chatroom.wiring.prefork``), which forks a node for each request.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, cast

from twisted.internet import process

#: What every node imports, whatever its options: ``twistd`` and the
#: plugin, the wiring with the line door, and the Redis back-end (every
#: node of a cluster has ``--redis``).
EVERY_NODE = (
    "twisted.scripts.twistd",
    "twisted.internet.default",  # the reactor's module, not installed
    "twisted.plugins.chatroom_plugin",
    "chatroom.wiring.tap",
    "chatroom.wiring.registries",
    "chatroom.core.metered",
    "chatroom.backends.redis.redis_backend",
)

#: What an option's door imports, where the node is given that option.
BY_OPTION = {
    "--irc": (
        "chatroom.doors.irc.protocol",
        "chatroom.doors.irc.webpush",
        "chatroom.doors.irc.sts",
    ),
    "--http": ("chatroom.doors.web.site",),
}

#: The module whose import installs the global reactor.
REACTOR = "twisted.internet.reactor"


def _given(options: Sequence[str]) -> set[str]:
    return {option.split("=", 1)[0] for option in options}


def modules_for(options: Sequence[str]) -> list[str]:
    """The modules a node started with ``options`` imports before it serves."""
    given = _given(options)
    names = list(EVERY_NODE)
    for option, modules in BY_OPTION.items():
        if option in given:
            names += modules
    return names


def stand_in_for(options: Sequence[str]) -> list[str]:
    """Those of :data:`STAND_IN_FOR` that nodes with ``options`` import."""
    given = _given(options)
    return [
        name
        for name, wanted in STAND_IN_FOR.items()
        if wanted is None or given.intersection(wanted)
    ]


#: Libraries imported with :class:`StandInReactor` as the global reactor
#: (what they keep of it is never used by a node: see the module's doc),
#: with the options that load them (None: every node).
STAND_IN_FOR = {
    "txredisapi": None,
    "twisted.words.protocols.irc": ("--irc", "--http"),  # /irc: the IRC door
}


class StandInReactor:
    """The global reactor while :func:`preload` imports :data:`STAND_IN_FOR`:
    any of its methods may be looked up (a class keeps ``callLater``), and
    each raises when called."""

    def __getattr__(self, name: str) -> Any:
        def refuse(*arguments: Any, **keywords: Any) -> Any:
            raise RuntimeError(
                f"reactor.{name} called on the launcher's stand-in reactor: "
                "a module chatroom.wiring.prefork preloads used the global "
                "reactor (give it the node's)"
            )

        return refuse


@contextlib.contextmanager
def _reactor_as(stand_in: object) -> Iterator[None]:
    """``from twisted.internet import reactor`` gives ``stand_in`` inside,
    or fails (ImportError) where it is None."""
    if REACTOR in sys.modules:
        raise RuntimeError("preload before the launcher's reactor is installed")
    # The import system takes any object there as the module, and None as
    # "refuse the import"; typeshed's sys.modules holds modules only.
    sys.modules[REACTOR] = cast(ModuleType, stand_in)
    try:
        yield
    finally:
        del sys.modules[REACTOR]


def preload(options: Sequence[str]) -> list[str]:
    """Import what nodes with ``options`` import, then collect and freeze.

    Returns the names of the modules left for each node to import (those
    that need the reactor when imported). Called before the launcher
    installs its reactor.
    """
    from twisted.scripts import twistd

    from twisted.plugins import chatroom_plugin

    # As ONLY_CHATROOM does for an exec'd node: chatroom's plugin alone.
    twistd.ServerOptions._getPlugins = staticmethod(
        lambda *_: [chatroom_plugin.chatroom]
    )
    left = import_all(stand_in_for(options), modules_for(options))
    gc.collect()
    gc.freeze()
    return left


def import_all(stand_in: Sequence[str], names: Sequence[str]) -> list[str]:
    """Import ``stand_in`` with :class:`StandInReactor` as the reactor, then
    ``names`` without one; the names left for a node to import."""
    with _reactor_as(StandInReactor()):
        for name in stand_in:
            importlib.import_module(name)
    left = []
    with _reactor_as(None):
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError as problem:
                if REACTOR not in str(problem):
                    raise
                left.append(name)
    return left


class ForkedNode(process.Process):
    """A node forked from the launcher, running ``twistd`` with ``args``.

    ``reactor.spawnProcess``'s arguments; ``executable`` and ``args[0]`` are
    kept for the process's name in messages only, as the child does not
    ``exec``.
    """

    def _trySpawnInsteadOfFork(self, *arguments: Any) -> bool:
        return False  # posix_spawn would exec: fork, always

    def _execChild(
        self,
        path: str | None,
        uid: int | None,
        gid: int | None,
        executable: str,
        args: Sequence[str],
        environment: dict[str, str] | None,
    ) -> None:
        """In the child, in place of ``exec``: run the node, then exit with
        its status. Never returns (the caller would go on as a second
        launcher)."""
        status = 1
        try:
            if path:
                os.chdir(path)
            if environment is not None:
                os.environ.clear()
                os.environ.update(environment)
            status = run_node(list(args[1:]))
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(status)


def _forget_launchers_reactor() -> None:
    """Drop what the launcher's reactor left in this child: the module, the
    processes it watched, its signal handlers and wake-up descriptor (its
    descriptors were closed before this runs). ``twistd`` then installs the
    node's own."""
    import twisted.internet

    sys.modules.pop(REACTOR, None)
    twisted.internet.__dict__.pop("reactor", None)
    process.reapProcessHandlers.clear()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)


def run_node(arguments: list[str]) -> int:
    """``twistd ARGUMENTS`` in this (forked) process; its exit status."""
    gc.enable()  # Twisted turns the collector off around fork
    _forget_launchers_reactor()
    from twisted.scripts import twistd

    sys.argv = ["twistd", *arguments]
    try:
        twistd.run()
    except SystemExit as exit:
        if exit.code is None:
            return 0
        return exit.code if isinstance(exit.code, int) else 1
    return 0


def serve(options: Sequence[str]) -> None:
    """``python -m chatroom.wiring.prefork OPTIONS``: a launcher for a program
    that starts nodes with options of their own each (the benchmarks: a
    ``/metrics`` port per node). It imports what nodes with ``OPTIONS``
    import, then forks a node for each line of its standard input, a JSON
    object: ``argv``, ``twistd``'s arguments, and ``log``, the file its
    output is appended to; it answers each with the node's process id on a
    line. It ends at the end of its input; the program stops the nodes
    (by their ids) and reads their end in ``/proc`` (:func:`ended`): they
    are not its children, and this launcher reaps none until it ends."""
    preload(options)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()  # nothing buffered may be written twice
        pid = os.fork()
        if pid == 0:
            _run_forked(request["argv"], request["log"])
        print(pid, flush=True)


def _run_forked(arguments: list[str], log: str) -> None:
    """In a node :func:`serve` forked: output to ``log``, nothing else of
    the launcher's open, then ``twistd ARGUMENTS``; never returns."""
    status = 1
    try:
        output = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        nothing = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nothing, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        status = run_node(arguments)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)


def ended(pid: int) -> bool:
    """Whether a node :func:`serve` forked has ended (gone, or a zombie
    waiting for its launcher to end)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


if __name__ == "__main__":
    serve(sys.argv[1:])
