"""What task return is possible at all: the location task's reward earned by an ideal walker, not a policy.

The normalized task return (mean task reward per step, in [0, 1]) depends on the env config as much as on the
controller: targets up to tar_dist_max away, re-drawn every tar_change_time_min..max seconds, and a reward that
pays for distance only near the target. This puts a yardstick beside a trained model's figure: a point character
that turns in place toward each new target at a fixed rate, then walks straight to it at a fixed speed and stops
on it, scored with the env's own reward function (amp_studio.envs.location_reward) and the env's own
target schedule, over the same 10-s episodes as evaluation. It never falls and needs no time to start or stop,
so its returns are upper bounds for a controller with that speed and turning rate.

    python benchmarks/learning/location_return_bound.py
        [--env_config data/envs/amp_location_locomotion_humanoid_env.yaml]
        [--engine_config data/engines/mujoco_engine.yaml] [--speeds 1.0 1.35 2 3] [--turn_rates 0 180 90] [--envs 4096]

A turn rate of 0 means turning takes no time. Last line: one JSON list of the rows.
"""

from __future__ import annotations

import argparse
import json
import math

import torch

from amp_studio import DATA_DIR
from amp_studio.engines.engine_config import load_engine_config
from amp_studio.envs.amp_obs import quat_from_heading
from amp_studio.envs.env_config import LocationEnvConfig, load_env_config
from amp_studio.envs.location_reward import location_reward


def wrap(angle: torch.Tensor) -> torch.Tensor:
    return torch.remainder(angle + math.pi, 2 * math.pi) - math.pi


def ideal_walker(cfg: LocationEnvConfig, dt: float, speed: float, turn_rate: float, envs: int,
                 seed: int) -> dict[str, float]:
    """Return, success rate and final distance of the ideal walker over one episode in each of `envs` envs, at
    control step dt (s); turn_rate in rad/s (0: instant)."""
    g = torch.Generator().manual_seed(seed)
    steps = round(cfg.episode_length / dt)
    pos = torch.zeros(envs, 2)
    heading = 2 * math.pi * torch.rand(envs, generator=g)
    target = torch.zeros(envs, 2)
    left = torch.zeros(envs, dtype=torch.long)

    def draw(ids: torch.Tensor) -> None:
        dist = cfg.tar_dist_max * torch.rand(len(ids), generator=g)
        angle = 2 * math.pi * torch.rand(len(ids), generator=g)
        target[ids] = pos[ids] + dist.unsqueeze(-1) * torch.stack((angle.cos(), angle.sin()), -1)
        seconds = cfg.tar_change_time_min + (cfg.tar_change_time_max - cfg.tar_change_time_min) * torch.rand(
            len(ids), generator=g)
        left[ids] = (seconds / dt).round().long().clamp_min(1)

    draw(torch.arange(envs))
    total = torch.zeros(envs)
    for _ in range(steps):
        offset = target - pos
        dist = offset.norm(dim=-1)
        error = wrap(torch.atan2(offset[:, 1], offset[:, 0]) - heading)
        # Near the target the direction is meaningless: no turning there, it has arrived.
        turning = (dist > 1e-3) & (error.abs() > 1e-3)
        max_turn = math.inf if turn_rate == 0 else turn_rate * dt
        heading = torch.where(turning, heading + error.clamp(-max_turn, max_turn), heading)
        aligned = wrap(torch.atan2(offset[:, 1], offset[:, 0]) - heading).abs() < 1e-3
        step = torch.where(aligned, torch.minimum(dist, torch.full_like(dist, speed * dt)), 0.0)
        direction = offset / dist.clamp_min(1e-9).unsqueeze(-1)
        vel = direction * (step / dt).unsqueeze(-1)
        pos = pos + direction * step.unsqueeze(-1)
        total += location_reward(pos, vel, quat_from_heading(heading), target, cfg)
        left -= 1
        expired = torch.nonzero(left <= 0).flatten()
        if len(expired):
            draw(expired)
    final = (target - pos).norm(dim=-1)
    return {"speed": speed, "turn_rate_deg_s": math.degrees(turn_rate), "task_return": float(total.mean() / steps),
            "success_rate": float((final < cfg.success_distance).float().mean()),
            "final_distance_mean": float(final.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_location_locomotion_humanoid_env.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"),
                        help="for its control frequency")
    parser.add_argument("--speeds", type=float, nargs="+", default=[1.0, 1.35, 2.0, 3.0], help="m/s")
    parser.add_argument("--turn_rates", type=float, nargs="+", default=[0.0, 180.0, 90.0],
                        help="degrees per second (0: instant)")
    parser.add_argument("--envs", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    env_name, cfg, _ = load_env_config(args.env_config)
    if not isinstance(cfg, LocationEnvConfig):
        raise SystemExit(f"error: {args.env_config}: env_name is {env_name}, not the location task")
    dt = 1 / load_engine_config(args.engine_config).control_freq
    print(f"{args.env_config}: targets up to {cfg.tar_dist_max:g} m, re-drawn every {cfg.tar_change_time_min:g}-"
          f"{cfg.tar_change_time_max:g} s, {cfg.episode_length:g}-s episodes, full speed reward at "
          f"{cfg.tar_speed:g} m/s")
    print(f"{'speed m/s':>9} {'turn deg/s':>10} {'task return':>11} {'success':>7} {'final m':>7}")
    rows = []
    for speed in args.speeds:
        for rate in args.turn_rates:
            r = ideal_walker(cfg, dt, speed, math.radians(rate), args.envs, args.seed)
            rows.append({k: round(v, 4) for k, v in r.items()})
            turn = "instant" if rate == 0 else f"{rate:g}"
            print(f"{speed:9.2f} {turn:>10} {r['task_return']:11.3f} {r['success_rate']:7.2f} "
                  f"{r['final_distance_mean']:7.2f}", flush=True)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
