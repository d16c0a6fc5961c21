"""Many server processes, one chat: names and rooms shared through Redis."""
