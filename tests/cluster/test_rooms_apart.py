"""The contracts in the layout where each room's keys have a slot of their own.

``ClusterConfig.rooms_apart`` puts a room's keys under its own hash tag
(``{chatroom/general}:history``), the first step of spreading rooms over a
Redis Cluster's primaries (docs/scaling.md). Until the nodes route each
call by its slot, the layout runs on a Redis Cluster of one server that
serves every slot (every script keeps to one slot: Redis checks it);
what users see must be what they see in every other layout, and every
key must be where the layout puts it
(:class:`~tests.cluster.redis_cluster.RoomsApartRegistryTestCase`).
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet import defer

from chatroom.core.model.codec import encode
from chatroom.core.model.config import CLUSTER_PREFIX, ClusterConfig
from chatroom.core.moderation.modlog import SERVER_LOG, ModAction, ModEntry
from chatroom.redisclient.addresses import RedisClusterAddress
from tests.backends.contracts import handler as handler_contract
from tests.backends.contracts import logged_actions as logged_actions_contract
from tests.backends.contracts import moderation as moderation_contract
from tests.backends.contracts import multi as multi_contract
from tests.backends.contracts import private as private_contract
from tests.backends.contracts import userdata as userdata_contract
from tests.backends.contracts.handler import HandlerContract
from tests.backends.contracts.logged_actions import LoggedActionsContract
from tests.backends.contracts.moderation import ModerationContract
from tests.backends.contracts.multi import MultiContract
from tests.backends.contracts.operating import OperatingContract
from tests.backends.contracts.pins import PinsContract
from tests.backends.contracts.private import PrivateContract
from tests.backends.contracts.reaction import REACTION_CONFIG, ReactionContract
from tests.backends.contracts.records import RecordsContract
from tests.backends.contracts.retention import RETENTION_CONFIG, RetentionContract
from tests.backends.contracts.search import SEARCH_CONFIG, SearchContract
from tests.backends.contracts.threads import THREADS_CONFIG, ThreadsContract
from tests.backends.contracts.userdata import UserDataContract
from tests.backends.redis import test_search, test_userdata
from tests.backends.redis.test_webhooks import HalfDoneSteps
from tests.cluster.redis_cluster import (
    RoomsApartRegistryTestCase,
    cluster_asker,
    emptied_cluster_server,
    keys_where_rooms_apart_put_them,
)
from tests.cluster.support import SteppedReactor, TwoNodeRegistryTestCase
from tests.cluster.test_endings import HalfDoneEndings
from tests.cluster.test_half_done_rooms_redis import HalfDoneRoomSteps
from tests.cluster.test_harvest_chunks import (
    NODE_TTL,
    QUIET_TTL,
    ChunkedHarvests,
    HarvesterGone,
)
from tests.cluster.test_names_redis import HalfDoneNames
from tests.cluster.test_resume_steps import HalfDoneResume
from tests.cluster.test_room_steps import HalfDoneMembership
from tests.support import redis_command


class RoomsApartHandlerTests(RoomsApartRegistryTestCase, HandlerContract):
    """The command handlers, each room in a slot of its own."""

    config = handler_contract.CONFIG


class RoomsApartPinsTests(RoomsApartRegistryTestCase, PinsContract):
    """Pins (the room's ``pins`` hash, in its slot), each room in a slot of
    its own."""

    config = handler_contract.CONFIG


class RoomsApartThreadsTests(RoomsApartRegistryTestCase, ThreadsContract):
    """Threads and follows (an account's settings, in the server's slot),
    each room in a slot of its own."""

    config = THREADS_CONFIG


class RoomsApartModerationTests(RoomsApartRegistryTestCase, ModerationContract):
    """Moderation, each room in a slot of its own."""

    config = moderation_contract.CONFIG


class RoomsApartRecordsTests(RoomsApartRegistryTestCase, RecordsContract):
    """The records' changes (a room's log in the room's slot, the rest in
    the server's), each room in a slot of its own."""

    config = handler_contract.CONFIG


class RoomsApartLoggedActionsTests(RoomsApartRegistryTestCase, LoggedActionsContract):
    """Actions whose log entries ride in their change (a room's log in the
    room's slot, the server's in the server's), each room in a slot of its
    own."""

    config = logged_actions_contract.CONFIG

    @defer.inlineCallbacks
    def test_an_older_versions_server_log_is_read_first(self):
        """The server's log as an older version kept it, in a slot of its
        own as if a room's (``{chatroom/*}:modlog``), is read before the
        entries the server's slot keeps now, and ``/modlog server N``
        shows the newest N of both."""
        old = ModEntry("t0", "root", ModAction.KILL, "mallory", "old")
        yield redis_command(self.server, "RPUSH", "{chatroom/*}:modlog", encode(old))
        root = yield self.signed_in("root")
        root.say("/lockdown accounts")
        yield self.expect(root, "LOCKDOWN ")
        both = yield self.log(SERVER_LOG)
        self.assertEqual([e.action for e in both], [ModAction.KILL, ModAction.LOCKDOWN])
        self.assertEqual(both[0], old)
        root.say("/modlog server 1")
        line = yield self.expect(root, "MODLOG * ")
        self.assertEqual(line.split()[3:], ["root", "lockdown", "accounts", "-"])
        self.assertEqual((yield self.expect(root, "MODLOG_END")), "MODLOG_END * 1")


class RoomsApartPrivateTests(RoomsApartRegistryTestCase, PrivateContract):
    """Private conversations, each room in a slot of its own."""

    config = private_contract.CONFIG


class RoomsApartMultiTests(RoomsApartRegistryTestCase, MultiContract):
    """Many rooms at once, each in a slot of its own."""

    config = multi_contract.CONFIG


class RoomsApartOperatingTests(RoomsApartRegistryTestCase, OperatingContract):
    """The operator's commands (a room given, an account locked), each room
    in a slot of its own."""

    config = handler_contract.CONFIG


class RoomsApartReactionTests(RoomsApartRegistryTestCase, ReactionContract):
    """Edits, deletions and reactions (a room's ``reactions`` and its ids),
    each room in a slot of its own."""

    config = REACTION_CONFIG


class RoomsApartRetentionTests(RoomsApartRegistryTestCase, RetentionContract):
    """History kept by age, a message's trim and a sweep's, each room in a
    slot of its own (a sweep reads the rooms in the server's slot, then
    trims each in its own)."""

    config = RETENTION_CONFIG

    def node_clock(self) -> SteppedReactor:
        self.clock = SteppedReactor()
        return self.clock

    def moved_on(self, seconds: float) -> None:
        self.clock.advance(seconds)


class RoomsApartWebhookTests(RoomsApartRegistryTestCase, HalfDoneSteps):
    """A room's hooks, each room in a slot of its own, and the index of
    their secrets in the server's slot."""

    config = handler_contract.CONFIG


class RoomsApartNamesTests(RoomsApartRegistryTestCase, HalfDoneNames):
    """Renames and sign-ins left half-done, each room in a slot of its own:
    the server's step and each room's on their slots."""

    config = handler_contract.CONFIG


class RoomsApartHalfDoneRoomTests(RoomsApartRegistryTestCase, HalfDoneRoomSteps):
    """A room's deletion and news of a user to its rooms cut short between
    their steps, each room in a slot of its own."""

    config = handler_contract.CONFIG


class RoomsApartRoomStepsTests(RoomsApartRegistryTestCase, HalfDoneMembership):
    """Joins, creates and leaves, each step on one slot, run one without
    the other: the server's indexes naming a room too many."""

    config = handler_contract.CONFIG


class RoomsApartResumeTests(RoomsApartRegistryTestCase, HalfDoneResume):
    """A node's resume, the server's step and each room's on their slots,
    cut short between them or a room's run twice."""

    config = handler_contract.CONFIG


class RoomsApartEndingsTests(RoomsApartRegistryTestCase, HalfDoneEndings):
    """Sessions' ends (a release, a kill, a harvest) cut short after the
    server's step, the rooms' steps on their own slots."""

    config = handler_contract.CONFIG


class RoomsApartChunkedHarvestTests(
    RoomsApartRegistryTestCase, TwoNodeRegistryTestCase, ChunkedHarvests
):
    """A dead node's harvest a chunk at a time, each room in a slot of its
    own (the nodes' indexes of their sessions in the server's)."""

    config = handler_contract.CONFIG
    timeout = 120

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=NODE_TTL, stall_grace=0)


