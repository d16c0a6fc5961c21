
return moderation_target(ARGV[2])
