"""The isaac_gym adapter type-checks against the Isaac Gym stubs in typings/ (Isaac Gym itself cannot be installed)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_adapter_passes_mypy_with_the_stubs():
    pytest.importorskip("mypy", reason="mypy is in the dev extras: pip install -e '.[dev]'")
    # A cache outside the checkout keeps the tree clean and makes runs after the first take about a second.
    cache = Path(tempfile.gettempdir()) / "amp_studio_mypy_cache"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), "amp_studio/engines/isaac_gym_engine.py"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"mypy failed:\n{result.stdout}{result.stderr}"
    assert "Success" in result.stdout
