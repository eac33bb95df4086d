"""Where the project's files are: the bundled data, and the shared motion folder beside a source checkout.

The repository's top-level `data/` folder (characters, configs, bundled clips, models) is installed as the package
`amp_studio.data` (pyproject.toml maps it, as it maps `resources/`). It is found through the import system first,
so a wheel, an editable install and a checkout all answer the same way; a checkout that is only on PYTHONPATH (a
worker under Isaac Gym's own Python) has no such package, and then the folder beside the package is the data.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir() -> Path:
    try:
        spec = importlib.util.find_spec("amp_studio.data")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]).resolve()
    return _PACKAGE_DIR.parent / "data"


DATA_DIR = _data_dir()
"""Configs, characters, bundled clips and shipped models."""
PROJECT_DIR = DATA_DIR.parent
"""What configs' relative paths (`data/motions/walk_keyframed.pkl`, `../shared/...`) start from when they are not
found from the working directory: the checkout's root, or the installed package."""
DEFAULT_CHARACTER = DATA_DIR / "assets" / "humanoid" / "humanoid.xml"
SHARED_DIR = _PACKAGE_DIR.parent.parent / "shared"
"""Mocap clips and characters kept beside a checkout and read in place (never copied into the project)."""
DEEPMIMIC_DIR = SHARED_DIR / "motions" / "deepmimic"