class RoomsApartHarvesterGoneTests(RoomsApartRegistryTestCase, HarvesterGone):
    """A harvester gone mid-way, each room in a slot of its own."""

    config = handler_contract.CONFIG

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=QUIET_TTL)


class RoomsApartUserDataTests(RoomsApartRegistryTestCase, UserDataContract):
    """/export and /delete-account, which read every room ever numbered,
    each room in a slot of its own."""

    config = userdata_contract.CONFIG
    traces = test_userdata.RedisUserDataTests.traces


class RoomsApartSearchTests(test_search.ClusterRoomSearchTests, SearchContract):
    """``/search`` of rooms on two nodes with PostgreSQL's index, each room
    in a slot of its own: the index reads each room's history by a script
    on the room's keys alone. After each test every key must be where the
    layout puts it, and the search outbox (the server's slot, for private
    conversations) must never have been written: no room's script fed it."""

    config = SEARCH_CONFIG

    @defer.inlineCallbacks
    def start_redis(self):
        self.cluster_ports = [(yield emptied_cluster_server())]
        self.addCleanup(self.every_key_in_its_slot)  # once the nodes stopped

    @defer.inlineCallbacks
    def every_key_in_its_slot(self):
        asking = cluster_asker(self.cluster_ports)
        yield keys_where_rooms_apart_put_them(self, asking)
        outbox = yield asking("EXISTS", "{chatroom}:search:outbox")
        self.assertEqual(outbox, 0, "a room's event fed to the search outbox")

    def cluster_config(self, node_id: str, search_db: str | None) -> ClusterConfig:
        return ClusterConfig(
            RedisClusterAddress(tuple(("127.0.0.1", p) for p in self.cluster_ports)),
            node_id=node_id,
            prefix=CLUSTER_PREFIX,
            rooms_apart=True,
            search_db=search_db,
        )
