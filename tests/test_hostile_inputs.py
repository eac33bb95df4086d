"""Hostile inputs end in one clear error naming the file, never a traceback, a hang or code that runs.

The cases come from benchmarks/lib/hostile_inputs.py (shared with benchmarks/reliability/fuzz_inputs.py, which runs
10,000); here a small, derandomized budget of each kind, plus the nastiest cases by hand.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks" / "lib"))

from hostile_clips import SYNTHETIC_BVH, deep_bvh, many_bvh_joints  # noqa: E402
from hostile_inputs import MARKER_NAME, Case, Fixtures, build_fixtures, classify, hostile_cases, open_case  # noqa: E402
from hostile_mutations import (  # noqa: E402
    YAML_CODE,
    YAML_RECURSIVE,
    code_pickles,
    deep_nesting,
    nested_list_pickle,
    reference_bomb_pickle,
    yaml_alias_bomb,
)

# The checkpoint strategies read their base files when drawing, after the module fixture has written them.
FIXTURES = Fixtures(Path(tempfile.gettempdir()) / f"amp_hostile_fixtures_{os.getpid()}")
FAST = dict(deadline=None, database=None, derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WALK = (REPO / "data" / "motions" / "walk_keyframed.pkl").read_bytes()
UNSAFE_PICKLE = code_pickles()[0][0]


@pytest.fixture(scope="module", autouse=True)
def fixtures():
    build_fixtures(FIXTURES.folder)
    yield FIXTURES
    shutil.rmtree(FIXTURES.folder, ignore_errors=True)


def _opens_cleanly(case: Case, tmp_path_factory) -> None:
    outcome = open_case(case, tmp_path_factory.mktemp("case"), FIXTURES)
    assert outcome.status in ("ok", "clear"), f"{case}: {outcome}"


def _deepmimic(frames: list[list[float]]) -> bytes:
    import json

    return json.dumps({"Loop": "wrap", "Frames": frames}).encode()


def _standing_frame() -> list[float]:
    """A DeepMimic frame: 1/30 s, the root 0.85 m up, every rotation the identity."""
    frame = [0.0] * 44
    frame[0], frame[2] = 1 / 30, 0.85
    for start in (4, 8, 12, 16, 21, 25, 30, 35, 39):  # the quaternions' w
        frame[start] = 1.0
    return frame


_FRAME = _standing_frame()


@settings(max_examples=80, **FAST)
@given(case=hostile_cases(FIXTURES, ("pkl_clip", "deepmimic_clip")))
@example(case=Case("pkl_clip", "bomb.pkl", reference_bomb_pickle(9), mutation="1e9 numbers by reference"))
@example(case=Case("pkl_clip", "deep.pkl", nested_list_pickle(100_000), mutation="frames nested 100,000 deep"))
@example(case=Case("pkl_clip", "evil.pkl", UNSAFE_PICKLE, mutation="os.system on load"))
@example(case=Case("deepmimic_clip", "deep.txt", deep_nesting(100_000).encode(), mutation="JSON nested deep"))
@example(case=Case("deepmimic_clip", "digits.txt", b'{"Loop": "wrap", "Frames": [' + b"9" * 5000 + b"]}",
                   mutation="a 5000-digit integer"))
@example(case=Case("deepmimic_clip", "uneven.txt", _deepmimic([[1e-6] + _FRAME[1:], [1e-6] + _FRAME[1:],
                                                               [1e5] + _FRAME[1:], _FRAME]),
                   mutation="durations whose resampling would make 1e11 frames"))
@example(case=Case("pkl_clip", "slow.pkl", pickle.dumps({"loop_mode": 1, "fps": 1e-298, "frames": [[0.0] * 34] * 2}),
                   mutation="two frames 1e298 s apart"))
@example(case=Case("deepmimic_clip", "zero_quat.txt", _deepmimic([_FRAME[:4] + [0.0] * 4 + _FRAME[8:]] * 3),
                   mutation="a zero root quaternion"))
def test_hostile_clips_end_in_one_clear_error(case, tmp_path_factory):
    _opens_cleanly(case, tmp_path_factory)


def _bvh(name: str, text: str, mutation: str) -> Case:
    return Case("bvh_clip", name, text.encode(), mutation=mutation)


@settings(max_examples=60, **FAST)
@given(case=hostile_cases(FIXTURES, ("bvh_clip",)))
@example(case=_bvh("deep.bvh", deep_bvh(100_000), "joints nested 100,000 deep"))
@example(case=_bvh("many.bvh", many_bvh_joints(20_000, ""), "20,000 joints"))
@example(case=_bvh("frames.bvh", SYNTHETIC_BVH.replace("Frames: 3", "Frames: " + "9" * 30), "10**30 frames"))
@example(case=_bvh("fast.bvh", SYNTHETIC_BVH.replace("0.0333333", "1e-300"), "a frame time of 1e-300 s"))
@example(case=Case("bvh_clip", "utf16.bvh", SYNTHETIC_BVH.encode("utf-16"), mutation="UTF-16"))
def test_hostile_bvh_files_end_in_one_clear_error(case, tmp_path_factory):
    _opens_cleanly(case, tmp_path_factory)


def test_the_synthetic_bvh_file_opens(tmp_path_factory):
    outcome = open_case(_bvh("synthetic.bvh", SYNTHETIC_BVH, "none"), tmp_path_factory.mktemp("case"), FIXTURES)
    assert outcome.status == "ok", outcome


def _yaml(kind: str, name: str, text: str, mutation: str, companions: tuple = ()) -> Case:
    return Case(kind, name, text.encode(), companions, mutation)


ENV_HEAD = "env_name: amp\nenv:\n  char_file: data/assets/humanoid/humanoid.xml\n"


@settings(max_examples=60, **FAST)
@given(case=hostile_cases(FIXTURES, ("env_yaml", "agent_yaml", "engine_yaml", "dataset_yaml")))
@example(case=_yaml("env_yaml", "env.yaml", ENV_HEAD + "  motion_file: data/motions/walk_keyframed.pkl\n"
                    f"  key_bodies: {yaml_alias_bomb()}\n", "an alias bomb"))
@example(case=_yaml("env_yaml", "env.yaml", ENV_HEAD + f"  motion_file: {YAML_RECURSIVE}\n", "a recursive alias"))
@example(case=_yaml("env_yaml", "env.yaml", ENV_HEAD + f"  motion_file: {YAML_CODE}\n", "a python tag"))
@example(case=_yaml("env_yaml", "env.yaml", ENV_HEAD + "  motion_file: data/motions/walk_keyframed.pkl\n"
                    "  num_disc_obs_steps: 1000000000000\n", "1e12 discriminator steps"))
@example(case=_yaml("env_yaml", "env.yaml", ENV_HEAD + "  motion_file: clip.pkl\n", "a bad clip beside it",
                    (("clip.pkl", b"\x80\x04garbage"),)))
@example(case=_yaml("agent_yaml", "agent.yaml", "num_envs: -1\n", "an unknown key"))
@example(case=_yaml("agent_yaml", "agent.yaml", "model:\n  actor_net: [1000000000000]\n", "1e12 units"))
@example(case=_yaml("agent_yaml", "agent.yaml", "disc_buffer_size: 1000000000000\n", "a 1e12 buffer"))
@example(case=_yaml("agent_yaml", "agent.yaml", "actor_epochs: 1000000000000\n", "1e12 epochs"))
@example(case=_yaml("agent_yaml", "agent.yaml", "torch_threads: 1000000000000\n", "1e12 threads"))
@example(case=_yaml("engine_yaml", "engine.yaml", "engine_name: mujoco\nnum_threads: 1000000000000\n",
                    "1e12 physics threads"))
@example(case=_yaml("engine_yaml", "engine.yaml", "engine_name: mujoco\nsim_freq: 1e12\n", "1e12 Hz as a float"))
@example(case=_yaml("dataset_yaml", "set.yaml", "motions:\n- {file: set.yaml, weight: 1}\n", "names itself"))
@example(case=_yaml("dataset_yaml", "set.yaml", f"motions:\n- {{file: {REPO}/data/motions/walk_keyframed.pkl, "
                    f"weight: 1.0e+308}}\n- {{file: {REPO}/data/motions/idle_sway.pkl, weight: 1.0e+308}}\n",
                    "weights whose sum overflows"))
@example(case=_yaml("dataset_yaml", "set.yaml", "motions:\n- {file: \"clip\\0.pkl\", weight: 1}\n", "a NUL byte"))
def test_hostile_configs_end_in_one_clear_error(case, tmp_path_factory):
    _opens_cleanly(case, tmp_path_factory)


@settings(max_examples=40, **FAST)
@given(case=hostile_cases(FIXTURES, ("checkpoint", "resume")))
def test_hostile_checkpoints_end_in_one_clear_error(case, tmp_path_factory):
    _opens_cleanly(case, tmp_path_factory)


@pytest.mark.parametrize("kind", ["checkpoint", "resume"])
@pytest.mark.parametrize("what", ["truncated", "bit_flips", "other_character", "other_observations",
                                  "shipped_walk_model", "unsafe"])
def test_nastiest_checkpoints(kind, what, tmp_path_factory):
    good = FIXTURES.checkpoint.read_bytes()
    made = {"truncated": good[: len(good) // 2], "unsafe": UNSAFE_PICKLE,
            "bit_flips": bytes(b ^ 0x10 if i % 997 == 0 else b for i, b in enumerate(good))}
    data = made[what] if what in made else FIXTURES.other_checkpoints[f"{what}.pt"].read_bytes()
    _opens_cleanly(Case(kind, "model.pt", data, mutation=what), tmp_path_factory)


def test_an_error_naming_another_file_is_not_clear(tmp_path):
    mine = tmp_path / "mine.pkl"
    assert classify(1, f"error: {mine.name}: bad\n", None, [mine], tmp_path) == ("clear", "error: mine.pkl: bad")
    assert classify(1, "error: other.pkl: bad\n", None, [mine], tmp_path)[0] == "traceback"
    assert classify(1, "error: mine.pkl: bad\nmore\n", None, [mine], tmp_path)[0] == "traceback"
    assert classify(None, "", "KeyError: 'x'", [mine], tmp_path)[0] == "traceback"


@pytest.mark.parametrize("name,data", [("evil.pkl", UNSAFE_PICKLE), ("deep.txt", deep_nesting(100_000).encode())])
def test_the_real_command_line_prints_one_error_line(name, data, tmp_path):
    bad = tmp_path / name
    bad.write_bytes(data)
    marker = tmp_path / MARKER_NAME
    env = {**os.environ, "AMP_HOSTILE_MARKER": str(marker)}
    result = subprocess.run([sys.executable, "main.py", "motion", "info", str(bad)], cwd=REPO, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: "), result.stderr
    assert "Traceback" not in result.stderr and not marker.exists()
