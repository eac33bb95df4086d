"""The app's resources (icons, style sheet, desktop entry), and its launcher installed for the current user.

The resources live in the repository's top-level resources/ folder, installed as the package
`amp_studio.resources`: found the same way from a source checkout (editable install) and from a wheel.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

APP_ID = "amp-studio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resource_path(*parts: str) -> Path:
    """A file of the app's resources, e.g. resource_path("icons", "amp-studio.svg")."""
    return Path(str(resources.files("amp_studio.resources").joinpath(*parts)))


def desktop_entry_text(python: str | None = None) -> str:
    """The freedesktop entry, starting the GUI with this interpreter (a virtualenv need not be on PATH)."""
    python = python or sys.executable
    text = resource_path(f"{APP_ID}.desktop").read_text(encoding="utf-8")
    return text.replace(f"Exec={APP_ID}\n", f'Exec="{python}" -m amp_studio.cli gui\n')


def install_desktop_entry(data_home: str | Path | None = None, python: str | None = None) -> list[Path]:
    """Write the desktop entry and the icon (every size, and the SVG) under data_home (default: $XDG_DATA_HOME,
    else ~/.local/share), where launchers and taskbars look for them; returns the files written."""
    home = Path(data_home or os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    written = []
    entry = home / "applications" / f"{APP_ID}.desktop"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry_text(python), encoding="utf-8")
    written.append(entry)
    icons = home / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(resource_path("icons", f"{APP_ID}-{size}.png").read_bytes())
        written.append(target)
    svg = icons / "scalable" / "apps" / f"{APP_ID}.svg"
    svg.parent.mkdir(parents=True, exist_ok=True)
    svg.write_bytes(resource_path("icons", f"{APP_ID}.svg").read_bytes())
    written.append(svg)
    return written
