
return moderation_target(args.user)
