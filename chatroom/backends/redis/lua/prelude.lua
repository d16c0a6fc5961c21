
local P = ARGV[1]
-- The script's operands by name (chatroom.backends.redis.operands): every
-- script is handed one JSON object, decoded here, once.
local args = cjson.decode(ARGV[2])
-- On a Redis Cluster (its prefix a hash tag, chatroom.core.model.config's
-- CLUSTER_PREFIX) every event goes by sharded pub/sub: SPUBLISH reaches the
-- subscribers of the chat's shard (its primary and replicas) alone, where
-- PUBLISH is carried to every node of the cluster over its bus.
local PUB = string.sub(P, 1, 1) == '{' and 'SPUBLISH' or 'PUBLISH'
local USERS = P .. 'users'
local ROOMS = P .. 'rooms'
local SIGNED = P .. 'signed'
local ACCOUNTS = P .. 'accounts'
local GBANS = P .. 'gbans'
local GBAN_TERMS = P .. 'gban-terms'
-- ROOM_KEYS: a layout's keys of a room take this line's place
-- The rooms u is in: u's field of one hash, `P in`, the rooms' keys space
-- separated in the order u entered them (no user is in none: the field
-- goes with the last). A field is about 60 bytes of Redis's memory, where a
-- key of u's own (`P in:u`) was about 100 and its slot in the keyspace.
-- A key an older node left (a hash of the rooms, or a set) is moved into
-- the field here, at its first use.
local PLACES = P .. 'in'
local function former_places_key(u) return P .. 'in:' .. u end
local function places_of(u)
  local joined = redis.call('HGET', PLACES, u)
  if not joined then
    local key = former_places_key(u)
    local kind = redis.call('TYPE', key).ok
    if kind == 'none' then return {} end
    local rooms = kind == 'set' and redis.call('SMEMBERS', key)
      or redis.call('HKEYS', key)
    redis.call('DEL', key)
    if #rooms > 0 then redis.call('HSET', PLACES, u, table.concat(rooms, ' ')) end
    return rooms
  end
  local rooms = {}
  for r in string.gmatch(joined, '%S+') do rooms[#rooms + 1] = r end
  return rooms
end
local function places_set(u, rooms)
  if #rooms == 0 then
    redis.call('HDEL', PLACES, u)
  else
    redis.call('HSET', PLACES, u, table.concat(rooms, ' '))
  end
end
local function places_add(u, r)
  local rooms = places_of(u)
  for _, known in ipairs(rooms) do
    if known == r then return end
  end
  rooms[#rooms + 1] = r
  places_set(u, rooms)
end
local function places_remove(u, r)
  local rooms, kept = places_of(u), {}
  for _, known in ipairs(rooms) do
    if known ~= r then kept[#kept + 1] = known end
  end
  if #kept < #rooms then places_set(u, kept) end
end
-- u's presence as its door gave it (chatroom.backends.redis.presence):
-- u's field of one hash, `P presence`, the facts as the node encoded them
-- (user, realname, away, bot, invisible, since), and its session's
-- metadata, where it keeps any, a field of `P presence-meta`. A field is
-- about 110 bytes of Redis's memory for an IRC client, where a hash of
-- u's own (`P presence:u`) was about 170 and its slot in the keyspace.
local PRESENCE = P .. 'presence'
local PRESENCE_META = P .. 'presence-meta'
-- The hash an older node kept u's presence in (read where u has no field).
local function former_presence_key(u) return P .. 'presence:' .. u end
local function presence_meta_set(u, meta)
  if meta == '' then
    redis.call('HDEL', PRESENCE_META, u)
  else
    redis.call('HSET', PRESENCE_META, u, meta)
  end
end
local function presence_set(u, facts, meta)
  redis.call('HSET', PRESENCE, u, facts)
  presence_meta_set(u, meta)
end
local function presence_dropped(u)
  redis.call('HDEL', PRESENCE, u)
  redis.call('HDEL', PRESENCE_META, u)
  redis.call('DEL', former_presence_key(u))
end
-- The tokens of u's devices' sessions on other nodes (an account's devices).
local function holders_key(u) return P .. 'holders:' .. u end
-- The index of node n's sessions, `P sessions:n`: a hash of each session's
-- connection number there (its token is 'n:conn') to the u it holds, u's
-- own or a device's (holders_key), kept by the scripts that make and end
-- holds, so that a harvest (and the node's resume) reads the node's
-- sessions and not every user of the chat. A session's entry stays until
-- it holds u no more; a reader checks each entry against `P users` and
-- the holders, and drops one that no longer holds.
local function sessions_key(node) return P .. 'sessions:' .. node end
local function session_indexed(u, token)
  local colon = string.find(token, ':', 1, true)
  redis.call('HSET', sessions_key(string.sub(token, 1, colon - 1)),
             string.sub(token, colon + 1), u)
end
local function session_unindexed(u, token)
  local colon = string.find(token, ':', 1, true)
  local key, conn = sessions_key(string.sub(token, 1, colon - 1)), string.sub(token, colon + 1)
  if redis.call('HGET', key, conn) == u then redis.call('HDEL', key, conn) end
end

-- Events are chatroom.core.model.codec's JSON objects. A stored event a node
-- hands a script to number ends with '"id":""}' (its canonical encoding,
-- the id last): numbered puts the id between those quotes.
local function numbered(data, id)
  return string.sub(data, 1, -4) .. '"' .. id .. '"}'
end

-- The kinds of stored events only IRC's event playback replays, which
-- count in no other door's history window: an operand, made from the
-- core's chatroom.core.model.events.PLAYBACK_ONLY where this text is built.
local PLAYBACK_ONLY = PLAYBACK_KINDS

-- The kinds of stored events that change a message and go with it when
-- it is redacted: an operand, made from the core's
-- chatroom.core.model.events.DEPENDENT_EVENTS where this text is built.
local DEPENDENT = DEPENDENT_KINDS

-- A stored event as a table (nil for a redacted entry's '', or an entry
-- that is no event: an older version's).
local function decoded(entry)
  if entry == '' then return nil end
  local ok, event = pcall(cjson.decode, entry)
  if ok and type(event) == 'table' then return event end
  return nil
end

local function display(u)
  local v = redis.call('HGET', USERS, u)
  if not v then return u end
  return string.sub(v, string.find(v, ' ', 1, true) + 1)
end

-- Member m of room r as the room keeps it: its display name and account
-- ('' if not signed in). A member seated by an older version before an
-- upgrade has no copy: the server's keys then, where the layout lets a
-- room's scripts read them (OLDER_ROOMS).
local function seated(r, m)
  local v = redis.call('HGET', seats_key(r), m)
  if not v then
    if not OLDER_ROOMS then
      return error('room ' .. r .. ' has no copy of member ' .. m)
    end
    return display(m), redis.call('HGET', SIGNED, m) or ''
  end
  local space = string.find(v, ' ', 1, true)
  return string.sub(v, space + 1), string.sub(v, 1, space - 1)
end

-- The display names of members ms of room r, as seated gives them, read
-- a thousand at a time (HMGET): a join's view names every member, and one
-- HGET each would be a Redis call per member per join.
local function seated_names(r, ms)
  local names = {}
  for from = 1, #ms, 1000 do
    local upto = math.min(from + 999, #ms)
    local values = redis.call('HMGET', seats_key(r), unpack(ms, from, upto))
    for i = from, upto do
      local v = values[i - from + 1]
      if v then
        names[i] = string.sub(v, string.find(v, ' ', 1, true) + 1)
      else
        names[i] = (seated(r, ms[i]))
      end
    end
  end
  return names
end

-- Name `name` came online or went offline (`sighting`): a
-- chatroom.core.model.events.Watched to every node's MONITOR watchers.
local function sighted(name, sighting)
  redis.call(PUB, P .. 'watch',
             cjson.encode({type = 'Watched', user = name, sighting = sighting}))
end

-- Whether session token holds u: u's own, or a device's on another node;
-- none while u's end is under way (`P ending`, see start_ending).
local function holds(u, token)
  local v = redis.call('HGET', USERS, u)
  if v == false then return false end
  if redis.call('HEXISTS', P .. 'ending', u) == 1 then return false end
  if string.sub(v, 1, #token + 1) == token .. ' ' then return true end
  return redis.call('SISMEMBER', holders_key(u), token) == 1
end

-- u's session, if u is connected: its token, node, connection number there
-- and display name.
local function session_of(u)
  local v = redis.call('HGET', USERS, u)
  if not v then return nil end
  local space = string.find(v, ' ', 1, true)
  local token = string.sub(v, 1, space - 1)
  local colon = string.find(token, ':', 1, true)
  return {token = token, node = string.sub(token, 1, colon - 1),
          conn = string.sub(token, colon + 1), name = string.sub(v, space + 1)}
end

-- A message for session s on its node's channel (see the layout above).
local function tell(s, data)
  redis.call(PUB, P .. 'node:' .. s.node, s.conn .. ' ' .. data)
end

-- Every session holding u: its own, then its devices' on other nodes (but
-- the one whose token is `but`).
local function sessions_of(u, but)
  local s = session_of(u)
  if not s then return {} end
  local all = {}
  if s.token ~= but then all[1] = s end
  for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
    if token ~= but then
      local colon = string.find(token, ':', 1, true)
      all[#all + 1] = {token = token, node = string.sub(token, 1, colon - 1),
                       conn = string.sub(token, colon + 1), name = s.name}
    end
  end
  return all
end

local function is_member(u, r)
  return redis.call('ZSCORE', members_key(r), u) ~= false
end

-- Why session token may not act in room r as u, or nil if it may: read
-- from the room's own keys (its copy of who holds u), so it stays one
-- step on the room's shard. Where u has no copy (not seated, or seated by
-- an older version before rooms kept it), the layout with the rest asks
-- the server's names, as before the copies: a session that no longer
-- holds u is GONE, which makes its node resume and seat its users again.
-- With rooms apart it is NOT_IN_ROOM (the node is still to ask the
-- server's slot itself on that refusal: docs/scaling.md).
local function not_a_member(u, token, r)
  local held = redis.call('HGET', holding_key(r), u)
  if not held then
    if not OLDER_ROOMS then return 'NOT_IN_ROOM' end
    if not holds(u, token) then return 'GONE' end
    if not is_member(u, r) then return 'NOT_IN_ROOM' end
    return nil
  end
  if string.find(' ' .. held .. ' ', ' ' .. token .. ' ', 1, true) then return nil end
  return 'GONE'
end

-- The token of member m's own session as room r keeps it, '' for none:
-- the first of the room's copy of who holds m, what a grant to m's name
-- names (chatroom.core.policy.moderation.grant_mask). A member seated by an older
-- version, with no copy, is read from the server's keys where the layout
-- lets a room's scripts read them (OLDER_ROOMS).
local function own_token(r, m)
  local held = redis.call('HGET', holding_key(r), m)
  if not held then
    if not OLDER_ROOMS then return '' end
    local s = session_of(m)
    return s and s.token or ''
  end
  return (string.match(held, '^%S*'))
end

local function set_owner(r, u)
  redis.call('HSET', room_key(r), 'owner', u)
  redis.call('HINCRBY', room_key(r), 'ver', 1)
end

-- Room r's policy is `kept` (a RoomPolicy as chatroom.backends.redis.operands
-- encodes it: its JSON, and beside it what the scripts read apart).
local function set_policy(r, kept)
  redis.call('HSET', room_key(r), 'policy', kept.policy, 'kept', kept.kept,
             'restricted', kept.restricted, 'owner_account', kept.owner_account,
             'moderated', kept.moderated)
  redis.call('HINCRBY', room_key(r), 'ver', 1)
end

-- Room r's copies of its member u, from the server's keys as they are
-- now, so that the room alone answers for u once rooms are spread over a
-- Redis Cluster's shards: the sessions holding u (`P holding:r`, u → their
-- tokens, space separated: u's own, then its devices' on other nodes),
-- and u's display name and account (`P seats:r`, u → "account display").
-- Written when u is seated, and in every room of u's whenever one of them
-- changes: a device came or went, another took over, a rename, a sign-in,
-- a node harvested or resumed. Dropped when u leaves.
--
-- A copy is made of u's record: {held, seat}, read on the server's slot
-- (member_record) and written on the room's (copy_record): a split step
-- reads it in its server step and the node carries it to each room's step
-- (chatroom.backends.redis.copies).
local function member_record(u)
  local tokens = {}
  for _, s in ipairs(sessions_of(u, '')) do tokens[#tokens + 1] = s.token end
  return {table.concat(tokens, ' '),
          (redis.call('HGET', SIGNED, u) or '') .. ' ' .. display(u)}
end

local function copy_record(u, r, record)
  redis.call('HSET', holding_key(r), u, record[1])
  redis.call('HSET', seats_key(r), u, record[2])
end

-- The renames of u whose rooms' steps may not all have run (`P renaming`,
-- u → the core's decision whether a room's owner field moves with its
-- seat, '1' or '0', then the keys u had before, oldest first, space
-- separated: written by CLAIM's server step, dropped once every room of
-- u's has moved them), as a list, the decision first: a room that still
-- lists one of the keys as a member has it moved to u (copy_into), so no
-- room keeps a member nothing would remove. Empty: none pending.
local function renames_of(u)
  local formers = {}
  local pending = redis.call('HGET', P .. 'renaming', u)
  if pending then
    for f in string.gmatch(pending, '%S+') do formers[#formers + 1] = f end
  end
  return formers
end

-- Member f of room r becomes u (its arrival, quiet; its copies go, u's
-- are written next), and with `owner_moves` (the core's decision) the
-- owner field too, if it still names f: a rename's step in room r.
-- Nothing if f is not a member (moved already, or gone).
local function move_seat(r, f, u, owner_moves)
  local mk = members_key(r)
  local arrival = redis.call('ZSCORE', mk, f)
  if not arrival then return end
  local fresh = not is_member(u, r)
  if fresh then redis.call('ZADD', mk, arrival, u) end
  redis.call('ZREM', mk, f)
  redis.call('HDEL', holding_key(r), f)
  redis.call('HDEL', seats_key(r), f)
  if redis.call('SREM', quiet_key(r), f) == 1 and fresh then
    redis.call('SADD', quiet_key(r), u)
  end
  if owner_moves and redis.call('HGET', room_key(r), 'owner') == f then
    set_owner(r, u)
  end
end

-- Room r's step of a refresh of u's copies: the former keys of `pending`
-- (a rename's, as renames_of has it: the owner's decision first) moved
-- to u, then, if u is a member, u's record written. Whether it was.
local function copy_into(r, u, record, pending)
  for i = 2, #pending do move_seat(r, pending[i], u, pending[1] == '1') end
  if not is_member(u, r) then return false end
  copy_record(u, r, record)
  return true
end

-- Room r's log kept to its last LOG_SIZE events.
local function trim_log(r) redis.call('LTRIM', log_key(r), -LOG_SIZE, -1) end

-- The log is trimmed once it holds LOG_SLACK events more than LOG_SIZE,
-- not at every event: a resume reads it by its length (log-after,
-- resume-room), so a few more events kept cost nothing, where an LTRIM
-- on every message was a tenth of the message path's work in Redis.
local LOG_SLACK = 128

local function emit(r, data)
  local seq = redis.call('HINCRBY', room_key(r), 'seq', 1)
  local message = seq .. ' ' .. data
  redis.call(PUB, channel_key(r), message)
  if redis.call('RPUSH', log_key(r), message) > LOG_SIZE + LOG_SLACK then trim_log(r) end
  return seq
end

-- Moderation log entries (a list of them as the node encoded them) added
-- to log r's (a room's key, or '*': the server's), its newest keep kept.
local function record_entries(r, keep, entries)
  if #entries == 0 then return end
  local key = modlog_key(r)
  for _, entry in ipairs(entries) do redis.call('RPUSH', key, entry) end
  redis.call('LTRIM', key, -tonumber(keep), -1)
end

-- The entries change c records with its action (its RecordEntries, the
-- core's), each in the log it names ('' the change's own: `own`, a room's
-- key or '*'), applied with the action, in its script's step: `keep` the
-- most a log keeps.
local function recorded(c, own, keep)
  for _, op in ipairs(c.ops) do
    if op.kind == 'RecordEntries' then
      record_entries(op.log ~= '' and op.log or own, keep, op.entries)
    end
  end
end

-- The ids of room r's kept events: first, last (first = last + 1: none).
local function kept_ids(r)
  local last = newest_id(r)
  return last - redis.call('LLEN', history_key(r)) + 1, last
end

-- Kept events first..last of room r (ids are consecutive in the list).
local function events(r, first, last)
  local oldest = kept_ids(r)
  if last < first then return {} end
  return redis.call('LRANGE', history_key(r), first - oldest, last - oldest)
end

-- Message id of room r is gone (redacted): so are its reactions.
local function forget_reactions(r, id)
  local rk, prefix = reactions_key(r), id .. ' '
  for _, field in ipairs(redis.call('HKEYS', rk)) do
    if field == id or string.sub(field, 1, #prefix) == prefix then
      redis.call('HDEL', rk, field)
    end
  end
end

-- Cluster search (`P search` set by a node with --search-db): what the
-- full-text index must learn of private conversations, in the order Redis
-- ran the scripts, kept in the stream `P search:outbox` until a node has
-- applied it to PostgreSQL (chatroom.backends.redis.search): field `c` (a
-- private conversation, conversations.py's APPEND and REDACT) naming where,
-- and `e`, the data (`@ID PRIVMSG sender recipient time text`). Rooms feed
-- nothing: the index reads their history (search.py's ROOM_FEED).
local function feed_private(c, data)
  if redis.call('EXISTS', P .. 'search') == 1 then
    redis.call('XADD', P .. 'search:outbox', 'MAXLEN', '~', OUTBOX_SIZE, '*',
               'c', c, 'e', data)
  end
end

-- Private message `message` (unnumbered) said in private conversation
-- `conversation`: numbered with its next id, kept among its newest
-- `retention`, fed to search, and the conversation made the newest of each
-- side that is an account (a plain name's side is marked '~':
-- chatroom.core.messages.private.accounts_of). Answers its id and data.
local function private_said(conversation, message, retention)
  local key = P .. 'talk:' .. conversation
  local id = redis.call('HINCRBY', P .. 'pids', conversation, 1)
  local data = numbered(message, id)
  redis.call('RPUSH', key, data)
  redis.call('LTRIM', key, -tonumber(retention), -1)
  feed_private(conversation, data)
  local order = redis.call('INCR', P .. 'convs-order')
  for side in string.gmatch(conversation, '%S+') do
    if string.sub(side, 1, 1) ~= '~' then
      redis.call('ZADD', P .. 'convs:' .. side, order, conversation)
    end
  end
  return id, data
end

-- At most this many of a history's entries are read by one trim by age
-- (said, age-out): a sweep's calls go on from where the last one stopped
-- (chatroom.backends.redis.ageing), so a long run of entries that carry
-- no time is looked past in as many calls as it takes.
local AGE_LOOKS = 100

-- Room r's history with its entries said before `oldest` gone, of every
-- kind, from the front (`oldest`: the core's operand, a time as stored
-- events carry it, which sort as text; chatroom.core.policy.rules.oldest_kept).
-- Every event stored now carries the time the server accepted it; an
-- entry that carries none (a redacted message's '', or a reaction or a
-- redaction an older version stored) was said after the entries before
-- it and before those after it: it goes with the first dated entry after
-- it that goes, and stays while none does (it may be newer than
-- `oldest`). The look starts at entry `from` (0: the front; the entries
-- before it were looked at by an earlier call and hold no time, or were
-- trimmed since) and reads at most AGE_LOOKS. Answers how many entries
-- went, whether the trim is done (it reached an entry kept, or the end),
-- and else where the next look starts.
local function age_out(r, oldest, from)
  local hk = history_key(r)
  local drop, done = 0, false
  for i = from, from + AGE_LOOKS - 1 do  -- one at a time: most often the first is kept
    local entry = redis.call('LINDEX', hk, i)
    if not entry then
      done = true
      break
    end
    local event = decoded(entry)
    local time = event and event.time
    if time and time ~= '' then
      if time >= oldest then
        done = true
        break
      end
      drop = i + 1
    end
  end
  if drop > 0 then redis.call('LTRIM', hk, drop, -1) end
  return drop, done, from + AGE_LOOKS - drop
end

-- Unix seconds as stored events carry a time (chatroom.wire.lines.
-- format_time: UTC, ISO 8601, whole milliseconds), which sort as text:
-- the core's times (an Append's `oldest`, an AgeOut's) compared with
-- theirs. The date from the days since 1970 by H. Hinnant's
-- civil_from_days.
local function stored_time(seconds)
  local stamp = seconds * 1000
  local whole = math.floor(stamp)
  local half = stamp - whole
  if half > 0.5 or (half == 0.5 and whole % 2 == 1) then whole = whole + 1 end
  local ms = whole % 1000
  local unix = (whole - ms) / 1000
  local in_day = unix % 86400
  local z = (unix - in_day) / 86400 + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
                          - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400 + (month <= 2 and 1 or 0)
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
                       math.floor(in_day / 3600), math.floor(in_day % 3600 / 60),
                       in_day % 60, ms)
end

-- A message (unnumbered) said in room r: numbered with the room's next id,
-- published, kept (its newest `retention` events; with `oldest` (Unix
-- seconds, the core's operand; 0: none), those said before it gone:
-- age_out). Returns its id and its sequence number in the room's channel
-- (for the node that waits to receive it, chatroom.backends.redis.calls).
local function said(r, message, retention, oldest)
  local id = next_id(r)
  local data = numbered(message, id)
  local seq = emit(r, data)
  local hk = history_key(r)
  if redis.call('RPUSH', hk, data) > tonumber(retention) then
    redis.call('LTRIM', hk, -tonumber(retention), -1)
  end
  if oldest ~= 0 then age_out(r, stored_time(oldest), 0) end
  return id, seq
end

-- Room r's keys go, its hooks and slash commands too (the room's slot). Their entries in the
-- server's index of secrets (`P hooks`) stay, stale: a post takes a hook
-- only if its room has it, and removes an entry it has not
-- (chatroom.backends.redis.hooks).
local function drop_room_keys(r, name)
  redis.call('DEL', room_key(r), members_key(r), history_key(r), log_key(r),
             reactions_key(r), modlog_key(r), quiet_key(r), hooks_key(r),
             holding_key(r), seats_key(r), pins_key(r), commands_key(r))
  lobby_news(r, name)
end

-- Room r out of the server's indexes of rooms (the server's slot): after
-- its keys went, or found gone.
local function unlist_room(r)
  redis.call('HDEL', ROOMS, r)
  redis.call('HDEL', P .. 'making', r)
  redis.call('ZREM', P .. 'keeping', r)
end

-- Room r's newest event: where a change nobody is shown (a quiet member's
-- arrival or departure) falls. It takes no sequence number of its own, so
-- the published events and the log stay consecutive.
local function newest_seq(r)
  return tonumber(redis.call('HGET', room_key(r), 'seq'))
end

-- Member u seated in room r as its newest arrival, its copies made of its
-- record (member_record): the room's step. Its arrival number is the
-- room's own, one more than its newest member's, so that it needs no
-- counter of the server's; members seated by the server's counter (P
-- counter, before the split) keep their order, each number past theirs.
local function seat_in_room(u, r, record)
  local newest_member = redis.call('ZRANGE', members_key(r), -1, -1, 'WITHSCORES')
  local arrival = 1
  if newest_member[2] then arrival = tonumber(newest_member[2]) + 1 end
  redis.call('ZADD', members_key(r), arrival, u)
  copy_record(u, r, record)
end

-- Membership is decided by the nodes (chatroom.core.rooms.membership), never
-- here: these functions read what it decides on, check that what a
-- decision was made on still holds, and store its outcome.
--
-- What membership decides on in room r about the users `about` (name
-- keys): {r, name, incarnation, member count, owner, 1 if the owner is a
-- member, owner account, 1 if the room is permanent, its first
-- members in arrival order (key, name, ...: one more than `about`, two at
-- least), which of `about` are quiet, which of `about` are members,
-- keep_until ('' for none), and when the room's account owns it and
-- nobody holds it, its longest-present member signed in to that account
-- ('' for none), then what the entry rule decides on: its capacity, 1 if
-- its policy restricts joins, its version (ver) and that policy (JSON,
-- '' unless it restricts joins), its newest event id, and 1 if its
-- policy keeps it (`keep`)}; {r} if there is no room r. Whether the room
-- stays when empty is the core's to say (chatroom.core.model.facts.Seating).
-- With `holders`, one more: for each of `about` who is a member, its key
-- and the sessions the room's copy names as holding its seat (own first,
-- space separated; '' where it has no copy): what a departure refused on
-- SeatHeldBy is decided again on (chatroom.core.model.facts.LeavingFacts.
-- holders; a first read leaves them out, the premise guarding the seat).
local function seating(r, about, holders)
  local rk = room_key(r)
  local info = redis.call('HMGET', rk, 'name', 'inc', 'owner', 'owner_account',
                          'permanent', 'kept', 'keep_until', 'capacity', 'restricted',
                          'ver', 'policy')
  if not info[1] then return {r} end
  local firsts = {}
  for _, m in ipairs(redis.call('ZRANGE', members_key(r), 0, math.max(#about, 1))) do
    firsts[#firsts + 1] = m
    firsts[#firsts + 1] = (seated(r, m))
  end
  local quiet, present = {}, {}
  for _, a in ipairs(about) do
    if redis.call('SISMEMBER', quiet_key(r), a) == 1 then quiet[#quiet + 1] = a end
    if is_member(a, r) then present[#present + 1] = a end
  end
  local owner = info[3] or ''
  local here = 0
  if owner ~= '' and is_member(owner, r) then here = 1 end
  local permanent, keep = 0, 0
  if info[5] == '1' then permanent = 1 end
  if info[6] == '1' then keep = 1 end
  local claimant = ''
  if owner == '' and (info[4] or '') ~= '' then
    for _, m in ipairs(redis.call('ZRANGE', members_key(r), 0, -1)) do
      if select(2, seated(r, m)) == info[4] then claimant = m break end
    end
  end
  local restricted, policy = 0, ''
  if info[9] == '1' then restricted, policy = 1, info[11] or '' end
  local row = {r, info[1], info[2] or '', redis.call('ZCARD', members_key(r)), owner,
          here, info[4] or '', permanent, firsts, quiet, present, info[7] or '', claimant,
          info[8] or '0', restricted, info[10] or '0', policy, newest_id(r), keep}
  if holders then
    local held = {}
    for _, a in ipairs(present) do
      held[#held + 1] = a
      held[#held + 1] = redis.call('HGET', holding_key(r), a) or ''
    end
    row[#row + 1] = held
  end
  return row
end

-- The bytes a hex text (two digits a byte) spells: a DUMP a node carries
-- from one room's step to another's in a script's operands, which are
-- text (JSON).
local function unhex(hex)
  return (string.gsub(hex, '%x%x', function(byte) return string.char(tonumber(byte, 16)) end))
end

-- Renamed rooms' former names (`P former-names`, former name key →
-- "until key name": until when, Unix seconds, it leads a join to the room
-- now keyed `key` and called `name`; written by RENAME_ROOM). Where former
-- name f leads at `now`: {until, key, name}, or nil (none, past its grace,
-- or the room it led to is gone: a deleted room's former names are free).
local FORMER = P .. 'former-names'
local function former_name(f, now)
  local v = redis.call('HGET', FORMER, f)
  if not v then return nil end
  local until_, key, name = string.match(v, '^(%S+) (%S+) (.*)$')
  if not until_ or tonumber(until_) <= now then return nil end
  if redis.call('HEXISTS', ROOMS, key) == 0 then return nil end
  return {until_, key, name}
end

local function same_set(list, wanted)
  if #list ~= #wanted then return false end
  local seen = {}
  for _, v in ipairs(list) do seen[v] = true end
  for _, v in ipairs(wanted) do if not seen[v] then return false end end
  return true
end

-- How many event streams bot b has open on the live nodes
-- (chatroom.backends.redis.streams): `P streams:b` holds each stream's
-- node, and a node whose heartbeat is gone (and that is not stalled)
-- counts none, from the moment the others would harvest it.
local function streams_open(b)
  local fields = redis.call('HGETALL', P .. 'streams:' .. b)
  local count, live = 0, {}
  for i = 2, #fields, 2 do
    local node = fields[i]
    if live[node] == nil then
      live[node] = redis.call('EXISTS', P .. 'alive:' .. node,
                              P .. 'stalled:' .. node) > 0
    end
    if live[node] then count = count + 1 end
  end
  return count
end

-- Node n's bots' event streams forgotten, by its index `P node-streams:n`:
-- a harvest's last step, and a resume's before it writes its own again.
local function forget_streams(n)
  local index = P .. 'node-streams:' .. n
  for _, b in ipairs(redis.call('SMEMBERS', index)) do
    local key = P .. 'streams:' .. b
    local fields = redis.call('HGETALL', key)
    for i = 1, #fields, 2 do
      if fields[i + 1] == n then redis.call('HDEL', key, fields[i]) end
    end
  end
  redis.call('DEL', index)
end

-- What a change's premises read of its room (c.subject.room): its hash's
-- fields, read once per change (a join rests on seven premises).
local function room_read(c)
  local read = c.room_read
  if read then return read end
  local info = redis.call('HMGET', room_key(c.subject.room), 'name', 'inc', 'owner',
                          'owner_account', 'permanent', 'kept', 'keep_until',
                          'capacity', 'restricted', 'ver', 'moderated')
  read = {name = info[1], inc = info[2], owner = info[3] or '',
          owner_account = info[4] or '', permanent = info[5] == '1',
          kept = info[6] == '1', keep_until = info[7] or '',
          capacity = tonumber(info[8] or '0'), restricted = info[9] == '1',
          ver = info[10], moderated = info[11] == '1'}
  c.room_read = read
  return read
end

-- Whether a change's room (c.subject.room) is moderated: the one field
-- the message path's premise reads, read alone (an HMGET of the eleven
-- fields above cost a message a sixth of its script's time), or taken
-- from room_read when another premise has read them.
local function room_moderated(c)
  local read = c.room_read
  if read then return read.moderated end
  return redis.call('HGET', room_key(c.subject.room), 'moderated') == '1'
end

-- Whether premise p of change c holds: each premise a decision rested on,
-- read here alone, by its Python class's name (chatroom.core.model.changes,
-- the core's vocabulary, encoded by chatroom.backends.redis.operands), its
-- fields by name. A premise is a fact of the change's subject as the core
-- read it: none decides anything. The local back-end reads the same
-- premises on its memory (chatroom.backends.local), and the contract
-- tests/backends/contracts/premises.py fails each one on both.
--
-- One function, not a table of them: Redis makes a script's functions
-- again at every call, and a table of a closure per premise would cost a
-- message more than its premises' reads. The most frequent come first.
--
-- `step`: where a room's change is applied in two steps (docs/scaling.md),
-- 'server' or 'room', the step reading it: a premise read on the server's
-- keys is the server step's, one read on the room's keys the room step's
-- (each holds in the other), one read on both by each on its own keys; nil
-- where a change is applied in one. 'key': a keyed line's key, KeyUnused,
-- read before any other by key_done, and holding at every other step (a
-- key done answers its record, whatever else changed since).
local function premise_holds(c, p, step)
  local kind, s = p.kind, c.subject
  -- read on the server's keys
  if kind == 'FewerRoomsThan' then
    if step == 'room' then return true end
    return redis.call('HEXISTS', ROOMS, s.room) == 1
      or redis.call('HLEN', ROOMS) < p.count
  elseif kind == 'NameFree' then
    if step == 'room' then return true end
    if p.name == s.room then return true end
    if redis.call('HEXISTS', ROOMS, p.name) == 1 then return false end
    local leads = former_name(p.name, tonumber(c.now))
    return not leads or leads[2] == s.room
  elseif kind == 'SessionIs' then  -- by the room's copy of a member too
    if s.room and step ~= 'server' and is_member(p.user, s.room) then
      return own_token(s.room, p.user) == p.session
    end
    if step == 'room' then return true end
    local held = session_of(p.user)
    return (held and held.token or '') == p.session
  end
  if s.room and step == 'server' then return true end
  -- a room's: its messages
  if kind == 'Unmoderated' then
    return not room_moderated(c)
  elseif kind == 'QuietAmong' then
    local quiet, key = {}, quiet_key(s.room)
    for _, u in ipairs(p.among) do
      if redis.call('SISMEMBER', key, u) == 1 then quiet[#quiet + 1] = u end
    end
    return same_set(quiet, p.users)
  elseif kind == 'Incarnation' then
    return room_read(c).inc == p.incarnation
  elseif kind == 'Version' then
    return room_read(c).ver == p.version
  elseif kind == 'MessageIs' or kind == 'EventIs' then
    local read = p.message or p.event
    local first, last = kept_ids(s.room)
    local id = tonumber(cjson.decode(read).id)
    if not id or id < first or id > last then return kind == 'EventIs' end
    return redis.call('LINDEX', history_key(s.room), id - first) == read
  elseif kind == 'Reacted' then
    local mine = p.target .. ' ' .. p.reaction .. ' ' .. p.user
    return (redis.call('HEXISTS', reactions_key(s.room), mine) == 1) == p.given
  elseif kind == 'FewerReactionsThan' then
    local rk = reactions_key(s.room)
    return redis.call('HEXISTS', rk, p.target .. ' ' .. p.reaction) == 1
      or tonumber(redis.call('HGET', rk, p.target) or '0') < p.count
  -- a room's seating
  elseif kind == 'Exists' then
    if s.room then return (redis.call('EXISTS', room_key(s.room)) == 1) == p.exists end
    return (redis.call('HEXISTS', ACCOUNTS, s.account) == 1) == p.exists
  elseif kind == 'Named' then
    return room_read(c).name == p.name
  elseif kind == 'SeatHeldBy' then  -- by the room's copy: its own, its devices
    local held = redis.call('HGET', holding_key(s.room), p.user)
    if not held or held == '' then return true end
    for token in string.gmatch(held, '%S+') do
      if token == p.session then return true end
    end
    return false
  elseif kind == 'Absent' then
    return not is_member(p.user, s.room)
  elseif kind == 'Present' then
    local present = {}
    for _, u in ipairs(p.among) do
      if is_member(u, s.room) then present[#present + 1] = u end
    end
    return same_set(present, p.users)
  elseif kind == 'Unrestricted' then
    return not room_read(c).restricted
  elseif kind == 'CapacityIs' then
    return room_read(c).capacity == p.capacity
  elseif kind == 'FewerMembersThan' then
    return redis.call('ZCARD', members_key(s.room)) < p.count
  elseif kind == 'QuietAt' then
    return (redis.call('ZCARD', members_key(s.room)) >= p.threshold) == p.quiet
  elseif kind == 'EmptiedBy' then
    return (redis.call('ZCARD', members_key(s.room)) <= #p.users) == p.empties
  elseif kind == 'OwnerIs' then
    return room_read(c).owner == p.owner
  elseif kind == 'OwnerHere' then
    local owner = room_read(c).owner
    return (owner ~= '' and is_member(owner, s.room)) == p.here
  elseif kind == 'OwnerAccountIs' then
    return room_read(c).owner_account == p.account
  elseif kind == 'Stays' then
    local read = room_read(c)
    return read.permanent == p.permanent and read.kept == p.keep
  elseif kind == 'HeirIs' then  -- the longest-present member but p.but
    local but = {}
    for _, u in ipairs(p.but) do but[u] = true end
    for _, m in ipairs(redis.call('ZRANGE', members_key(s.room), 0, #p.but)) do
      if not but[m] then return m == p.heir end
    end
    return p.heir == ''
  elseif kind == 'FirstMembers' then
    return table.concat(redis.call('ZRANGE', members_key(s.room), 0, p.count - 1), ' ')
      == table.concat(p.keys, ' ')
  elseif kind == 'ClaimantIs' then  -- of a kept room its account's members hold
    local read, claimant = room_read(c), ''
    if read.owner == '' and read.owner_account ~= '' then
      for _, m in ipairs(redis.call('ZRANGE', members_key(s.room), 0, -1)) do
        if select(2, seated(s.room, m)) == read.owner_account then
          claimant = m
          break
        end
      end
    end
    return claimant == p.claimant
  elseif kind == 'WaitOver' then
    local due = room_read(c).keep_until
    return due ~= '' and tonumber(due) <= p.due
  elseif kind == 'NewestIdAtLeast' then
    return newest_id(s.room) >= p.id
  elseif kind == 'NewestIdBelow' then
    return newest_id(s.room) < p.id
  -- a room's webhooks
  elseif kind == 'HookHeld' then
    return (redis.call('HEXISTS', hooks_key(s.room), p.name) == 1) == p.held
  elseif kind == 'FewerHooksThan' then
    return redis.call('HLEN', hooks_key(s.room)) < p.count
  -- a room's slash commands
  elseif kind == 'CommandHeld' then
    return (redis.call('HEXISTS', commands_key(s.room), p.name) == 1) == p.held
  elseif kind == 'FewerCommandsThan' then
    return redis.call('HLEN', commands_key(s.room)) < p.count
  -- a room's call (chatroom.backends.redis.room_calls)
  elseif kind == 'CallIs' then
    local kept = redis.call('GET', call_key(s.room))
    return (kept and cjson.decode(kept).call or '') == p.call
  elseif kind == 'Participants' then
    local kept = redis.call('GET', call_key(s.room))
    local users = {}
    if kept then
      for i, q in ipairs(cjson.decode(kept).participants) do users[i] = q.user end
    end
    if #users ~= #p.users then return false end
    for i, u in ipairs(users) do
      if p.users[i] ~= u then return false end
    end
    return true
  end
  -- the server's keys: accounts and what they keep
  if kind == 'Registered' then
    return redis.call('HEXISTS', ACCOUNTS, s.account) == 1
  elseif kind == 'PartyRegistered' then
    return redis.call('HEXISTS', ACCOUNTS, p.account) == 1
  elseif kind == 'NameRegistered' then
    return (redis.call('HEXISTS', ACCOUNTS, p.name) == 1) == p.registered
  elseif kind == 'PasswordHashIs' then
    local record = redis.call('HGET', ACCOUNTS, s.account)
    return record ~= false and string.match(record, '^%S+ (%S+)') == p.hash
  elseif kind == 'MailboxIs' then
    return redis.call('HEXISTS', ACCOUNTS, s.account) == 1
      and (redis.call('HGET', P .. 'mailboxes', s.account) or '') == p.mailbox
  elseif kind == 'AppPasswordsAre' then
    return redis.call('HEXISTS', ACCOUNTS, s.account) == 1
      and (redis.call('HGET', P .. 'app-passwords', s.account) or '') == p.app_passwords
  elseif kind == 'BotIs' then
    return redis.call('HEXISTS', ACCOUNTS, s.account) == 1
      and (redis.call('HGET', P .. 'bots', s.account) or '') == p.bot
  elseif kind == 'FewerStreamsThan' then  -- a bot's, on the live nodes
    return streams_open(s.account) < p.count
  elseif kind == 'FewerBotsThan' then  -- a bot's record: [owner, ...]
    local owned = 0
    for _, kept in ipairs(redis.call('HVALS', P .. 'bots')) do
      if cjson.decode(kept)[1] == p.owner then owned = owned + 1 end
    end
    return owned < p.count
  elseif kind == 'OidcUnbound' then
    local holder = redis.call('HGET', P .. 'oidc', p.oidc)
    return not holder or redis.call('HGET', P .. 'oidc-of', holder) ~= p.oidc
  elseif kind == 'MarkerAtMost' then
    local kept = redis.call('HGET', P .. 'markers:' .. s.account, p.room)
    return not kept or tonumber(kept) <= p.event_id
  elseif kind == 'FewerSubscriptionsThan' then
    local key = P .. 'push:' .. s.account
    return redis.call('HLEN', key) < p.count
      or redis.call('HEXISTS', key, p.endpoint) == 1
  elseif kind == 'EndpointOwner' then
    return (redis.call('HGET', P .. 'push-owner', p.endpoint) or '') == p.account
  elseif kind == 'Subscribed' then
    return redis.call('HEXISTS', P .. 'push:' .. s.account, p.endpoint) == 1
  elseif kind == 'FewerWaitingThan' then
    return redis.call('LLEN', P .. 'waiting:' .. s.account) < p.count
  elseif kind == 'PrivateKept' then
    local key = P .. 'talk:' .. s.key
    local last = tonumber(redis.call('HGET', P .. 'pids', s.key) or '0')
    local first = last - redis.call('LLEN', key) + 1
    if p.event_id < first or p.event_id > last then return false end
    local kept = redis.call('LINDEX', key, p.event_id - first)
    return kept ~= false and kept ~= ''
  elseif kind == 'UsageAtMost' then
    return tonumber(redis.call('GET', P .. 'file-usage:' .. s.account) or '0') <= p.size
  elseif kind == 'FileKept' then
    return redis.call('EXISTS', P .. 'file:' .. p.file_id) == 1
  elseif kind == 'ExportKept' then
    return redis.call('EXISTS', P .. 'export:' .. s.token) == 1
  elseif kind == 'InvitationIs' then
    return (redis.call('HGET', P .. 'invitations', s.code) or '') == p.kept
  elseif kind == 'SignInTokenIs' then
    return (redis.call('GET', P .. 'sign-in:' .. p.token) or '') == p.kept
  -- the server's: its bans, its reports, its counters, its sweep
  elseif kind == 'Banned' then
    return (redis.call('ZSCORE', GBANS, p.mask) ~= false) == p.banned
  elseif kind == 'ReportsNumbered' then
    return (tonumber(redis.call('GET', P .. 'reports:last')) or 0) == p.last
  elseif kind == 'NotReported' then
    return redis.call('SISMEMBER', P .. 'reports:filed', p.filed) == 0
  elseif kind == 'ReportOpen' then
    return redis.call('ZSCORE', P .. 'reports:open', p.number) ~= false
  elseif kind == 'FewerThan' then  -- in the window ending now, on Redis's clock
    local key = P .. 'window:' .. s.key
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - p.window * 1000)
    return redis.call('ZCARD', key) < p.count
  -- the server's: who holds a name
  elseif kind == 'NameHeldBy' then
    local held = session_of(s.name)
    return (held and held.token or '') == p.token
  elseif kind == 'NameSignedTo' then
    return (redis.call('HGET', SIGNED, s.name) or '') == p.account
  elseif kind == 'NameEnding' then
    return (redis.call('HEXISTS', P .. 'ending', s.name) == 1) == p.ending
  elseif kind == 'KeyUnused' then  -- read at the key's step alone (key_done)
    if step ~= 'key' then return true end
    return redis.call('EXISTS', txn_key(s.room, p.sender, p.key)) == 0
  elseif kind == 'DevicesAre' then
    return same_set(redis.call('SMEMBERS', holders_key(s.name)), p.tokens)
  elseif kind == 'FailuresAtMost' then  -- as counted (forgotten: none)
    local kept = redis.call('HMGET', P .. 'guesses:' .. p.key, 'n', 'at')
    return tonumber(kept[1] or '0') <= p.count
      and (p.last == nil or tonumber(kept[2] or '0') <= p.last)
  elseif kind == 'SweepLease' then  -- held by the holder, who takes or keeps it
    local held = redis.call('GET', P .. 'ageing')
    if held and held ~= p.holder then return false end
    redis.call('SET', P .. 'ageing', p.holder, 'PX', math.floor(p.seconds * 1000))
    return true
  -- the Matrix bridge's ledger: no note under the key (one past its time
  -- has expired)
  elseif kind == 'Unnoted' then
    local held = redis.call('GET', P .. 'bridge:' .. p.book .. ':' .. p.key)
      or redis.call('HGET', P .. 'bridge:' .. p.book, p.key)
    return not held or (p.but ~= nil and p.but ~= '' and held == p.but)
  end
  return error('no premise ' .. kind)
end

-- A keyed line's key (chatroom.core.model.changes.transactions), the last
-- of change c's premises, KeyUnused: checked before any other by the
-- script that stores c, in the place r it stores it (a room's key, or nil
-- for the server's slot: premise_holds reads it where c's room is). A key
-- done already answers {'KEYED', line, target, id, held} (nothing
-- applied; held 1, and no id, for a message held: key_hold), after a write
-- of its own (its expiry renewed: a day from the repeat) that a WAIT on
-- the node's connection confirms only once the replicas have the record
-- too; nil if it is unused. Either way, the premise too, which key_keep or
-- key_hold then keep. A key is kept as one string, `line id target` (id `!`
-- while its message is held), expiring TXN_SECONDS after it was done.
local function key_done(c, r)
  local p = c.premises[#c.premises]
  if premise_holds(c, p, 'key') then return nil, p end
  local k = txn_key(r, p.sender, p.key)
  local kept = redis.call('GET', k)
  redis.call('EXPIRE', k, TXN_SECONDS)
  local line, id, target = string.match(kept, '^(%S+) (%S*) (.*)$')
  if id == '!' then return {'KEYED', line, target, '', 1}, p end
  return {'KEYED', line, target, id, 0}, p
end
-- Sender s's key k kept in place r, as done by `line` to `target`, making
-- event `id` ('' for none).
local function key_kept(r, s, k, line, id, target)
  redis.call('SET', txn_key(r, s, k), line .. ' ' .. id .. ' ' .. target,
    'EX', TXN_SECONDS)
end
-- A change resting on key p (key_done) was applied and made event `id`
-- ('' for none): its key kept with it in place r, in the same script.
local function key_keep(p, r, id)
  key_kept(r, p.sender, p.key, p.line, id or '', p.target)
end
-- A change's keyed message (unnumbered), resting on key p (key_done),
-- behind --redis-replicas: neither numbered, kept nor published yet, but
-- held with its key (its record's id `!`, the message beside it) until the
-- node's WAIT says the replicas have it; then publish-held.lua says it.
-- So no member anywhere sees a message a dying primary had before any
-- replica did (the promoted replica has neither it nor its key, and gives
-- the repeat an id of its own), and ids still reach members in the order
-- they were given.
local function key_hold(p, r, message)
  key_kept(r, p.sender, p.key, p.line, '!', p.target)
  redis.call('SET', txn_key(r, p.sender, p.key) .. ':held', message, 'EX', TXN_SECONDS)
end

-- Which premise of change c does not hold, by its place in c.premises (a
-- number), or nil if they all do (`step`: see premise_holds).
local function unmet(c, step)
  for i, p in ipairs(c.premises) do
    if not premise_holds(c, p, step) then return i end
  end
  return nil
end

-- One room's change is three steps (docs/scaling.md: the index first, the
-- room second; out in the other order), which the node runs in turn
-- (chatroom.backends.redis.room_steps):
--
-- index_first (the server's): the indexes that will name room
-- c.subject.room are written before the room changes: u's rooms for each
-- member added, the waiting rooms for a wait. An entry too many, left by a
-- room's step that refused or never ran, is harmless (the readers check
-- the room) and goes with u's name, or the room's wait.
local function index_first(c)
  local r = c.subject.room
  for _, op in ipairs(c.ops) do
    if op.kind == 'AddMember' then
      places_add(op.user, r)
    elseif op.kind == 'Wait' then
      redis.call('ZADD', P .. 'keeping', op['until'], r)
    end
  end
end

-- The records (member_record) of the users change c seats, u → record,
-- read on the server's slot for the room's step to copy.
local function records_of(c)
  local records = {}
  for _, op in ipairs(c.ops) do
    if op.kind == 'AddMember' then records[op.user] = member_record(op.user) end
  end
  return records
end

-- The room's step: change c's operations stored on room c.subject.room's
-- keys alone, in order, each user seated copied from `records` (u → its
-- record, read by the server's step). `mark`: the room's newest event is
-- answered 'after' the operations (a join's: where its events start) or
-- 'before' them (a departure's: the events before it are replayed).
-- Returns that mark.
local function apply_in_room(c, records, mark)
  local r = c.subject.room
  local rk = room_key(r)
  local marked = mark == 'before' and newest_seq(r) or nil
  for _, op in ipairs(c.ops) do
    local kind = op.kind
    if kind == 'AddMember' then
      seat_in_room(op.user, r, records[op.user])
      if op.quiet then redis.call('SADD', quiet_key(r), op.user) end
      lobby_count(r)
    elseif kind == 'RemoveMember' then
      redis.call('ZREM', members_key(r), op.user)
      redis.call('HDEL', holding_key(r), op.user)
      redis.call('HDEL', seats_key(r), op.user)
      redis.call('SREM', quiet_key(r), op.user)
      lobby_count(r)
    elseif kind == 'SetOwner' then
      set_owner(r, op.owner)
    elseif kind == 'SetPolicy' then  -- a room made an account's
      set_policy(r, op.policy)
    elseif kind == 'Emit' then
      emit(r, op.event)
    elseif kind == 'Wait' then  -- for its members, until op.until (ms)
      redis.call('HSET', rk, 'keep_until', op['until'])
      lobby_news(r, redis.call('HGET', rk, 'name'))
    elseif kind == 'Waited' then
      redis.call('HDEL', rk, 'keep_until')
    elseif kind == 'Drop' then
      drop_room_keys(r, redis.call('HGET', rk, 'name'))
    end
  end
  if mark == 'after' then marked = newest_seq(r) end
  return marked
end

-- index_last (the server's, after the room's step): the entries of the
-- indexes that named room c.subject.room and no longer do: the rooms of
-- each user taken out, the waiting rooms, the listing of a room dropped.
-- A node that dies before it leaves them, too many: see index_first.
local function index_last(c)
  local r = c.subject.room
  for _, op in ipairs(c.ops) do
    if op.kind == 'RemoveMember' then
      places_remove(op.user, r)
    elseif op.kind == 'Waited' then
      redis.call('ZREM', P .. 'keeping', r)
    elseif op.kind == 'Drop' then
      unlist_room(r)
    end
  end
end


-- A session's end is three steps (docs/scaling.md: the index first, the
-- room second; out in the other order), which the node runs in turn
-- (chatroom.backends.redis.endings): the server's step marks each user
-- that leaves as ending (start_ending) and answers its rooms; each room's
-- step is its departure (APPLY); the server's last step frees the name
-- (finish_ending). While u is marked (`P ending`, u → the token of the
-- session whose end it is), no session holds u (holds) and nobody can
-- claim its name, so nothing enters a room for u that its end would not
-- leave; a node that dies between the steps leaves the mark, and the next
-- release of that session (the node's resume, a harvest) runs them again.
--
-- u's copies to refresh in its rooms (chatroom.backends.redis.copies),
-- for a step that changed who holds u (a device gone, an heir) or that
-- finds a rename of u's pending: {u, its rooms, its record, its former keys}.
local function copies_of(u)
  return {u, places_of(u), member_record(u), renames_of(u)}
end

-- The name u is free again (its rooms left already): its session gone.
local function unname(u)
  sighted(display(u), 'offline')
  local s = session_of(u)
  if s then session_unindexed(u, s.token) end
  for _, token in ipairs(redis.call('SMEMBERS', holders_key(u))) do
    session_unindexed(u, token)
  end
  redis.call('HDEL', PLACES, u)
  redis.call('DEL', former_places_key(u))
  redis.call('HDEL', USERS, u)
  redis.call('HDEL', SIGNED, u)
  redis.call('DEL', holders_key(u), P .. 'devices:' .. u, P .. 'devnum:' .. u,
             P .. 'devclaims:' .. u)
  presence_dropped(u)
  redis.call('HDEL', P .. 'renaming', u)
  redis.call('HDEL', P .. 'ending', u)
  redis.call('HDEL', P .. 'gone', u)
end

-- Session token of u lets go (disconnected): true if that is all (a
-- device's node forgets it; u's own, with devices on other nodes, hands u
-- to the one the core chose, `heir`: its rooms stay, and their copies are
-- the caller's to refresh, copies_of); false if it was the last, whose
-- user must leave its rooms and give up its name; nil, and nothing done,
-- if u's own lets go while devices hold u and `heir` is none of them: the
-- core is to choose one (chatroom.core.policy.rules.heir_of).
local function let_go(u, token, heir)
  if redis.call('SREM', holders_key(u), token) == 1 then
    redis.call('HDEL', P .. 'devices:' .. u, token)  -- its devices with it
    session_unindexed(u, token)
    return true
  end
  if redis.call('SCARD', holders_key(u)) == 0 then
    redis.call('HDEL', P .. 'devices:' .. u, token)
    return false
  end
  if heir == '' or redis.call('SREM', holders_key(u), heir) == 0 then return nil end
  redis.call('HDEL', P .. 'devices:' .. u, token)
  redis.call('HSET', USERS, u, heir .. ' ' .. display(u))  -- indexed already
  session_unindexed(u, token)
  return true
end

-- Whether u's end is under way by session token's end (marked, its
-- server's step run): a release of that session carries it on.
local function ending_by(u, token)
  return redis.call('HGET', P .. 'ending', u) == token
end

-- Session `held` (as sessions_of answers it) is told `order` (the node's
-- EndSession, encoded) and, until its node's next heartbeats, listed as
-- ended with `reason`, for a node that missed the message while out of
-- touch (see RESUME; `ttl` ms at most, for a node that never comes back).
local function tell_ended(held, reason, order, ttl)
  tell(held, order)
  local ended = P .. 'ended:' .. held.node
  redis.call('HSET', ended, held.conn, reason)
  redis.call('PEXPIRE', ended, tonumber(ttl))
end

-- The users an end names (chatroom.core.model.changes.moderation.EndSessions) added to
-- `users` once each (`covered`: those in it already): the one holding
-- name key `holder` and every one signed in to `account` ('' for none).
local function cover_end(holder, account, users, covered)
  local function covers(u)
    if not covered[u] then
      covered[u] = true
      users[#users + 1] = u
    end
  end
  if holder ~= '' and redis.call('HEXISTS', USERS, holder) == 1 then covers(holder) end
  if account ~= '' then
    local signed = redis.call('HGETALL', SIGNED)
    for i = 1, #signed, 2 do
      if signed[i + 1] == account then covers(signed[i]) end
    end
  end
end

-- The server's step of the end of user u's sessions (u held): u marked
-- ending, and unless `order` is '' (a release: the node that had the
-- session knows) every session holding u told `order` (the node's
-- EndSession, encoded), its node first, so the session is told nothing of
-- its own departure; until that node's next heartbeats, the session is
-- also listed as ended with `reason`, for a node that missed the message
-- while out of touch (see RESUME; `ttl` ms at most, for a node that never
-- comes back: the node's operand, chatroom.backends.redis.endings). Marked already (an end cut short, run
-- again), nobody is told twice. Returns {u, token, name, rooms}: what
-- the node decides u's departures on, and frees the name with.
local function start_ending(u, reason, order, ttl)
  local s = session_of(u) or {token = '', name = display(u)}
  local token = redis.call('HGET', P .. 'ending', u)
  if not token then
    token = s.token
    if order ~= '' then
      for _, held in ipairs(sessions_of(u, '')) do tell_ended(held, reason, order, ttl) end
    end
    redis.call('HSET', P .. 'ending', u, token)
  end
  return {u, token, s.name, places_of(u)}
end

-- The server's step of ends: the users `users` start ending (start_ending,
-- with `reason`, `order` and `ttl`),
-- and the rooms' copies to refresh first: the pending renames of those
-- users (their former keys moved before their departures, so no room
-- keeps a member nothing would remove), and `survivors`' (users whose
-- holders changed but who stay). Answers {'OK', endings, copies}.
local function ending_all(users, reason, order, ttl, survivors)
  local endings, copies, leaving = {}, {}, {}
  for _, u in ipairs(users) do
    endings[#endings + 1] = start_ending(u, reason, order, ttl)
    leaving[u] = true
    if redis.call('HEXISTS', P .. 'renaming', u) == 1 then
      copies[#copies + 1] = copies_of(u)
    end
  end
  for _, u in ipairs(survivors) do
    if not leaving[u] then copies[#copies + 1] = copies_of(u) end
  end
  return {'OK', endings, copies}
end

-- The server's last step of u's end by session token's (its rooms left):
-- the name freed, unless the end was finished meanwhile (by a release run
-- again) and the name is someone else's now.
local function finish_ending(u, token)
  if ending_by(u, token) then unname(u) end
end

-- What a join reply is built from (chatroom.core.rooms.membership.welcome), as
-- member u of room r is shown it now: {name, capacity, incarnation, topic,
-- topic_by, topic_at, the members (names, in arrival order), 1 if u is
-- quiet, how many members there are, the owner's name if the owner is a
-- member, the history window, the first and last ids kept, the names of
-- the quiet members (whom the reply hides: the core's to say)}. The
-- window is the newest `shown` events (topic changes and tags-only
-- messages, which only IRC's event playback shows, do not count) or, with
-- `after` (an id), the kept events after it, at most the newest `most`
-- (where chatroom.core.policy.rules.catch_up starts a resume: the core's
-- operands).
-- Room r's row in the room list (chatroom.backends.redis.listing): key,
-- name, members, capacity, topic, creation number, secret '1' or '0'; a
-- gone room's only its key.
local function listed_row(r)
  local info = redis.call('HMGET', room_key(r), 'name', 'capacity', 'topic',
                          'created', 'policy')
  if not info[1] then return {r} end
  local secret = '0'
  if info[5] and string.find(info[5], '"secret":true', 1, true) then secret = '1' end
  return {r, info[1], redis.call('ZCARD', members_key(r)), info[2], info[3] or '',
          info[4], secret}
end

local function view(r, u, shown, after, most)
  local rk = room_key(r)
  local all = redis.call('ZRANGE', members_key(r), 0, -1)
  local members = seated_names(r, all)
  local quiet_names = seated_names(r, redis.call('SMEMBERS', quiet_key(r)))
  local quiet = redis.call('SISMEMBER', quiet_key(r), u)
  local info = redis.call('HMGET', rk, 'name', 'capacity', 'inc', 'topic', 'topic_by',
                          'topic_at', 'owner', 'policy')
  local first, last = kept_ids(r)
  -- The window's newest `shown` events, counted as the core says: of the
  -- kinds PLAYBACK_ONLY does not name (its set, not a rule of this
  -- script's); a redacted message's '' is gone and counts as nothing, as
  -- in the local back-end's Room.newest, the same loop over its memory.
  local start, counted = last + 1, 0
  while start > first and counted < tonumber(shown) do
    start = start - 1
    local event = decoded(redis.call('LINDEX', history_key(r), start - first))
    if event and not PLAYBACK_ONLY[event.type] then counted = counted + 1 end
  end
  if after ~= '' then  -- a resume's window, as the core decided it
    start = math.max(last - tonumber(most) + 1, tonumber(after) + 1)
  end
  local owner = ''
  if info[7] and info[7] ~= '' and is_member(info[7], r) then
    owner = (seated(r, info[7]))
  end
  return {info[1], info[2], info[3], info[4] or '', info[5] or '', info[6] or '0',
          members, quiet, #all, owner, events(r, math.max(start, first), last),
          first, last, quiet_names, redis.call('HLEN', pins_key(r)), info[8] or '',
          redis.call('GET', call_key(r)) or ''}
end

-- The user called u as moderation sees them (chatroom.core.model.facts.Target),
-- from the server's keys alone: {name, account, token, 0} if connected;
-- {name as registered, account, '', 0} if not connected but registered; {}
-- otherwise. Whether they are in a room is that room's to say (FACTS).
local function moderation_target(u)
  local s = session_of(u)
  if s then
    return {s.name, redis.call('HGET', SIGNED, u) or '', s.token, 0}
  end
  local account = redis.call('HGET', ACCOUNTS, u)
  if not account then return {} end
  return {string.sub(account, 1, string.find(account, ' ', 1, true) - 1), u, '', 0}
end

-- The server's step of making room r: listed (unless it is already: a
-- room of that name, or the entry of one whose drop was cut short) and
-- numbered before the room is made. Returns its creation number.
--
-- `maker` is who makes it: 'u token' (a create by session token of u) or a
-- node's id (a resume remaking it), kept in `P making` while r is listed.
-- Between this step and the room's, the listing names a room that has no
-- keys yet, as it does after a drop cut short before its last step; a
-- reader that finds such an entry clears it only once its maker is gone
-- (UNLIST_GONE), never a room still being made.
local function list_room(r, name, maker)
  redis.call('HSETNX', ROOMS, r, name)
  redis.call('HSET', P .. 'making', r, maker)
  numbering(r)
  return redis.call('INCR', P .. 'counter')
end

-- Whether room r's maker (list_room) may still be making it: the session
-- that creates it still holds its user, or the node that remakes it lives.
local function being_made(r)
  local maker = redis.call('HGET', P .. 'making', r)
  if not maker then return false end
  local space = string.find(maker, ' ', 1, true)
  if space then
    return holds(string.sub(maker, 1, space - 1), string.sub(maker, space + 1))
  end
  return redis.call('EXISTS', P .. 'alive:' .. maker) == 1
end

-- The room's step: room r's keys, `created` its creation number; now:
-- when it is made (Unix seconds; '0' for a room remade from a node's
-- memory, whose time is unknown).
local function make_room_keys(r, name, owner, permanent, capacity, inc, now, created)
  redis.call('HSET', room_key(r), 'name', name, 'owner', owner,
             'permanent', permanent, 'capacity', capacity, 'seq', 0,
             'inc', inc, 'ver', 0, 'created', created,
             'topic', '', 'topic_by', '', 'policy', '', 'kept', '0',
             'restricted', '0', 'owner_account', '', 'created_at', now or '0',
             'topic_at', '0')
end

-- The secret of a hook as its room keeps it (the encoded hook), for the
-- hook scripts (chatroom.backends.redis.hooks): an older version kept the
-- secret alone there, and the hook in `P hooks` only.
local function is_hook(kept) return string.sub(kept, 1, 1) == '{' end
local function kept_secret(kept)
  if not is_hook(kept) then return kept end
  local ok, hook = pcall(cjson.decode, kept)
  return ok and type(hook) == 'table' and hook.secret or ''
end

-- A rename's room part, on the room's keys now under `k` (RENAME_ROOM;
-- with rooms apart RENAME_RESTORE): called `name`, its kept events
-- naming it so (the first '"room":' of each is its own: a text's quotes
-- are escaped), its hooks posting to it by that name, its call (while
-- one is on) going on under it. Answers the hooks' secrets, whose index
-- entries (`P hooks`) rename_hook_index follows.
local function rename_in_room(k, name)
  local old_name = redis.call('HGET', room_key(k), 'name')
  redis.call('HSET', room_key(k), 'name', name)
  local call = redis.call('GET', call_key(k))
  if call then
    local kept = cjson.decode(call)
    kept.room = name
    redis.call('SET', call_key(k), cjson.encode(kept))
  end
  local from, to = '"room":' .. cjson.encode(old_name), '"room":' .. cjson.encode(name)
  local hk = history_key(k)
  for i, entry in ipairs(redis.call('LRANGE', hk, 0, -1)) do
    local at = string.find(entry, from, 1, true)
    if at then
      redis.call('LSET', hk, i - 1,
                 string.sub(entry, 1, at - 1) .. to .. string.sub(entry, at + #from))
    end
  end
  local secrets = {}
  local hooks = redis.call('HGETALL', hooks_key(k))
  for i = 1, #hooks, 2 do
    local kept = hooks[i + 1]
    if is_hook(kept) then
      local hook = cjson.decode(kept)
      hook.room = name
      redis.call('HSET', hooks_key(k), hooks[i], cjson.encode(hook))
    end
    table.insert(secrets, kept_secret(kept))
  end
  return secrets
end

-- The index of hooks (`P hooks`, the server's) follows a rename: the
-- hooks of these secrets post to their room by its new name.
local function rename_hook_index(secrets, name)
  for _, secret in ipairs(secrets) do
    local data = redis.call('HGET', P .. 'hooks', secret)
    if data then
      local hook = cjson.decode(data)
      hook.room = name
      redis.call('HSET', P .. 'hooks', secret, cjson.encode(hook))
    end
  end
end

-- The room key of a door's sent position, a setting `sent <door> <room>`
-- (chatroom.core.accounts.door_settings), and what comes before it; nil for a
-- setting of another kind.
local function sent_room(field)
  if string.sub(field, 1, 5) ~= 'sent ' then return nil end
  local space = string.find(field, ' ', 6, true)
  if not space then return nil end
  return string.sub(field, space + 1), string.sub(field, 1, space)
end

-- An account's settings hash: every door's sent position in room r moved
-- to `new` (nil: dropped, the room deleted), a position in a room called
-- `new` before (deleted since) dropped first.
local function move_sent(settings, r, new)
  local moving = {}
  for _, field in ipairs(redis.call('HKEYS', settings)) do
    local room, door = sent_room(field)
    if room == r or (new and room == new) then
      if room == r and new then
        moving[#moving + 1] = {door .. new, redis.call('HGET', settings, field)}
      end
      redis.call('HDEL', settings, field)
    end
  end
  for _, move in ipairs(moving) do
    redis.call('HSET', settings, move[1], move[2])
  end
end

-- Room r deleted (the server's slot): every account's door positions in it go.
local function forget_sent(r)
  for _, a in ipairs(redis.call('HKEYS', ACCOUNTS)) do
    move_sent(P .. 'settings:' .. a, r, nil)
  end
end

-- A rename's server part (the server's slot): room r, now `new` called
-- `name` with these members, in the indexes (`P rooms`, `P keeping`, each
-- member's field of `P in`), its former names (the old one leading to it until
-- `until_`, if that is past `now`) and what accounts keep by its key
-- (read markers, notification levels, follows of its threads, rooms they
-- are put back in: one pass over `P accounts`).
local function rename_indexes(r, new, name, members, until_, now)
  if new == r then
    redis.call('HSET', ROOMS, r, name)
    return
  end
  -- Its former names lead here now (those past their grace, or leading to
  -- a room gone, are dropped); the new name is a former name no more.
  for _, former in ipairs(redis.call('HKEYS', FORMER)) do
    local leads = former_name(former, now)
    if not leads then
      redis.call('HDEL', FORMER, former)
    elseif leads[2] == r then
      redis.call('HSET', FORMER, former, leads[1] .. ' ' .. new .. ' ' .. name)
    end
  end
  redis.call('HDEL', FORMER, new)
  if until_ > now then
    redis.call('HSET', FORMER, r, until_ .. ' ' .. new .. ' ' .. name)
  end
  redis.call('HDEL', ROOMS, r)
  redis.call('HSET', ROOMS, new, name)
  local keeping = redis.call('ZSCORE', P .. 'keeping', r)
  if keeping then
    redis.call('ZREM', P .. 'keeping', r)
    redis.call('ZADD', P .. 'keeping', keeping, new)
  end
  for _, m in ipairs(members) do
    places_remove(m, r)
    places_add(m, new)
  end
  local notify, follow = 'notify ' .. r, 'follow ' .. r .. ' '
  for _, a in ipairs(redis.call('HKEYS', ACCOUNTS)) do
    move_sent(P .. 'settings:' .. a, r, new)
    local markers, settings = P .. 'markers:' .. a, P .. 'settings:' .. a
    local marker = redis.call('HGET', markers, r)
    redis.call('HDEL', markers, new)
    if marker then
      redis.call('HDEL', markers, r)
      redis.call('HSET', markers, new, marker)
    end
    for _, field in ipairs(redis.call('HKEYS', settings)) do
      local moved
      if field == notify then
        moved = 'notify ' .. new
      elseif string.sub(field, 1, #follow) == follow then
        moved = 'follow ' .. new .. ' ' .. string.sub(field, #follow + 1)
      end
      if moved then
        redis.call('HSET', settings, moved, redis.call('HGET', settings, field))
        redis.call('HDEL', settings, field)
      end
    end
    local remembered = P .. 'account-rooms:' .. a
    local order = P .. 'account-rooms-order:' .. a
    local entered = redis.call('ZSCORE', order, r)
    if entered then
      redis.call('ZREM', order, r)
      redis.call('HDEL', remembered, r)
      redis.call('ZADD', order, entered, new)
      redis.call('HSET', remembered, new, name)
    end
  end
end

-- The kinds of a room's keys a rename moves (its ids stay: a room made
-- again under the old key goes on from there).
local ROOM_KINDS = {'room', 'members', 'history', 'log', 'reactions', 'modlog',
                    'quiet', 'hooks', 'holding', 'seats', 'pins', 'commands',
                    'call'}
