"""Screen captures of the tmux tests go under pytest's temporary folder."""

from __future__ import annotations

import pytest

from tests.client.tmux import TerminalCase


@pytest.fixture(autouse=True)
def screen_artefacts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A folder of its own for each tmux test's saved screens."""
    if isinstance(request.instance, TerminalCase):
        request.instance.artefacts = tmp_path_factory.mktemp(request.node.name)
