"""The registration ``chatroom-admin matrix registration`` prints, loaded by
a real Synapse (:mod:`tests.matrix`): the homeserver knows the bridge's
user, ``@chatroom:localhost``, by its ``as_token``."""

from __future__ import annotations

from pathlib import Path

import yaml
from twisted.trial import unittest

from chatroom.wiring.matrix import registration_text
from tests.matrix import Synapse


class SynapseLoadsTheRegistrationTests(unittest.TestCase):
    timeout = 180

    def test_whoami(self) -> None:
        """whoami with the printed as_token is @chatroom:localhost; with the
        hs_token (the homeserver's own) it is refused."""
        folder = Path(self.mktemp()).resolve()
        folder.mkdir(parents=True)
        path = folder / "chatroom-registration.yaml"
        path.write_text(registration_text("http://127.0.0.1:9"))
        tokens = yaml.safe_load(path.read_text())
        synapse = Synapse(folder, [str(path)])
        self.addCleanup(synapse.stop)
        status, answer = synapse.request(
            "GET", "/_matrix/client/v3/account/whoami", token=tokens["as_token"]
        )
        self.assertEqual((status, answer["user_id"]), (200, "@chatroom:localhost"))
        status, _ = synapse.request(
            "GET", "/_matrix/client/v3/account/whoami", token=tokens["hs_token"]
        )
        self.assertEqual(status, 401)
