"""The lobby's list at the line door: at most ``--lobby-rooms`` rooms.

A user entering the lobby (signing in, leaving its last room, put out of
it) is shown the permanent rooms and the most populated ones, oldest
first, and ``ROOMS n more`` says how many ``/list`` adds; ``/list`` lists
every room; a lobby watcher (``/watch on``) is told of the rooms the list
shows (docs/protocol.md, *Rooms*).
"""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from tests.support import FakeClient, ProtocolTestCase


class FourRooms(ProtocolTestCase):
    """Three rooms at most: ``general`` (permanent) and the two fullest."""

    config = ServerConfig(rate=0, lobby_rooms=3)

    def setUp(self) -> None:
        super().setUp()
        #: tea 1, chess 3, go 2, jazz 1 members (made in that order).
        self.people: dict[str, list[FakeClient]] = {}
        for room, count in (("tea", 1), ("chess", 3), ("go", 2), ("jazz", 1)):
            names = [f"{room}{n}" for n in range(count)]
            self.people[room] = self.create(room, *names)

    def sign_in(self, name: str) -> list[str]:
        client = FakeClient(self.server)
        client.received()
        client.send(name)
        return client.received()


class LobbyListTests(FourRooms):
    """What entering the lobby shows."""

    def test_a_sign_in_is_shown_the_permanent_and_the_fullest_rooms(self) -> None:
        """general, then chess (3) and go (2), oldest first; two more."""
        self.assertEqual(
            self.sign_in("ann"),
            [
                "WELCOME ann",
                "ROOMS 3 2",
                "ROOM general 0 256",
                "ROOM chess 3 256",
                "ROOM go 2 256",
            ],
        )

    def test_list_lists_every_room(self) -> None:
        """/list: ROOMS 5, every room oldest first, no count of more."""
        client = self.connect("ann")
        client.send("/list")
        self.assertEqual(
            client.received(),
            [
                "ROOMS 5",
                "ROOM general 0 256",
                "ROOM tea 1 256",
                "ROOM chess 3 256",
                "ROOM go 2 256",
                "ROOM jazz 1 256",
            ],
        )

    def test_a_room_that_fills_up_is_shown(self) -> None:
        """jazz grows to 2 members, as many as go: go, there first, stays;
        jazz grows to 3: it replaces go, the least populated shown."""
        self.join("jazz", "j1")
        shown = ["ROOMS 3 2", "ROOM general 0 256", "ROOM chess 3 256", "ROOM go 2 256"]
        self.assertEqual(self.sign_in("ann")[1:], shown)
        self.join("jazz", "j2")
        self.assertEqual(
            self.sign_in("bob")[1:],
            ["ROOMS 3 2", "ROOM general 0 256", "ROOM chess 3 256", "ROOM jazz 3 256"],
        )

    def test_a_room_that_empties_is_left_out(self) -> None:
        """chess's members leave: it is gone, and tea and jazz (1 each)
        compete for the place: tea reached 1 first."""
        for client in self.people["chess"]:
            client.send("/leave")
        self.assertEqual(
            self.sign_in("ann")[1:],
            ["ROOMS 3 1", "ROOM general 0 256", "ROOM tea 1 256", "ROOM go 2 256"],
        )

    def test_leaving_the_last_room_shows_the_lobby_list(self) -> None:
        """/leave back to the lobby: LEFT, then the lobby's list (the room
        left counted as it is now)."""
        tea = self.people["tea"][0]
        tea.send("/leave")
        self.assertEqual(
            tea.received(),
            [
                "LEFT tea",
                "ROOMS 3 1",
                "ROOM general 0 256",
                "ROOM chess 3 256",
                "ROOM go 2 256",
            ],
        )

    def test_a_deleted_rooms_members_are_shown_the_lobby_list(self) -> None:
        """chess's owner deletes it: its members get the lobby's list."""
        owner, member, _ = self.people["chess"]
        owner.send("/delete chess")
        lines = member.received()
        self.assertEqual(lines[0], "DELETED chess chess0")
        self.assertEqual(
            lines[1:],
            ["ROOMS 3 1", "ROOM general 0 256", "ROOM tea 1 256", "ROOM go 2 256"],
        )

    def test_a_secret_room_is_neither_shown_nor_counted(self) -> None:
        """chess goes secret: the lobby shows general, go and tea, and
        counts jazz alone among the more."""
        self.people["chess"][0].send("/set secret on")
        self.assertEqual(
            self.sign_in("ann")[1:],
            ["ROOMS 3 1", "ROOM general 0 256", "ROOM tea 1 256", "ROOM go 2 256"],
        )

    def test_a_renamed_room_keeps_its_place(self) -> None:
        """chess renamed checkers: shown under its new name."""
        self.people["chess"][0].send("/rename checkers")
        self.assertEqual(
            self.sign_in("ann")[1:],
            ["ROOMS 3 2", "ROOM general 0 256", "ROOM go 2 256", "ROOM checkers 3 256"],
        )


