"""GUI tests run on Qt's offscreen platform (no display needed); MuJoCo renders through EGL regardless."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MUJOCO_GL", "egl")

import pytest  # noqa: E402

from amp_studio import DATA_DIR  # noqa: E402

WALK = DATA_DIR / "motions" / "walk_keyframed.pkl"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Each test gets its own layout file, so tests never see a developer's (or each other's) layout."""
    monkeypatch.setenv("AMP_STUDIO_SETTINGS", str(tmp_path / "settings.ini"))


@pytest.fixture
def window(qtbot):
    from amp_studio.gui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


def wait_for_frame(qtbot, viewport, timeout: int = 20000) -> None:
    """Until the viewport shows the scene as it is now (pose and camera)."""
    qtbot.waitUntil(lambda: viewport.up_to_date and viewport.image is not None, timeout=timeout)
