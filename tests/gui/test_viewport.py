"""The viewport's render thread: its GL context is made before the viewport is handed back (the GUI thread does
nothing meanwhile), and a window being resized gets frames of each new size from that same context."""

from __future__ import annotations

from amp_studio import DEFAULT_CHARACTER
from amp_studio.gui.viewport import Viewport
from tests.gui.conftest import wait_for_frame


def test_the_gl_context_is_ready_when_the_viewport_is_and_outlives_resizes(qtbot):
    vp = Viewport(str(DEFAULT_CHARACTER))
    qtbot.addWidget(vp)
    try:
        assert vp._thread.opened.is_set()
        renderer = vp.scene.open_renderer()
        vp.show()
        for width, height in [(400, 300), (640, 480), (517, 389)]:
            vp.resize(width, height)
            vp.scene.zoom(0.5)  # a new scene version, so the frame waited for is one of this size
            vp.refresh()
            wait_for_frame(qtbot, vp)
            ratio = vp.devicePixelRatioF()
            assert (vp.image.width(), vp.image.height()) == (int(width * ratio), int(height * ratio))
        assert vp.scene.open_renderer() is renderer
    finally:
        vp.close_renderer()
