
local r, u = ARGV[2], ARGV[3]
local refusal = not_decided(u, ARGV[4], r, ARGV[7], ARGV[8])
if refusal then return refusal end
redis.call('HSET', room_key(r), 'topic', ARGV[5], 'topic_by', ARGV[6],
           'topic_at', ARGV[9])
local data = numbered(ARGV[10], next_id(r))
emit(r, data)
local hk = history_key(r)
redis.call('RPUSH', hk, data)
redis.call('LTRIM', hk, -tonumber(ARGV[11]), -1)
lobby_news(r, redis.call('HGET', room_key(r), 'name'))
return 'OK'
