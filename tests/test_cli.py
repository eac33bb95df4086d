"""The motion command line, run as users run it: `python main.py motion ...`."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from amp_studio.cli import main
from amp_studio.motion import load_clip

REPO = Path(__file__).resolve().parent.parent
INFO_KEYS = ["duration", "fps", "frames", "loop", "num_dofs", "root_height_min", "root_height_mean",
             "root_height_max", "lowest_point_min", "lowest_point_mean", "joint_limit_violation_max",
             "contact_bodies"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_info_json_on_a_bundled_clip():
    result = _run("motion", "info", "data/motions/walk_keyframed.pkl", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(info) == INFO_KEYS
    assert info["frames"] == 34 and info["fps"] == 30.0 and info["loop"] == "wrap" and info["num_dofs"] == 28


def test_info_human_readable(capsys):
    assert main(["motion", "info", str(REPO / "data/motions/idle_sway.pkl")]) == 0
    out = capsys.readouterr().out
    assert "root height mean" in out and "lowest point min" in out and "joint limit violation max" in out


@pytest.mark.deepmimic
def test_convert_then_info_agree(deepmimic_dir, tmp_path):
    src = deepmimic_dir / "humanoid3d_run.txt"
    out = tmp_path / "run.pkl"
    result = _run("motion", "convert", str(src), str(out))
    assert result.returncode == 0, result.stderr
    assert load_clip(out).num_frames == load_clip(src).num_frames
    a = json.loads(_run("motion", "info", str(src), "--json").stdout)
    b = json.loads(_run("motion", "info", str(out), "--json").stdout)
    assert a == b


def test_mirror_writes_the_mirrored_clip(deepmimic_dir, tmp_path):
    from amp_studio.character import CharacterModel
    from amp_studio.motion.mirror import mirror_clip

    src = deepmimic_dir / "humanoid3d_walk.txt"
    out = tmp_path / "walk_mirror.pkl"
    result = _run("motion", "mirror", str(src), str(out))
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(load_clip(out).frames, mirror_clip(load_clip(src), CharacterModel()).frames)
    bad = _run("motion", "mirror", str(tmp_path / "missing.pkl"), str(out))
    assert bad.returncode == 1 and "missing.pkl: file not found" in bad.stderr


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "bad.txt").write_text("{not json")
    (tmp_path / "bad.pkl").write_bytes(b"garbage")
    (tmp_path / "clip.fbx").write_text("x")
    with open(tmp_path / "narrow.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 30.0, "frames": [[0.0] * 33] * 3}, f)
    with open(tmp_path / "nan.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 30.0, "frames": [[float("nan")] * 34] * 3}, f)
    with open(tmp_path / "zero_fps.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 0.0, "frames": [[0.0] * 34] * 3}, f)
    with open(tmp_path / "one.pkl", "wb") as f:
        pickle.dump({"loop_mode": 1, "fps": 30.0, "frames": [[0.0] * 34]}, f)
    return {
        "missing": tmp_path / "missing.pkl",
        "unknown extension": tmp_path / "clip.fbx",
        "malformed JSON": tmp_path / "bad.txt",
        "malformed pickle": tmp_path / "bad.pkl",
        "expected 34 values": tmp_path / "narrow.pkl",
        "non-finite": tmp_path / "nan.pkl",
        "positive number": tmp_path / "zero_fps.pkl",
        "at least 2 frames": tmp_path / "one.pkl",
    }


def test_bad_input_prints_one_error_and_exits_nonzero(tmp_path, capsys):
    for problem, path in _bad_inputs(tmp_path).items():
        for argv in (["motion", "info", str(path)], ["motion", "convert", str(path), str(tmp_path / "o.pkl")]):
            assert main(argv) == 1, (problem, argv)
            err = capsys.readouterr().err
            assert err.startswith("error: ") and path.name in err, (problem, err)
            assert "Traceback" not in err
    assert not (tmp_path / "o.pkl").exists()


def test_bad_input_through_the_real_entry_point(tmp_path):
    (tmp_path / "bad.txt").write_text("{not json")
    result = _run("motion", "info", str(tmp_path / "bad.txt"), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "bad.txt: malformed JSON" in result.stderr and "Traceback" not in result.stderr


def test_train_then_test_through_the_entry_point(tmp_path):
    """The seed's commands, tiny: train a few iterations into a run directory, then test the checkpoint."""
    args_file = tmp_path / "args.txt"
    args_file.write_text("--mode train\n--num_envs 8\n--env_config data/envs/amp_humanoid_env.yaml\n"
                         "--visualize false\n--logger txt  # no TensorBoard\n")
    out = tmp_path / "run"
    result = _run("--arg_file", str(args_file), "--max_samples", "512", "--out_dir", str(out), "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "samples/s" in result.stdout and "disc reward" in result.stdout and "ETA" in result.stdout
    model = out / "checkpoints" / "latest.pt"
    assert model.is_file() and (out / "metrics.jsonl").is_file() and not (out / "tensorboard").exists()
    result = _run("--mode", "test", "--num_envs", "2", "--model_file", str(model), "--test_episodes", "2",
                  "--json", "--visualize", "true", "--env_config", "data/envs/amp_humanoid_env.yaml")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) == {"episode_length_mean", "fall_rate", "root_speed_mean", "pose_error_dtw", "disc_reward_mean",
                           "skill_reached", "skill_extremes", "skill_events", "skill_events_expected",
                           "skill_events_share", "skill_height", "skill_event"}
    # The default clip is a walk: judged on its root height alone, with no key event to count.
    assert report["skill_event"] == "none" and report["skill_events_expected"] == 0.0
    # --visualize true says so where there is no display; where there is one (xvfb-run), MuJoCo's viewer shows the
    # test episodes and closes, and the report follows.
    from amp_studio.runs.live_viewer import display_available

    assert ("in MuJoCo's viewer" if display_available() else "no display") in result.stderr, result.stderr


