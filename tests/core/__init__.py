"""Tests of the core's rules and services (``chatroom.core``)."""
