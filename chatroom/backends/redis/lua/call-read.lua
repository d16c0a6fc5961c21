
-- Room `room`'s call as kept (chatroom.backends.redis.room_calls), or
-- false when none is on.
return redis.call('GET', call_key(args.room))
