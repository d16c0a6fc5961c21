"""Uploads in cluster mode (issue 33): the bytes in a real PostgreSQL
(``--files-db``), the metadata and the tokens in a real redis-server, two
real nodes each with its own ``--files-dir`` (its cache) and its own HTTP
door; what a user uploads at one node is served by the other."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from twisted.internet import defer, reactor
from twisted.trial import unittest

from chatroom.backends.redis.files_postgres import CHUNK_BYTES, PostgresFileBytes
from chatroom.core.infra.filedir import is_file_id
from tests.cluster.postgres import NO_POSTGRES, POSTGRES_BIN, REQUIRED, session_postgres
from tests.cluster.support import ClusterTestCase
from tests.integration.test_uploads import PNG, basic, http_request, upload_headers
from tests.support import port_of


class PostgresBytesTests(unittest.TestCase):
    """The shared store of bytes on its own, against a real PostgreSQL."""

    if POSTGRES_BIN is None and not REQUIRED:
        skip = NO_POSTGRES

    def setUp(self) -> None:
        self.conninfo = session_postgres().new_database()
        self.store = PostgresFileBytes(self.conninfo, reactor)
        self.addCleanup(self.store.close)
        self.folder = self.mktemp()
        os.makedirs(self.folder)

    def file(self, name: str, data: bytes) -> str:
        path = os.path.join(self.folder, name)
        with open(path, "wb") as file:
            file.write(data)
        return path

    def read(self, path: str) -> bytes:
        with open(path, "rb") as file:
            return file.read()

    @defer.inlineCallbacks
    def test_round_trip_in_chunks(self):
        """A file of two and a half chunks comes back byte for byte, kept
        as three rows; an empty file is kept (and comes back empty), a file
        never put is not found, and putting an id again replaces it whole."""
        data = os.urandom(CHUNK_BYTES * 2 + CHUNK_BYTES // 2)
        yield self.store.put("A" * 16, self.file("big", data))
        yield self.store.put("B" * 16, self.file("empty", b""))
        found = yield self.store.fetch("A" * 16, os.path.join(self.folder, "got"))
        self.assertTrue(found)
        self.assertEqual(self.read(os.path.join(self.folder, "got")), data)
        with psycopg.connect(self.conninfo) as db:
            rows = db.execute(
                "SELECT count(*) FROM chatroom_file_chunks WHERE id = %s", ("A" * 16,)
            ).fetchone()
        self.assertEqual(rows, (3,))
        empty = yield self.store.fetch("B" * 16, os.path.join(self.folder, "none"))
        self.assertTrue(empty)
        self.assertEqual(self.read(os.path.join(self.folder, "none")), b"")
        missing = yield self.store.fetch("C" * 16, os.path.join(self.folder, "x"))
        self.assertFalse(missing)
        yield self.store.put("A" * 16, self.file("small", b"small"))
        yield self.store.fetch("A" * 16, os.path.join(self.folder, "again"))
        self.assertEqual(self.read(os.path.join(self.folder, "again")), b"small")
        yield self.store.delete("A" * 16)
        gone = yield self.store.fetch("A" * 16, os.path.join(self.folder, "y"))
        self.assertFalse(gone)

    def test_database_down_fails_the_step(self) -> Any:
        """An unreachable database fails the step (the door answers 503);
        nothing waits forever."""
        store = PostgresFileBytes(
            "host=/nonexistent dbname=x connect_timeout=1", reactor
        )
        self.addCleanup(store.close)
        return self.assertFailure(
            store.put("D" * 16, self.file("f", b"x")), psycopg.OperationalError
        )


class FilesAcrossNodesTests(ClusterTestCase):
    """alice uploads at node one; node two serves it, takes her token, and
    a removal at either is seen at both."""

    timeout = 60

    if POSTGRES_BIN is None and not REQUIRED:
        skip = NO_POSTGRES

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.files_db = files_db = session_postgres().new_database()
        self.caches = []
        nodes = []
        for _ in range(2):
            cache = os.path.abspath(self.mktemp())
            self.caches.append(cache)
            node = yield self.node(
                "--http", "tcp:0:interface=127.0.0.1",
                "--files", "--files-dir", cache, "--files-db", files_db,
            )  # fmt: skip
            nodes.append(node)
        self.one, self.two = nodes
        self.web = [port_of(node.doors["http"].port) for node in nodes]

    def cached(self, node: int) -> list[str]:
        return [name for name in os.listdir(self.caches[node]) if is_file_id(name)]

    @defer.inlineCallbacks
    def test_uploaded_at_one_served_by_the_other(self):
        """alice's picture, uploaded at node one with her password, is served
        by node two byte for byte (copied into node two's cache on the way);
        a ``/token`` from node one uploads at node two; a removal at node
        two is ``404`` at node one at once, and node one's copy is gone from
        its cache when next asked for."""
        alice = yield self.client(self.one, "alice")
        alice.say("/register correct-horse")
        yield alice.expect_line("REGISTERED ")
        headers = {**upload_headers("image/png", "cat.png"), **basic("alice")}
        made = yield http_request(self, self.web[0], "POST", "/upload", headers, PNG)
        self.assertEqual(made.status, 201, made.body)
        location = made.headers["location"]
        self.assertEqual(self.cached(1), [])
        served = yield http_request(self, self.web[1], "GET", location)
        self.assertEqual((served.status, served.body), (200, PNG))
        self.assertEqual(served.headers["content-type"], "image/png")
        self.assertEqual(len(self.cached(1)), 1)
        alice.say("/token")
        token = (yield alice.expect_line("TOKEN ")).split(" ")[1]
        bearer = {**upload_headers("text/plain", "notes.txt")}
        bearer["Authorization"] = f"Bearer {token}"
        notes = yield http_request(
            self, self.web[1], "POST", "/upload", bearer, b"hi\n"
        )
        self.assertEqual(notes.status, 201, notes.body)
        back = yield http_request(self, self.web[0], "GET", notes.headers["location"])
        self.assertEqual(back.body, b"hi\n")
        made_up = {**bearer, "Authorization": "Bearer made-up"}
        refused = yield http_request(
            self, self.web[1], "POST", "/upload", made_up, b"x"
        )
        self.assertEqual(refused.status, 401)
        self.assertEqual(len(self.cached(0)), 2)  # both served or taken at one
        removed = yield http_request(
            self, self.web[1], "DELETE", location, basic("alice")
        )
        self.assertEqual(removed.status, 204)
        gone = yield http_request(self, self.web[0], "GET", location)
        self.assertEqual(gone.status, 404)
        file_id = location.split("/")[2]
        self.assertNotIn(file_id, self.cached(0))
        self.assertNotIn(file_id, self.cached(1))

    @defer.inlineCallbacks
    def test_a_restarted_node_starts_with_an_empty_cache(self):
        """A node's cache is emptied when it starts: nothing removed while it
        was down is kept, and the files come back from PostgreSQL."""
        alice = yield self.client(self.one, "alice")
        alice.say("/register correct-horse")
        yield alice.expect_line("REGISTERED ")
        headers = {**upload_headers("image/png", "cat.png"), **basic("alice")}
        made = yield http_request(self, self.web[0], "POST", "/upload", headers, PNG)
        self.assertEqual(len(self.cached(0)), 1)
        self.nodes.remove(self.one)
        yield self.one.stopService()
        again = yield self.node(
            "--http", "tcp:0:interface=127.0.0.1",
            "--files", "--files-dir", self.caches[0], "--files-db", self.files_db,
        )  # fmt: skip
        self.assertEqual(self.cached(0), [])
        port = port_of(again.doors["http"].port)
        served = yield http_request(self, port, "GET", made.headers["location"])
        self.assertEqual((served.status, served.body), (200, PNG))
