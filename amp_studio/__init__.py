"""AMP Studio: author physics-based character controllers with Adversarial Motion Priors."""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

# The repo's data folder (configs, the default character, bundled clips).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CHARACTER = DATA_DIR / "assets" / "humanoid" / "humanoid.xml"
