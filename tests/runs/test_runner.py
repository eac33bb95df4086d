from __future__ import annotations

import json
import os
import pickle

import pytest
import torch

from amp_studio.learning.agent_config import load_agent_config
from amp_studio.runs.checkpoints import CheckpointError, load_checkpoint
from amp_studio.runs.training import make_training

ENV = "data/envs/amp_humanoid_env.yaml"
ENGINE = "data/engines/mujoco_engine.yaml"
AGENT = "data/agents/amp_humanoid_agent.yaml"
TINY = {"model": {"actor_net": [32, 32], "critic_net": [32, 32], "disc_net": [32, 32],
                  "actor_init_to_clip_mean": True},
        "steps_per_iter": 4, "disc_buffer_size": 256, "disc_replay_samples": 32, "iters_per_output": 2}


def _runner(tmp_path, name="run", seed=0, **agent):
    return make_training(ENV, ENGINE, AGENT, 8, seed=seed, out_dir=tmp_path / name,
                         env_overrides={"num_disc_obs_steps": 2}, agent_overrides={**TINY, **agent},
                         log=lambda line: None)


def _params(runner) -> list[torch.Tensor]:
    a = runner.agent
    return [p.detach().clone() for net in (a.actor, a.critic, a.disc) for p in net.parameters()]


def test_resume_is_exact(tmp_path):
    straight = _runner(tmp_path, "straight")
    straight.train(max_iterations=5)
    first = _runner(tmp_path, "first")
    first.train(max_iterations=3)
    resumed = _runner(tmp_path, "resumed", seed=123)  # a different seed: everything must come from the file
    resumed.load_checkpoint(tmp_path / "first" / "checkpoints" / "latest.pt")
    assert resumed.iteration == 3
    resumed.train(max_iterations=5)
    for a, b in zip(_params(straight), _params(resumed), strict=True):
        assert torch.equal(a, b)
    assert torch.equal(straight.obs, resumed.obs)
    other = _runner(tmp_path, "other", seed=1)
    other.train(max_iterations=5)
    assert any(not torch.equal(a, b) for a, b in zip(_params(straight), _params(other), strict=True))


def test_run_directory_contents(tmp_path):
    runner = _runner(tmp_path)
    runner.train(max_iterations=2)
    run = tmp_path / "run"
    for name in ("env_config.yaml", "engine_config.yaml", "agent_config.yaml", "metrics.jsonl", "events.jsonl",
                 "log.txt", "checkpoints/latest.pt", "checkpoints/iter_000002.pt"):
        assert (run / name).is_file(), name
    assert any(f.name.startswith("events.out.tfevents") for f in (run / "tensorboard").iterdir())
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [1, 2] and rows[1]["samples"] == 64
    for key in ("disc_reward_mean", "samples_per_s", "episode_length_mean", "fall_rate", "disc_agent_acc",
                "disc_demo_acc", "actor_loss", "disc_grad_penalty", "disc_reward_weight", "task_reward_weight"):
        assert key in rows[-1], key
    assert "overrides" in (run / "agent_config.yaml").read_text()
    # The section overrides merged in: the file gives back the settings the run used, widths and the rest.
    assert load_agent_config(run / "agent_config.yaml") == runner.agent.config
    assert not [f for f in (run / "checkpoints").iterdir() if f.name.endswith(".tmp")]
    runner.close()  # what the CLI does at the end: nothing left for the interpreter's teardown
    assert runner.run_dir._writer is None and runner.env.engine._rollout is None
    runner.close()  # twice is harmless


def test_a_config_with_overrides_names_its_file_without_this_machines_path(tmp_path):
    # Shipped models carry these texts: an absolute path would name the machine they were trained on.
    make_training(os.path.abspath(ENV), ENGINE, AGENT, 8, out_dir=tmp_path / "run",
                  env_overrides={"num_disc_obs_steps": 2}, agent_overrides=TINY, log=lambda line: None)
    header = (tmp_path / "run" / "env_config.yaml").read_text().splitlines()[0]
    assert header.startswith(f"# {ENV} with overrides") and os.getcwd() not in header


