"""AMP Studio: author physics-based character controllers with Adversarial Motion Priors."""

from __future__ import annotations

from amp_studio.paths import DATA_DIR, DEFAULT_CHARACTER

__version__ = "0.1.0"

__all__ = ["DATA_DIR", "DEFAULT_CHARACTER", "__version__"]
