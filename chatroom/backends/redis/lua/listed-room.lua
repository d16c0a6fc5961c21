
return listed_row(args.room)
