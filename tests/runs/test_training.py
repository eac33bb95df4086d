"""make_training's note for imitation runs of clips that turn upside down: the route that learns them (ADD)."""

from __future__ import annotations

from amp_studio.runs.training import make_training

ENGINE = "data/engines/mujoco_engine.yaml"
AMP = ("data/envs/amp_humanoid_env.yaml", "data/agents/amp_humanoid_agent.yaml")
ADD = ("data/envs/add_humanoid_env.yaml", "data/agents/add_humanoid_agent.yaml")


def _notes(configs: tuple[str, str], clip) -> list[str]:
    lines: list[str] = []
    runner = make_training(configs[0], ENGINE, configs[1], 2, env_overrides={"motion_file": str(clip)},
                           log=lines.append)
    runner.env.close()
    return [line for line in lines if line.startswith("note: upside down")]


def test_a_flip_trained_with_amp_is_pointed_to_add(deepmimic_dir):
    notes = _notes(AMP, deepmimic_dir / "humanoid3d_backflip.txt")
    assert len(notes) == 1 and "humanoid3d_backflip" in notes[0] and ADD[0] in notes[0] and ADD[1] in notes[0]


def test_no_note_for_a_walk_or_for_a_flip_already_trained_with_add(deepmimic_dir):
    assert _notes(AMP, deepmimic_dir / "humanoid3d_walk.txt") == []
    assert _notes(ADD, deepmimic_dir / "humanoid3d_backflip.txt") == []
