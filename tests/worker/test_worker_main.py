"""A real worker process: trains, applies reward weights at an iteration it names, stops with a checkpoint."""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

import pytest

from amp_studio import DATA_DIR
from amp_studio.worker.client import WorkerClient


class WorkerProcess(WorkerClient):
    """A worker started as the GUI starts it, with a wait for the first event that matches."""

    def __init__(self, *args: str):
        self.log_path = Path(tempfile.mkstemp(suffix=".log")[1])
        super().__init__(args[0], list(args[1:]), self.log_path)
        self.messages = []

    def wait_for(self, predicate, timeout: float = 120.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.next(deadline)
            except TimeoutError:
                msg = None
            if msg is None:
                raise AssertionError(f"no such message; got {[m.type for m in self.messages][-20:]}; "
                                     f"stderr: {self.log_path.read_text()[-2000:]}")
            self.messages.append(msg)
            if predicate(msg):
                return msg


@pytest.mark.slow
def test_training_worker_applies_weights_and_stops_with_a_checkpoint(tmp_path):
    run = tmp_path / "run"
    w = WorkerProcess("train", "--num_envs", "4", "--out_dir", str(run), "--logger", "txt")
    try:
        started = w.wait_for(lambda m: m.type == "started")
        assert started.get("run_dir") == str(run.resolve())
        assert started.get("command").startswith("python main.py --mode train")
        w.wait_for(lambda m: m.type == "iteration")
        seq = w.send("set_reward_weights", disc_reward_weight=0.25, task_reward_weight=0.0)
        ack = w.wait_for(lambda m: m.type == "weights_applied")
        assert ack.reply_to == seq and ack.get("disc_reward_weight") == 0.25
        applied_at = ack.get("iteration")
        later = w.wait_for(lambda m, at=applied_at: m.type == "iteration" and m.get("metrics")["iteration"] >= at)
        assert later.get("metrics")["disc_reward_weight"] == 0.25
        assert any(m.type == "pose" and len(m.get("qpos")) == 35 for m in w.messages)  # root 7 + 28 DoFs
        w.send("pause")
        w.wait_for(lambda m: m.type == "status" and m.get("state") == "paused")
        w.send("resume")
        w.wait_for(lambda m: m.type == "status" and m.get("state") == "running")
        w.send("save_checkpoint")
        w.wait_for(lambda m: m.type == "checkpoint")
        w.send("stop")
        finished = w.wait_for(lambda m: m.type == "finished")
        assert finished.get("reason") == "stopped"
        assert w.proc.wait(timeout=60) == 0
    finally:
        w.proc.kill()
    assert (run / "checkpoints" / "latest.pt").is_file()
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    change = [e for e in events if e["event"] == "reward_weights"]
    assert change and change[0]["iteration"] == applied_at and change[0]["source"] == "gui"
    assert {"pause", "resume"} <= {e["event"] for e in events}


def test_a_weight_change_reaches_the_rewards_of_a_location_run(tmp_path):
    """Through the protocol, as the GUI sends it: from the acknowledged iteration on, the rewards the policy
    learns from are the new blend of task and style."""
    w = WorkerProcess("train", "--num_envs", "4", "--out_dir", str(tmp_path / "run"), "--logger", "txt",
                      "--env_config", "data/envs/amp_location_humanoid_env.yaml",
                      "--agent_config", "data/agents/amp_task_humanoid_agent.yaml")

    def blend(metrics: dict, disc: float, task: float) -> float:
        return disc * metrics["disc_reward_mean"] + task * metrics["task_reward_mean"]

    try:
        first = w.wait_for(lambda m: m.type == "iteration").get("metrics")
        assert first["reward_mean"] == pytest.approx(blend(first, 0.2, 0.8), rel=1e-5, abs=1e-7)
        w.send("set_reward_weights", disc_reward_weight=0.1, task_reward_weight=0.9)
        applied_at = w.wait_for(lambda m: m.type == "weights_applied").get("iteration")
        for _ in range(2):
            later = w.wait_for(lambda m, at=applied_at: m.type == "iteration" and m.get("metrics")["iteration"] >= at)
            metrics = later.get("metrics")
            assert (metrics["disc_reward_weight"], metrics["task_reward_weight"]) == (0.1, 0.9)
            assert metrics["reward_mean"] == pytest.approx(blend(metrics, 0.1, 0.9), rel=1e-5, abs=1e-7)
            applied_at = metrics["iteration"] + 1
        w.send("stop")
        w.wait_for(lambda m: m.type == "finished")
    finally:
        w.proc.kill()


def test_a_closed_channel_stops_the_worker(tmp_path):
    w = WorkerProcess("train", "--num_envs", "2", "--out_dir", str(tmp_path / "run"), "--logger", "txt")
    try:
        w.wait_for(lambda m: m.type == "started")
        w.proc.stdin.close()
        w.wait_for(lambda m: m.type == "finished")
        assert w.proc.wait(timeout=60) == 0
    finally:
        w.proc.kill()
    assert (tmp_path / "run" / "checkpoints" / "latest.pt").is_file()


def test_bad_arguments_are_an_error_message():
    w = WorkerProcess("train", "--num_envs", "many")
    msg = w.wait_for(lambda m: m.type == "error")
    assert "bad worker arguments" in msg.get("message")
    assert w.proc.wait(timeout=30) == 2


def test_a_bad_checkpoint_for_replay_is_an_error_naming_it(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    w = WorkerProcess("replay", "--model_file", str(junk))
    msg = w.wait_for(lambda m: m.type == "error")
    # Bad input is one clear message naming the file, without a traceback (the GUI shows it as the run's error).
    assert "junk.pt" in msg.get("message") and not msg.get("traceback")
    assert w.proc.wait(timeout=60) == 1


def test_a_location_replay_keeps_the_clicked_target_beside_the_character_across_a_fall(tmp_path):
    """The GUI's replay of a location policy: a click holds the target, and a restart (an untrained policy falls
    within a second) puts the character wherever its clip starts, with the target at the same offset from it."""
    from amp_studio.runs.training import make_training

    env_config = "data/envs/amp_location_humanoid_env.yaml"
    agent_config = "data/agents/amp_task_humanoid_agent.yaml"
    runner = make_training(env_config, "data/engines/mujoco_engine.yaml", agent_config, 1, 0, tmp_path / "run",
                           logger="txt", log=lambda line: None)
    model = runner.save_checkpoint()
    runner.env.close()
    w = WorkerProcess("replay", "--model_file", str(model), "--fast", "--env_config", env_config,
                      "--agent_config", agent_config)
    try:
        first = w.wait_for(lambda m: m.type == "pose")
        root = first.get("qpos")[:2]
        clicked = [root[0] + 3.0, root[1] - 1.0]
        w.send("set_target", xy=clicked)
        w.wait_for(lambda m: m.type == "pose" and m.get("target") == pytest.approx(clicked))
        fall = w.wait_for(lambda m: m.type == "pose" and m.get("done") == 1, timeout=60)
        before = [fall.get("target")[i] - fall.get("qpos")[i] for i in range(2)]
        restart = w.wait_for(lambda m: m.type == "pose")
        after = [restart.get("target")[i] - restart.get("qpos")[i] for i in range(2)]
        # One control step of motion (under 0.1 m) separates the fall's pose from the restart's first.
        assert after == pytest.approx(before, abs=0.1)
        w.send("stop")
        w.wait_for(lambda m: m.type == "finished")
    finally:
        w.close()


def test_a_steering_replay_takes_the_command_and_keeps_it_across_a_fall(tmp_path):
    """The GUI's replay of a steering policy: the speed range to map keys into, each pose's command and actual
    velocity, and a set_command that holds through restarts (an untrained policy falls within a second). The
    shipped config's dataset is in ../shared/; the bundled walk clip stands in for it (--motion_file, as the GUI
    passes a run's), so this runs without the shared clips."""
    from amp_studio.runs.training import make_training

    env_config = "data/envs/amp_steering_humanoid_env.yaml"
    agent_config = "data/agents/amp_task_humanoid_agent.yaml"
    clip = "data/motions/walk_keyframed.pkl"
    runner = make_training(env_config, "data/engines/mujoco_engine.yaml", agent_config, 1, 0, tmp_path / "run",
                           env_overrides={"motion_file": clip}, logger="txt", log=lambda line: None)
    model = runner.save_checkpoint()
    speed_range = list(runner.env.speed_range)
    runner.env.close()
    w = WorkerProcess("replay", "--model_file", str(model), "--fast", "--env_config", env_config,
                      "--agent_config", agent_config, "--motion_file", clip)
    try:
        started = w.wait_for(lambda m: m.type == "started")
        assert started.get("speed_range") == pytest.approx(speed_range)
        first = w.wait_for(lambda m: m.type == "pose")
        assert len(first.get("command")) == 3 and len(first.get("velocity")) == 2
        assert first.get("ref_qpos") is None and first.get("target") is None
        w.send("set_command", direction=[0.0, 2.0], speed=1.25)  # normalized by the env
        w.wait_for(lambda m: m.type == "pose" and m.get("command") == pytest.approx([0.0, 1.0, 1.25], abs=1e-6))
        moving = w.wait_for(lambda m: m.type == "pose" and m.get("done") == 0 and any(m.get("velocity")))
        assert all(math.isfinite(v) for v in moving.get("velocity"))
        w.wait_for(lambda m: m.type == "pose" and m.get("done") == 1, timeout=60)
        restart = w.wait_for(lambda m: m.type == "pose")
        assert restart.get("command") == pytest.approx([0.0, 1.0, 1.25], abs=1e-6)
        w.send("set_command", direction=[float("nan"), 1.0], speed=1.0)  # refused, not given to the policy
        w.wait_for(lambda m: m.type == "log" and "ignored set_command" in m.get("line"))
        assert w.wait_for(lambda m: m.type == "pose").get("command") == pytest.approx([0.0, 1.0, 1.25], abs=1e-6)
        w.send("stop")
        w.wait_for(lambda m: m.type == "finished")
    finally:
        w.close()


@pytest.mark.deepmimic
def test_the_shipped_location_model_walks_to_a_clicked_target(deepmimic_dir):
    """The GUI's replay of data/models/amp_location_humanoid_model.pt: a click 4 m away is reached."""
    w = WorkerProcess("replay", "--model_file", "data/models/amp_location_humanoid_model.pt", "--fast",
                      "--env_config", "data/envs/amp_location_locomotion_humanoid_env.yaml",
                      "--agent_config", "data/agents/amp_task_humanoid_agent.yaml")
    try:
        root = w.wait_for(lambda m: m.type == "pose", timeout=180).get("qpos")[:2]
        clicked = [root[0] - 2.4, root[1] + 3.2]  # 4 m away, behind and to the side for most starts
        w.send("set_target", xy=clicked)
        start = w.wait_for(lambda m: m.type == "pose" and m.get("target") == pytest.approx(clicked)).get("time")
        w.wait_for(lambda m: m.type == "pose" and (math.dist(m.get("qpos")[:2], m.get("target")) < 0.5
                                                   or m.get("time") - start > 20.0))
        last = w.messages[-1]
        assert math.dist(last.get("qpos")[:2], last.get("target")) < 0.5, f"still away after {last.get('time')} s"
        w.send("stop")
    finally:
        w.close()


SUITE_MODELS = sorted(str(p) for p in (DATA_DIR / "models").glob("amp_humanoid_*_model.pt")) + [
    str(DATA_DIR / "models" / "amp_g1_walk_model.pt")]


@pytest.mark.deepmimic
@pytest.mark.parametrize("model", SUITE_MODELS)
def test_a_shipped_imitation_model_replays_as_the_app_opens_it(deepmimic_dir, model):
    """Open model in the app: the replay worker with the configs stored in the model; the character stays up."""
    w = WorkerProcess("replay", "--model_file", model, "--fast", "--model_configs", "true")
    try:
        first = w.wait_for(lambda m: m.type == "pose", timeout=180)
        last = w.wait_for(lambda m: m.type == "pose" and (m.get("done") == 1 or m.get("time") - first.get("time") > 5))
        assert last.get("done") != 1, f"fell after {last.get('time') - first.get('time'):.1f} s"
        w.send("stop")
    finally:
        w.close()
