from __future__ import annotations

import threading

import pytest

from amp_studio.learning.background_update import BackgroundUpdate


def test_a_step_hands_over_its_metrics_once():
    update = BackgroundUpdate()
    assert not update.running and update.take() == {}
    go = threading.Event()
    update.start(lambda: go.wait(10) and {"loss": 1.0})
    assert update.running
    go.set()
    update.join()
    assert not update.running
    assert update.take() == {"loss": 1.0}
    assert update.take() == {}


def test_a_failed_step_raises_on_the_callers_thread_once():
    update = BackgroundUpdate()

    def broken() -> dict[str, float]:
        raise ValueError("demo clip unreadable")

    update.start(broken)
    with pytest.raises(ValueError, match="demo clip unreadable"):
        update.join()
    assert update.take() == {}
