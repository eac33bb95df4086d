"""Each engine's workers under a Python of the user's choice: remembered, checked in the background, used to launch.

The other interpreter here is a launcher script around this Python that puts the in-repo Isaac Gym fake
(tests/engines/fake_isaacgym, MuJoCo underneath) on its path, as Isaac Gym's own Python 3.8 environment would have
the real one: the app must find the engine usable there and not in its own Python."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from amp_studio.engine_availability import PROJECT_ROOT, interpreter_availability, worker_environment

FAKE = Path(__file__).resolve().parents[1] / "engines" / "fake_isaacgym"
WORKER_TIMEOUT = 180000


def launcher(tmp_path: Path, with_isaacgym: bool) -> str:
    path = tmp_path / ("python_gym" if with_isaacgym else "python_plain")
    extra = f"PYTHONPATH={FAKE}${{PYTHONPATH:+:$PYTHONPATH}} " if with_isaacgym else ""
    path.write_text(f'#!/bin/sh\n{extra}exec "{sys.executable}" "$@"\n')
    path.chmod(0o755)
    return str(path)


def engine_item(window, name: str):
    combo = window.training_panel.engine
    return combo.model().item(combo.findData(name))


def test_a_worker_python_is_checked_remembered_and_used(qtbot, window, tmp_path):
    wp = window.worker_pythons
    item = engine_item(window, "isaac_gym")
    assert not item.isEnabled()  # not in the app's own Python

    # a Python without isaacgym: still unavailable, and the reason names the interpreter and the import
    plain = launcher(tmp_path, with_isaacgym=False)
    dialog = window.show_worker_pythons()
    dialog.fields["isaac_gym"].setText(plain)
    dialog.apply()
    qtbot.waitUntil(lambda: not wp.checking(), timeout=60000)
    assert not item.isEnabled()
    assert plain in item.toolTip() and "cannot import isaacgym" in item.toolTip()
    assert "cannot import isaacgym" in dialog.status["isaac_gym"].text()

    # one with it: the engine becomes usable, through that interpreter
    gym = launcher(tmp_path, with_isaacgym=True)
    dialog.fields["isaac_gym"].setText(gym)
    dialog.apply()
    qtbot.waitUntil(lambda: not wp.checking(), timeout=60000)
    assert item.isEnabled() and item.text() == "isaac_gym"
    assert f"available through {gym} (Python {sys.version_info.major}.{sys.version_info.minor}" in item.toolTip()
    dialog.close()

    # remembered for the next session
    from amp_studio.gui.window_settings import app_settings
    from amp_studio.gui.worker_pythons import WorkerPythons

    again = WorkerPythons(app_settings())  # as the next session's window makes it: it checks again at once
    assert again.python("isaac_gym") == gym and again.checking()
    again.stop()

    # a run on that engine starts its worker there, and the command line says so
    tp = window.training_panel
    tp.engine.setCurrentIndex(tp.engine.findData("isaac_gym"))
    assert tp.command_line().split()[-2:] == ["--worker_python", gym]
    tp.num_envs.setValue(4)
    tp.max_samples.setValue(0)
    tp.out_dir.setText(str(tmp_path / "runs"))
    tp.start_button.click()
    worker, record = window.workers[-1], window.runs_panel.runs[-1]
    assert worker.python == gym and "--worker_python" not in worker.args
    qtbot.waitUntil(lambda: record.metrics.size >= 1 or record.status == "failed", timeout=WORKER_TIMEOUT)
    assert record.status == "running", list(record.output)
    assert "isaac_gym" in (record.run_dir / "engine_config.yaml").read_text()
    worker.stop()  # it ends its iteration and writes its checkpoint first
    qtbot.waitUntil(lambda: record.status == "finished", timeout=WORKER_TIMEOUT)

    # cleared: back to the app's Python, where the engine is unavailable again
    wp.set_python("isaac_gym", "")
    assert wp.python("isaac_gym") is None and not item.isEnabled()
    assert tp.engine.currentData() == "mujoco"  # an engine that became unavailable is not left selected


def test_a_missing_interpreter_is_said_at_once(qtbot, window, tmp_path):
    window.worker_pythons.set_python("mujoco", str(tmp_path / "no_such_python"))
    item = engine_item(window, "mujoco")
    assert not item.isEnabled() and "is not an executable file" in item.toolTip()


def test_the_check_without_qt():
    assert interpreter_availability("mujoco", sys.executable) == (None, pytest.approx(
        interpreter_availability("mujoco", sys.executable)[1]))
    reason, found = interpreter_availability("isaac_gym", sys.executable)
    assert "cannot import isaacgym" in reason and found["python"].startswith(f"{sys.version_info.major}.")
    assert worker_environment(None) == {} and worker_environment(sys.executable) == {}
    assert worker_environment("/opt/isaacgym/python3.8")["PYTHONPATH"].split(":")[0] == str(PROJECT_ROOT)