def test_fall_share_moves_while_the_fall_rate_says_nothing(tmp_path):
    runner = _runner(tmp_path)
    seen = []
    runner.train(max_iterations=12, callback=seen.append)
    shares = [m["fall_share"] for m in seen]
    assert all(0.0 <= s <= 1.0 for s in shares) and max(shares) > 0
    # Early on every ended episode is a fall (or none has ended): the fall rate is 1 or undefined throughout.
    assert all(m["fall_rate"] == 1.0 or m["fall_rate"] != m["fall_rate"] for m in seen)
    # The episodes that ended are measured against the walk they started in: an untrained policy falls at once,
    # no higher than the clip's root goes, and the walk has no key event to count.
    ended = [m for m in seen if m["episodes"] > 0]
    assert ended and all("skill_extremes" in m and "skill_tilt" not in m for m in ended)
    assert all(0.0 < m["skill_height"] <= 1.05 and m["skill_events_expected"] == 0.0 for m in ended)
    assert all("skill_height" not in m for m in seen if m["episodes"] == 0)


def test_reward_weight_change_applies_next_iteration_and_is_recorded(tmp_path):
    runner = _runner(tmp_path)
    runner.train(max_iterations=2)
    effective = runner.set_reward_weights(disc_reward_weight=0.3, task_reward_weight=0.7)
    assert effective == 3
    runner.train(max_iterations=3)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows[1]["disc_reward_weight"] == 1.0 and rows[2]["disc_reward_weight"] == 0.3
    assert rows[2]["task_reward_weight"] == 0.7
    events = [json.loads(line) for line in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    change = [e for e in events if e["event"] == "reward_weights"]
    assert change and change[0]["iteration"] == 3 and change[0]["disc_reward_weight"] == 0.3
    # and a resumed run carries the weights on
    resumed = _runner(tmp_path, "resumed")
    resumed.load_checkpoint(tmp_path / "run" / "checkpoints" / "latest.pt")
    assert resumed.agent.disc_reward_weight == 0.3


class _Boom:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # the test feeds it a raw pickle on purpose
def test_checkpoints_load_safely(tmp_path):
    evil = tmp_path / "evil.pt"
    with open(evil, "wb") as f:
        pickle.dump({"agent": _Boom(tmp_path / "pwned")}, f)
    with pytest.raises(CheckpointError, match="evil.pt: not a readable checkpoint"):
        load_checkpoint(evil)
    assert not (tmp_path / "pwned").exists()
    (tmp_path / "junk.pt").write_bytes(b"\x00" * 10)
    with pytest.raises(CheckpointError, match="junk.pt"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not an AMP Studio checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_exported_policy_is_small_and_acts_like_the_checkpoint(tmp_path):
    from amp_studio.runs.checkpoints import export_policy

    runner = _runner(tmp_path)
    runner.train(max_iterations=2)
    full = tmp_path / "run" / "checkpoints" / "latest.pt"
    small = export_policy(full, tmp_path / "model.pt")
    assert small.stat().st_size < full.stat().st_size / 2
    fresh = _runner(tmp_path, "fresh", seed=5)
    fresh.agent.load_state_dict(load_checkpoint(small)["agent"], policy_only=True)
    obs = runner.obs
    assert torch.equal(fresh.agent.act(obs, deterministic=True)[0], runner.agent.act(obs, deterministic=True)[0])
    # It keeps the discriminator, so that an evaluation can judge the policy's style.
    assert fresh.agent.has_style_judge
    disc_obs = runner.env.disc_obs()
    assert torch.equal(fresh.agent.disc_logits(disc_obs), runner.agent.disc_logits(disc_obs))


def test_resume_needs_the_same_env_count_and_policy_files_only_initialize(tmp_path):
    from amp_studio.runs.checkpoints import export_policy

    runner = _runner(tmp_path)
    runner.train(max_iterations=1)
    latest = tmp_path / "run" / "checkpoints" / "latest.pt"
    other = make_training(ENV, ENGINE, AGENT, 4, out_dir=tmp_path / "four", env_overrides={"num_disc_obs_steps": 2},
                          agent_overrides=TINY, log=lambda line: None)
    with pytest.raises(CheckpointError, match="saved with 8 envs; resume with --num_envs 8"):
        other.load_checkpoint(latest)
    assert other.load_checkpoint(export_policy(latest, tmp_path / "p.pt")) == "policy"
    assert other.iteration == 0
    for a, b in zip(other.agent.actor.parameters(), runner.agent.actor.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_policy_observes_in_the_frame_it_was_trained_in(tmp_path):
    import argparse

    from amp_studio.runs.run_arguments import read_model_file, training_from_args

    walk = "data/models/amp_humanoid_walk_model.pt"  # trained before the twist heading: the x-axis frame
    twist = make_training(ENV, ENGINE, AGENT, 2, agent_overrides=TINY, log=lambda line: None)
    assert twist.env.config.heading == "twist"
    with pytest.raises(CheckpointError, match="amp_humanoid_walk_model.pt: its policy was trained on observations in "
                                              "the x_axis frame, but this env observes in the twist frame; set "
                                              "env.heading: x_axis"):
        twist.load_policy(walk)
    # The CLI and the worker build the env in the policy's frame, whichever env config they are given.
    args = argparse.Namespace(env_config=ENV, engine_config=ENGINE, agent_config=AGENT, num_envs=2, seed=0,
                              motion_file=None, model_file=walk, disc_reward_weight=None, task_reward_weight=None)
    runner = training_from_args(args, log=lambda line: None)
    assert runner.env.config.heading == "x_axis"
    runner.load_policy(walk)
    # Read once, used twice: the contents given, the file is not read again (here it is gone).
    model = read_model_file(args)
    args.model_file = str(tmp_path / "moved.pt")
    runner = training_from_args(args, model_state=model, log=lambda line: None)
    assert runner.env.config.heading == "x_axis"
    runner.load_policy(args.model_file, model)
    # A run of this version records its frame, and continuing it elsewhere keeps it.
    trained = _runner(tmp_path)
    trained.save_checkpoint()
    args.model_file, args.env_config = str(tmp_path / "run" / "checkpoints" / "latest.pt"), \
        "data/envs/amp_location_humanoid_env.yaml"
    assert training_from_args(args, log=lambda line: None).env.config.heading == "twist"


def test_time_limit_stops_training(tmp_path):
    runner = _runner(tmp_path)
    lines = []
    runner._log = lines.append
    seen = []
    runner.train(max_seconds=0.5, callback=seen.append)
    times = [m["wall_time"] for m in seen]
    assert times[-1] >= 0.5 and all(t < 0.5 for t in times[:-1])  # stops at the first iteration past it
    assert "ETA" in lines[0]


def _poison_env(runner, what: str, at_iteration: int) -> None:
    """From at_iteration on, the env's observations or rewards of env 3 are NaN."""
    env, step = runner.env, runner.env.step

    def poisoned(actions):
        obs, reward, done, info = step(actions)
        if runner.iteration + 1 >= at_iteration:
            if what == "obs":
                obs = obs.clone()
                obs[3, 5] = float("nan")
            else:
                reward = reward.clone()
                reward[3] = float("inf")
        return obs, reward, done, info

    env.step = poisoned


def _poison_update(runner, what: str, at_iteration: int) -> None:
    """At at_iteration the update makes the actor's first weight NaN ("actor") or reports a NaN loss ("loss")."""
    agent, update = runner.agent, runner.agent.update

    def poisoned(*args):
        metrics = update(*args)
        if runner.iteration + 1 == at_iteration:
            if what == "actor":
                with torch.no_grad():
                    next(agent.actor.parameters()).view(-1)[0] = float("nan")
            else:
                metrics["actor_loss"] = float("nan")
        return metrics

    agent.update = poisoned


@pytest.mark.parametrize(("kind", "message"), [
    ("obs", r"iteration 4: observations diverged: step \d+, env 3, entry 5 is nan"),
    ("reward", r"iteration 4: task rewards diverged: step \d+, env 3 is inf"),
    ("actor", r"iteration 4: actor .* diverged: entry \(0, 0\) is nan"),
    ("loss", r"iteration 4: actor_loss diverged: nan"),
])
def test_divergence_stops_within_its_iteration_and_keeps_the_good_checkpoint(tmp_path, kind, message):
    from amp_studio.learning.divergence import DivergenceError

    runner = _runner(tmp_path)  # a full checkpoint every 2 iterations
    {"obs": lambda: _poison_env(runner, "obs", 4), "reward": lambda: _poison_env(runner, "reward", 4),
     "actor": lambda: _poison_update(runner, "actor", 4), "loss": lambda: _poison_update(runner, "loss", 4)}[kind]()
    with pytest.raises(DivergenceError, match=message) as caught:
        runner.train(max_iterations=10)
    assert "the last good checkpoint is" in str(caught.value) and "(iteration 2)" in str(caught.value)
    latest = tmp_path / "run" / "checkpoints" / "latest.pt"
    state = load_checkpoint(latest)
    assert state["iteration"] == 2  # not overwritten by the diverged state
    for tensor in state["agent"]["actor"].values():
        assert torch.isfinite(tensor).all()
    events = [json.loads(line) for line in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "diverged" and events[-1]["iteration"] == 4
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [1, 2, 3]  # the diverged iteration left no record


def test_a_nan_never_reaches_a_checkpoint(tmp_path):
    from amp_studio.learning.divergence import DivergenceError

    runner = _runner(tmp_path)
    runner.train(max_iterations=1)
    latest = tmp_path / "run" / "checkpoints" / "latest.pt"
    before = latest.read_bytes()
    with torch.no_grad():
        next(runner.agent.critic.parameters()).view(-1)[3] = float("nan")
    with pytest.raises(DivergenceError, match=r"latest.pt: not written: agent.critic.* holds entry \(0, 3\) is nan"):
        runner.save_checkpoint()
    assert latest.read_bytes() == before
    assert not [f for f in latest.parent.iterdir() if f.name.endswith(".tmp")]


def test_full_or_unwritable_disk_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    from amp_studio.runs import checkpoints, run_directory

    runner = _runner(tmp_path)
    runner.train(max_iterations=1)
    latest = tmp_path / "run" / "checkpoints" / "latest.pt"
    before = latest.read_bytes()

    def no_space(state, f):
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoints.torch, "save", no_space)
    with pytest.raises(CheckpointError, match="latest.pt: could not be written .No space left on device.; "
                                              "the previous checkpoint is kept"):
        runner.train(max_iterations=2)
    assert latest.read_bytes() == before
    assert not [f for f in latest.parent.iterdir() if f.name.endswith(".tmp")]
    monkeypatch.undo()

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", read_only)
    with pytest.raises(run_directory.RunDirectoryError, match="metrics.jsonl: cannot be written .Permission denied."):
        runner.run_dir.log_metrics({"iteration": 9})


def test_resume_repairs_a_torn_log_and_drops_metrics_it_trains_again(tmp_path):
    runner = _runner(tmp_path)
    runner.train(max_iterations=2)
    latest = tmp_path / "run" / "checkpoints" / "latest.pt"
    at_two = latest.read_bytes()
    runner.train(max_iterations=3)
    # A kill during iteration 4: its metrics line torn, and no checkpoint since iteration 2.
    latest.write_bytes(at_two)
    run = tmp_path / "run"
    for name in ("metrics.jsonl", "events.jsonl"):
        with open(run / name, "a") as f:
            f.write('{"iteration": 4, "samp')
    dead = latest.parent / ".latest.pt.4194305.tmp"  # no such process: a killed writer's leftover
    live = latest.parent / f".latest.pt.{os.getpid()}.tmp"
    dead.write_bytes(b"half")
    live.write_bytes(b"being written")
    resumed = _runner(tmp_path)  # the same directory, as the CLI's --out_dir
    assert not dead.exists() and live.exists()
    live.unlink()
    assert resumed.run_dir.repaired == ["metrics.jsonl", "events.jsonl"]
    resumed.load_checkpoint(latest)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [1, 2]
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert {"repaired", "resumed"} <= {e["event"] for e in events}
    resumed.train(max_iterations=3)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [1, 2, 3]
