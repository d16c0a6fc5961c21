"""``chatroom-admin backup`` of a cluster node, restored into a fresh Redis.

A real ``twistd chatroom --redis`` node on a real redis-server, with the
admin API; a user's kept room gets some history; ``chatroom-admin backup``
exports the cluster's keys, ``chatroom-admin restore FILE --redis URL``
loads them into a second, fresh redis-server (and refuses it once it is
no longer empty), and a node started on that one serves the history back.
"""

from __future__ import annotations

from twisted.internet import defer, reactor

from chatroom.backends.redis.dumpfile import MAGIC
from tests.cluster.support import RedisProcess, RedisTestCase, free_port
from tests.integration.test_admin import AdminServerTestCase
from tests.support import LineClient, connect_client


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
    def test_backup_restore_history(self):
        """The history said before the backup is read back from a node on
        the Redis it was restored into; a second restore into it is refused."""
        alice = yield self.registered("alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED ")
        alice.say("/set keep on")
        yield alice.expect_line("SET tea keep on")
        for text in ("first brew", "second brew"):
            alice.say(text)
            yield alice.expect_line("MSG ")
        status, out, err = yield self.admin("backup", "cluster.backup")
        self.assertEqual((status, err), (0, ""), out)
        backup = self.dir.child("cluster.backup")
        self.assertTrue(backup.getContent().startswith(MAGIC))

        fresh = RedisProcess(free_port())
        yield fresh.start()
        self.addCleanup(fresh.stop)
        answer = yield self.admin_json("restore", backup.path, "--redis", fresh.url)
        self.assertEqual(answer["redis"], fresh.url)
        self.assertGreater(answer["keys"], 5)
        status, _, err = yield self.admin("restore", backup.path, "--redis", fresh.url)
        self.assertEqual(status, 1)
        self.assertIn("not empty", err)

        self.port, self.http_port = yield self.node(fresh.url, "second")
        reader: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(reader)
        reader.say("/login alice password-1")
        yield reader.expect_line("WELCOME ")
        reader.say("/join tea")
        said = []
        for _ in range(2):
            said.append((yield reader.expect_line("HISTORY tea alice ")))
        self.assertEqual(
            [line.split(" ", 4)[4] for line in said], ["first brew", "second brew"]
        )