class LobbyWatchTests(FourRooms):
    """``/watch on`` keeps the lobby's list current: the rooms it shows,
    as the list shown on entering the lobby would be now."""

    def setUp(self) -> None:
        super().setUp()
        self.watcher = self.connect("ann")
        self.watcher.send("/watch on")
        self.watcher.received()

    def pushed(self) -> list[str]:
        """What the watcher is sent at the next push."""
        self.clock.advance(self.config.lobby_interval)
        return self.watcher.received()

    def test_a_room_the_list_leaves_out_is_not_pushed(self) -> None:
        """tea grows to 2, as many as go, which was there first: tea stays
        among the more, and the watcher hears nothing; chess, shown, is."""
        self.join("tea", "t1")
        self.assertEqual(self.pushed(), [])
        self.join("chess", "c3")
        self.assertEqual(self.pushed(), ["ROOM chess 4 256"])

    def test_a_room_that_overtakes_comes_in_and_the_overtaken_goes(self) -> None:
        """jazz grows to 3: it comes into the list, and go, the least
        populated shown, leaves it (ROOM_GONE: not shown any more)."""
        self.join("jazz", "j1", "j2")
        self.assertEqual(self.pushed(), ["ROOM jazz 3 256", "ROOM_GONE go"])
        self.assertEqual(
            self.sign_in("bob")[1:],
            ["ROOMS 3 2", "ROOM general 0 256", "ROOM chess 3 256", "ROOM jazz 3 256"],
        )

    def test_a_room_removed_makes_room_for_the_next(self) -> None:
        """chess deleted: ROOM_GONE, and tea, the next (1 member, there
        before jazz), comes in unchanged."""
        self.people["chess"][0].send("/delete chess")
        self.assertEqual(self.pushed(), ["ROOM_GONE chess", "ROOM tea 1 256"])

    def test_every_room_removed_is_said(self) -> None:
        """A room the list leaves out is removed: ROOM_GONE all the same,
        for a watcher who listed every room (``/list``)."""
        self.people["jazz"][0].send("/leave")
        self.assertEqual(self.pushed(), ["ROOM_GONE jazz"])


class EveryRoomTests(ProtocolTestCase):
    """``--lobby-rooms 0``: the lobby lists every room, as ``/list``."""

    config = ServerConfig(rate=0, lobby_rooms=0)

    def test_every_room_without_a_count_of_more(self) -> None:
        for room in ("tea", "chess", "go"):
            self.create(room, f"{room}0")
        client = FakeClient(self.server)
        client.received()
        client.send("ann")
        self.assertEqual(
            client.received(),
            [
                "WELCOME ann",
                "ROOMS 4",
                "ROOM general 0 256",
                "ROOM tea 1 256",
                "ROOM chess 1 256",
                "ROOM go 1 256",
            ],
        )


class PermanentRoomsTests(ProtocolTestCase):
    """More permanent rooms than the lobby shows: they fill it."""

    config = ServerConfig(rate=0, lobby_rooms=2, rooms=("general", "help", "news"))

    def test_permanent_rooms_come_first(self) -> None:
        """general and help, however full tea is; news and tea are more."""
        self.create("tea", "t0", "t1")
        client = FakeClient(self.server)
        client.received()
        client.send("ann")
        self.assertEqual(
            client.received()[1:],
            ["ROOMS 2 2", "ROOM general 0 256", "ROOM help 0 256"],
        )


class ListPatternTests(ProtocolTestCase):
    """``/list PATTERN``: the rooms whose name has it, or matches its mask."""

    def test_a_word_or_a_mask(self) -> None:
        for room in ("tea", "Teatime", "chess", "tech"):
            self.create(room, f"{room}0")
        client = self.connect("ann")
        client.send("/list TEA")
        self.assertEqual(
            client.received(), ["ROOMS 2", "ROOM tea 1 256", "ROOM Teatime 1 256"]
        )
        client.send("/list te?h")
        self.assertEqual(client.received(), ["ROOMS 1", "ROOM tech 1 256"])
        client.send("/list *s")
        self.assertEqual(client.received(), ["ROOMS 1", "ROOM chess 1 256"])
        client.send("/list coffee")
        self.assertEqual(client.received(), ["ROOMS 0"])

    def test_one_pattern(self) -> None:
        client = self.connect("ann")
        client.send("/list tea chess")
        self.assertError(client, "BAD_ARGS")
