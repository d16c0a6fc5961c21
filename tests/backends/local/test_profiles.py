"""Profiles with the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.profiles import ProfilesContract, profiles_config
from tests.support import local_server


class LocalProfilesTests(ProfilesContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(profiles_config(), self.clock)
