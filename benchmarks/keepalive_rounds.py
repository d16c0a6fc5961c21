"""How bunched an idle crowd's keepalive rounds are: the ``PING``s a
server sends in each second, counted on ``task.Clock`` (no sockets, no
timing, so the machine's load does not move the figures).

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/keepalive_rounds.py 15000 40 8
    PYTHONPATH=/tmp/other-tree .venv/bin/python benchmarks/keepalive_rounds.py ...

CROWD line clients (default 1,000) are named over FILL seconds (default
0: all in the same instant), each answers every ``PING`` at once and says
nothing else, at ``--ping-interval 120``. For each of ROUNDS (default 4)
windows of 120 s, the first from 120 s after the first name, it prints
the ``PING``s sent, the seconds that held any, and the most in one second
(a crowd named over more than a few seconds has its rounds cut across
windows).
"""

from __future__ import annotations

import sys
from collections import Counter

from twisted.internet.task import Clock

from chatroom.core.model.config import ServerConfig
from tests.support import NOW, FakeClient, local_server

INTERVAL = 120


def main(crowd_size: int, fill: float, rounds: int) -> None:
    config = ServerConfig(
        rate=0, max_per_ip=0, max_clients=0, ping_interval=INTERVAL, ping_timeout=60
    )
    clock = Clock()
    clock.advance(NOW)
    server = local_server(config, clock)
    crowd: list[FakeClient] = []
    per_second = max(1, int(crowd_size / fill)) if fill else crowd_size
    while len(crowd) < crowd_size:
        for _ in range(min(per_second, crowd_size - len(crowd))):
            client = FakeClient(server)
            client.send(f"user{len(crowd)}")
            client.transport.clear()
            crowd.append(client)
        if len(crowd) < crowd_size:
            clock.advance(1)
    pings: Counter[int] = Counter()
    end = NOW + fill + (rounds + 1) * INTERVAL
    while clock.seconds() < end:
        clock.advance(1)
        second = int(clock.seconds() - NOW)
        for client in crowd:
            data = client.transport.value()
            if not data:
                continue
            client.transport.clear()
            for line in data.decode().split("\r\n")[:-1]:
                assert line.startswith("PING "), line
                pings[second] += 1
                client.protocol.dataReceived(f"PONG {line.split()[1]}\r\n".encode())
    print(
        f"crowd {crowd_size}, named over {fill:g} s, --ping-interval {INTERVAL}: "
        f"evenly spread would be {crowd_size / INTERVAL:.0f} PINGs a second"
    )
    for round_ in range(rounds):
        seconds = range(INTERVAL * (round_ + 1), INTERVAL * (round_ + 2))
        counts = [pings[second] for second in seconds]
        print(
            f"  seconds {seconds[0]}-{seconds[-1]}: PINGs {sum(counts)}, "
            f"seconds with PINGs {sum(1 for count in counts if count)}, "
            f"most in one second {max(counts)}"
        )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        int(arguments[0]) if arguments else 1000,
        float(arguments[1]) if len(arguments) > 1 else 0.0,
        int(arguments[2]) if len(arguments) > 2 else 4,
    )
