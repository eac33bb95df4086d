"""Shared fixtures: the default character, and the DeepMimic clips when present."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEEPMIMIC_DIR = REPO.parent / "shared" / "motions" / "deepmimic"


@pytest.fixture(scope="session")
def character():
    from amp_studio.character import CharacterModel

    return CharacterModel()


@pytest.fixture(scope="session")
def deepmimic_dir() -> Path:
    if not DEEPMIMIC_DIR.is_dir():
        pytest.skip(f"DeepMimic clips not found at {DEEPMIMIC_DIR} (the shared/ folder beside this checkout)")
    return DEEPMIMIC_DIR
