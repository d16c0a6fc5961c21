"""The rooms-apart contracts on a Redis Cluster of three primaries.

The classes of ``tests/cluster/test_rooms_apart.py``, each room's keys and
channel on the primary serving its slot and every call routed there
(:mod:`chatroom.backends.redis.routing`), switched to the shared cluster
of three primaries by :class:`~tests.cluster.redis_cluster.OnThreePrimaries`.

The tests that end a session (``RELEASE``: a disconnect, a ``/quit``),
take a name over (``TAKEOVER``), kill (``KILL``: an operator's, an
account's deletion), ban or moderate (``MODERATE``: a kick, an operator,
a room's setting) or harvest a node (``HARVEST``) are skipped: those
scripts still read and write a room's keys and the server's in one step
(docs/scaling.md, "Left"), which a cluster of several primaries refuses.
Each is to run here once its script is split.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from tests.cluster import test_rooms_apart as apart
from tests.cluster.redis_cluster import OnThreePrimaries

#: The tests that run a script still spanning slots, by class and name:
#: the script they wait for.
WAITING_FOR_THE_SPLIT = {
    "HandlerTests.test_a_broken_member_spoils_no_fan_out": "RELEASE",
    "HandlerTests.test_a_broken_send_queue_spoils_no_fan_out": "RELEASE",
    "HandlerTests.test_disconnect_is_harvested": "RELEASE",
    "HalfDoneRoomTests.test_a_deletion_cut_short_breaks_nothing": "RELEASE",
    "MultiTests.test_a_plain_names_markers_end_with_it": "RELEASE",
    "MultiTests.test_a_signed_in_multi_join_catches_up": "RELEASE",
    "MultiTests.test_an_accounts_markers_are_kept": "RELEASE",
    "MultiTests.test_catch_up_past_the_bound_starts_with_gap": "RELEASE",
    "MultiTests.test_no_catch_up_without_multi": "RELEASE",
    "RoomStepsTests.test_a_create_whose_room_step_never_ran": "RELEASE",
    "RoomStepsTests.test_a_join_whose_room_step_never_ran": "RELEASE",
    "RoomStepsTests.test_a_session_lost_between_a_joins_steps": "RELEASE",
    "NamesTests.test_a_rename_left_half_done_by_a_dead_node_leaves_no_ghost": (
        "HARVEST"
    ),
    "NamesTests.test_a_takeover_ends_the_holder_then_claims": "TAKEOVER",
    "OperatingTests.test_delete": "KILL",
    "UserDataTests.test_deleting_leaves_nothing_behind": "KILL",
    "UserDataTests.test_removing_drops_the_room_messages": "KILL",
    "ModerationTests.test_a_ban_by_account_survives_renames_and_reconnects": "BAN",
    "ModerationTests.test_a_ban_by_name_holds_against_whoever_uses_it": "BAN",
    "ModerationTests.test_a_plain_operator_is_not_inherited_by_the_next_holder_of_the_name": "MODERATE",  # noqa: E501
    "ModerationTests.test_a_reason_that_cannot_be_shown_is_no_reason": "MODERATE",
    "ModerationTests.test_an_operator_who_registered_in_the_room_hears_operator_messages": "MODERATE",  # noqa: E501
    "ModerationTests.test_invite_only_rooms_need_an_invitation": "MODERATE",
    "ModerationTests.test_kept_rooms_stay_empty_and_belong_to_the_account": (
        "MODERATE"
    ),
    "ModerationTests.test_keyed_rooms_need_the_key": "MODERATE",
    "ModerationTests.test_kick_sends_the_user_to_the_lobby": "MODERATE",
    "ModerationTests.test_operators_moderate_but_cannot_touch_the_owner": "MODERATE",
    "ModerationTests.test_secret_rooms_are_listed_to_members_only": "MODERATE",
    "ModerationTests.test_topic_lock_and_info": "MODERATE",
    "OperatingTests.test_give_room": "MODERATE",
    "ReactionTests.test_moderation_log": "MODERATE",
}

C = TypeVar("C", bound=type)


def waiting_for_the_split(case: C) -> C:
    """``case`` with its tests listed in :data:`WAITING_FOR_THE_SPLIT`
    skipped (wrapped: the one-server class's own still run)."""
    short = case.__name__.removeprefix("ThreePrimaries")
    for entry, script in WAITING_FOR_THE_SPLIT.items():
        owner, _, name = entry.partition(".")
        if owner != short:
            continue
        test: Callable[..., Any] = getattr(case, name)

        @functools.wraps(test)
        def skipped(self: Any, test: Callable[..., Any] = test) -> Any:
            return test(self)

        skipped.skip = (  # type: ignore[attr-defined]
            f"{script} still spans a room's slot and the server's"
        )
        setattr(case, name, skipped)
    return case


@waiting_for_the_split
class ThreePrimariesHandlerTests(OnThreePrimaries, apart.RoomsApartHandlerTests):
    pass


@waiting_for_the_split
class ThreePrimariesModerationTests(OnThreePrimaries, apart.RoomsApartModerationTests):
    pass


@waiting_for_the_split
class ThreePrimariesPrivateTests(OnThreePrimaries, apart.RoomsApartPrivateTests):
    pass


@waiting_for_the_split
class ThreePrimariesMultiTests(OnThreePrimaries, apart.RoomsApartMultiTests):
    pass


@waiting_for_the_split
class ThreePrimariesOperatingTests(OnThreePrimaries, apart.RoomsApartOperatingTests):
    pass


@waiting_for_the_split
class ThreePrimariesReactionTests(OnThreePrimaries, apart.RoomsApartReactionTests):
    pass


@waiting_for_the_split
class ThreePrimariesWebhookTests(OnThreePrimaries, apart.RoomsApartWebhookTests):
    pass


@waiting_for_the_split
class ThreePrimariesNamesTests(OnThreePrimaries, apart.RoomsApartNamesTests):
    pass


@waiting_for_the_split
class ThreePrimariesHalfDoneRoomTests(
    OnThreePrimaries, apart.RoomsApartHalfDoneRoomTests
):
    pass


@waiting_for_the_split
class ThreePrimariesRoomStepsTests(OnThreePrimaries, apart.RoomsApartRoomStepsTests):
    pass


@waiting_for_the_split
class ThreePrimariesResumeTests(OnThreePrimaries, apart.RoomsApartResumeTests):
    pass


@waiting_for_the_split
class ThreePrimariesUserDataTests(OnThreePrimaries, apart.RoomsApartUserDataTests):
    pass
