"""``chatroom-admin backup`` of a cluster node, restored into a fresh Redis.

A real ``twistd chatroom --redis`` node on a real redis-server, with the
admin API; a user's kept room gets some history; ``chatroom-admin backup``
exports the cluster's keys, ``chatroom-admin restore FILE --redis URL``
loads them into a second, fresh redis-server (and refuses it once it is
no longer empty), and a node started on that one serves the history back.
A backup also moves a chat between layouts: restored into a Redis Cluster
(``cluster://``) its keys go under the cluster's hash tag, and a backup of
a node on the cluster restored behind Sentinel (``sentinel://``) goes back
under the plain prefix; a node on each serves the history.
"""

from __future__ import annotations

import os

from twisted.internet import defer, reactor

from chatroom.backends.redis.dumpfile import MAGIC
from chatroom.wiring.clusterlayout import LAYOUT_KEY, ONE_SLOT
from tests.cluster.redis_cluster import emptied_cluster_server
from tests.cluster.sentinels import SERVICE, SentinelProcess, ask
from tests.cluster.support import RedisProcess, RedisTestCase, free_port
from tests.integration.test_admin import AdminServerTestCase
from tests.support import LineClient, connect_client

#: What alice says in tea before the backup.
BREWS = ["first brew", "second brew"]


class ClusterBackupTests(RedisTestCase, AdminServerTestCase):
    """Back up a cluster node, restore into a fresh Redis, read it back."""

    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield RedisTestCase.setUp(self)
        self.write_token()
        self.port, self.http_port = yield self.node(self.redis.url, "first")

    @defer.inlineCallbacks
    def node(self, url: str, node_id: str):
        """A cluster node on the Redis at ``url``, with the admin API; fires
        with its line and HTTP ports once it is in the cluster."""
        ports = yield self.serve(
            "--redis", url, "--node-id", node_id,
            "--admin-token-file", self.token_file, "--rate", "0",
        )  # fmt: skip
        yield self.process.when_output(f"node {node_id}: in the cluster".encode())
        return ports

    @defer.inlineCallbacks
    def brewed(self):
        """alice's kept room tea, with two messages; her client."""
        alice = yield self.registered("alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED ")
        alice.say("/set keep on")
        yield alice.expect_line("SET tea keep on")
        for text in BREWS:
            alice.say(text)
            yield alice.expect_line("MSG ")
        return alice

    @defer.inlineCallbacks
    def backed_up(self, name: str):
        """``chatroom-admin backup`` of the node serving now, into ``name``."""
        status, out, err = yield self.admin("backup", name)
        self.assertEqual((status, err), (0, ""), out)
        return self.dir.child(name).path

    @defer.inlineCallbacks
    def history_read_back(self):
        """What alice reads of tea on the node serving now."""
        reader: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(reader)
        reader.say("/login alice password-1")
        yield reader.expect_line("WELCOME ")
        reader.say("/join tea")
        said = []
        for _ in range(2):
            said.append((yield reader.expect_line("HISTORY tea alice ")))
        return [line.split(" ", 4)[4] for line in said]

    @defer.inlineCallbacks
    def test_a_plain_backup_restores_into_a_redis_cluster(self):
        """A backup of one Redis restored into a Redis Cluster goes under the
        cluster's hash tag (refused once the chat's slot holds keys); the
        node there keeps the one-slot layout, says so, and reads the
        history back."""
        yield self.brewed()
        plain = yield self.backed_up("plain.backup")

        cluster_port = yield emptied_cluster_server()
        cluster_url = f"cluster://127.0.0.1:{cluster_port}"
        answer = yield self.admin_json("restore", plain, "--redis", cluster_url)
        self.assertEqual(answer["keys"], int((yield ask(cluster_port, "DBSIZE"))))
        keys = yield ask(cluster_port, "KEYS", "*")
        self.assertEqual([k for k in keys if not k.startswith(b"{chatroom}:")], [])
        status, _, err = yield self.admin("restore", plain, "--redis", cluster_url)
        self.assertEqual(status, 1)
        self.assertIn("not empty: its slot holds keys", err)
        self.port, self.http_port = yield self.node(cluster_url, "on-the-cluster")
        self.assertIn(b"rooms are not spread over", self.process.output)
        self.assertEqual((yield ask(cluster_port, "GET", LAYOUT_KEY)), ONE_SLOT)
        self.assertEqual((yield self.history_read_back()), BREWS)

    @defer.inlineCallbacks
    def test_a_cluster_backup_restores_behind_sentinel(self):
        """A backup of a node on a Redis Cluster in the one-slot layout (a
        chat moved there from one Redis keeps it) restored behind Sentinel
        goes back under the plain prefix; a node there reads the history
        back."""
        cluster_port = yield emptied_cluster_server()
        cluster_url = f"cluster://127.0.0.1:{cluster_port}"
        yield ask(cluster_port, "SET", LAYOUT_KEY, ONE_SLOT)
        self.port, self.http_port = yield self.node(cluster_url, "on-the-cluster")
        yield self.brewed()
        tagged = yield self.backed_up("tagged.backup")

        fresh = RedisProcess(free_port())
        yield fresh.start()
        self.addCleanup(fresh.stop)
        sentinel = SentinelProcess(
            free_port(), os.path.abspath(self.mktemp()), fresh.port
        )
        os.makedirs(sentinel.directory)
        yield sentinel.start()
        self.addCleanup(sentinel.stop)
        sentinel_url = f"sentinel://127.0.0.1:{sentinel.port}/{SERVICE}"
        yield self.admin_json("restore", tagged, "--redis", sentinel_url)
        keys = yield ask(fresh.port, "KEYS", "*")
        self.assertTrue(keys)
        self.assertEqual([k for k in keys if not k.startswith(b"chatroom:")], [])
        self.port, self.http_port = yield self.node(sentinel_url, "behind-sentinel")
        self.assertEqual((yield self.history_read_back()), BREWS)

    @defer.inlineCallbacks
    def test_backup_restore_history(self):
        """The history said before the backup is read back from a node on
        the Redis it was restored into; a second restore into it is refused."""
        yield self.brewed()
        path = yield self.backed_up("cluster.backup")
        with open(path, "rb") as backup:
            self.assertEqual(backup.read(len(MAGIC)), MAGIC)

        fresh = RedisProcess(free_port())
        yield fresh.start()
        self.addCleanup(fresh.stop)
        answer = yield self.admin_json("restore", path, "--redis", fresh.url)
        self.assertEqual(answer["redis"], fresh.url)
        self.assertGreater(answer["keys"], 5)
        status, _, err = yield self.admin("restore", path, "--redis", fresh.url)
        self.assertEqual(status, 1)
        self.assertIn("not empty", err)

        self.port, self.http_port = yield self.node(fresh.url, "second")
        self.assertEqual((yield self.history_read_back()), BREWS)
