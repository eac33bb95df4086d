"""The training panel's controls: weights kept in step and debounced, run buttons by state, settings."""

from __future__ import annotations

from amp_studio.gui.training_panel import TrainingPanel, train_arguments


def test_weight_slider_and_field_agree_and_settle_once(qtbot):
    panel = TrainingPanel({"mujoco": None, "isaac_gym": "not here"})
    qtbot.addWidget(panel)
    emitted = []
    panel.weights_changed.connect(lambda d, t: emitted.append((d, t)))
    w = panel.disc_weight
    with qtbot.waitSignal(panel.weights_changed, timeout=2000):
        for ticks in (10, 20, 30, 35):  # a drag: several moves in quick succession
            w.slider.setValue(ticks)
    assert emitted == [(0.35, 0.0)]
    assert w.spin.value() == 0.35
    with qtbot.waitSignal(panel.weights_changed, timeout=2000):
        w.spin.setValue(1.25)
    assert w.slider.value() == 125 and emitted[-1] == (1.25, 0.0)
    w.spin.setValue(1.5)
    w.set_value(0.8)  # from the model (another run selected): shown, and the pending edit is not sent
    qtbot.wait(300)
    assert len(emitted) == 2 and w.value() == 0.8


def test_run_buttons_follow_the_selected_run_state(qtbot):
    panel = TrainingPanel({"mujoco": None})
    qtbot.addWidget(panel)
    enabled = lambda: [b.isEnabled() for b in (panel.pause_button, panel.resume_button, panel.stop_button,  # noqa: E731
                                                panel.save_button)]
    assert enabled() == [False, False, False, False]
    panel.set_run_controls("running")
    assert enabled() == [True, False, True, True]
    panel.set_run_controls("paused")
    assert enabled() == [False, True, True, True]
    panel.set_run_controls("failed")
    assert enabled() == [False, False, False, False]


def test_settings_become_cli_arguments(qtbot):
    panel = TrainingPanel({"mujoco": None})
    qtbot.addWidget(panel)
    panel.max_samples.setValue(0)
    panel.max_minutes.setValue(30)
    args = train_arguments(panel.settings(), "out/run")
    assert "--max_samples" not in args and args[args.index("--max_minutes") + 1] == "30"
    assert args[args.index("--out_dir") + 1] == "out/run"
    assert args[args.index("--engine_config") + 1].endswith("mujoco_engine.yaml")
    assert "--model_file" not in args  # a fresh policy unless the user picks a checkpoint to start from
    panel.model_file.setText("runs/walk/checkpoints/latest.pt")
    args = train_arguments(panel.settings(), "out/run")
    assert args[args.index("--model_file") + 1] == "runs/walk/checkpoints/latest.pt"


def test_every_env_choice_pairs_files_that_train_together():
    """Each choice's env and agent configs exist and pair the method with its env (ADD with the add env)."""
    from amp_studio import DATA_DIR
    from amp_studio.envs.env_config import load_env_config
    from amp_studio.gui.training_panel import ENVS
    from amp_studio.learning.agent_config import load_agent_config
    from amp_studio.runs.training import check_method

    assert "tracking (ADD)" in ENVS
    for env_file, agent_file in ENVS.values():
        name, _, _ = load_env_config(DATA_DIR / "envs" / env_file)
        agent = DATA_DIR / "agents" / agent_file
        check_method(name, load_agent_config(agent), agent)
