"""Env settings in MimicKit's layout: `env_name`, an `env:` block, and optional `engine:` overrides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from amp_studio.config_loading import ConfigError, Range, build_config, find_file, load_yaml, merge_overrides
from amp_studio.envs.amp_obs import HEADINGS
from amp_studio.errors import describe


@dataclass(frozen=True)
class EnvConfig:
    """The AMP imitation env (`env_name: amp`) and the kinematic clip player (`view_motion`)."""

    char_file: str
    """Character MJCF (paths are tried from the working directory, then the repo root)."""
    motion_file: str
    """A clip or a dataset YAML of weighted clips."""
    episode_length: float = 10.0
    """Seconds before an episode times out."""
    global_obs: bool = False
    """Observations in the world frame instead of the character's heading frame."""
    heading: str = "x_axis"
    """How the heading frame is found (amp_obs.HEADINGS): `x_axis`, the yaw of the root's x axis (MimicKit's),
    or `twist`, the root rotation's twist about world z (steady where the x axis is vertical, as in a crawl)."""
    root_height_obs: bool = True
    """Include the root's height above the ground."""
    enable_early_termination: bool = True
    """End an episode as a failure when a body other than the contact bodies touches the ground."""
    termination_height: float = 0.0
    """If > 0, a touching body must also be below this height (m) to end the episode."""
    key_bodies: tuple[str, ...] | None = None
    """Bodies whose positions (relative to the root) the observations include; None: the character's head, hands
    and feet, found from its file (amp_studio.character.character_facts)."""
    contact_bodies: tuple[str, ...] | None = None
    """Bodies allowed to touch the ground; None: those that touch it in the clips (motion_checks.contact_bodies)."""
    num_disc_obs_steps: int = 10
    """Consecutive control steps in one discriminator observation."""
    rand_reset: bool = True
    """Reference state initialization: start episodes at a random clip and time (else at a clip's start)."""
    rand_reset_hard_weight: float = 0.0
    """In training only: extra weight, as episode starts, of the clips' hard frames (the pelvis tilted 60 degrees
    or more, or the root 10 cm or more above the clip's median height: a flip's or a jump's): 4 starts there five
    times as often as elsewhere. Test mode and evaluations start at uniform times. 0: off (MimicKit's)."""
    start_fail_weight: float = 0.0
    """In training only: extra weight, as episode starts, of the clips whose episodes fall (failed_start_priority):
    at 1, a clip falling at the mean rate is drawn twice as often as its weight says, one falling at three times
    the mean four times as often. Test mode and evaluations start by the clips' weights alone. 0: off (MimicKit's)."""
    zero_center_action: bool = False
    """Action 0 means DoF angle 0 (else the middle of the DoF's range)."""
    camera_mode: str = "track"
    """Viewer camera: `track` follows the character, `still` does not."""

    # Far beyond any real setting; larger ones are typos or garbage, refused before anything is allocated.
    RANGES: ClassVar[dict[str, Range]] = {
        "rand_reset_hard_weight": Range(0.0, 1e6), "start_fail_weight": Range(0.0, 1e6),
        "episode_length": Range(0.0, 86_400.0, low_open=True), "termination_height": Range(-1e3, 1e3),
        "num_disc_obs_steps": Range(1, 300),
    }

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if self.episode_length <= 0:
            return f"env.episode_length must be positive, got {self.episode_length}"
        if self.num_disc_obs_steps < 1:
            return f"env.num_disc_obs_steps must be at least 1, got {self.num_disc_obs_steps}"
        if self.heading not in HEADINGS:
            return f"env.heading: expected one of {', '.join(HEADINGS)}, got {describe(self.heading)}"
        if self.camera_mode not in ("track", "still"):
            return f"env.camera_mode: expected 'track' or 'still', got {describe(self.camera_mode)}"
        return None


