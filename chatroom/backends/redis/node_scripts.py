"""The Lua scripts of a node's membership: heartbeats, departing, resuming.

They share the prelude (and so the Redis layout) of
:mod:`chatroom.backends.redis.scripts`, where the room and name scripts are; these
are the ones :class:`chatroom.backends.redis.node.ClusterNode` runs for the node
as a whole rather than for one user.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: ARGV: P, node, ttl in ms, now in ms. Renews this node's heartbeat; the
#: sessions of this node that others ended move to the older generation
#: (and those already there are forgotten): a node that beats is in touch
#: and has had their ``EndSession`` orders. Returns 1 if this node was not
#: registered (it was harvested, or Redis lost its data), the nodes whose
#: heartbeat has expired (for the node to harvest, ``HARVEST``), and the
#: rooms whose wait for their members is over (``keep_until``: for the
#: node to decide on, ``chatroom.core.membership.succession``), from the
#: server's index of waiting rooms (``P keeping``, room → its
#: ``keep_until``), so a beat reads the server's slot alone and does not
#: grow with the rooms. A store from before the index (no ``P
#: keeping-indexed``; ``EPOCH`` marks a new one) is indexed once, by the
#: first beat that finds it so.
HEARTBEAT = Script(
    "heartbeat",
    r"""
local node = ARGV[2]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ARGV[3])
if redis.call('EXISTS', P .. 'ended:' .. node) == 1 then
  redis.call('RENAME', P .. 'ended:' .. node, P .. 'ended-old:' .. node)
else
  redis.call('DEL', P .. 'ended-old:' .. node)
