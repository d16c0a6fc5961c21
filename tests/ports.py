"""Loopback ports for the servers the tests and irctest's controller start.

Each process hands out ports from a share of its own, below the kernel's
ephemeral range (``ip_local_port_range``), which every outgoing connection
and port-0 listener of the machine draws from: a port probed free there
could be some client's own end a moment later, before the server it was
meant for binds it (a server of a parallel run's test then timed out
"waiting for the server to listen"). Two processes walking one range
could hand out the same port before either server listens on it, and
servers bound with ``SO_REUSEPORT`` (a cluster's nodes) would then both
listen there: so the suite takes the :data:`SUITE_PORTS` ports just below
the ephemeral range, irctest's two runs the shares below those, and each
pytest-xdist worker a slice of its process's share.

Imports nothing of the project, so irctest's controller can use it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket

#: How many ports below the ephemeral range the suite's servers use.
SUITE_PORTS = 12_000
#: How many ports each irctest run (on one server, on nodes) uses.
IRCTEST_PORTS = 2_000


def ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (32768 if unknown)."""
    low = 32768
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/sys/net/ipv4/ip_local_port_range") as ranges,
    ):
        low = int(ranges.read().split()[0])
    return low


def worker_slice(share: range) -> range:
    """This pytest-xdist worker's part of ``share`` (all of it outside xdist)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    size = len(share) // max(1, workers)
    return range(share.start + worker * size, share.start + (worker + 1) * size)


def suite_ports() -> range:
    """This suite process's ports: the :data:`SUITE_PORTS` just below the
    ephemeral range, this worker's slice of them."""
    top = ephemeral_start()
    return worker_slice(range(max(1024, top - SUITE_PORTS), top))


def irctest_ports(on_nodes: bool) -> range:
    """This irctest process's ports: below the suite's, the run on one
    server's share and then the run on nodes', this worker's slice."""
    top = max(1024 + 2 * IRCTEST_PORTS, ephemeral_start() - SUITE_PORTS)
    top -= IRCTEST_PORTS if on_nodes else 0
    return worker_slice(range(top - IRCTEST_PORTS, top))


class PortPool:
    """Hands out the ports of ``share`` in turn, from a place of this
    process's own, round and round: a port comes back only after the whole
    share has been handed out."""

    def __init__(self, share: range) -> None:
        self.share = share
        start = share.start + os.getpid() % len(share)
        self._ports = itertools.cycle(
            [*range(start, share.stop), *range(share.start, start)]
        )

    def free_port(self) -> int:
        """The next port of the share that can be bound (nobody listens
        there, and no closed connection of it lingers)."""
        for port in itertools.islice(self._ports, len(self.share)):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise AssertionError(f"no free port in {self.share}")
