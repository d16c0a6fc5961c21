"""Sums a room's own lines in roomrow's traced A/B (its raw output file)."""

import re
import sys
from pathlib import Path

text = Path(sys.argv[1]).read_text()
runs = re.split(r"^=== round (\d) (\w+) \S+ \S+$", text, flags=re.M)
MAIN = "roomrow-main/chatroom/backends/redis/"
NEW = "roomrow-new/chatroom/backends/redis/"
cats = {
    "NodeRoom": [r"delivery.py:524$", r"delivery.py:619$"],
    "Audience": [r"delivery.py:178$", r"delivery.py:270$"],
    "Audience table": [r"fanout.py:273$"],
    "seating object": [r"dataclasses.py:1501$"],
    "first members": [r"outcomes.py:134$", r"outcomes.py:146$"],
    "incarnation": [r"outcomes.py:138$", r"outcomes.py:151$"],
    "owner": [MAIN + r"outcomes.py:140$"],
    "listing (ListedRoom)": [r"listing.py:368$", r"listing.py:366$", r"replies.py:53$"],
    "listing tuple": [r"lobby_list.py:97$"],
    "listing key": [r"listing.py:401$", r"listing.py:399$"],
    "listing order": [r"listing.py:412$", r"listing.py:410$"],
    "listing name": [r"replies.py:54$"],
    "channel": [r"config.py:236$"],
    "dict entries (rooms, channels, list, rows)": [
        MAIN + r"delivery.py:52[56]$",
        NEW + r"delivery.py:62[01]$",
        r"lobby_list.py:10[0-3]$",
        MAIN + r"listing.py:411$",
    ],
}
for i in range(1, len(runs), 3):
    rnd, side, body = runs[i], runs[i + 1], runs[i + 2]
    after = body.split("-- a room (held)")[1]
    held = after.split("-- total")[0]
    found = re.search(r"-- total (\S+) KiB", after)
    total = found.group(1) if found else "?"
    sums = dict.fromkeys(cats, 0.0)
    blocks = dict.fromkeys(cats, 0.0)
    for line in held.splitlines():
        m = re.match(r"\s*(-?[\d.]+) B\s+(-?[\d.]+) blocks a room\s+(\S+)", line)
        if not m:
            continue
        for c, pats in cats.items():
            if any(re.search(p, m.group(3)) for p in pats):
                sums[c] += float(m.group(1))
                blocks[c] += float(m.group(2))
    own = sum(sums.values())
    print(
        f"round {rnd} {side}: held total {total} KiB; the room's own objects "
        f"{own:.0f} B, {sum(blocks.values()):.1f} blocks"
    )
    for c in cats:
        print(f"   {c:45s} {sums[c]:7.1f} B {blocks[c]:5.2f} blocks")
