"""Who a room's members see come and go: every join in a small room, only
the people who speak in a big one.

Announcing every arrival to every member makes filling a room quadratic:
the 10,000th joiner of a room is announced to 9,999 members, and a room of
10,000 costs 50 million ``JOIN`` lines before anyone has said a word. So,
as IRC's delayed-join channel modes (ircu's ``+D``, InspIRCd's ``+D``,
UnrealIRCd's ``+D``) and large chat services do, a room of ``--big-room``
members or more (1,000 by default; 0: never) stops announcing arrivals:

- Someone who joins a room that already has ``--big-room`` members joins
  *quietly*: nobody else is told.
- A quiet member's ``JOIN`` is shown to the room just before its first
  message or action (a reply is one): from then on it is an announced
  member like any other.
- A quiet member who leaves (or is disconnected) leaves quietly: its
  ``PART`` is shown only if its ``JOIN`` was.
- A joiner of a room with quiet members is shown, in its welcome, the
  announced members and itself (what its ``JOIN``/``PART`` lines keep
  true), the true number of members (``JOINED``'s count), and one
  ``NOTICE`` saying so (:func:`quiet_notice`). ``/who`` (IRC's ``NAMES``
  and ``WHO``) and ``/list`` still count and list everyone.

Everything else (renames, kicks, topics, ownership) is shown as always. A
room that never reaches ``--big-room`` members behaves exactly as before.

The rule is decided once, by :func:`chatroom.core.rooms.membership.join` (which
calls :func:`joins_quietly`) and :func:`chatroom.core.rooms.membership.speaking`,
on the room's facts as a back-end read them; the back-end applies the
outcome where the seat is taken, and in a cluster the script checks that
the count is still on the same side of the threshold (else the node
decides again). The contract tests (``tests/backends/contracts/big_rooms.py``) hold
both back-ends to it.
"""

from __future__ import annotations


def joins_quietly(members_before: int, big_room: int) -> bool:
    """Whether a member joining a room of ``members_before`` members joins
    quietly (``big_room``: ``--big-room``, 0 for never)."""
    return 0 < big_room <= members_before


def quiet_notice(members: int) -> str:
    """What a joiner of a room with quiet members is told, once, after the
    members it is shown."""
    return (
        f"{members} members: arrivals and departures are shown only for "
        "members who speak; /who lists everyone"
    )
