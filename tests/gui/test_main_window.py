"""The window itself: docks, menus, layout kept between sessions, the command line it offers, screenshots."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from amp_studio.runs.run_arguments import build_run_parser
from tests.gui.conftest import WALK

REPO = Path(__file__).resolve().parents[2]


def test_docks_menus_and_shortcuts(window):
    assert set(window.docks) == {"Motion library", "Training", "Runs", "Plots", "Log"}
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert set(menus) == {"File", "Training", "View", "Help"}
    shortcuts = {a.text(): a.shortcut().toString() for m in menus.values() for a in m.actions() if a.text()}
    assert shortcuts["Add clips…"] == "Ctrl+O"
    assert shortcuts["Start run"] == "Ctrl+Return"
    assert shortcuts["Play / pause clip"] == "Space"
    assert window.statusBar().currentMessage() == "Ready"


def test_layout_is_restored_in_the_next_session(qtbot):
    from amp_studio.gui.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.docks["Log"].hide()
    first.resize(1111, 777)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.docks["Log"].isHidden()
    assert not second.docks["Plots"].isHidden()
    # The offscreen platform reports window frames a few pixels differently from a real one, and its screen is
    # small: a restored size is clipped to the screen, then grown to the window's minimum.
    screen = second.screen().availableGeometry()
    expected = [max(min(saved, room), least) for saved, room, least in
                ((1111, screen.width(), second.minimumSizeHint().width()),
                 (777, screen.height(), second.minimumSizeHint().height()))]
    assert abs(second.width() - expected[0]) < 16 and abs(second.height() - expected[1]) < 16
    second.reset_layout()
    assert not second.docks["Log"].isHidden()
    second.close()


def test_copy_command_line_gives_the_equivalent_cli_command(window, tmp_path):
    tp = window.training_panel
    tp.env.setCurrentText("location")
    tp.num_envs.setValue(64)
    tp.seed.setValue(7)
    tp.max_samples.setValue(5_000_000)
    tp.out_dir.setText(str(tmp_path))
    tp.disc_weight.spin.setValue(0.7)
    text = tp.copy_command_line()
    assert QGuiApplication.clipboard().text() == text
    argv = shlex.split(text)
    assert argv[:4] == ["python", "main.py", "--mode", "train"]
    args = build_run_parser().parse_args(argv[2:])
    assert args.env_config.endswith("amp_location_humanoid_env.yaml")
    assert args.agent_config.endswith("amp_task_humanoid_agent.yaml")
    assert (args.num_envs, args.seed, args.max_samples) == (64, 7, 5_000_000)
    assert args.disc_reward_weight == 0.7 and args.task_reward_weight == 0.8  # the task profile's


def test_unavailable_engines_are_shown_disabled_with_the_reason(window):
    combo = window.training_panel.engine
    items = {combo.model().item(i).text(): combo.model().item(i) for i in range(combo.count())}
    assert items["mujoco"].isEnabled()
    gym = items.get("isaac_gym (unavailable)")
    assert gym is not None and not gym.isEnabled()
    assert "isaacgym" in gym.toolTip() and "NVIDIA GPU" in gym.toolTip()


def test_opening_a_folder_that_is_not_a_run_is_reported(window, tmp_path):
    assert window.open_run(tmp_path) == -1
    assert "not a run directory" in window.log_panel.toPlainText()
    assert window.runs_panel.table.rowCount() == 0


def test_screenshot_command_writes_a_png_of_the_window(tmp_path):
    out = tmp_path / "shot.png"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY",)}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["AMP_STUDIO_SETTINGS"] = str(tmp_path / "settings.ini")
    done = subprocess.run([sys.executable, "main.py", "--screenshot", str(out), "--motion", str(WALK),
                           "--size", "1000x700"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 700  # docks' minimum sizes may widen the window
    colors = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 41)}
    assert len(colors) > 20  # widgets and a rendered scene, not a blank window


def test_screenshot_of_the_plots_alone_for_a_figure(tmp_path):
    """`--panel plots` renders just the curves of the runs opened, at the size asked for."""
    from amp_studio.runs.training import make_training

    runs = []
    for seed in (0, 1):
        run = tmp_path / f"run{seed}"
        runner = make_training("data/envs/amp_humanoid_env.yaml", "data/engines/mujoco_engine.yaml",
                               "data/agents/amp_humanoid_agent.yaml", 4, seed=seed, out_dir=run, logger="txt",
                               log=lambda line: None)
        runner.train(max_iterations=3)
        runner.env.close()
        runs += ["--run", str(run)]
    out = tmp_path / "plots.png"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY",)}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["AMP_STUDIO_SETTINGS"] = str(tmp_path / "settings.ini")
    done = subprocess.run([sys.executable, "main.py", "--screenshot", str(out), "--panel", "plots", *runs,
                           "--size", "900x500"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 500)
    colors = {image.pixel(x, y) for x in range(0, image.width(), 13) for y in range(0, image.height(), 11)}
    assert len(colors) > 5  # axes, labels and curves, not a blank panel


def test_the_window_renders_on_a_real_x_display(tmp_path):
    """Under Xvfb Qt uses its xcb platform, as on a desktop (the other tests use the offscreen platform)."""
    import os
    import shutil

    import pytest

    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (scripts/setup.sh installs it)")
    out = tmp_path / "x.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env["AMP_STUDIO_SETTINGS"] = str(tmp_path / "settings.ini")
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "main.py",
                           "--screenshot", str(out), "--motion", str(WALK)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    from PySide6.QtGui import QImage

    assert QImage(str(out)).width() >= 1000


def test_the_window_opens_without_torch_or_the_trainer(tmp_path):
    """docs/design.md section 1: the GUI process needs neither torch nor the trainer (workers run them)."""
    import os

    code = ("import sys, amp_studio.gui\n"
            "from PySide6.QtWidgets import QApplication\n"
            "from amp_studio.gui.main_window import MainWindow\n"
            "app = QApplication([]); w = MainWindow(); w.show(); app.processEvents()\n"
            "trainer = ('amp_studio.learning', 'amp_studio.runs')\n"
            "bad = [m for m in sys.modules if m == 'torch' or m.startswith(trainer)]\n"
            "from amp_studio.gui.app import dispose\n"
            "w.shutdown(); dispose(w); print(bad)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "AMP_STUDIO_SETTINGS": str(tmp_path / "s.ini")}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_use_library_trains_on_its_clips_mirrors_included(qtbot, window, tmp_path):
    import yaml

    from amp_studio import DATA_DIR
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_dataset

    tp = window.training_panel
    tp.out_dir.setText(str(tmp_path / "runs"))
    assert window.use_library_for_training() is None and not tp.motion_file.text()  # an empty library
    walk = DATA_DIR / "motions" / "walk_keyframed.pkl"
    dataset = tmp_path / "mix.yaml"
    dataset.write_text(yaml.safe_dump({"motions": [{"file": str(walk), "weight": 2.0, "mirror": True}]}))
    window.motion_panel.add_path(dataset)
    qtbot.waitUntil(lambda: len(window.motion_panel.entries) == 2, timeout=60000)
    assert [e.name for e in window.motion_panel.entries] == ["walk_keyframed.pkl", "walk_keyframed.pkl (mirror)"]
    tp.use_library.click()
    path = tp.motion_file.text()
    assert path.startswith(str(tmp_path / "runs" / "datasets"))
    clips = load_dataset(path, 28, CharacterModel())
    assert [(c.mirrored, w) for c, w in clips] == [(False, 2.0), (True, 2.0)]
    args = build_run_parser().parse_args(shlex.split(tp.command_line())[2:])
    assert args.motion_file == path


def test_fps_reads_idle_when_nothing_is_drawn(window):
    window._update_fps()
    window._update_fps()  # a second with no frame
    assert window.fps_label.text() == "idle"
    for _ in range(5):
        window._count_frame()
    window._update_fps()
    assert window.fps_label.text().endswith(" fps") and window.fps_label.text() != "0 fps"


def _long_rows(window) -> None:
    """A run and a clip with the longest content they show: a time-stamped name, tens of millions of samples,
    an ETA, QA flags and three contact bodies."""
    import numpy as np

    from amp_studio.gui.motion_panel import ClipEntry
    from amp_studio.gui.run_model import RunRecord

    record = RunRecord(name="location_locomotion_20261129-040713_2", status="stopping", max_samples=36_000_000)
    record.metrics.append({"iteration": 3652, "samples": 29_917_184, "samples_per_s": 17_301.4, "wall_time": 4834.0})
    window.supervisor.add(record)
    entry = ClipEntry(Path("/home/someone/mocap/sfu/0005_SideSkip001_poses_retargeted_to_humanoid.txt"),
                      np.zeros((1234, 34)), 120.0, "clamp", 12.5,
                      {"contact_bodies": ["right_foot", "left_foot", "right_hand"]},
                      ["joint limits exceeded by up to 0.35 rad", "2.1 cm below the ground"],
                      ["joint limits", "in ground"], mirrored=True)
    window.motion_panel.entries.append(entry)
    window.motion_panel._append_row(entry)


@pytest.mark.parametrize("size", [(1366, 768), (1600, 1000)])
def test_every_table_column_is_readable_without_horizontal_scrolling(qtbot, window, size):
    window.resize(*size)
    _long_rows(window)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=5000)
    qtbot.wait(100)  # docks settle
    for table in (window.runs_panel.table, window.motion_panel.table):
        header = table.horizontalHeader()
        widths = [table.columnWidth(c) for c in range(table.columnCount())]
        for col in range(1, table.columnCount()):  # the name column elides in the middle instead
            content = max(table.sizeHintForColumn(col), header.sectionSizeHint(col))
            if table.cellWidget(0, col) is None:
                assert widths[col] >= content, (table.horizontalHeaderItem(col).text(), widths[col], content)
        assert widths[0] >= 60, widths  # the name still shows its start and end
        assert sum(widths) <= table.viewport().width() + 1, (sum(widths), table.viewport().width(), widths)
    name = window.runs_panel.table.item(0, 0)
    assert "20261129-040713_2" in name.toolTip()


def test_window_icon_menu_icons_and_help(window):
    assert not window.windowIcon().isNull()
    assert {32, 256} <= {size.width() for size in window.windowIcon().availableSizes()}
    actions = {a.text(): a for m in window.menuBar().findChildren(type(window.menuBar().actions()[0].menu()))
               for a in m.actions()}
    for name in ("Add clips…", "Open run…", "Open model…", "Start run", "Stop", "Export video…"):
        assert not actions[name].icon().isNull(), name
    table = window.shortcut_table()
    assert ("File", "Open model…", "Ctrl+Alt+O") in table and ("Training", "Start run", "Ctrl+Return") in table
    shortcuts = window.show_shortcuts()
    assert "Ctrl+Alt+O" in shortcuts.text()
    shortcuts.close()
    about = window.show_about()
    text = about.text()
    assert "AMP Studio 0.1.0" in text and "mujoco: available" in text and "isaac_gym: " in text
    assert "Settings file: " in text and "settings.ini" in text and "http" not in text
    about.close()


def test_install_desktop_writes_the_entry_and_icons(tmp_path):
    from amp_studio.cli import main

    assert main(["install-desktop", "--data_home", str(tmp_path)]) == 0
    entry = (tmp_path / "applications" / "amp-studio.desktop").read_text()
    assert f'Exec="{sys.executable}" -m amp_studio.cli gui' in entry and "Icon=amp-studio" in entry
    for size in (16, 48, 256):
        png = tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "amp-studio.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "amp-studio.svg").is_file()
    # The desktop's own checker agrees, where it is installed.
    import shutil

    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(tmp_path / "applications" / "amp-studio.desktop")],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_runs_started_in_the_same_second_get_their_own_folders(window, tmp_path, monkeypatch):
    from amp_studio.gui import worker_process

    monkeypatch.setattr(worker_process.WorkerProcess, "start", lambda self: None)  # the folders, not the workers
    monkeypatch.setattr("time.strftime", lambda fmt, *args: "20261129-080000")
    settings = {**window.training_panel.settings(), "out_root": str(tmp_path)}
    first, second = window.start_run(settings), window.start_run(settings)
    runs = window.runs_panel.runs
    assert runs[first].run_dir != runs[second].run_dir
    assert runs[second].run_dir.name.endswith("_2") and not runs[first].run_dir.exists()


def test_a_replayed_models_row_says_what_it_plays(window, monkeypatch):
    """Not training's samples, speed and limit: the episodes it played, poses a second, and the model's file."""
    from amp_studio import DATA_DIR
    from amp_studio.gui import run_model, worker_process
    from amp_studio.worker.protocol import Message

    monkeypatch.setattr(worker_process.WorkerProcess, "start", lambda self: None)  # its messages come from here
    clock = {"now": 50.0}
    monkeypatch.setattr(run_model, "time", type("Clock", (), {"monotonic": staticmethod(lambda: clock["now"])}))
    model = DATA_DIR / "models" / "amp_humanoid_walk_model.pt"
    index = window.open_model(model)
    table, worker = window.runs_panel.table, window.replay
    worker.state_changed.emit("running")
    for step in range(91):  # three seconds at 30 poses a second; two episodes end (a fall, a time limit)
        clock["now"] = 50.0 + step / 30
        worker.message.emit(Message("pose", {"qpos": [0.0] * 35, "time": step / 30, "done": int(step in (20, 70))}))
    row = [table.item(index, col).text() for col in range(6)]
    assert row == ["amp_humanoid_walk_model (model)", "replay", "2 episodes", "30 fps", "0:00:03", "-"]
    bar = table.cellWidget(index, 6)
    assert bar.format() != "no limit" and bar.format()[:3] == "amp" and bar.format().endswith(".pt")
    assert bar.toolTip() == f"Replaying {model}"
    worker.state_changed.emit("finished")
    assert [table.item(index, col).text() for col in (1, 3)] == ["replay ended", "0 fps"]