end
local fresh = redis.call('SADD', P .. 'nodes', node)
local now = tonumber(ARGV[4])
local expired = {}
for _, other in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if other ~= node and redis.call('EXISTS', P .. 'alive:' .. other) == 0 then
    expired[#expired + 1] = other
  end
end
if redis.call('EXISTS', P .. 'keeping-indexed') == 0 then
  for _, r in ipairs(redis.call('HKEYS', ROOMS)) do
    local waits = redis.call('HGET', room_key(r), 'keep_until')
    if waits then redis.call('ZADD', P .. 'keeping', waits, r) end
  end
  redis.call('SET', P .. 'keeping-indexed', '1')
end
local due = redis.call('ZRANGEBYSCORE', P .. 'keeping', '-inf', now)
return {fresh, expired, due}
""",
)

#: ARGV: P, due (ms), then room keys. The rooms that were due by then but
#: whose own keys say they wait no more leave the index of waiting rooms
#: (what a step that ended a wait left there, had it stopped before the
#: index's); one that waits again, until later, stays.
UNKEEP = Script(
    "unkeep",
    r"""
local due = tonumber(ARGV[2])
for i = 3, #ARGV do
  local until_ = tonumber(redis.call('ZSCORE', P .. 'keeping', ARGV[i]) or '')
  if until_ and until_ <= due then redis.call('ZREM', P .. 'keeping', ARGV[i]) end
end
return 'OK'
""",
)

#: ARGV: P, node, own ('1': the node itself, leaving on purpose; else
#: only if its heartbeat is gone). The server's step of the end of every
#: session of the node (:mod:`.endings`): its devices' holds go, a user
#: held by another node's device of its account passes to it (their
#: rooms' copies refreshed), and the rest leave their rooms and give up
#: their names (a user whose end was cut short among them: its token is
#: still the node's). Answers ``OK``, the leavers, the copies to refresh
#: and 1, for ``HARVESTED`` to forget the node once they are done; none
#: and 0 if it came back meanwhile.
HARVEST = Script(
    "harvest",
    r"""
local node = ARGV[2]
if ARGV[3] ~= '1' and redis.call('EXISTS', P .. 'alive:' .. node) == 1 then
  return {'OK', {}, {}, 0}  -- it came back meanwhile
end
local prefix = node .. ':'
local survivors, leavers = {}, {}
for _, u in ipairs(redis.call('SMEMBERS', P .. 'held')) do
  local gone = false
  for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
    if string.sub(token, 1, #prefix) == prefix then
      redis.call('SREM', holders_key(u), token)
      redis.call('HDEL', P .. 'devices:' .. u, token)
      gone = true
    end
  end
  if redis.call('SCARD', holders_key(u)) == 0 then
    redis.call('SREM', P .. 'held', u)
  end
  if gone then survivors[#survivors + 1] = u end
end
local users = redis.call('HGETALL', USERS)
for i = 1, #users, 2 do
  local v = users[i + 1]
  if string.sub(v, 1, #prefix) == prefix then
    local token = string.sub(v, 1, string.find(v, ' ', 1, true) - 1)
    if ending_by(users[i], token) or not let_go(users[i], token) then
      leavers[#leavers + 1] = users[i]
    else
      survivors[#survivors + 1] = users[i]
    end
  end
end
local reply = ending_all(leavers, '', survivors)
reply[4] = 1
return reply
""",
)

#: ARGV: P, node. A harvest's last step, once its users' ends are done:
#: the node is no longer registered, nor its counts (``P census``). A
#: harvest cut short before it leaves the node registered and its
#: heartbeat gone, so the next node's beat harvests it again.
HARVESTED = Script(
    "harvested",
    r"""
local node = ARGV[2]
redis.call('SREM', P .. 'nodes', node)
redis.call('DEL', P .. 'alive:' .. node)
redis.call('HDEL', P .. 'census', node)  -- its connections count no more
return 'OK'
""",
)

#: ARGV: P, node, ttl ms, reason, user count n, then per user: u, token,
#: display, account ('' for none), room count k, k room keys; then room rows
#: (r, name, permanent 0/1, capacity, incarnation, the incarnation and seq
#: the node last saw, the time a missing room is made at).
#:
#: The server's step of a resume (:mod:`.resume_steps`), which makes Redis
#: agree with what this node holds after a start or a lost connection:
#: registers the node, drops its devices' holds it no longer has, and
#: re-claims its users' names, accounts and places, the index first (each
#: room listed, ``list_room``, and in its users' ``in:u``) for the rooms'
#: steps (``RESUME_ROOM``) after it. Returns the users that are not this
#: node's any more (``token`` when someone else holds the name now,
#: ``token reason`` when another node ended the session meanwhile, or the
#: server banned it); per room the arguments of its step (its row, its
#: creation number should it be made again, and the records of the users
#: it is to seat: u, held, seat each); then what membership must decide on
#: now (departures and ownership are the node's to decide,
#: :mod:`chatroom.core.membership`): the sessions of this node it no
#: longer has (u, token, ...: for ``RELEASE``), its users' places it no
#: longer has (``r u`` each), and the rooms it named (to go if empty, to
#: pass on if ownerless); last, the copies to refresh in rooms no step
#: seats them in (u, its record, its rooms, its pending renames' former
#: keys, each: :class:`~.copies.MemberCopies`), of users whose holders
#: changed. Run again, it finds nothing more to do but answers the same.
RESUME = Script(
    "resume",
    r"""
local node, reason = ARGV[2], ARGV[4]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ARGV[3])
redis.call('SADD', P .. 'nodes', node)
local wanted_users = {}
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  local k = tonumber(ARGV[i + 4])
  local user = {u = ARGV[i], token = ARGV[i + 1], name = ARGV[i + 2],
                account = ARGV[i + 3], rooms = {}}
  for j = 1, k do user.rooms[j] = ARGV[i + 4 + j] end
  wanted_users[#wanted_users + 1] = user
  i = i + 5 + k
end
-- Sessions of ours that others ended while we were out of touch.
local ended = {}
for _, key in ipairs({P .. 'ended-old:' .. node, P .. 'ended:' .. node}) do
  local entries = redis.call('HGETALL', key)
  for n = 1, #entries, 2 do ended[node .. ':' .. entries[n]] = entries[n + 1] end
  redis.call('DEL', key)
end
local mine = {}
for _, user in ipairs(wanted_users) do
  local why = ended[user.token]
  if not why and (redis.call('ZSCORE', GBANS, 'name:' .. user.u)
      or (user.account ~= ''
          and redis.call('ZSCORE', GBANS, 'account:' .. user.account))) then
    why = 'banned from this server'
  end
  if why then user.ended = why else mine[user.u] = user.token end
end
local prefix = node .. ':'
-- The users whose copies change (their holders, or their names resumed),
-- in order, and the rooms whose steps seat them (and copy them there).
local copied, seated_in = {}, {}
local function copies_change(u)
  if not seated_in[u] then
    copied[#copied + 1] = u
    seated_in[u] = {}
  end
end
for _, u in ipairs(redis.call('SMEMBERS', P .. 'held')) do  -- our devices' holds
  for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
    if string.sub(token, 1, #prefix) == prefix and mine[u] ~= token then
      redis.call('SREM', holders_key(u), token)
      copies_change(u)
    end
  end
end
local stale, stale_places = {}, {}
local users = redis.call('HGETALL', USERS)
for n = 1, #users, 2 do
  local u, v = users[n], users[n + 1]
  if string.sub(v, 1, #prefix) == prefix
      and string.sub(v, 1, #(mine[u] or '') + 1) ~= (mine[u] or '') .. ' ' then
    stale[#stale + 1] = u
    stale[#stale + 1] = string.sub(v, 1, string.find(v, ' ', 1, true) - 1)
  end
end
local failed, seating = {}, {}
for _, user in ipairs(wanted_users) do
  local u = user.u
  local v = redis.call('HGET', USERS, u)
  if user.ended then  -- released above, as no longer ours
    failed[#failed + 1] = user.token .. ' ' .. user.ended
  elseif v and not holds(u, user.token) then
    failed[#failed + 1] = user.token
  elseif redis.call('SISMEMBER', holders_key(u), user.token) == 1 then
    -- a device of u's account here: u is held, and in its rooms, elsewhere
  else
    redis.call('HSET', USERS, u, user.token .. ' ' .. user.name)
    if not v then sighted(user.name, 'online') end  -- freed while away
    if user.account ~= '' then
      redis.call('HSET', SIGNED, u, user.account)
    else
      redis.call('HDEL', SIGNED, u)
    end
    local keep = {}
    for _, r in ipairs(user.rooms) do keep[r] = true end
    for _, r in ipairs(redis.call('SMEMBERS', places_key(u))) do
      if not keep[r] then stale_places[#stale_places + 1] = r .. ' ' .. u end
    end
    for _, r in ipairs(user.rooms) do
      redis.call('SADD', places_key(u), r)  -- the index first
      seating[r] = seating[r] or {}
      table.insert(seating[r], u)
    end
    copies_change(u)
  end
end
local records = {}
for _, u in ipairs(copied) do records[u] = member_record(u) end
local steps, wanted_rooms = {}, {}
while i <= #ARGV do
  local r = ARGV[i]
  wanted_rooms[#wanted_rooms + 1] = r
  local step = {r}
  for j = 1, 7 do step[j + 1] = ARGV[i + j] end
  step[9] = list_room(r, ARGV[i + 1], node)  -- should its keys be gone
  for _, u in ipairs(seating[r] or {}) do
    seated_in[u][r] = true
    step[#step + 1] = u
    step[#step + 1] = records[u][1]
    step[#step + 1] = records[u][2]
  end
  steps[#steps + 1] = step
  i = i + 8
end
local copies = {}
for _, u in ipairs(copied) do
  local formers = renames_of(u)
  local rooms = {}
  for _, r in ipairs(redis.call('SMEMBERS', places_key(u))) do
    -- A room's step copies u where it seats u, unless a rename is to move.
    if #formers > 0 or not seated_in[u][r] then rooms[#rooms + 1] = r end
  end
  if #rooms > 0 or #formers > 0 then
    copies[#copies + 1] = {u, records[u], rooms, formers}
  end
end
return {failed, steps, stale, stale_places, wanted_rooms, copies}
""",
)

#: ARGV: P, r, name, permanent 0/1, capacity, incarnation, the incarnation
#: and seq the node last saw, the time a missing room is made at, its
#: creation number (``RESUME`` listed it), then per user to seat: u, held,
#: seat (its record, ``member_record``). Room r's step of a resume: made
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
RESUME_ROOM = Script(
    "resume-room",
    r"""
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then
  make_room_keys(r, ARGV[3], '', ARGV[4], ARGV[5], ARGV[6], ARGV[9], ARGV[10])
  lobby_news(ARGV[3])
end
local info = redis.call('HMGET', room_key(r), 'inc', 'seq')
local missed = 0
if info[1] and info[1] == ARGV[7] then
  local seq, after = tonumber(info[2]), tonumber(ARGV[8])
  if after > seq then
    -- Redis is back behind this node (a failover to a replica the last
    -- events had not reached, a restart from an older copy): the events
    -- it lost were handed out, so their numbers and ids are never given
    -- again. Their places stay empty: in the log (a node skips an empty
    -- event) and, for as many ids, in the history (a redacted message's '').
    for s = seq + 1, after do redis.call('RPUSH', log_key(r), s .. ' ') end
    trim_log(r)
    redis.call('HSET', room_key(r), 'seq', after)
    skip_ids(r, after - seq)
    for _ = seq + 1, after do redis.call('RPUSH', history_key(r), '') end
    seq = after  -- info[2] still says where Redis was: the node logs it
  end
  local oldest = seq - redis.call('LLEN', log_key(r)) + 1
  if after >= seq then
    missed = {}
  elseif after + 1 >= oldest then
    missed = redis.call('LRANGE', log_key(r), after + 1 - oldest, -1)
  end
end
-- The sessions a kick among the missed events put out (its head names
-- them, in the codec's canonical encoding: `~{"type":"KickHead",
-- "session":"token"} `), which their node, catching the kick up, puts out
-- too: not seated again.
local kicked = {}
if type(missed) == 'table' then
  for _, entry in ipairs(missed) do
    local token = string.match(entry, '^%d+ ~{"type":"KickHead","session":"([^"]*)"} ')
    if token then kicked[token] = true end
  end
end
for n = 11, #ARGV, 3 do
  local u, record = ARGV[n], {ARGV[n + 1], ARGV[n + 2]}
  if is_member(u, r) then
    copy_record(u, r, record)  -- its sessions, name and account as resumed
  elseif not kicked[string.match(record[1], '^%S*')] then
    seat_in_room(u, r, record)
    lobby_news(redis.call('HGET', room_key(r), 'name'))  -- one more member
  end
end
return {r, info[1], info[2], missed}
""",
    room_at=2,
)

#: ARGV: P, a fresh epoch. The epoch of Redis's data (``P epoch``), made
#: with the first node's fresh one if it has none (a new Redis, or one that
#: lost its data, and its ``P ids`` with it): the rooms' event ids never
#: repeat under it (:attr:`chatroom.core.backend.Backend.store_epoch`).
EPOCH = Script(
    "epoch",
    r"""
if redis.call('SET', P .. 'epoch', ARGV[2], 'NX') then
  redis.call('SET', P .. 'keeping-indexed', '1')  -- a new store: nothing waits
end
return redis.call('GET', P .. 'epoch')
""",
)

#: ARGV: P. Every node's scripts feed the search outbox private messages
#: from now on (``feed_private`` in the prelude): run by a node with
#: ``--search-db`` before it serves, so nothing written once it serves is
#: missed by the index (rooms need nothing: it reads their history).
SEARCH_ON = Script(
    "search_on",
    r"""
redis.call('SET', P .. 'search', '1')
return 'OK'
""",
)
