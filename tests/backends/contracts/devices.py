"""Many devices per account and remembered rooms, for every registry.

:class:`DevicesContract` drives real :class:`LineProtocol` connections
(over ``StringTransport``) signed in to one account from several devices:
one member in every room whatever the number of devices, messages and
private messages on every device, ``multi`` devices in all the account's
rooms, devices without it in one, ``/devices`` and ``/logout ID``, the
device limit, and the account's rooms remembered when it comes back. It
runs against the in-process registry (``tests/backends/local/test_devices.py``) and the
Redis one on a real redis-server (``tests/backends/redis/test_devices.py``),
there also with each device on the other of two nodes.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.moderation import PASSWORD
from tests.support import FakeClient

CONFIG = ServerConfig(
    rate=0, room_capacity=5, max_rooms=8, history=2, resume_bound=5, max_devices=3
)


class DevicesContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    def device_server(self) -> DoorHub:
        """The server the next device connects to (this one, unless a
        subclass spreads an account's devices over several nodes)."""
        return self.server

    @defer.inlineCallbacks
    def device(self, name: str, *caps: str) -> Generator[Any, Any, User]:
        """A new connection signed in to account ``name`` (registered by its
        first device), with ``caps`` turned on first."""
        user = User(FakeClient(self.device_server()))
        if caps:
            user.say(f"/caps {' '.join(caps)}")
            yield self.expect(user, "CAPS ")
        user.say(f"/login {name} {PASSWORD}")
        line = yield self.expect(user, "")
        while not line.startswith(("WELCOME", "ERR")):
            line = yield self.expect(user, "")
        if line.startswith("ERR NO_SUCH_ACCOUNT"):
            user.say(f"/register {name} {PASSWORD}")
            yield self.expect(user, f"WELCOME {name}")
            yield self.expect(user, "ROOMS ")
            yield self.expect(user, "REGISTERED ")
        else:
            self.assertEqual(line, f"WELCOME {name}")
            yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def entered(self, user: User, room: str, create: bool = False) -> Any:
        """``user`` joins (or creates) ``room``; returns its ``MEMBERS`` line."""
        user.say(f"/{'create' if create else 'join'} {room}")
        return (yield self.expect(user, f"MEMBERS {room}"))

    @defer.inlineCallbacks
    def gone(self, user: User) -> Generator[Any, Any, None]:
        """``user``'s connection is lost, and the server has let it go."""
        user.client.lose()
        yield self.wait()
        yield self.wait()

    def not_seen(self, user: User, prefix: str) -> None:
        self.assertFalse(
            [line for line in user.unread() if line.startswith(prefix)],
            f"{prefix!r} in {user.unread()}",
        )

    # -- many devices, one member -----------------------------------------------

    @defer.inlineCallbacks
    def test_a_second_device_disconnects_nobody(self) -> Generator[Any, Any, None]:
        """Signing in again adds a device: the first is not ended (no BYE),
        the room hears no second JOIN and lists alice once."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice")
        yield self.entered(laptop, "tea")
        yield self.expect(bob, "JOIN tea alice")
        phone = yield self.device("alice")
        members = yield self.entered(phone, "tea")
        self.assertEqual(members, "MEMBERS tea bob alice")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob alice")
        self.not_seen(bob, "JOIN tea alice")
        self.not_seen(laptop, "BYE")
        self.assertFalse(laptop.client.closing)

    @defer.inlineCallbacks
    def test_messages_reach_every_device(self) -> Generator[Any, Any, None]:
        """A message from one device reaches the room once and every device
        of the account; a private message reaches every device of both."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice")
        phone = yield self.device("alice")
        yield self.entered(laptop, "tea")
        yield self.entered(phone, "tea")
        laptop.say("hello from the laptop")
        for user in (bob, laptop, phone):
            line = yield self.expect(user, "MSG tea alice ")
            self.assertTrue(line.endswith(" hello from the laptop"), line)
        self.not_seen(bob, "MSG tea alice")
        phone.say("/msg bob psst")
        for user in (bob, laptop, phone):
            line = yield self.expect(user, "PRIVMSG alice bob ")
            self.assertTrue(line.endswith(" psst"), line)
        bob.say("/msg alice back")
        for user in (laptop, phone):
            line = yield self.expect(user, "PRIVMSG bob alice ")
            self.assertTrue(line.endswith(" back"), line)

    @defer.inlineCallbacks
    def test_a_device_signing_on_and_off_mid_conversation(
        self,
    ) -> Generator[Any, Any, None]:
        """A device that signs on while the room is talking gets the room's
        next message, as the device already there does; once it signs off,
        the other still gets every message. (A room keeps its members'
        deliveries between messages: a change of devices must reach it.)"""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice", "multi")
        yield self.entered(laptop, "tea")
        bob.say("first")
        yield self.expect(laptop, "MSG tea bob ")
        phone = yield self.device("alice", "multi")
        yield self.expect(phone, "JOINED tea")
        bob.say("second")
        for device in (laptop, phone):
            line = yield self.expect(device, "MSG tea bob ")
            self.assertTrue(line.endswith(" second"), line)
        yield self.gone(phone)
        bob.say("third")
        line = yield self.expect(laptop, "MSG tea bob ")
        self.assertTrue(line.endswith(" third"), line)

    @defer.inlineCallbacks
    def test_a_message_kept_for_later_reaches_every_device(
        self,
    ) -> Generator[Any, Any, None]:
        """A private message to an account nobody is signed in to (kept for
        it) is shown on each of the sender's devices, once."""
        carol = yield self.device("carol")
        yield self.gone(carol)
        laptop = yield self.device("alice")
        phone = yield self.device("alice")
        phone.say("/msg carol later")
        for user in (phone, laptop):
            line = yield self.expect(user, "PRIVMSG alice carol ")
            self.assertTrue(line.endswith(" later"), line)
        laptop.say("/devices")  # answered after what went through before it
        yield self.expect(laptop, "DEVICES_END")
        self.not_seen(laptop, "PRIVMSG")

    @defer.inlineCallbacks
    def test_a_marker_moved_reaches_every_device(self) -> Generator[Any, Any, None]:
        """``/read`` on one device is told to the account's other devices
        (``READ``), wherever they are connected, once; an older id moves
        nothing and tells them nothing."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice", "ids")
        phone = yield self.device("alice", "ids")
        yield self.entered(laptop, "tea")
        yield self.entered(phone, "tea")
        ids = []
        for text in ("one", "two"):
            bob.say(text)
            ids.append((yield self.expect(phone, "@")).split()[0][1:])
        yield self.expect(laptop, "@")
        yield self.expect(laptop, "@")
        phone.say(f"/read tea {ids[1]}")
        self.assertEqual((yield self.expect(phone, "READ ")), f"READ tea {ids[1]}")
        self.assertEqual((yield self.expect(laptop, "READ ")), f"READ tea {ids[1]}")
        phone.say(f"/read tea {ids[0]}")
        self.assertEqual((yield self.expect(phone, "READ ")), f"READ tea {ids[1]}")
        phone.say("/unread")  # answered after what a READ of its own went through
        yield self.expect(phone, "UNREAD_END")
        laptop.say("/unread")
        yield self.expect(laptop, "UNREAD_END")
        self.not_seen(laptop, "READ")
        self.assertEqual(len([x for x in laptop.lines if x.startswith("READ")]), 1)

    @defer.inlineCallbacks
    def test_multi_devices_are_in_all_rooms(self) -> Generator[Any, Any, None]:
        """A multi device signing in gets the join replies of the account's
        rooms, unasked, and those of every room another device enters."""
        laptop = yield self.device("alice", "multi")
        yield self.entered(laptop, "tea", create=True)
        yield self.entered(laptop, "cafe", create=True)
        phone = yield self.device("alice", "multi")
        shown = []
        for _ in range(2):  # in any order: another node knows no order
            joined = yield self.expect(phone, "JOINED ")
            shown.append(joined)
            yield self.expect(phone, f"READ {joined.split()[1]} *")
        self.assertEqual(sorted(shown), ["JOINED cafe 1 5", "JOINED tea 1 5"])
        yield self.entered(laptop, "bar", create=True)
        self.assertEqual((yield self.expect(phone, "JOINED ")), "JOINED bar 1 5")
        yield self.expect(phone, "READ bar *")
        phone.say("/say cafe from the phone")
        line = yield self.expect(laptop, "MSG cafe alice ")
        self.assertTrue(line.endswith(" from the phone"), line)

    @defer.inlineCallbacks
    def test_a_rich_device_is_told_the_rooms_pins(self) -> Generator[Any, Any, None]:
        """A ``rich`` multi device signing in is shown each room of the
        account with how many messages it has pinned, as a joiner is."""
        laptop = yield self.device("alice", "multi", "ids")
        yield self.entered(laptop, "tea", create=True)
        laptop.say("rules: be kind")
        said = (yield self.expect(laptop, "@")).split()[0][1:]
        laptop.say(f"/pin {said}")
        yield self.expect(laptop, "PIN tea ")
        phone = yield self.device("alice", "multi", "rich")
        yield self.expect(phone, "JOINED tea ")
        self.assertEqual((yield self.expect(phone, "PINS ")), "PINS tea 1")

    @defer.inlineCallbacks
    def test_a_notification_level_reaches_every_device(
        self,
    ) -> Generator[Any, Any, None]:
        """``/notify tea none`` on the laptop is ``NOTIFY tea none`` on the
        phone at once, and the phone's change on the laptop; a plain
        member of tea hears nothing of either."""
        laptop = yield self.device("alice")
        yield self.entered(laptop, "tea", create=True)
        phone = yield self.device("alice", "multi")
        yield self.expect(phone, "JOINED tea ")
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea")
        laptop.say("/notify tea none")
        self.assertEqual((yield self.expect(laptop, "NOTIFY ")), "NOTIFY tea none")
        self.assertEqual((yield self.expect(phone, "NOTIFY ")), "NOTIFY tea none")
        phone.say("/notify tea all")
        self.assertEqual((yield self.expect(phone, "NOTIFY ")), "NOTIFY tea all")
        self.assertEqual((yield self.expect(laptop, "NOTIFY ")), "NOTIFY tea all")
        laptop.say("/notify tea")  # asked, not changed: the laptop alone
        self.assertEqual((yield self.expect(laptop, "NOTIFY ")), "NOTIFY tea all")
        phone.say("/notify tea")
        yield self.expect(phone, "NOTIFY tea all")
        self.not_seen(phone, "NOTIFY")
        self.not_seen(bob, "NOTIFY")

    @defer.inlineCallbacks
    def test_caps_multi_shows_the_other_rooms(self) -> Generator[Any, Any, None]:
        """A one-room device that turns multi on gets the join replies of
        the account's other rooms, unasked, and keeps its current room."""
        laptop = yield self.device("alice")
        phone = yield self.device("alice")
        yield self.entered(laptop, "tea", create=True)
        yield self.entered(phone, "cafe", create=True)
        laptop.say("/caps multi")
        yield self.expect(laptop, "CAPS multi")
        self.assertEqual((yield self.expect(laptop, "JOINED ")), "JOINED cafe 1 5")
        yield self.expect(laptop, "READ cafe *")
        self.not_seen(laptop, "JOINED tea")
        laptop.say("here")  # tea is still current
        self.assertTrue((yield self.expect(laptop, "MSG tea alice ")).endswith(" here"))
        self.not_seen(phone, "MSG tea")  # in cafe only

    @defer.inlineCallbacks
    def test_a_multi_leave_takes_the_account_out(self) -> Generator[Any, Any, None]:
        """``/leave`` from a multi device: the room hears PART and every
        other device of the account gets LEFT."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice", "multi")
        phone = yield self.device("alice")
        yield self.entered(laptop, "tea")
        yield self.entered(phone, "tea")
        laptop.say("/leave tea")
        yield self.expect(laptop, "LEFT tea")
        yield self.expect(phone, "LEFT tea")
        yield self.expect(phone, "ROOMS ")
        yield self.expect(bob, "PART tea alice left")

    @defer.inlineCallbacks
    def test_one_room_devices_keep_the_account_in(self) -> Generator[Any, Any, None]:
        """A device without multi joining elsewhere, or disconnecting, never
        takes the account out of a room another device is in; the last
        device in a room takes it out."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice")
        phone = yield self.device("alice")
        yield self.entered(laptop, "tea")
        yield self.entered(phone, "tea")
        phone.say("/create cafe")
        yield self.expect(phone, "LEFT tea")
        yield self.expect(phone, "MEMBERS cafe alice")
        bob.say("still here?")
        yield self.expect(laptop, "MSG tea bob ")
        self.not_seen(phone, "MSG tea bob")
        yield self.gone(laptop)
        yield self.expect(bob, "PART tea alice")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob")
        phone.say("/who")
        self.assertEqual((yield self.expect(phone, "MEMBERS ")), "MEMBERS cafe alice")

    @defer.inlineCallbacks
    def test_an_invitation_reaches_every_device(self) -> Generator[Any, Any, None]:
        """``/invite`` of an account reaches each of its devices (on every
        node), and any of them gets into the invite-only room."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "club", create=True)
        bob.say("/set invite-only on")
        yield self.expect(bob, "SET club invite-only")
        laptop = yield self.device("alice")
        phone = yield self.device("alice")
        bob.say("/invite alice")
        for device in (laptop, phone):
            invited = yield self.expect(device, "INVITED ")
            self.assertEqual(invited, "INVITED club bob")
        members = yield self.entered(phone, "club")
        self.assertEqual(members, "MEMBERS club bob alice")

    @defer.inlineCallbacks
    def test_a_refused_name_then_login_adds_a_device(
        self,
    ) -> Generator[Any, Any, None]:
        """A connection that first tries the bare registered name (refused,
        as clients do before asking for the password) then signs in is a
        device too: nobody is ended."""
        laptop = yield self.device("alice")
        phone = User(FakeClient(self.device_server()))
        phone.say("alice")
        refusal = yield self.expect(phone, "ERR ")
        self.assertTrue(refusal.startswith("ERR NAME_REGISTERED"), refusal)
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "WELCOME alice")
        self.not_seen(laptop, "BYE")
        self.assertFalse(laptop.client.closing)

    @defer.inlineCallbacks
    def test_plain_names_are_one_connection(self) -> Generator[Any, Any, None]:
        """A plain name held by one connection is still refused to another."""
        yield self.connect("carol")
        other = User(FakeClient(self.server))
        other.say("carol")
        self.assertTrue((yield self.expect(other, "ERR ")).startswith("ERR NAME_TAKEN"))

    # -- listing and ending devices, and the limit -----------------------------

    @defer.inlineCallbacks
    def test_devices_listed_and_ended(self) -> Generator[Any, Any, None]:
        """``/devices`` lists each device with the asker marked; ``/logout
        ID`` closes that one only; bad ids are refused."""
        laptop = yield self.device("alice")
        phone = yield self.device("alice")
        phone.say("/devices")
        first = yield self.expect(phone, "DEVICE ")
        second = yield self.expect(phone, "DEVICE ")
        self.assertEqual(first.split()[:3], ["DEVICE", "1", "line"])
        self.assertEqual(second.split()[:3], ["DEVICE", "2", "line"])
        self.assertFalse(first.endswith(" current"))
        self.assertTrue(second.endswith(" current"))
        self.assertEqual((yield self.expect(phone, "DEVICES_END")), "DEVICES_END 2")
        for bad, code in (("/logout", "BAD_ARGS"), ("/logout 7", "NO_SUCH_DEVICE")):
            phone.say(bad)
            self.assertTrue(
                (yield self.expect(phone, "ERR ")).startswith(f"ERR {code}")
            )
        phone.say("/logout one")
        self.assertTrue(
            (yield self.expect(phone, "ERR ")).startswith("ERR NO_SUCH_DEVICE")
        )
        phone.say("/logout 1")
        self.assertEqual((yield self.expect(phone, "LOGGED_OUT")), "LOGGED_OUT 1")
        self.assertEqual(
            (yield self.expect(laptop, "BYE ")), "BYE signed out from device 2"
        )
        self.assertFalse(phone.client.closing)

    @defer.inlineCallbacks
    def test_the_device_limit(self) -> Generator[Any, Any, None]:
        """Past ``--max-devices`` a sign-in is refused and nobody is ended."""
        devices = []
        for _ in range(3):
            devices.append((yield self.device("alice")))
        extra = User(FakeClient(self.device_server()))
        extra.say(f"/login alice {PASSWORD}")
        refusal = yield self.expect(extra, "ERR ")
        self.assertTrue(refusal.startswith("ERR TOO_MANY_DEVICES "), refusal)
        for device in devices:
            self.assertFalse(device.client.closing)
            self.not_seen(device, "BYE")

    # -- a standing seat is no device ---------------------------------------------

    def nodes(self) -> list[DoorHub]:
        """Every node of the server (one, unless a subclass spreads the
        account's devices over several), on each of which a standing
        account stands, as a cluster's nodes stand a bot."""
        return [self.server]

    @defer.inlineCallbacks
    def standing_bot(self) -> Generator[Any, Any, str]:
        """Bot ``robot``, standing in its rooms with no connection on every
        node (as a bot joined through the REST API is): its token."""
        bots = self.server.registry.accounts.bots
        _, token = yield defer.Deferred.fromCoroutine(bots.add("robot"))
        for node in self.nodes():
            standing = node.registry.standing
            yield defer.Deferred.fromCoroutine(standing.stand("robot"))
        return token

    @defer.inlineCallbacks
    def bot_device(self, token: str) -> Generator[Any, Any, User]:
        """A connection signed in to bot ``robot`` with its token."""
        user = User(FakeClient(self.device_server()))
        user.say(f"/login robot {token}")
        line = yield self.expect(user, "")
        while not line.startswith(("WELCOME", "ERR")):
            line = yield self.expect(user, "")
        self.assertEqual(line, "WELCOME robot")
        return user

    @defer.inlineCallbacks
    def test_a_standing_seat_is_none_of_the_accounts_devices(
        self,
    ) -> Generator[Any, Any, None]:
        """A bot standing in its rooms on every node still signs in from
        ``--max-devices`` devices of its own (the limit then refuses one
        more), and ``/devices`` lists those, not the server's standing
        seats, which ``/logout`` cannot end."""
        token = yield self.standing_bot()
        devices = []
        for _ in range(CONFIG.max_devices):
            devices.append((yield self.bot_device(token)))
        extra = User(FakeClient(self.device_server()))
        extra.say(f"/login robot {token}")
        refusal = yield self.expect(extra, "ERR ")
        self.assertTrue(refusal.startswith("ERR TOO_MANY_DEVICES "), refusal)
        last = devices[-1]
        last.say("/devices")
        listed = []
        for _ in devices:
            listed.append((yield self.expect(last, "DEVICE ")))
        self.assertEqual([line.split()[2] for line in listed], ["line"] * 3)
        self.assertTrue(listed[-1].endswith(" current"))
        count = yield self.expect(last, "DEVICES_END")
        self.assertEqual(count, f"DEVICES_END {len(devices)}")
        numbers = {int(line.split()[1]) for line in listed}
        for number in set(range(1, max(numbers) + 1)) - numbers:
            last.say(f"/logout {number}")  # a standing seat's number
            refused = yield self.expect(last, "ERR ")
            self.assertTrue(refused.startswith("ERR NO_SUCH_DEVICE"), refused)
        for node in self.nodes():
            self.assertIsNotNone(node.registry.standing.find("robot"))

    @defer.inlineCallbacks
    def test_a_standing_bot_keeps_its_name(self) -> Generator[Any, Any, None]:
        """Signed in at a door while it stands in its rooms, the bot's
        ``/nick`` is refused for what holds its name there (its standing),
        not for devices ``/devices`` does not list."""
        token = yield self.standing_bot()
        door = yield self.bot_device(token)
        door.say("/nick robot2")
        refused = yield self.expect(door, "ERR ")
        self.assertEqual(
            refused, "ERR NOT_ALLOWED an account standing in its rooms keeps its name"
        )

    @defer.inlineCallbacks
    def test_a_bot_stands_beside_all_its_devices(
        self,
    ) -> Generator[Any, Any, None]:
        """A bot signed in from ``--max-devices`` devices still stands in
        its rooms on every node (a REST call through any node stands it
        there): the server holding its name is not one more device."""
        bots = self.server.registry.accounts.bots
        _, token = yield defer.Deferred.fromCoroutine(bots.add("robot"))
        for _ in range(CONFIG.max_devices):
            yield self.bot_device(token)
        for node in self.nodes():
            standing = node.registry.standing
            stood = yield defer.Deferred.fromCoroutine(standing.stand("robot"))
            self.assertIs(standing.find("robot"), stood)

    # -- remembered rooms ---------------------------------------------------------

    @defer.inlineCallbacks
    def test_rooms_remembered_when_back(self) -> Generator[Any, Any, None]:
        """With no device connected, the account's next device is put back
        in its rooms (the rooms hear JOIN) and a multi one gets each room's
        join replies unasked, then READ; an invite-only room does not ask
        again, a room that bans it is not entered."""
        bob = User(FakeClient(self.server))
        bob.say("/caps multi")
        bob.say("bob")
        yield self.expect(bob, "ROOMS ")
        for room in ("club", "tea", "bar"):
            yield self.entered(bob, room, create=True)
        laptop = yield self.device("alice", "multi")
        for room in ("tea", "club", "bar"):
            yield self.entered(laptop, room)
        bob.say("/focus club")
        bob.say("/set invite-only on")
        yield self.expect(bob, "SET club invite-only")
        yield self.gone(laptop)
        yield self.expect(bob, "PART bar alice")
        bob.say("/focus bar")
        bob.say("/ban alice")
        yield self.expect(bob, "BAN bar ")
        phone = yield self.device("alice", "multi")
        yield self.expect(bob, "JOIN tea alice")
        yield self.expect(bob, "JOIN club alice")
        for room in ("tea", "club"):  # unasked, no invitation asked again
            joined = yield self.expect(phone, "JOINED ")
            self.assertEqual(joined, f"JOINED {room} 2 5")
            yield self.expect(phone, f"MEMBERS {room} ")
            yield self.expect(phone, f"READ {room} *")
        self.not_seen(phone, "JOINED bar")
        bob.say("/focus club")
        bob.say("in club")
        yield self.expect(bob, "MSG club bob ")
        self.assertTrue((yield self.expect(phone, "MSG club bob ")).endswith("in club"))
        phone.say("/join tea")  # in it already: nothing shown twice
        refusal = yield self.expect(phone, "ERR ")
        self.assertTrue(refusal.startswith("ERR ALREADY_IN_ROOM"), refusal)
        self.not_seen(bob, "JOIN club alice")
        phone.say("/join bar")
        refusal = yield self.expect(phone, "ERR ")
        self.assertTrue(refusal.startswith("ERR BANNED"), refusal)

    @defer.inlineCallbacks
    def test_a_multi_device_back_catches_up(self) -> Generator[Any, Any, None]:
        """A multi device signing in with no other device connected gets
        each remembered room's events after the account's read marker, and
        those just before it (what it read: the page draws the room
        afresh), then ``READ`` naming the marker."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice", "ids", "multi")
        yield self.entered(laptop, "tea")
        bob.say("read this")
        said = yield self.expect(laptop, "@")
        marker = said.split()[0][1:]
        laptop.say(f"/read tea {marker}")
        yield self.expect(laptop, f"READ tea {marker}")
        yield self.gone(laptop)
        for text in ("one", "two"):
            bob.say(text)
            yield self.expect(bob, "MSG tea bob ")
        phone = yield self.device("alice", "ids", "multi")
        self.assertEqual((yield self.expect(phone, "JOINED ")), "JOINED tea 2 5")
        yield self.expect(phone, "MEMBERS tea ")
        read = yield self.expect(phone, "@")
        first = yield self.expect(phone, "@")
        second = yield self.expect(phone, "@")
        self.assertTrue(read.endswith(" read this"), read)
        self.assertTrue(first.endswith(" one") and second.endswith(" two"))
        self.assertEqual((yield self.expect(phone, "READ ")), f"READ tea {marker}")
        self.not_seen(phone, "GAP")

    @defer.inlineCallbacks
    def test_a_one_room_device_back_is_shown_rooms_it_joins(
        self,
    ) -> Generator[Any, Any, None]:
        """A device without multi is put back in its rooms (the rooms hear
        JOIN) but stays in the lobby, and is shown a room when it joins it,
        with no second JOIN."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice")
        yield self.entered(laptop, "tea")
        yield self.gone(laptop)
        yield self.expect(bob, "PART tea alice")
        phone = yield self.device("alice")
        yield self.expect(bob, "JOIN tea alice")
        bob.say("before the join")
        yield self.expect(bob, "MSG tea bob ")
        self.not_seen(phone, "JOINED")
        self.not_seen(phone, "MSG tea")
        phone.say("/join tea")
        yield self.expect(phone, "JOINED tea 2 5")
        self.not_seen(bob, "JOIN tea alice")

    @defer.inlineCallbacks
    def test_a_kick_is_not_undone_by_coming_back(self) -> Generator[Any, Any, None]:
        """A room the account was kicked from is forgotten: its next device
        is not put back there."""
        bob = yield self.connect("bob")
        yield self.entered(bob, "tea", create=True)
        laptop = yield self.device("alice", "multi")
        yield self.entered(laptop, "tea")
        bob.say("/kick alice")
        yield self.expect(laptop, "KICKED tea")
        yield self.gone(laptop)
        phone = yield self.device("alice", "multi")
        phone.say("/unread")
        yield self.expect(phone, "UNREAD_END")
        self.assertFalse([x for x in phone.lines if x.startswith("JOINED")])
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob")
