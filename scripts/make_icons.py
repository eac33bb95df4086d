"""Render the app icon (resources/icons/amp-studio.svg) to the PNG sizes desktops and taskbars ask for.

    python scripts/make_icons.py

Writes resources/icons/amp-studio-{16,24,32,48,64,128,256}.png; run it after editing the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - painting needs the application object
    renderer = QSvgRenderer(str(ICONS / "amp-studio.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = ICONS / f"amp-studio-{size}.png"
        image.save(str(out))
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
