"""The contracts every back-end keeps: one body of tests each, run against
the in-process registry (``tests/backends/local``) and against Redis
(``tests/backends/redis``), so what users see does not depend on where it
is kept.
"""
