-- A full read of the room list (chatroom.backends.redis.listing): the
-- number of the listing's last change, then the keys of the rooms in the
-- server's index. Where rooms share the server's slot, the index of
-- changes forgets the gone rooms changed more than `kept` changes ago,
-- and its 'floor' says a node that read before them must read all again.
local listed = P .. 'listed'
local version = tonumber(redis.call('HGET', listed, 'version') or '0')
local old = redis.call('ZRANGEBYSCORE', P .. 'listed-changes', '-inf',
                       version - tonumber(args.kept), 'WITHSCORES')
for i = 1, #old, 2 do
  if redis.call('HEXISTS', ROOMS, old[i]) == 0 then
    redis.call('ZREM', P .. 'listed-changes', old[i])
    redis.call('ZREM', P .. 'listed-rows', old[i])
    redis.call('HDEL', P .. 'listed-counts', old[i])
    redis.call('HSET', listed, 'floor', old[i + 1])
  end
end
local reply = redis.call('HKEYS', ROOMS)
table.insert(reply, 1, version)
return reply