@dataclass(frozen=True)
class LocationEnvConfig(EnvConfig):
    """The location task (`env_name: task_location`): walk to a target on the ground."""

    tar_dist_max: float = 10.0
    """Targets are drawn up to this far (m) from the character."""
    tar_change_time_min: float = 5.0
    """Shortest time (s) before a new target is drawn."""
    tar_change_time_max: float = 10.0
    """Longest time (s) before a new target is drawn."""
    tar_speed: float = 1.0
    """Speed (m/s) toward the target that earns the full velocity reward."""
    success_distance: float = 0.5
    """Within this distance (m) of the target an env counts as successful."""
    pos_reward_w: float = 0.5
    """Weight of the distance term of the task reward (MimicKit's names and defaults)."""
    vel_reward_w: float = 0.4
    """Weight of the speed-toward-the-target term."""
    face_reward_w: float = 0.1
    """Weight of the facing-the-target term."""
    pos_err_scale: float = 0.5
    """Distance term: exp(-pos_err_scale * distance^2)."""
    vel_err_scale: float = 4.0
    """Speed term: exp(-vel_err_scale * shortfall^2), shortfall = max(0, tar_speed - speed toward the target)."""
    dist_threshold: float = 0.5
    """Squared distance (m^2) under which the speed and facing terms are full (the character has arrived)."""

    RANGES: ClassVar[dict[str, Range]] = {
        **EnvConfig.RANGES, "tar_dist_max": Range(0.0, 1e4), "tar_change_time_min": Range(0.0, 1e6, low_open=True),
        "tar_change_time_max": Range(0.0, 1e6, low_open=True), "tar_speed": Range(0.0, 100.0),
        "success_distance": Range(0.0, 1e4), "pos_reward_w": Range(0.0, 1e3), "vel_reward_w": Range(0.0, 1e3),
        "face_reward_w": Range(0.0, 1e3), "pos_err_scale": Range(0.0, 1e6), "vel_err_scale": Range(0.0, 1e6),
        "dist_threshold": Range(0.0, 1e6),
    }

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if not 0 < self.tar_change_time_min <= self.tar_change_time_max:
            return "env.tar_change_time_min must be positive and at most env.tar_change_time_max"
        if self.tar_dist_max < 0:
            return f"env.tar_dist_max must not be negative, got {self.tar_dist_max}"
        weights = (self.pos_reward_w, self.vel_reward_w, self.face_reward_w)
        if min(weights) < 0 or sum(weights) <= 0:
            return f"env.pos_reward_w, vel_reward_w, face_reward_w must be >= 0 and not all 0, got {weights}"
        return super().validate()


@dataclass(frozen=True)
class SteeringEnvConfig(EnvConfig):
    """The steering task (`env_name: task_steering`, MimicKit's name and settings): move at a commanded speed in a
    commanded direction, facing a commanded way; a new command every tar_change_time_min..max seconds."""

    tar_speed_min: float | None = None
    """Slowest commanded speed (m/s); None: the clips' own (motion.clip_speeds.root_speed_range)."""
    tar_speed_max: float | None = None
    """Fastest commanded speed (m/s); None: the clips' own."""
    tar_change_time_min: float = 4.0
    """Shortest time (s) before a new command is drawn."""
    tar_change_time_max: float = 7.0
    """Longest time (s) before a new command is drawn."""
    rand_tar_dir: bool = True
    """Directions drawn all around (else always the world's +x)."""
    rand_face_dir: bool = False
    """Facings drawn apart from the direction (sideways and backwards steps; else facing where it goes)."""
    clip_command_prob: float = 0.0
    """Share of episode starts whose first command is the clip's own motion there (the direction and speed, within
    the range, of its planar velocity at the start), so that a start in the middle of a run is asked to go on
    running; the other starts, and every later command, are drawn at random (MimicKit's: 0)."""
    reward_steering_tar_w: float = 0.7
    """Weight of the velocity term: exp(-reward_steering_vel_scale |speed * direction - planar velocity|^2)."""
    reward_steering_face_w: float = 0.3
    """Weight of the facing term: max(0, commanded facing . heading)."""
    reward_steering_vel_scale: float = 0.5
    """The velocity term's scale (1/(m/s)^2; unitless when the error is relative)."""
    reward_steering_vel_relative: bool = False
    """Measure the velocity error as a share of the commanded speed (at least 0.5 m/s), so that a walk's 0.2 m/s
    miss costs as much as a run's 0.6 (MimicKit's: false, the error in m/s)."""

    RANGES: ClassVar[dict[str, Range]] = {
        **EnvConfig.RANGES, "tar_speed_min": Range(0.0, 100.0), "tar_speed_max": Range(0.0, 100.0),
        "tar_change_time_min": Range(0.0, 1e6, low_open=True), "tar_change_time_max": Range(0.0, 1e6, low_open=True),
        "reward_steering_tar_w": Range(0.0, 1e3), "reward_steering_face_w": Range(0.0, 1e3),
        "reward_steering_vel_scale": Range(0.0, 1e6), "clip_command_prob": Range(0.0, 1.0),
    }

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if not 0 < self.tar_change_time_min <= self.tar_change_time_max:
            return "env.tar_change_time_min must be positive and at most env.tar_change_time_max"
        lo, hi = self.tar_speed_min, self.tar_speed_max
        if lo is not None and hi is not None and lo > hi:
            return f"env.tar_speed_min ({lo:g}) must be at most env.tar_speed_max ({hi:g})"
        if self.reward_steering_tar_w + self.reward_steering_face_w <= 0:
            return "env.reward_steering_tar_w and reward_steering_face_w must not both be 0"
        return super().validate()


