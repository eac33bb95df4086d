"""Drawing the character without Qt: the MuJoCo scene the viewport shows, clip poses, and video files.

MuJoCo renders offscreen through EGL unless MUJOCO_GL says otherwise (osmesa also works), so the same code draws
in the GUI, on a headless machine and under Xvfb.
"""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
