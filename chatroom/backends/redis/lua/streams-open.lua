-- How many event streams bot args.bot has open on the live nodes.
return streams_open(args.bot)
