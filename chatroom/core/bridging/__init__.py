"""The Matrix bridge: a built-in application service (docs/operations.md,
"Matrix bridge"). Its ledger (:mod:`.store`) is kept by each back-end; its
rules (:mod:`.appservice`) are the core's; the homeserver is reached through
an edge the wiring hands it (:class:`.appservice.Homeserver`)."""
