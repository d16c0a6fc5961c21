"""The doors: the line protocol, IRC and the web, over one shared core."""
