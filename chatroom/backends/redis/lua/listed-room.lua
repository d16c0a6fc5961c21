
return listed_row(ARGV[2])
