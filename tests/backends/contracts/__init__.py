"""The contracts every back-end keeps: one body of tests, run against the in-process registry (``tests/backends/local``) and against Redis (``tests/backends/redis``)."""