def test_model_configs_tests_a_model_with_the_configs_it_was_trained_with(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--mode", "train", "--num_envs", "4", "--max_samples", "128", "--out_dir", str(out), "--logger",
                 "txt", "--env_config", "data/envs/amp_location_humanoid_env.yaml", "--agent_config",
                 "data/agents/amp_task_humanoid_agent.yaml"]) == 0
    capsys.readouterr()
    # The default --env_config is the walk's; the stored one is the location task's.
    assert main(["--mode", "test", "--num_envs", "2", "--model_file", str(out / "checkpoints" / "latest.pt"),
                 "--model_configs", "true", "--test_episodes", "2", "--json"]) == 0
    assert "task_return" in json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_location_test_reports_success(tmp_path):
    out = tmp_path / "run"
    assert main(["--mode", "train", "--num_envs", "4", "--max_samples", "128", "--out_dir", str(out), "--logger",
                 "txt", "--env_config", "data/envs/amp_location_humanoid_env.yaml", "--agent_config",
                 "data/agents/amp_task_humanoid_agent.yaml"]) == 0
    result = _run("--mode", "test", "--num_envs", "2", "--model_file", str(out / "checkpoints" / "latest.pt"),
                  "--test_episodes", "2", "--json", "--env_config", "data/envs/amp_location_humanoid_env.yaml",
                  "--agent_config", "data/agents/amp_task_humanoid_agent.yaml")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"task_return", "success_rate", "final_distance_mean", "fall_rate", "disc_reward_mean", "pose_error_dtw",
            "episode_length_mean"} <= set(report)
    assert 0.0 <= report["task_return"] <= 1.0 and report["disc_reward_mean"] > 0.0


def test_run_errors_are_one_line(tmp_path, capsys):
    assert main(["--mode", "test", "--num_envs", "1"]) == 1
    assert "needs --model_file" in capsys.readouterr().err
    assert main(["--mode", "test", "--num_envs", "1", "--model_file", str(tmp_path / "none.pt")]) == 1
    assert "checkpoint not found" in capsys.readouterr().err
    assert main(["--mode", "train", "--arg_file", str(tmp_path / "none.txt")]) == 1
    assert "argument file not found" in capsys.readouterr().err
    bad = tmp_path / "env.yaml"
    bad.write_text("env_name: amp\nenv:\n  char_file: x\n  motion_file: y\n  wat: 1\n")
    assert main(["--mode", "train", "--env_config", str(bad), "--out_dir", str(tmp_path / "o")]) == 1
    assert "unknown key 'env.wat'" in capsys.readouterr().err
