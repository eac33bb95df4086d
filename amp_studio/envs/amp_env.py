"""The AMP imitation env: a character under physics, reset into clips, observed for a policy and a discriminator."""

from __future__ import annotations

import torch

from amp_studio.character import CharacterModel, CharacterState
from amp_studio.config_loading import resolve_path
from amp_studio.engines import EngineConfig, make_engine
from amp_studio.envs.amp_obs import compute_disc_obs, compute_policy_obs, joint_codes
from amp_studio.envs.env_config import EnvConfig
from amp_studio.envs.vec_env import DoneFlag, VecEnv
from amp_studio.motion import MotionLibrary

_HISTORY = ("root_pos", "root_rot", "root_vel", "root_ang_vel", "joint_code", "dof_vel", "key_rel")


class AMPEnv(VecEnv):
    """Imitation by adversarial motion priors: the env reward is zero; style comes from the discriminator.

    `info["disc_obs"]` after each step is the agent's discriminator observation over the last
    `num_disc_obs_steps` control steps; `fetch_disc_obs_demo(n)` gives the same observation of clip windows.
    """

    def __init__(self, config: EnvConfig, engine_config: EngineConfig, num_envs: int, seed: int | None = None,
                 motion_lib: MotionLibrary | None = None):
        self.config = config
        self.num_envs = num_envs
        self.character = CharacterModel(resolve_path(config.char_file), key_bodies=tuple(config.key_bodies))
        self.motion_lib = motion_lib or MotionLibrary.from_file(resolve_path(config.motion_file), self.character)
        self.engine = make_engine(engine_config, self.character, num_envs)
        self.dt = self.engine.control_dt
        self.generator = torch.Generator()
        self.generator.manual_seed(seed if seed is not None else torch.seed())

        ch = self.character
        self.key_body_ids = torch.tensor(ch.key_body_ids, dtype=torch.long)
        contact = torch.zeros(ch.num_bodies, dtype=torch.bool)
        contact[[ch.body_id(name) for name in config.contact_bodies]] = True
        self.non_contact_bodies = ~contact
        lo, hi = ch.dof_lower, ch.dof_upper
        if config.zero_center_action:
            self.action_offset = torch.zeros_like(lo)
            self.action_scale = torch.maximum(lo.abs(), hi.abs())
        else:
            self.action_offset = 0.5 * (lo + hi)
            self.action_scale = 0.5 * (hi - lo)
        self.max_episode_steps = max(1, round(config.episode_length / self.dt))
        self.progress = torch.zeros(num_envs, dtype=torch.long)
        self.num_disc_steps = config.num_disc_obs_steps

        self.action_dim = ch.num_dofs
        self._feat = self._features(self.engine.get_state())
        self._history = {n: v.unsqueeze(1).repeat_interleave(self.num_disc_steps, 1).clone()
                         for n, v in self._feat.items()}
        self._init_task()
        self._obs = self._compute_obs()
        self.reset()
        self.obs_dim = int(self._obs.shape[-1])
        self.disc_obs_dim = int(self.disc_obs().shape[-1])

    # ----- resets -----

    def reset(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Reference state initialization for env_ids (all if None). Returns every env's observation."""
        ids = torch.arange(self.num_envs) if env_ids is None else env_ids.long()
        if len(ids):
            clip_ids = self.motion_lib.sample_clips(len(ids), generator=self.generator)
            if self.config.rand_reset:
                times = self.motion_lib.sample_times(clip_ids, generator=self.generator)
            else:
                times = torch.zeros(len(ids), dtype=self.motion_lib.dtype)
            self.reset_to(ids, clip_ids, times)
        return self._obs

    def reset_to(self, env_ids: torch.Tensor, clip_ids: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """Start env_ids at the given clips and times; the discriminator history is the clip before that time."""
        self.engine.reset(env_ids, self.motion_lib.get_state(clip_ids, times))
        self.progress[env_ids] = 0
        # The newest step comes back from the engine, so that agent and demo windows meet at the same numbers.
        now = self._features(self.engine.get_state().index(env_ids))
        k = self.num_disc_steps
        if k > 1:
            offsets = torch.arange(-(k - 1), 0, dtype=times.dtype) * self.dt
            past_times = (times.unsqueeze(1) + offsets).reshape(-1)
            past = self._features(self.motion_lib.get_state(clip_ids.repeat_interleave(k - 1), past_times))
        for name, value in now.items():
            self._feat[name][env_ids] = value
            self._history[name][env_ids, -1] = value
            if k > 1:
                self._history[name][env_ids, :-1] = past[name].reshape((len(env_ids), k - 1) + value.shape[1:])
        self._reset_task(env_ids)
        self._obs[env_ids] = self._compute_obs(env_ids)
        return self._obs

    def _init_task(self) -> None:
        """Hook for task envs: allocate task state before the first reset."""

    def _reset_task(self, env_ids: torch.Tensor) -> None:
        """Hook for task envs: task state of newly started episodes."""

    # ----- features and observations -----

    def _features(self, state: CharacterState, body_pos: torch.Tensor | None = None,
                  joint_mat: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """One step's features of a batch of states: what both observations are made of."""
        state = state.to(torch.float32)
        if body_pos is None:
            body_pos, _, joint_mat = self.character.kinematic_tree()(state.root_pos, state.root_rot, state.dof_pos)
        return {"root_pos": state.root_pos, "root_rot": state.root_rot, "root_vel": state.root_vel,
                "root_ang_vel": state.root_ang_vel, "joint_code": joint_codes(joint_mat), "dof_vel": state.dof_vel,
                "key_rel": body_pos[:, self.key_body_ids] - state.root_pos.unsqueeze(1)}

    def _window_obs(self, hist: dict[str, torch.Tensor]) -> torch.Tensor:
        c = self.config
        return compute_disc_obs(*(hist[n] for n in _HISTORY), c.global_obs, c.root_height_obs)

    def disc_obs(self) -> torch.Tensor:
        """The agent's discriminator observation now. Shape: (num_envs, disc_obs_dim)."""
        return self._window_obs(self._history)

    def disc_obs_demo(self, clip_ids: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """The discriminator observation of clip windows ending at times. Shape: (n, disc_obs_dim)."""
        k = self.num_disc_steps
        offsets = torch.arange(-(k - 1), 1, dtype=times.dtype) * self.dt
        all_times = (times.unsqueeze(1) + offsets).reshape(-1)
        feats = self._features(self.motion_lib.get_state(clip_ids.repeat_interleave(k), all_times))
        hist = {n: v.reshape((len(clip_ids), k) + v.shape[1:]) for n, v in feats.items()}
        return self._window_obs(hist)

    def fetch_disc_obs_demo(self, n: int) -> torch.Tensor:
        """Discriminator observations of n clip windows sampled by clip weight and uniformly in time."""
        clip_ids = self.motion_lib.sample_clips(n, generator=self.generator)
        times = self.motion_lib.sample_times(clip_ids, generator=self.generator)
        return self.disc_obs_demo(clip_ids, times)

    def _compute_obs(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Policy observations of env_ids (all if None)."""
        f = self._feat if env_ids is None else {n: v[env_ids] for n, v in self._feat.items()}
        c = self.config
        return compute_policy_obs(*(f[n] for n in _HISTORY), c.global_obs, c.root_height_obs)

    # ----- stepping -----

    def action_to_targets(self, actions: torch.Tensor) -> torch.Tensor:
        """PD targets (radians) for normalized actions in [-1, 1]. Shape: (num_envs, num_dofs)."""
        return self.action_offset + self.action_scale * actions

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """One control step; see VecEnv.step. info: `disc_obs` (N, disc_obs_dim)."""
        self.engine.set_targets(self.action_to_targets(actions.detach().float()))
        self.engine.step()
        self.progress += 1
        e = self.engine
        self._feat = self._features(e.get_state(), e.body_pos, e.joint_matrices)
        for name, hist in self._history.items():
            hist[:, :-1] = hist[:, 1:].clone()
            hist[:, -1] = self._feat[name]
        self._obs = self._compute_obs()
        done = self._compute_done()
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

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()
