"""Skill measures a standing character cannot fake: how far an episode reached its clip's own extremes (the pelvis's
tilt from upright, its turn about the vertical, the root's height, the longest time in the air) and how often it
performed the clip's key event (an inversion, a full turn, a flight).

DTW aligns a character that stands and sways with a flip clip's standing frames and reports a small pose error;
these measures are computed from the root and the body heights alone, and the clip's own values come from playing
the clip through the same tracker, so a clip and a policy are measured by one rule."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from amp_studio.rotations import quat_conj, quat_mul, quat_to_exp_map, tilt_deg

INVERSION_DEG = 120.0
"""An inversion: the pelvis's up axis more than this from the world's up (a flip's or a cartwheel's top)."""
REARM_DEG = 90.0
"""After an inversion, the pelvis must come back this near upright before another one counts."""
FULL_TURN_DEG = 288.0
"""A full turn about the vertical, with the 0.8 allowance every other measure has (0.8 of 360); the turns after
it are counted 360 degrees apart."""
FLIGHT_EVENT_S = 0.25
"""A flight: this long with every body off the ground. A run's or a jog's strides (0.17-0.20 s by this rule on the
DeepMimic clips) are not; the jump's, the flips' and the spins' (0.43-0.57 s) are."""
FLIGHT_CLEARANCE = 0.05
"""m: every body origin this far above the clip's floor counts as off the ground."""
FLOOR_PERCENTILE = 10.0
"""The clip's floor: this percentile of its frames' lowest body origin (a foot on the ground)."""
REACHED = 0.8
"""A measure is reached at this fraction of the clip's own."""
SIGNIFICANT = {"tilt": 60.0, "turn": 180.0, "airborne": FLIGHT_EVENT_S}
"""The clip's extremes that make a skill (deg, deg, s); smaller ones (a walk's sway) are reported but not required.
The root's height always counts."""
EVENTS = ("inversion", "full_turn", "flight")
"""Key events, in the order a clip's own is chosen: the first the clip performs."""

SKILL_KEYS = ("skill_reached", "skill_extremes", "skill_events", "skill_events_expected", "skill_events_share",
              "skill_tilt", "skill_turn", "skill_height", "skill_airborne")
"""The per-episode measures (SkillTracker.episode), in the order reports list them."""


@dataclass(frozen=True)
class SkillReference:
    """A clip's own extremes and key event, as the tracker measures them over its playback."""

    tilt_deg: float
    turn_deg: float
    height: float
    airborne_s: float
    event: str | None
    """The clip's key event (one of EVENTS), or None for a clip that performs none (a walk)."""
    events_per_second: float
    wraps: bool
    events_per_clip: float
    floor: float
    """m: the height of the clip's lowest body origin with a foot on the ground."""

    def expected_events(self, seconds: float) -> float:
        """Key events the clip performs in an episode this long (a clip that does not wrap, once at most)."""
        if self.event is None:
            return 0.0
        expected = self.events_per_second * seconds
        return expected if self.wraps else min(expected, self.events_per_clip)


def turn_deg(previous_rot: torch.Tensor, root_rot: torch.Tensor) -> torch.Tensor:
    """Signed turn about the world's vertical between two orientations, in degrees. Shape: (N, 4) x2 -> (N,)."""
    return torch.rad2deg(quat_to_exp_map(quat_mul(root_rot, quat_conj(previous_rot)))[..., 2])