@dataclass(frozen=True)
class TrackingEnvConfig(EnvConfig):
    """Motion tracking for ADD (`env_name: add`, MimicKit's): each episode follows its clip from the start time in
    step, the policy sees the clip's next poses, and the discriminator the difference between the two."""

    num_disc_obs_steps: int = 1
    """The discriminator compares one control step with the clip's (ADD's); only 1 is accepted."""
    tar_obs_steps: tuple[int, ...] = (1, 2, 3)
    """Control steps ahead at which the policy observes the clip's pose (MimicKit's [1, 2, 3])."""
    pose_termination: bool = True
    """End an episode (a fall) when a body is farther than pose_termination_dist from the clip's, or, with
    global_obs, the root is."""
    pose_termination_dist: float = 1.0
    """m."""
    root_height_termination_dist: float = 0.0
    """End an episode (a fall) when the root is farther than this above or below the clip's root (m); 0: off.
    Pose termination compares 3D distances of about a metre, which a jump not taken (its top missed by ~0.3 m)
    never reaches; this ends such an episode at the jump's top, whatever the drift along the ground."""
    tracking_reward_scale: float = 10.0
    """The env (task) reward: exp(-scale * mean squared distance of the bodies from the clip's, relative to the
    root) in [0, 1]; weighed against the discriminator's by the agent's task_reward_weight."""
    tracking_root_weight: float = 0.0
    """The share of the tracking reward given to the root's distance from the clip's root in the world
    (tracking_obs.ROOT_REWARD_SCALE): a dense signal against the drift that pose termination ends with global_obs."""

    RANGES: ClassVar[dict[str, Range]] = {
        **EnvConfig.RANGES, "pose_termination_dist": Range(0.0, 1e3, low_open=True),
        "root_height_termination_dist": Range(0.0, 1e3),
        "tracking_reward_scale": Range(0.0, 1e6), "tracking_root_weight": Range(0.0, 1.0),
    }

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if self.num_disc_obs_steps != 1:
            return f"env.num_disc_obs_steps: the add env compares one step with the clip, got {self.num_disc_obs_steps}"
        if not self.tar_obs_steps or any(k < 1 or k > 1000 for k in self.tar_obs_steps):
            return f"env.tar_obs_steps: expected control steps ahead from 1 to 1000, got {list(self.tar_obs_steps)}"
        return super().validate()


ENV_CONFIGS = {"amp": EnvConfig, "view_motion": EnvConfig, "task_location": LocationEnvConfig,
               "task_steering": SteeringEnvConfig, "add": TrackingEnvConfig}


def load_env_config(path: str | Path, overrides: dict | None = None) -> tuple[str, EnvConfig, dict]:
    """(env_name, env config, engine overrides) from an env YAML; overrides replace keys of its env block."""
    doc = load_yaml(path)
    for key in doc:
        if key not in ("env_name", "env", "engine"):
            raise ConfigError(path, f"unknown top-level key '{str(key)[:80]}' (expected env_name, env and optionally "
                                    "engine)")
    name = doc.get("env_name")
    if not isinstance(name, str) or name not in ENV_CONFIGS:
        raise ConfigError(path, f"env_name: expected one of {', '.join(ENV_CONFIGS)}, got {describe(name)}")
    block = doc.get("env") or {}
    if not isinstance(block, dict):
        raise ConfigError(path, "env: expected a mapping of settings")
    block = merge_overrides(block, overrides)
    engine = doc.get("engine") or {}
    if not isinstance(engine, dict):
        raise ConfigError(path, "engine: expected a mapping of engine settings to override")
    config = build_config(ENV_CONFIGS[name], block, path, "env")
    _check_files(config, path, overrides or {})
    return name, config, engine


def _check_files(config: EnvConfig, path: str | Path, overrides: dict) -> None:
    """The files the config names exist, and the bodies it names are the character's; problems name the config
    (a motion file given as an override is checked where it is read, and named there)."""
    from amp_studio.character import CharacterModel

    char_file = find_file(config.char_file, path, "env.char_file")
    if "motion_file" not in overrides:
        find_file(config.motion_file, path, "env.motion_file")
    bodies = CharacterModel(char_file).body_names
    for field in ("key_bodies", "contact_bodies"):
        unknown = [name for name in getattr(config, field) or () if name not in bodies]
        if unknown:
            raise ConfigError(path, f"field 'env.{field}': no body named {describe(unknown[0])} on {config.char_file} "
                                    f"(bodies: {', '.join(bodies)})")
