
return {seating(args.room, args.about)}
