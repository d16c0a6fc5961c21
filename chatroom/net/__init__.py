"""TCP plumbing under the doors and the back-ends' links: writing straight
to a socket, and lean transports. It imports nothing else of chatroom's,
so any layer may use it (tests/test_layers.py)."""
