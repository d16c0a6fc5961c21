"""A Redis client for Twisted: reconnecting links over txredisapi's
protocols (:mod:`.link`, :mod:`.resp`), the primary found through
Sentinel (:mod:`.sentinel_watch`) or a Redis Cluster, and a cluster's
commands and sharded subscriptions routed by hash slot (:mod:`.slots`,
:mod:`.shards`, :mod:`.shard_subscribers`). Every timer is on the reactor
it is given.

It imports nothing of chatroom's but :mod:`chatroom.net` (its socket
writes), so it knows no chat (tests/test_layers.py checks the imports).
Why it is written here and not taken from a library, with redis-py's
asyncio ``RedisCluster`` measured beside it (benchmarks/redis_clients.py):
docs/scaling.md, "Why the Redis client is ours".
"""