def inversion_step(armed: torch.Tensor, tilt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of the inversion rule: an inversion where armed and the tilt reaches INVERSION_DEG; armed again
    once the tilt is back under REARM_DEG. Returns (inverted, armed). Shapes: (N,) bool, (N,) deg."""
    inverted = armed & (tilt >= INVERSION_DEG)
    return inverted, (armed & ~inverted) | (tilt < REARM_DEG)


class SkillTracker:
    """Per env, the running extremes and event counts of the episode under way.

    Call `restart(ids, root_rot)` when episodes begin, `add(root_pos, root_rot, body_pos, floor)` after every
    control step (before the ended envs are reset), and `episode(i)` for an ended episode's measures."""

    def __init__(self, num_envs: int, dt: float):
        self.dt = dt
        z = torch.zeros
        self.steps = z(num_envs, dtype=torch.long)
        self.tilt = z(num_envs)
        self.height = z(num_envs)
        self.turn, self.turn_low, self.turn_high, self.turn_base = z(num_envs), z(num_envs), z(num_envs), z(num_envs)
        self.flight, self.longest_flight = z(num_envs, dtype=torch.long), z(num_envs, dtype=torch.long)
        self.counts = {event: z(num_envs, dtype=torch.long) for event in EVENTS}
        self.armed = torch.ones(num_envs, dtype=torch.bool)
        self.previous_rot = torch.tensor([1.0, 0.0, 0.0, 0.0]).repeat(num_envs, 1)
        self.flight_steps = max(1, math.ceil(FLIGHT_EVENT_S / dt - 1e-9))

    def restart(self, ids: torch.Tensor, root_rot: torch.Tensor) -> None:
        """Episodes begin at these envs, with the root at these orientations. Shape: (k,), (k, 4)."""
        for value in (self.steps, self.tilt, self.height, self.turn, self.turn_low, self.turn_high, self.turn_base,
                      self.flight, self.longest_flight, *self.counts.values()):
            value[ids] = 0
        self.armed[ids] = True
        self.previous_rot[ids] = root_rot.float()

    def add(self, root_pos: torch.Tensor, root_rot: torch.Tensor, body_pos: torch.Tensor,
            floor: torch.Tensor | float) -> None:
        """One control step of every env. Shapes: (N, 3), (N, 4), (N, B, 3); floor (N,) or one value (m)."""
        root_rot = root_rot.float()
        self.steps += 1
        tilt = tilt_deg(root_rot)
        self.tilt = torch.maximum(self.tilt, tilt)
        self.height = torch.maximum(self.height, root_pos[:, 2].float())
        inverted, self.armed = inversion_step(self.armed, tilt)
        self.counts["inversion"] += inverted.long()

        self.turn += turn_deg(self.previous_rot, root_rot)
        self.previous_rot = root_rot
        self.turn_low = torch.minimum(self.turn_low, self.turn)
        self.turn_high = torch.maximum(self.turn_high, self.turn)
        since = self.turn - self.turn_base
        full = since.abs() >= FULL_TURN_DEG
        self.counts["full_turn"] += full.long()
        # The next turn is counted from where this one would have ended at 360: a long spin counts its turns.
        self.turn_base = torch.where(full, self.turn_base + 360.0 * torch.sign(since), self.turn_base)

        airborne = body_pos[..., 2].float().amin(dim=-1) > torch.as_tensor(floor) + FLIGHT_CLEARANCE
        self.flight = torch.where(airborne, self.flight + 1, 0)
        self.longest_flight = torch.maximum(self.longest_flight, self.flight)
        self.counts["flight"] += (self.flight == self.flight_steps).long()

    def raw(self, i: int) -> dict[str, float]:
        """Env i's episode so far in absolute terms: extremes (deg, deg, m, s), seconds and event counts. The turn
        is the largest between any two moments of the episode, either way."""
        turn = float(self.turn[i])
        return {"tilt_deg": float(self.tilt[i]),
                "turn_deg": max(turn - float(self.turn_low[i]), float(self.turn_high[i]) - turn),
                "height": float(self.height[i]), "airborne_s": float(self.longest_flight[i]) * self.dt,
                "seconds": float(self.steps[i]) * self.dt,
                **{event: float(count[i]) for event, count in self.counts.items()}}

    def episode(self, i: int, reference: SkillReference) -> dict[str, float]:
        """Env i's episode measured against its clip: the root height and each of the clip's SIGNIFICANT extremes
        as a fraction of the clip's own (skill_height, skill_tilt, skill_turn, skill_airborne; the others are left
        out: a fraction of a walk's 7-degree sway says nothing), the smallest of them capped at 1
        (skill_extremes), the key event's count and how many the clip performs in as long, and whether the skill
        was reached (1.0 or 0.0): skill_extremes and the share of the events at REACHED or more."""
        raw = self.raw(i)
        own = {"tilt": reference.tilt_deg, "turn": reference.turn_deg, "height": reference.height,
               "airborne": reference.airborne_s}
        got = {"tilt": raw["tilt_deg"], "turn": raw["turn_deg"], "height": raw["height"], "airborne": raw["airborne_s"]}
        counted = {name for name, least in SIGNIFICANT.items() if own[name] >= least} | {"height"}
        fractions = {name: got[name] / own[name] for name in counted}
        expected = reference.expected_events(raw["seconds"])
        events = raw[reference.event] if reference.event is not None else 0.0
        events_share = min(events / expected, 1.0) if expected > 0 else 1.0
        extremes = min(min(fractions.values()), 1.0)
        reached = extremes >= REACHED and events_share >= REACHED
        return {"skill_extremes": extremes, "skill_events": events, "skill_events_expected": expected,
                "skill_events_share": events_share, "skill_reached": float(reached),
                **{f"skill_{name}": fraction for name, fraction in fractions.items()}}


class EpisodeSkills:
    """The skill measures of a vectorized env's episodes, each against the clip it started in: what the trainer and
    the evaluation share. Call `restart(ids)` after the env resets those envs, `step()` after each env step
    (before resets), and `ended(ids)` for the measures of the episodes that just ended."""

    def __init__(self, env):
        self.env = env
        self.references = [clip_reference(env, clip) for clip in range(env.motion_lib.num_clips)]
        self._floors = torch.tensor([reference.floor for reference in self.references])
        self.tracker = SkillTracker(env.num_envs, env.dt)

    def restart(self, ids: torch.Tensor) -> None:
        self.tracker.restart(ids, self.env.engine.get_state().root_rot[ids])

    def step(self) -> None:
        engine = self.env.engine
        state = engine.get_state()
        self.tracker.add(state.root_pos, state.root_rot, engine.body_pos, self._floors[self.env.episode_clips])

    def ended(self, ids: torch.Tensor) -> list[dict[str, float]]:
        clips = self.env.episode_clips[ids].tolist()
        # zip without strict=: the worker side keeps to Python 3.8 (the lists are one length by construction).
        return [self.tracker.episode(i, self.references[clip]) for i, clip in zip(ids.tolist(), clips)]  # noqa: B905


def summarize(episodes: list[dict[str, float]]) -> dict[str, float]:
    """Means over episodes of each measure, in SKILL_KEYS order (skill_reached: the share of episodes that reached
    the skill); an extreme's mean is over the episodes whose clip has it (see SkillTracker.episode)."""
    return {key: float(np.mean(values)) for key in SKILL_KEYS
            if (values := [e[key] for e in episodes if key in e])}


def clip_reference(env, clip_id: int) -> SkillReference:
    """A clip's own measures: the clip played through a SkillTracker at the env's control rate (twice round for a
    clip that wraps, so an event across its seam counts; the turn over its first time round, since a wrap may
    jump the heading back)."""
    lib = env.motion_lib
    length = float(lib.clip_lengths[clip_id])
    wraps = bool(lib.clip_wraps[clip_id])
    loops = 2 if wraps else 1
    times = torch.arange(0.0, loops * length, env.dt, dtype=torch.float64)
    state = lib.get_state(torch.full((len(times),), clip_id, dtype=torch.long), times)
    body_pos, _ = env.character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    floor = float(np.percentile(body_pos[..., 2].amin(dim=-1).numpy(), FLOOR_PERCENTILE))
    tracker = SkillTracker(1, env.dt)
    tracker.restart(torch.tensor([0]), state.root_rot[:1])
    first_round = max(1, len(times) // loops)
    for t in range(len(times)):
        tracker.add(state.root_pos[t:t + 1], state.root_rot[t:t + 1], body_pos[t:t + 1], floor)
        if t == first_round - 1:
            first = tracker.raw(0)
    both = tracker.raw(0)
    per_clip = {"inversion": both["inversion"] / loops, "flight": both["flight"] / loops,
                "full_turn": first["full_turn"]}
    event = next((name for name in EVENTS if per_clip[name] >= 0.5), None)
    count = per_clip[event] if event is not None else 0.0
    return SkillReference(tilt_deg=both["tilt_deg"], turn_deg=first["turn_deg"], height=both["height"],
                          airborne_s=both["airborne_s"], event=event, events_per_second=count / max(length, 1e-6),
                          wraps=wraps, events_per_clip=count, floor=floor)
