"""The desktop app (PySide6, pyqtgraph, MuJoCo's renderer). The only package that imports Qt.

MuJoCo renders offscreen through EGL unless MUJOCO_GL says otherwise (osmesa also works): it needs no
window-system GL, so the same viewport runs under a desktop, Xvfb or Qt's offscreen platform.
"""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
