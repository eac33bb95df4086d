"""The AMP imitation env: a character under physics, reset into clips, observed for a policy and a discriminator."""

from __future__ import annotations

import dataclasses

import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.config_loading import resolve_path
from amp_studio.engines import EngineConfig, make_engine
from amp_studio.envs.amp_obs import compute_disc_obs, compute_policy_obs, step_features
from amp_studio.envs.env_config import EnvConfig
from amp_studio.envs.failed_start_priority import FailedStartPriority
from amp_studio.envs.policy_mirror import AffineMirror, PolicyMirror, action_mirror, policy_obs_mirror
from amp_studio.envs.vec_env import DoneFlag, VecEnv
from amp_studio.motion import MotionLibrary

_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(CharacterState))


def action_scaling(character: CharacterModel, zero_center_action: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """PD target = offset + scale * action: action 0 is the middle of each DoF's range (or angle 0 when
    zero-centred) and +-1 its ends. Shapes: (num_dofs,), (num_dofs,)."""
    # An unlimited DoF (a free hinge, or a ball joint without a range, common in SMPL-style files) spans one turn
    # each way: an action of +-1 then reaches any rotation, and the scale stays finite.
    lo = torch.clamp(character.dof_lower, min=-torch.pi)
    hi = torch.clamp(character.dof_upper, max=torch.pi)
    if zero_center_action:
        return torch.zeros_like(lo), torch.maximum(lo.abs(), hi.abs())
    return 0.5 * (lo + hi), 0.5 * (hi - lo)


class AMPEnv(VecEnv):
    """Imitation by adversarial motion priors: the env reward is zero; style comes from the discriminator.

    `info["disc_obs"]` after each step is the agent's discriminator observation over the last
    `num_disc_obs_steps` control steps; `fetch_disc_obs_demo(n)` gives the same observation of clip windows.
    """

    RESET_BATCH = 64
    """Episode starts prepared at once: a few envs reset at nearly every step, and one clip lookup and FK for 64
    starts costs little more than one for a single start."""

    def __init__(self, config: EnvConfig, engine_config: EngineConfig, num_envs: int, seed: int | None = None,
                 motion_lib: MotionLibrary | None = None):
        self.config = config
        self.num_envs = num_envs
        key_bodies = None if config.key_bodies is None else tuple(config.key_bodies)
        self.character = CharacterModel(resolve_path(config.char_file), key_bodies=key_bodies)
        self.motion_lib = motion_lib or MotionLibrary.from_file(resolve_path(config.motion_file), self.character)
        self.engine = make_engine(engine_config, self.character, num_envs)
        self.dt = self.engine.control_dt
        self.generator = torch.Generator()
        self.generator.manual_seed(seed if seed is not None else torch.seed())
        # Demo windows have their own stream: the trainer fetches them on a background thread while episodes
        # reset on the main thread.
        self.demo_generator = torch.Generator()
        self.demo_generator.manual_seed(int(torch.randint(0, 2**62, (1,), generator=self.generator)))

        ch = self.character
        self.key_body_ids = torch.tensor(ch.key_body_ids, dtype=torch.long)
        contact = torch.zeros(ch.num_bodies, dtype=torch.bool)
        self.contact_bodies = (config.contact_bodies if config.contact_bodies is not None
                               else self.motion_lib.contact_bodies())
        contact[[ch.body_id(name) for name in self.contact_bodies]] = True
        self.non_contact_bodies = ~contact
        self.action_offset, self.action_scale = action_scaling(ch, config.zero_center_action)
        self.max_episode_steps = max(1, round(config.episode_length / self.dt))
        self.progress = torch.zeros(num_envs, dtype=torch.long)
        self.episode_clips = torch.zeros(num_envs, dtype=torch.long)
        """Per env, the clip its episode started in (skill measures compare an episode with its own clip)."""
        self.start_priority: FailedStartPriority | None = None
        """Set by use_training_starts: start clips weighted toward those whose episodes fall."""
        self.hard_start_weight = 0.0
        """Set by use_training_starts: start times weighted toward the clips' hard frames."""
        self.num_disc_steps = config.num_disc_obs_steps
        self.obs_heading = None if config.global_obs else config.heading  # the observations' frame

        self.action_dim = ch.num_dofs
        self._vec, self._flat = self._features(self.engine.get_state())
        # The discriminator window lives in a ring of 2K steps, each step written at j and j + K: the last K
        # steps are then always the slice [head + 1, head + 1 + K), oldest first, with nothing shifted.
        k = self.num_disc_steps
        self._ring_vec = self._vec.unsqueeze(1).repeat_interleave(2 * k, 1).contiguous()
        self._ring_flat = self._flat.unsqueeze(1).repeat_interleave(2 * k, 1).contiguous()
        self._head = k - 1
        self._init_task()
        self._obs = self._compute_obs()
        self._pending_starts: dict[str, torch.Tensor] = {}
        self.reset()
        self.obs_dim = int(self._obs.shape[-1])
        self.disc_obs_dim = int(self.disc_obs().shape[-1])

    # ----- resets -----

    def reset(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Reference state initialization for env_ids (all if None). Returns every env's observation."""
        ids = torch.arange(self.num_envs) if env_ids is None else env_ids.long()
        if len(ids):
            self._start(ids, self._take_random_starts(len(ids)))
        return self._obs

    def _take_random_starts(self, n: int) -> dict[str, torch.Tensor]:
        """n starts drawn by clip weight (at random times if rand_reset), from a batch prepared ahead."""
        if len(self._pending_starts.get("vec", ())) < n:
            m = max(n, self.RESET_BATCH)
            if self.start_priority is None:
                clip_ids = self.motion_lib.sample_clips(m, generator=self.generator)
            else:
                weights = self.start_priority.clip_weights(self.motion_lib.clip_weights)
                clip_ids = torch.multinomial(weights, m, replacement=True, generator=self.generator)
            if self.config.rand_reset:
                times = self.motion_lib.sample_times(clip_ids, generator=self.generator,
                                                      hard_weight=self.hard_start_weight)
            else:
                times = torch.zeros(m, dtype=self.motion_lib.dtype)
            self._pending_starts = self._starts(clip_ids, times)
        taken = {key: value[:n] for key, value in self._pending_starts.items()}
        self._pending_starts = {key: value[n:] for key, value in self._pending_starts.items()}
        return taken

    def use_training_starts(self) -> None:
        """From now on draw starts as training does (the trainer's env): clips toward those whose episodes fall
        (config.start_fail_weight, FailedStartPriority) and times toward hard frames (config.rand_reset_hard_weight).
        Evaluations and test mode start where the clip weights say, at uniform times; starts already prepared are
        used first."""
        weight = self.config.start_fail_weight
        self.start_priority = FailedStartPriority(len(self.motion_lib.clips), weight) if weight > 0 else None
        self.hard_start_weight = self.config.rand_reset_hard_weight

    def reset_to(self, env_ids: torch.Tensor, clip_ids: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """Start env_ids at the given clips and times; the discriminator history is the clip up to that time."""
        self._start(env_ids, self._starts(clip_ids, times))
        return self._obs

    def _starts(self, clip_ids: torch.Tensor, times: torch.Tensor) -> dict[str, torch.Tensor]:
        """Episode starts at clip times: each window's states (by CharacterState field) and features, (n, K, ...)."""
        n, k = len(clip_ids), self.num_disc_steps
        window = self._clip_window(clip_ids, times)
        vec, flat = self._features(window)
        starts = {name: getattr(window, name).reshape(n, k, -1) for name in _STATE_FIELDS}
        starts.update(vec=vec.reshape((n, k) + vec.shape[1:]), flat=flat.reshape(n, k, -1), clip=clip_ids.long(),
                      time=times.double())
        return starts

    def _start(self, env_ids: torch.Tensor, starts: dict[str, torch.Tensor]) -> None:
        """Put env_ids at the last state of their start windows, with the windows as discriminator history."""
        k = self.num_disc_steps
        self.engine.reset(env_ids, CharacterState(*(starts[name][:, -1] for name in _STATE_FIELDS)))
        self.progress[env_ids] = 0
        self.episode_clips[env_ids] = starts["clip"]
        vec, flat = starts["vec"], starts["flat"]
        ring = torch.arange(self._head + 1, self._head + 1 + k) % k  # the window's places, oldest first
        slots = torch.cat((ring, ring + k))
        rows = env_ids.unsqueeze(1)
        self._ring_vec[rows, slots] = vec.repeat(1, 2, 1, 1)
        self._ring_flat[rows, slots] = flat.repeat(1, 2, 1)
        self._vec[env_ids] = vec[:, -1]
        self._flat[env_ids] = flat[:, -1]
        self._reset_task(env_ids)
        self._obs[env_ids] = self._compute_obs(env_ids)

    def _clip_window(self, clip_ids: torch.Tensor, times: torch.Tensor) -> CharacterState:
        """Clip states at the num_disc_obs_steps control steps ending at times, oldest first (flattened)."""
        k = self.num_disc_steps
        offsets = torch.arange(-(k - 1), 1, dtype=times.dtype) * self.dt
        return self.motion_lib.get_state(clip_ids.repeat_interleave(k), (times.unsqueeze(1) + offsets).reshape(-1))

    def _init_task(self) -> None:
        """Hook for task envs: allocate task state before the first reset."""

    def _reset_task(self, env_ids: torch.Tensor) -> None:
        """Hook for task envs: task state of newly started episodes."""

    def _random_steps(self, n: int, seconds_min: float, seconds_max: float) -> torch.Tensor:
        """For task envs: n control-step counts of uniformly random durations (at least one step). Shape: (n,)."""
        seconds = seconds_min + (seconds_max - seconds_min) * torch.rand(n, generator=self.generator)
        return (seconds / self.dt).round().long().clamp_min(1)

    # ----- features and observations -----

    def _features(self, state: CharacterState, body_pos: torch.Tensor | None = None,
                  joint_mat: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One step's packed features of a batch of states (see amp_obs.step_features)."""
        state = state.to(torch.float32)
        if body_pos is None:
            body_pos, _, joint_mat = self.character.kinematic_tree()(state.root_pos, state.root_rot, state.dof_pos)
        return step_features(state.root_pos, state.root_rot, state.root_vel, state.root_ang_vel, joint_mat,
                             state.dof_vel, body_pos[:, self.key_body_ids])

    def disc_obs(self) -> torch.Tensor:
        """The agent's discriminator observation now. Shape: (num_envs, disc_obs_dim)."""
        c = self.config
        return compute_disc_obs(*self._window(), self.obs_heading, c.root_height_obs)

    def _window(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The agent's last K steps of packed features, oldest first (views of the ring)."""
        k = self.num_disc_steps
        return (self._ring_vec[:, self._head + 1:self._head + 1 + k],
                self._ring_flat[:, self._head + 1:self._head + 1 + k])

    def disc_obs_demo(self, clip_ids: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """The discriminator observation of clip windows ending at times. Shape: (n, disc_obs_dim)."""
        n, k = len(clip_ids), self.num_disc_steps
        vec, flat = self._features(self._clip_window(clip_ids, times))
        c = self.config
        return compute_disc_obs(vec.reshape((n, k) + vec.shape[1:]), flat.reshape(n, k, -1), self.obs_heading,
                                c.root_height_obs)

    def fetch_disc_obs_demo(self, n: int) -> torch.Tensor:
        """Discriminator observations of n clip windows sampled by clip weight and uniformly in time.

        Uses only `demo_generator` and read-only clip data, so it may run beside stepping and resets."""
        clip_ids = self.motion_lib.sample_clips(n, generator=self.demo_generator)
        times = self.motion_lib.sample_times(clip_ids, generator=self.demo_generator)
        return self.disc_obs_demo(clip_ids, times)

    def _compute_obs(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Policy observations of env_ids (all if None)."""
        vec, flat = (self._vec, self._flat) if env_ids is None else (self._vec[env_ids], self._flat[env_ids])
        return compute_policy_obs(vec, flat, self.obs_heading, self.config.root_height_obs)

    def policy_mirror(self) -> PolicyMirror:
        """Left-right mirrors of this env's policy observations and actions (symmetry augmentation)."""
        ids = self.key_body_ids.tolist()
        obs = policy_obs_mirror(self.character, ids, self.config.root_height_obs).then(self._task_obs_mirror())
        return PolicyMirror(obs, action_mirror(self.character, self.action_offset, self.action_scale))

    def _task_obs_mirror(self) -> AffineMirror:
        """Hook for task envs: the mirror of the task's part of the observation (none here)."""
        return AffineMirror.signed([], [])

    # ----- stepping -----

    def clip_mean_action(self) -> torch.Tensor:
        """The normalized action whose PD targets are the clips' mean pose. Shape: (action_dim,)."""
        mean_pose = self.motion_lib._dof_pos.float().mean(0)
        return ((mean_pose - self.action_offset) / self.action_scale).clamp(-1.0, 1.0)

    def action_to_targets(self, actions: torch.Tensor) -> torch.Tensor:
        """PD targets (radians) for normalized actions in [-1, 1]. Shape: (num_envs, num_dofs)."""
        return self.action_offset + self.action_scale * actions

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """One control step; see VecEnv.step. info: `disc_obs` (N, disc_obs_dim)."""
        self.engine.set_targets(self.action_to_targets(actions.detach().float()))
        self.engine.step()
        self.progress += 1
        e = self.engine
        self._vec, self._flat = self._features(e.get_state(), e.body_pos, e.joint_matrices)
        k = self.num_disc_steps
        self._head = (self._head + 1) % k
        for j in (self._head, self._head + k):
            self._ring_vec[:, j] = self._vec
            self._ring_flat[:, j] = self._flat
        self._obs = self._compute_obs()
        done = self._compute_done()
        if self.start_priority is not None:  # after the task envs' own endings (the tracking env's pose limit)
            ended = done != DoneFlag.NULL
            self.start_priority.record(self.episode_clips[ended], done[ended] == DoneFlag.FAIL)
        reward = self._compute_reward()
        info = {"disc_obs": self.disc_obs()}
        self._post_step(done, info)
        return self._obs, reward, done, info

    def _compute_reward(self) -> torch.Tensor:
        return torch.zeros(self.num_envs)

    def _post_step(self, done: torch.Tensor, info: dict) -> None:
        """Hook for task envs, after the done flags are known."""

    def _compute_done(self) -> torch.Tensor:
        done = torch.full((self.num_envs,), DoneFlag.NULL, dtype=torch.long)
        done[self.progress >= self.max_episode_steps] = DoneFlag.TIME
        fallen = self.engine.failed.clone()
        if self.config.enable_early_termination:
            touching = self.engine.ground_contact & self.non_contact_bodies
            if self.config.termination_height > 0:
                touching &= self.engine.body_pos[..., 2] < self.config.termination_height
            # The first step after a reset may start in contact (a clip frame's own penetration).
            fallen |= touching.any(dim=-1) & (self.progress > 1)
        done[fallen] = DoneFlag.FAIL
        return done

    _STATE = ("progress", "_vec", "_flat", "_ring_vec", "_ring_flat", "_obs")

    def state_dict(self) -> dict:
        """Episodes in progress, the discriminator windows, the random state and the engine's simulation."""
        state = {name: getattr(self, name).clone() for name in self._STATE}
        state.update(head=self._head, generator=self.generator.get_state(),
                     demo_generator=self.demo_generator.get_state(), engine=self.engine.state_dict(),
                     pending_starts={key: value.clone() for key, value in self._pending_starts.items()})
        if self.start_priority is not None:
            state["start_priority"] = self.start_priority.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore from state_dict() (same configs and env count)."""
        for name in self._STATE:
            getattr(self, name).copy_(state[name])
        self._head = int(state["head"])
        self.generator.set_state(state["generator"])
        # Checkpoints of earlier versions have neither; their runs continue with fresh ones.
        if "demo_generator" in state:
            self.demo_generator.set_state(state["demo_generator"])
        self._pending_starts = {key: value.clone() for key, value in state.get("pending_starts", {}).items()}
        if self.start_priority is not None and "start_priority" in state:
            self.start_priority.load_state_dict(state["start_priority"])
        self.engine.load_state_dict(state["engine"])

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()
