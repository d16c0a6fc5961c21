
-- Sender `args.sender`'s transaction key `args.key` kept alone (key_kept),
-- with no event's id: its line (`args.line`, a private message between
-- plain names, told and kept nowhere) stored nothing, and a repeat is
-- answered from this record (key-record.lua) rather than told again.
key_kept(nil, args.sender, args.key, args.line, '', args.target)
return 'OK'
