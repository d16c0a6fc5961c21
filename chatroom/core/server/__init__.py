"""The server and its nodes: the names held, an account's devices on other
nodes, presence, the census, watched names; the one bus every wing tells on."""
