"""The Lua scripts that hold the cluster's shared state in Redis.

Every change to names, or to one room, is one script, and Redis runs one
script at a time, so each change is atomic across every node: two nodes
claiming one name cannot both win, and a room's capacity cannot be
overshot by joins on different nodes. A change of a room that the
server's indexes follow (a join, a create, a leave) is a step on the
server's keys and one on the room's, in an order that keeps the indexes
naming every room they must (:mod:`.room_steps`). A script that changes
a room also publishes the change to the room's channel, numbered by the
room's ``seq`` counter, so the order in which Redis ran the scripts is the
order every member sees.

The scripts keep data consistent; they do not decide policy. Who may
delete a room, set its topic, join it or moderate it is decided in Python
by :mod:`chatroom.core.policy.rules` and :mod:`chatroom.core.policy.moderation`, on
facts read with
``FACTS``; the script that then makes the change only checks that those
facts still hold (the room's incarnation and its ``ver``, bumped whenever
its owner or its policy changes, and for moderation the target's session)
and answers ``CHANGED`` otherwise, and the node decides again. Who is in a
room, who owns it, whether a joiner is quiet and whether an emptied room
goes are decided the same way, by :mod:`chatroom.core.rooms.membership`, on the
room's *seating*; the script gets the outcome as *changes* whose premises
it checks (:mod:`.outcomes`), and answers ``CHANGED`` with the seating as
it is now if one fails. Limits that
a check-then-act would let racing nodes overrun (a name's uniqueness, a
room's capacity, the number of rooms) are checked where the seat is taken,
with values the node passes in.

Layout (``P`` is the key prefix, ``chatroom:`` by default; ``u`` and ``r``
are name keys from :func:`chatroom.core.model.text.name_key`):

==========================  ===============================================
``P users``                 hash u → ``"node:conn display"``
``P signed``                hash u → the account u's session is signed in to
``P presence``              hash u → u's presence (``user real away bot
                            inv since``, a JSON list) as its door gave it,
                            for ``WHO`` and ``WHOIS`` on every node
                            (:mod:`.presence`); dropped with u's name
``P presence-meta``         hash u → the metadata u's session keeps (JSON
                            pairs), where it keeps any
``P whowas:u``              list: the last holders of name u gone, newest
                            first, for ``WHOWAS`` on every node (capped,
                            expiring: :mod:`.whowas`)
``P accounts``              hash u → ``"name hash"``: registered names and
                            their Argon2id hashes (:mod:`.accounts`)
``P gbans``                 sorted set: server ban masks, oldest first
``P ignores:<a>``           set: the name keys account a ignores
``P account-ages``          hash a → when account a was registered (seconds)
``P lockdown``              string: the server's lockdown level and who set
                            it (:class:`chatroom.core.moderation.lockdown.Lockdown`)
``P reports``               hash n → report n as the core encoded it
                            (:mod:`.abuse_reports`); ``P reports:open``
                            sorted set: the open numbers; ``P reports:filed``
                            set: what each was filed under; ``P reports:last``
                            string: the last number given; with rooms apart
                            ``P reports:unlogged`` hash ``N filed``/``N
                            closed`` → a report's log entries not yet
                            copied to its room's log
``P invitations``           hash code hash → an invitation (uses left,
                            expiry, room, maker) as
                            :class:`chatroom.core.accounts.invitations.InviteLink`
                            encodes it
``P gban-terms``            hash mask → the ban's terms (who, until, why) as
                            :class:`chatroom.core.moderation.netbans.BanTerms` encodes
                            them
``P window:<k>``            sorted set: the events counted for k in its
                            sliding window, by time (ms), and
                            ``P window-seq`` their members: registration
                            limits and the Matrix users' flood limits for
                            the whole cluster (:mod:`.windows`)
``P guesses:<k>``           hash: ``n`` failures counted for key k (a name's,
                            an address's, a session's wrong passwords or
                            codes), ``last`` the newest's time (ms); expires
                            its back-off's forgetting time after it
                            (:mod:`.failures`)
``P guesses``               sorted set: every k counted, by when it is
                            forgotten (ms): the keys kept to 100,000
                            (:mod:`.failures`)
``P markers:<a>``           hash room key → id: account a's read markers
                            (a conversation's under ``@`` and its other
                            side: :mod:`.markers`)
``P settings:<a>``          hash setting → value: account a's settings
                            (threads followed, notification levels:
                            :mod:`.settings`)
``P account-rooms:<a>``     hash room key → name: account a's remembered
                            rooms; ``P account-rooms-order:<a>`` their
                            order (sorted set, by ``P account-rooms-seq``)
``P pids``                  hash conversation → its newest private message id
``P talk:<c>``              list of private messages (events, numbered):
                            conversation c's newest messages
                            (:mod:`.conversations`)
``P waiting:<a>``           list of private messages (events, numbered)
                            kept for absent account a, oldest first
``P convs:<a>``             sorted set c → the number of the last message
                            kept in conversation c (``P convs-order``, one
                            count for every message): account a's
                            conversations, for ``/conversations``
                            (:mod:`.private`)
``P convs-order``           the number of the last private message kept
``P holders:u``             set of the session tokens holding u besides
                            its own (``P users``): its account's devices
                            on other nodes
``P sessions:n``            hash conn → u: node n's sessions (token
                            ``n:conn``), u's own or a device's: what a
                            harvest of n and n's resume read, never every
                            user (``sessions_key`` in the prelude;
                            ``P sessions-indexed``: the store has the
                            indexes, ``P sessions-indexing``: the cursor
                            of the beats that make them in a store from
                            before them)
``P harvesting:n``          the node harvesting dead node n, a lease (PX)
                            renewed by each chunk (``HARVEST``)
``P ageing``                the node sweeping every room's history by
                            age, a lease (PX) renewed by each chunk
                            (``AGE_SWEEP``, :mod:`.ageing`)
``P in``                    hash u → the rooms u is in, space separated,
                            in the order u entered them (one field per
                            user, not a key: about 60 bytes where a key
                            of its own was about 100); perhaps one too
                            many: a join's step on the room that refused
                            or never ran, :mod:`.room_steps`. A key
                            ``P in:u`` an older node left is moved into
                            it at its first use
``P renaming``              hash u → the keys u had before, oldest first,
                            space separated: a rename whose rooms' steps
                            may not all have run (:mod:`.copies`)
``P room-renames``          hash r → a rename of room r with rooms apart
                            (JSON: what the core decided, and once the
                            indexes followed the event's place): steps
                            any node finishes (:mod:`.room_renames`);
                            ``P room-renames-into`` hash new key → r
``P rooms``                 hash r → room display name
``P making``                hash r → who listed r (``u token`` of a create,
                            a node's id for a resume's remake), while r
                            is listed: a room being made is never
                            cleared from ``P rooms`` (:mod:`.listing`)
``P listed-changes``        sorted set r → the number of the last change of
                            room r's row in the room list, where rooms
                            share the server's slot (``lobby_news``); a
                            gone room's is forgotten by a full read
                            ``CHANGES_KEPT`` changes later (:mod:`.listing`)
``P listed-rows``           sorted set r → the number of the last change of
                            room r's row other than its count
                            (``lobby_news``; ``lobby_count`` changes the
                            count alone), forgotten with its
                            ``P listed-changes`` entry
``P listed-counts``         hash r → room r's members, as its last change
                            of them left it (``lobby_count``): what a read
                            of the changes hands a node for a room whose
                            count alone changed
``P listed``                hash: version (the last change's number), floor
                            (the newest change forgotten)
``P room:r``                hash: name owner permanent capacity seq inc
                            (incarnation: random, new each time the room
                            is made) ver created topic topic_by, policy
                            (:class:`~chatroom.core.model.facts.RoomPolicy` JSON)
                            and what Lua needs of it: kept restricted
                            owner_account; keep_until: till when it waits
                            for its members (ms; its node went), after
                            which a heartbeat settles it (``HEARTBEAT``)
``P members:r``             sorted set u → arrival number (arrival order:
                            the room's own, one past its newest member's)
``P seats:r``               hash u → ``"account display"`` (account ''
                            when not signed in): r's copy of its members'
                            names and accounts, made when one is seated,
                            renamed or signs in, which what r shows of its
                            members reads (``seated`` in :mod:`.prelude`)
``P quiet:r``               set: r's quiet members, who joined it big and
                            have not spoken (:mod:`chatroom.core.rooms.big_rooms`)
``P holding:r``             hash u → the tokens of the sessions holding
                            member u (its own, then its devices'), space
                            separated: the room's own answer to whether a
                            session may act in it as u (``not_a_member``),
                            kept by ``copy_record`` (prelude)
``P history:r``             list of the room's stored events
                            (``--retention``; '' for a redacted one), ids
                            consecutive, the newest last
``P reactions:r``           hash: who reacted with what to r's messages
                            (``id``, ``id reaction``: counts; ``id
                            reaction u``: 1), :mod:`.life_scripts`
``P modlog:r``              list: r's moderation log, entries in the
                            cluster's encoding (``{"type":"ModEntry",...}``),
                            oldest first (:mod:`.life_scripts`); ``P
                            modlog:*`` the server's, in the server's slot
                            (``P server-modlog`` with rooms apart)
``P pins:r``                hash id → who pinned it: r's pinned messages
                            (:mod:`.pins`)
``P ids``                   hash r → the room's newest event id (kept when
                            the room goes, so ids never repeat)
``P former-names``          hash former name key → ``"until r name"``: a
                            renamed room's former name leads a join to
                            room r (called name) until then (Unix
                            seconds), and no room takes it
``P epoch``                 the epoch the ids count in (made by the first
                            node to find none, ``node_scripts.EPOCH``)
``P search``                 set once a node has ``--search-db``: the
                            scripts that store a private message feed the
                            outbox (rooms feed nothing: the index reads
                            their history, :mod:`.search`)
``P search:outbox``         stream of ``c`` (conversation), ``e`` (a
                            stored private message or its deletion): what
                            the search index has yet to apply
``P log:r``                 list of the room's last
                            :data:`~chatroom.backends.redis.prelude.LOG_SIZE`
                            published entries, as the channel has them
                            (heads included): what a node that lost its
                            subscription fetches on resuming
``P nodes``, ``P alive:n``  the registered nodes and their heartbeats (TTL)
``P stalled:n``             ms (the first harvester's clock) since node n's
                            heartbeat was found gone while Redis still held
                            its connection (:mod:`.liveness`); gone with
                            its next beat, or its harvest
``P keeping``               sorted set: the rooms waiting for their members,
                            by their ``keep_until`` (ms): what a heartbeat
                            finds due (``P keeping-indexed``: the store has
                            the index)
``P ended:n``,              hash conn → reason: node n's sessions ended by
``P ended-old:n``           others (two heartbeats' worth, a day at most),
                            for a node that missed the ``EndSession``
``P counter``               rooms' creation numbers (and, before joins
                            were split, members' arrival numbers)
``P news``                  the number of the newest news of a user
channel ``P chan:r``        ``"seq event"``: every event of room r, or
                            ``"seq ~head event"``: with a head, news of a
                            user (a rename, a sign-in) published in each of
                            the rooms it shares with others under one news
                            number, which a node hands each of its members
                            once (but one, or nobody), or a kick's
                            departure, whose session its node gives
                            ``Kicked`` instead
                            (:mod:`chatroom.core.model.nodemessages`)
channel ``P node:n``        messages for node n's sessions: ``"conn event"``
                            (deliver: a private message, an invitation),
                            ``"* event"`` (to every named session: an
                            announcement), or ``"conn order"``: end the
                            session (taken over, killed, banned),
                            show a room another holder of the session's
                            user entered, log out a device
                            (:mod:`chatroom.core.model.nodemessages`)
channel ``P lobby``         a rename's ``RoomRenamed`` for the lobby's
                            watchers, and, with rooms apart, room names
                            whose listing changed (a plain ``PUBLISH``: no
                            slot, so any room's script may send it)
channel ``P watch``         news of users for their watchers (``MONITOR``):
                            a name online or offline, published by the
                            scripts that change ``P users``; away,
                            realname and account news (:mod:`.watching`)
==========================  ===============================================

An event is always :mod:`chatroom.core.model.codec`'s JSON object, the one
encoding of the cluster: never a door's line. A node hands a script a
stored event to number unnumbered (its ``id`` ""); the script numbers it
(``numbered`` in the prelude) with the room's next id. Scripts that must
look inside a stored event (retention by age, an edit's or a reaction's
target, topic changes in a welcome's window) decode it with ``cjson``.

Every script is handed the prefix (``ARGV[1]``) and its operands, one JSON
object (``ARGV[2]``, decoded once by the prelude: :mod:`.operands`). The
scripts build keys from the prefix instead of declaring
them in ``KEYS``: fine for one Redis server (or a replicated primary), and
for a Redis Cluster whose prefix is a hash tag (``{chatroom}:``, every key
in one slot, which a script may read and write undeclared on the server
serving it); not for keys spread over a cluster's slots. In the layout
where each room has a slot of its own (``ClusterConfig.rooms_apart``) a
room's keys above are ``{chatroom/r}:room``, ``{chatroom/r}:members`` and
so on, ``P ids`` is each room's ``{chatroom/r}:ids`` and ``P numbered``
lists the rooms ever made (:mod:`.prelude`). See ``docs/scaling.md``.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.messages import SAID_ON, RoomMessages
from chatroom.core.model.changes.private import PartyRegistered
from chatroom.core.model.changes.rooms import RoomName, RoomSeating
from chatroom.core.model.changes.server import NameHolding
from chatroom.core.model.changes.transactions import KeyUnused

#: Operands: ``change`` (a name's claim as the core decided it,
#: :mod:`chatroom.core.services.claims`: the session takes the name, a first one or
#: a rename, or attaches as one more holder of it, a device of the account
#: signed in to it), ``masks`` (the server-ban masks the claimer must not
#: match: the facts a refusal brings say whether one is banned),
#: ``presence`` (its facts and metadata, kept once the name is the
#: session's, as :data:`.presence.PUBLISH` keeps them; none for none). The
#: premises checked first: ``CHANGED``, the failed one's place and the
#: claim's facts as they are (whether the name is an account's, whether a
#: mask is banned, the session holding it, the account it is signed in
#: to, its end under way, how many devices hold it besides, why its
#: connection is gone: ``MARK_GONE``), nothing
#: written. A device attached answers ``ATTACHED``, u's rooms and record.
#: A rename moves u's account and rooms (``in:old``) to the new key and
#: answers ``IN_ROOM`` if it has rooms, with them, u's record and the
#: moves each room is to make (written first to ``P renaming``, u → the
#: owner's decision, then the keys to move to u): the server's step. Each
#: room's is ``copies.ROOM_COPY``, run by the node
#: (:class:`~chatroom.backends.redis.copies.MemberCopies`), which tells
#: the rooms' members next (``NEIGHBOURS``).
CLAIM = Script("claim", subjects=(NameHolding,))

#: Operands: ``changes`` (sessions whose connections are gone, their
#: node's releases still to come, those of one turn together: each
#: :func:`chatroom.core.services.claims.marked_gone`). Each kept once its
#: premises hold (the session holds u alone) as ``P gone``, u → its token
#: and why, until u's name is freed: ``CLAIM``'s facts then say why, and
#: the core's claim ends that session instead of being refused. ``OK``,
#: then for each change 0, or the place of its premise that failed.
MARK_GONE = Script("mark-gone", subjects=(NameHolding,))

#: Operands: user, token, account ('' for none). The account u's session
#: is signed in to changed (/register, /unregister): the server's step,
#: answering u's rooms and record for each room's copy
#: (``copies.ROOM_COPY``, run by the node).
SIGN = Script("sign")

#: Operands: ``changes``: each a name's holding's ``LetGo`` (the session
#: gone: disconnected; or, for a resuming node, gone while it was away),
#: with the heir the core chose where its devices on other nodes hold the
#: name too. The server's step of their ends (:mod:`.endings`): a session
#: that is not the last holder of its user lets go (``let_go``: a
#: device's, or u's own handing u to its heir, whose rooms' copies are
#: then refreshed); the last one's user leaves its rooms and gives up its
#: name, or goes on doing so if that session's end was cut short
#: (``ending_by``). Answers ``OK``, the leavers, the copies to refresh,
#: and the undecided: each own session whose heir the core is to choose
#: (none chosen, or the devices not as read), with its devices' sessions.
RELEASE = Script("release", subjects=(NameHolding,))

#: Operands: user, token. The rooms u is in (keys), for a session that has
#: just become one more holder of u: 1 first if u was held before by
#: another.
HELD_ROOMS = Script("held-rooms")

#: Operands: room, user, token, and the history shown (``shown``,
#: ``after``, ``most``, as a join's). A room u is in, shown to another
#: holder of u (a device of the account on another node) as a join shows
#: it, as of the room's newest event: nothing changes in the room.
#: Answered as ``JOIN`` is. The room alone answers whether the session
#: holds u there (its copy of who holds u, mirrored when the device
#: attached), so it reads the room's slot alone.
VIEW = Script("view", room_at="room")

#: Operands: ``change`` (u's join or create of its room, as the core
#: decided it), user, token. The server's step before a room's
#: (docs/scaling.md: the index first): ``GONE`` if the session no longer
#: holds u; ``CHANGED``, the failed premise's place and how many rooms
#: there are if a premise read on the server's keys fails (a create's
#: ``--max-rooms``); a room the change makes listed (unless it is) and
#: numbered; the room in u's rooms (``index_first``). Answers ``OK``, the
#: records of the users it seats (JSON, for the room's step to copy), the
#: room's creation number ('' for a join) and how many other sessions hold
#: u (devices on other nodes, told to show the room once it is entered:
#: ``INDEX_LAST``). A room's step that refuses, or never runs, leaves
#: these entries too many: harmless (their readers ask the room) and gone
#: with u's name, or at the next create of that name.
ENTERING = Script("entering", subjects=(RoomSeating,))

#: Operands: ``change`` (the maker's create: its ``MakeRoom``, its join),
#: user, the room's capacity and incarnation, the records and creation
#: number ``ENTERING`` answered, and the history shown (``shown``,
#: ``after``, ``most``). The room's step of a create: ``ROOM_EXISTS`` if
#: there is a room of its key (its listing is that room's, and stays),
#: else the room made and entered, answered as ``JOIN`` is.
CREATE = Script("create", room_at="change", subjects=(RoomSeating,))

#: Operands: ``change`` (the join as the core decided it, its premises
#: among them the entry rule's: the room's capacity, the members it may
#: have with u, its policy open or at the version decided on), user, the
#: history shown (``shown``, the newest events; or a resume's, the kept
#: events ``after`` an id, at most the newest ``most``), and the records
#: ``ENTERING`` answered, or u's session's ``token`` where the room's keys
#: are in the server's slot: then ``JOIN`` is the server's step too
#: (``GONE`` if the session no longer holds u; once the premises hold, r
#: in u's rooms and the records read, as ``ENTERING`` does), one round
#: trip. The room's step of a join: ``NO_SUCH_ROOM``; ``CHANGED``, the
#: failed premise's place and the seating now if a premise no longer
#: holds (u a member already, the room full, its policy changed...: the
#: core decides again on it); else ``OK``, the room's newest event after
#: the join (its mark), what the joiner's reply is built from (``view``),
#: the seating after, and with the token how many other sessions hold u
#: (as ``ENTERING`` answers it; '' without).
JOIN = Script("join", room_at="change", subjects=(RoomSeating,))

#: Operands: ``change`` (u's departure from its room, as the core decided
#: it on the room's seating), user, token. The room's step: ``GONE`` if
#: the room's copy of who holds u does not name the session
#: (``not_a_member``); ``CHANGED``, the failed premise's place and the
#: seating now if a premise no longer holds; else ``OK``, the room's
#: newest event before the departure and the seating after. The server's
#: step follows (``INDEX_LAST``).
LEAVE = Script("leave", room_at="change", subjects=(RoomSeating,))

#: Operands: room, ``about`` (the users a decision is about). The room's
#: seating (in a list of one, as
#: :func:`~chatroom.backends.redis.outcomes.seated_all` reads it), for
#: decisions no member's command is waiting for (a room's wait over, a
#: room left ownerless, a resumed node's stale places): one room a call,
#: so that it reads the room's slot alone (``RedisBackend.seatings``).
SEATINGS = Script("seatings", room_at="room")

#: Operands: ``change`` (decided, of a room with nobody's session in it:
#: a room's wait over, a room left ownerless, a session's departures) and
#: ``mark`` (the room's newest event answered ``before`` the change or
#: ``after`` it). The room's step, answered as ``LEAVE`` is.
APPLY = Script("apply", room_at="change", subjects=(RoomSeating,))

#: Operands: ``changes`` (decided, their rooms' steps to come). The
#: server's step before the rooms' of changes that no member's join
#: brings (a session's end, a room's wait over: :meth:`.RoomSteps.store`):
#: the indexes that will name their rooms written first (``index_first``:
#: a room that starts waiting, in ``P keeping``).
INDEX_FIRST = Script("index-first")

#: Operands: ``changes`` (the ones whose room's step was applied), user,
#: token and ``shown``: the node's ``ShowRoom`` of a room u has just
#: entered, encoded ('' for none). The server's step after the rooms'
#: (docs/scaling.md: out in the other order): the entries of the indexes
#: that no longer name their rooms go (``index_last``: u's rooms, the
#: waiting rooms, the listing), and u's other sessions (its devices on
#: other nodes) are told the ``ShowRoom``.
INDEX_LAST = Script("index-last")

#: Operands: user, token. The server's step of news of user u (a rename, a
#: sign-in), published once in each of its rooms under one news number
#: (see the layout above), for each node to hand each of its members who
#: share one of them with u once: ``OK``, the number ('' for none: u is in
#: no room) and u's rooms, in each of which the node then runs
#: ``ROOM_NEWS``. A rename's watchers (``MONITOR``) hear of it after its
#: rooms, as on one server, so ``CLAIM`` leaves them to the node, once
#: the rooms have the news (:mod:`.neighbours`).
NEIGHBOURS = Script("neighbours")

#: Operands: room, user, token, head (the news' head,
#: ``~{"type":"NewsHead",...} ``), event. The
#: event. The room's step of ``NEIGHBOURS``: the news published in room r,
#: if the session still holds u there by the room's own copy (``OK``, 1),
#: else nothing (``OK``, 0: u left the room, or the room went, since the
#: server's step).
ROOM_NEWS = Script("room-news", room_at="room")

#: Operands: ``change`` (a room's messages' change that appends: a
#: member's message or tags-only message, a quiet member's ``JOIN`` shown
#: first; a webhook's post), ``user`` and ``token`` of the member by whom
#: (none: a post, ``NO_SUCH_ROOM`` if the room is gone), ``retention``
#: (the events a room keeps). The premises (u quiet or not as decided, the
#: room as decided on) are checked, never decided: if one fails, the
#: answer is ``{'CHANGED', the failed one's place, quiet, moderated}`` (1
#: or 0 each), for the node to decide again. One publish (two for a quiet
#: member's first words: its JOIN comes first); the message gets the
#: room's next id, and is published and kept as one. The kept events said
#: before the ``Append``'s ``oldest`` go from the front, of every kind
#: (``age_out`` in the prelude). Answers ``{'OK', id, seq}``: the
#: message's id and its place in the room's channel.
SAY = Script("say", room_at="change", premises=(*SAID_ON, KeyUnused), as_function=True)

#: Operands: room (a room's key, '' for the server's slot: a private
#: message's), sender, key. What sender's transaction key did, if it is
#: kept: ``{line, id, target}`` as :func:`key_keep` kept it, or nil
#: (:mod:`chatroom.core.model.changes.transactions`).
KEY_RECORD = Script("key-record", room_at="room")
#: ``KEY_RECORD`` in the server's slot: a private message's key.
KEY_RECORD_PRIVATE = Script("key-record")
#: Operands: change (a ``SenderKeys`` change resting on its key), held. A
#: keyed line that stored nothing keeps its key alone, with no event's id,
#: in the server's slot (``key_keep``'s record); a private message between
#: plain names (its ``TellSession``) is told in the same script, as
#: ``TELL`` tells one, or ``NO_SUCH_USER`` and nothing kept when the
#: session told holds the name no longer; with ``held`` (behind
#: ``--redis-replicas``) held with its key instead (``key_hold``), for
#: ``PUBLISH_HELD_PRIVATE`` to tell. A key done already answers its record
#: (``key_done``).
KEEP_KEY = Script("keep-key", premises=(KeyUnused,))

#: Operands: room (a room's key), sender, key, change, user, token. A
#: keyed message ``SAY`` kept but held (operand ``held``, behind
#: ``--redis-replicas``) published once the node's ``WAIT`` confirmed it,
#: and its key's record marked so; nothing if it was published already.
#: What it rests on is checked again first, as ``SAY`` checked it (the
#: change's premises, ``user``'s seat in the room by session ``token``):
#: ``NOT_IN_ROOM`` (the room deleted, the speaker kicked or banned while
#: it was held) or ``{'CHANGED', place, quiet, moderated}``, its key and
#: the message dropped. Answers ``{'OK', id, seq}`` (its place in the
#: room's channel), or ``{'OK', 0}`` when nothing was published.
PUBLISH_HELD = Script("publish-held", room_at="room", premises=(*SAID_ON, KeyUnused))
#: ``PUBLISH_HELD`` in the server's slot (room ''): a keyed private
#: message ``private-append`` held, said in operand ``conversation`` (kept
#: among its newest ``retention``), its ``change``'s premises checked again
#: first (``{'CHANGED', place}``, its key and the message dropped: a
#: party's account deleted while it was held). Answers ``{'OK', id, 1,
#: data}`` when this call said it (the node tells it or keeps it for an
#: absent account: ``data``, the message numbered), else ``{'OK', id, 0}``.
PUBLISH_HELD_PRIVATE = Script("publish-held", premises=(PartyRegistered, KeyUnused))

#: Operands: ``change`` (a room's messages' change about what it keeps: a
#: topic, an edit or a redaction, a reaction, a deleted account's words),
#: ``user`` and ``token`` of the member by whom (none: an erasure's),
#: ``retention``, ``keep`` (the most entries a moderation log keeps) and
#: ``prune`` (reactions' changes between two prunings of those of messages
#: no longer kept). The premises checked (the message as read, its bytes
#: in the history; the reactions as read...: ``CHANGED`` and the failed
#: one's place), the operations stored, the event that says so numbered,
#: published and kept as ``SAY``'s.
AMEND = Script("amend", room_at="change", subjects=(RoomMessages,))

#: Operands: room, user, token, count, before ('' for the newest). Up to
#: count kept
#: events before that id, oldest first.
PAGE = Script("page", room_at="room")

#: Operands: room, target (a name key, '' for none). What
#: :mod:`chatroom.core.policy.rules` and
#: :mod:`chatroom.core.policy.moderation` decide on: the room's facts and policy (JSON),
#: the owner's name if the owner is in the room, the guard to act on
#: (incarnation, ver), and whether the target is a member (1/0). The room's
#: keys alone: who the target is (session, account) is the server's, read
#: apart by ``TARGET`` (:meth:`RedisBackend.facts
#: <chatroom.backends.redis.redis_backend.RedisBackend.facts>`).
FACTS = Script("facts", room_at="room")

#: Operands: room. The members in arrival order, the owner's name if the owner
#: is a member ('' otherwise: the node asks ``TARGET`` for an absent
#: owner's), the topic; and, if the room has a policy, the policy and per
#: member (u, account, token of its own session), for the node to tell its
#: operators. The room's keys alone: names and accounts from its copy of
#: its members (``seated``), tokens from its copy of who holds them.
WHO = Script("who", room_at="room")

#: Operands: user and token (the target's), event, copy_account and
#: copy_token (the sender's account and seat
#: token ('' for none). Published on the target's node channel if that
#: session still holds u (a private message), and then on those of the
#: sender's sessions on other nodes than its token's (the sender's copy).
TELL = Script("tell")

#: Operands: user, token. The server's word that the session still holds u
#: (``OK``; ``GONE``: it was harvested, or its release, takeover or
#: harvest ran), before a step a room cannot check by its own copies (its
#: deletion by someone who need not be a member), or after a join whose
#: session ended between its steps (``Endings.leave_ended``).
HOLDS = Script("holds")

#: Operands: ``change`` (the room's deletion as the core decided it: its
#: ``RoomDeleted``, resting on the room as read). The room's step of a
#: deletion (after ``HOLDS``): the event published, the room's keys
#: dropped; answers ``OK``, the room's name, the event's place in its
#: channel, the event and the members the room had, whose places the
#: server's step forgets next (``UNLIST``: out of the indexes after the
#: room, docs/scaling.md); ``CHANGED`` and the failed premise's place.
DELETE = Script("delete", room_at="change", subjects=(RoomSeating,))

#: Operands: room, ``members`` (the users it had). The server's step of a
#: deletion (after ``DELETE``): the room out of the server's indexes (the
#: users' places, the rooms, those waiting), and every account's door
#: positions in it gone (:mod:`chatroom.core.accounts.door_settings`). Run
#: again for a room found gone (:mod:`.listing`), where the users' places
#: are theirs to clear
#: (``RELEASE`` frees them with the name).
UNLIST = Script("unlist")

#: Operands: ``change`` (the rename as the core decided it: its event,
#: the room's new name and its former name's grace, the entries it
#: records; resting on the room as read, its owner, the new name free),
#: ``new`` (the new name's key), ``now`` (the node's clock, which the
#: grace is counted on), ``lobby`` (the event for the lobby's watchers, ''
#: for a secret room), ``keep`` (the most entries a moderation log keeps).
#: A rename on the layout whose every key is in one slot: the premises
#: checked, the event published on the old channel, the room's keys and
#: what the server and the accounts keep by its key moved to the new one,
#: the old name kept as a former name (``P former-names``), the entries
#: recorded. Answers ``OK``, the event's place in the old channel, the
#: members; ``CHANGED``, the failed premise's place, the room that has the
#: new name (or ''), the room it leads to (or '').
RENAME_ROOM = Script("rename-room", room_at="change", subjects=(RoomName,))

#: A rename with each room in a slot of its own, in steps a node journals
#: (the change among them, for whichever node finishes it) and any node
#: finishes (:mod:`.room_renames`): ``ROOM_RENAMING`` (the server's: the
#: new name free, the journal written), ``RENAME_SEAL`` (the old room's:
#: premises checked, keys sealed, their DUMPs answered),
#: ``RENAME_RESTORE`` (the new room's: restored, named anew, ``RENAMED``
#: numbered, the rename's moderation log entries recorded),
#: ``RENAME_SWITCH`` (the server's: indexes, former names, accounts'
#: keys), ``RENAME_DROP`` (the old room's: ``RENAMED`` published on its
#: channel, the sealed keys dropped), ``RENAMED_ROOM`` (the journal
#: dropped); ``RENAME_UNSEAL`` rolls the seal back. Each file says its
#: operands and answers.
ROOM_RENAMING = Script("room-renaming", subjects=(RoomName,))
RENAME_SEAL = Script("rename-seal", room_at="room", subjects=(RoomName,))
RENAME_RESTORE = Script("rename-restore", room_at="new")
RENAME_SWITCH = Script("rename-switch")
RENAME_DROP = Script("rename-drop", room_at="room")
RENAME_UNSEAL = Script("rename-unseal", room_at="room")
RENAMED_ROOM = Script("renamed-room")

#: Operands: name (a name key), now. The name of the room that former name leads
#: a join to within its grace ('' for none); ``PENDING`` and its journal
#: if the room of that key has a rename with rooms apart left pending.
FORMER_NAME = Script("former-name")

#: Operands: room, seq. The room's logged events after ``seq`` (``seq event``
#: each): what a node missed while it moved to the room's new channel.
LOG_AFTER = Script("log-after", room_at="room")
