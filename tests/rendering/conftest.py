"""A scene of the default character, one per test module (MUJOCO_GL is chosen in tests/conftest.py)."""

from __future__ import annotations

import pytest

from amp_studio import DEFAULT_CHARACTER
from amp_studio.rendering.scene import Scene


@pytest.fixture(scope="module")
def scene():
    s = Scene(str(DEFAULT_CHARACTER))
    yield s
    s.close()
