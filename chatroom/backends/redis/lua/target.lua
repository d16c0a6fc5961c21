
return target(ARGV[2])
