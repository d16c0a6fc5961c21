"""The Lua scripts of a node's membership: heartbeats, departing, resuming.

They share the prelude (and so the Redis layout) of
:mod:`chatroom.backends.redis.scripts`, where the room and name scripts are; these
are the ones :class:`chatroom.backends.redis.node.ClusterNode` runs for the node
as a whole rather than for one user.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: Operands: node, ttl (ms), now (ms), chunk (its size), grace (ms). Renews this node's
#: heartbeat (and drops its stall mark, ``P stalled:n``: :mod:`.liveness`); the sessions
#: of this node that others ended move to the older generation (and those already there
#: are forgotten): a node that beats is in touch and has had their ``EndSession``
#: orders. Returns 1 if this node was not registered (it was harvested, or Redis lost
#: its data), the nodes whose heartbeat has expired (for the node to judge,
#: :mod:`.liveness`, and harvest if gone, ``HARVEST``), the rooms whose wait for their
#: members is over (``keep_until``, or, for one whose wait ran out before the cluster
#: came back, ``grace`` ms after that, ``P back``: for the node to decide on,
#: ``chatroom.core.rooms.membership.succession``), from the server's index of waiting
#: rooms (``P keeping``, room → its ``keep_until``), so a beat reads the server's slot
#: alone and does not grow with the rooms, and 1 if another node had found this one
#: stalled (the mark it dropped). A store from before the index (no ``P keeping-
#: indexed``; ``EPOCH`` marks a new one) is indexed once, by the first beat that finds
#: it so. A store from before the nodes' indexes of their sessions (no ``P sessions-
#: indexed``) has them made a chunk of users per beat (``HSCAN`` of ``P users``, its
#: cursor kept in ``P sessions-indexing`` for the next beat, whichever node's), so that
#: no beat grows with the chat; until the scan is over, no harvest forgets a node
#: (``HARVESTED``).
HEARTBEAT = Script("heartbeat")

#: Operands: due (ms), rooms (keys). The rooms that were due by then but
#: whose own keys say they wait no more leave the index of waiting rooms
#: (what a step that ended a wait left there, had it stopped before the
#: index's); one that waits again, until later, stays.
UNKEEP = Script("unkeep")

#: The most sessions of a dead node one ``HARVEST`` call ends: the call's
#: time in Redis grows with its chunk, never with the chat (Redis runs
#: one script at a time, and every node's calls wait for it).
HARVEST_CHUNK = 256

#: Operands: node, own (true: the node itself, leaving on purpose; else only
#: if its heartbeat is gone), chunk (its size), harvester (the harvester's
#: node id), lease (the lease's time, ms). The server's step of the end of a
#: chunk of the node's sessions (:mod:`.endings`), taken from the node's
#: index of them (``P sessions:n``, ``sessions_key`` in the prelude): its
#: devices' holds go, a user held by another node's device of its account
#: passes to the heir the core chooses (their rooms' copies refreshed:
#: answered undecided, for ``RELEASE`` to hand it over), and the rest leave
#: their rooms and give up their names (a user whose end was cut short among
#: them: its token is still the node's, its entry still in the index). A
#: session's entry leaves the index with its hold (``let_go``) or, for a
#: leaver, with its name (``unname``, the end's last step): the harvester
#: runs each chunk's ends to their last step before it asks for the next,
#: and a harvester that dies mid-way leaves the rest in the index for the
#: next. Whoever harvests the node holds its lease (``P harvesting:n``,
#: renewed by each chunk); another harvester is answered nothing to do until
#: the lease lapses, so that the nodes whose beats all found the node dead
#: do not each end the same sessions. Answers ``OK``, the leavers, the
#: copies to refresh, 1, how many entries of the index the chunk took (fewer
#: than asked: the index's last chunk) and the undecided (as ``RELEASE``
#: answers them); none, 0 and 0 if the node came back meanwhile (no longer
#: registered if chunks of it were taken, under a lease, so that its next
#: beat resumes it) or another node holds the lease.
HARVEST = Script("harvest")

#: Operands: node, own. A harvest's last step, once its users' ends are
#: done: the node is no longer registered, nor its counts (``P census``),
#: nor its bots' event streams (``P node-streams:n``: :mod:`.streams`),
#: nor its lease or stall mark, and answers 1; 0, and nothing changed,
#: while its index still lists sessions. A harvest cut short leaves the
#: node registered and its heartbeat gone, so the next node's beat
#: harvests it again; a node leaving on purpose (``own``) drops its
#: heartbeat at once, so that the others (and a node coming back to a
#: stopped cluster, ``RESUME_END``) know it gone.
HARVESTED = Script("harvested")

#: The most users one ``RESUME`` call re-claims (and the most rooms it
#: lists): each is about 65-70 µs of Redis's time,
#: so a call takes under 10 ms however many users the node has. Redis runs
#: one script at a time, so when every node resumes together (Redis back
#: after an outage) a node's call waits behind at most one chunk of each
#: other node's, not behind their whole resumes: 50 nodes resuming at once
#: keep each call under half a second, inside ``--redis-timeout``, and the
#: others' calls are answered between the chunks.
RESUME_CHUNK = 128

#: The entries of the node's index of its sessions one ``RESUME_INDEX``
#: call reads (``HSCAN``'s count) and so, at most, drops with the next:
#: reading an entry the node still holds costs Redis next to nothing, so a
#: page is bigger than a chunk of users, and a resume takes fewer calls.
RESUME_PAGE = 512

#: Operands: node, ttl (ms), users (each u, token, display, account, ''
#: for none, and its rooms' keys) and rooms (each a row: r, name,
#: permanent 0/1, capacity, incarnation, the incarnation and seq the node
#: last saw, the time a missing room is made at): a chunk of each at most
#: (:data:`RESUME_CHUNK`).
#:
#: The server's step of a resume (:mod:`.resume_steps`), a chunk at a
#: time, which makes Redis agree with what this node holds after a start
#: or a lost connection: registers the node (its heartbeat renewed, so a
#: resume of many chunks outlives none), and re-claims the users' names,
#: accounts and places, the index first (each room listed, ``list_room``,
#: and in its users' rooms, ``P in``) for the rooms' steps
#: (``RESUME_ROOM``) after it. Returns the users that are not this node's
#: any more (``token`` when someone else holds the name now, ``token
#: reason`` when another node ended the session meanwhile, read from the
#: node's lists of them, ``P ended:n`` and ``P ended-old:n``, or the server
#: banned it); per room whose users it re-claimed, the room and the
#: records of those users (u, held, seat each) for its step; the users'
#: places this node no longer has (``r u`` each: membership decides their
#: departures, :mod:`chatroom.core.rooms.membership`); the copies to refresh in
#: rooms no step seats them in (u, its record, its rooms, its pending
#: renames' former keys, each: :class:`~.copies.MemberCopies`); and per
#: room row its creation number, should its step make it again. Run
#: again, it finds nothing more to do but answers the same.
RESUME = Script("resume")

#: Operands: node, cursor ('' for none), count, drop (conn and u of each
#: entry of the node's index of its sessions, ``P sessions:n``, that the
#: node no longer holds so: :mod:`.resume_steps` decides, from what the
#: index read and ``RESUME`` answered). Each entry that still says so: a
#: session of u's own is answered stale (u, token: for ``RELEASE``), a
#: device's hold of u goes (its copies to refresh answered, as
#: ``RESUME``'s), and an entry of a session that holds u no more goes.
#: Then reads the index's next page from ``cursor`` (``HSCAN``, about
#: ``count`` entries). Answers the next cursor ('0': the index read to its
#: end), the page (conn, u, ...), the stale sessions and the copies.
RESUME_INDEX = Script("resume-index")

#: Operands: node, now (ms). A resume's last server step, once ``RESUME``
#: has answered every user: the node's lists of its sessions that others
#: ended while it was out of touch go (the ends told after them reach it
#: on its channel, which it listens to before the resume's first step).
#: Where no other node is alive, the cluster comes back: ``P back`` is
#: now, and the rooms whose wait ran out before it wait ``--grace`` more
#: (``HEARTBEAT``).
RESUME_END = Script("resume-end")

#: Operands: room, row (the room's: key, name, permanent 0/1, capacity,
#: incarnation, the incarnation and seq the node last saw, the time a
#: missing room is made at), created (its creation number: ``RESUME``
#: listed it), seats (each user to seat: u, held, seat, its record,
#: ``member_record``). Room r's step of a resume: made
#: again if its keys are gone (an index may name a gone room), each user
#: seated as its newest arrival unless a member already (its copy written)
#: or kicked by a missed event (its session, the first of ``held``, named
#: by the kick's head: the node catches the kick up and puts it out);
#: answering (r, incarnation, seq, missed) (``seq`` as Redis had it:
#: if behind what the node saw, the room is moved past that first);
#: ``missed`` is the room's published events after the seq the node saw,
#: from the room's log, or 0 if the log no longer reaches back that far
#: (or the room is another incarnation). Run again, it seats nobody twice
#: and moves nothing twice.
RESUME_ROOM = Script("resume-room", room_at="room")

#: Operands: epoch (a fresh one). The epoch of Redis's data (``P epoch``),
#: made with the first node's fresh one if it has none (a new Redis, or one that
#: lost its data, and its ``P ids`` with it): the rooms' event ids never
#: repeat under it (:attr:`chatroom.core.backend.Backend.store_epoch`).
EPOCH = Script("epoch")

#: Every node's scripts feed the search outbox private messages
#: from now on (``feed_private`` in the prelude): run by a node with
#: ``--search-db`` before it serves, so nothing written once it serves is
#: missed by the index (rooms need nothing: it reads their history).
SEARCH_ON = Script("search_on")
