"""Shared fixtures: the default character, and the DeepMimic clips when present."""

from __future__ import annotations

import os
from pathlib import Path

# `import mujoco` fixes its GL backend for the whole process (glfw when MUJOCO_GL is unset, which needs a
# display). The GUI tests render offscreen through EGL, so choose it before any test module imports mujoco.
os.environ.setdefault("MUJOCO_GL", "egl")

import pytest

from amp_studio.paths import DEEPMIMIC_DIR


@pytest.fixture(scope="session")
def character():
    from amp_studio.character import CharacterModel

    return CharacterModel()


@pytest.fixture
def lopsided_character(tmp_path, character):
    """The humanoid with its left upper arm moved 17 mm outward: its halves no longer mirror each other."""
    from amp_studio.character import CharacterModel

    text = character.path.read_text().replace('name="left_upper_arm" pos="-0.02405 0.18311 0.2435"',
                                              'name="left_upper_arm" pos="-0.02405 0.2 0.2435"')
    path = tmp_path / "lopsided.xml"
    path.write_text(text)
    return CharacterModel(path)


@pytest.fixture(scope="session")
def deepmimic_dir() -> Path:
    if not DEEPMIMIC_DIR.is_dir():
        reason = f"DeepMimic clips not found at {DEEPMIMIC_DIR} (the shared/ folder beside this checkout)"
        if os.environ.get("CI") == "true":  # CI has the clips: their absence there is a broken setup, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    return DEEPMIMIC_DIR


def pytest_collection_modifyitems(config, items):
    """Every test that reads the shared clips carries the `deepmimic` marker (`-m "not deepmimic"` deselects them
    all), whether or not its author wrote it."""
    for item in items:
        if "deepmimic_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.deepmimic)
