"""The tracking env for ADD: each episode follows its clip in time, and the discriminator judges the difference."""

from __future__ import annotations

import math

import torch

from amp_studio.config_loading import ConfigError
from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.amp_obs import heading_angle
from amp_studio.envs.clip_pose_cache import ClipPose, ClipPoseCache
from amp_studio.envs.env_config import TrackingEnvConfig
from amp_studio.envs.policy_mirror import AffineMirror
from amp_studio.envs.tracking_obs import pose_features, pose_gaps, pose_too_far, target_obs, tracking_reward
from amp_studio.envs.vec_env import DoneFlag
from amp_studio.rotations import tilt_deg


class TrackingEnv(AMPEnv):
    """MimicKit's ADD env (`env_name: add`): an episode starts at a clip time (reference state init) and the clip
    plays on beside it, one control step per step.

    The policy observes the character (as AMPEnv's) and the clip's poses tar_obs_steps ahead. `info["disc_obs"]` is
    the difference between the clip's pose now and the character's (tracking_obs.pose_features): the adversarial
    differential discriminator learns to tell it from zero. An episode fails on a fall or when a body strays
    pose_termination_dist from the clip's (or, with root_height_termination_dist, its root's height that far from the
    clip's root); it succeeds when a clip that does not loop ends. The env reward is the
    tracking reward (tracking_obs.tracking_reward).
    """

    config: TrackingEnvConfig
    _STATE = AMPEnv._STATE + ("clip_time_offset",)

    def _init_task(self) -> None:
        self.clip_time_offset = torch.zeros(self.num_envs, dtype=torch.float64)
        """Each episode's start time in its clip (s): the clip's time is this plus the episode's steps."""
        self._tar_steps = torch.tensor(self.config.tar_obs_steps, dtype=torch.long)
        self._all_envs = torch.arange(self.num_envs)
        self._clip_cache = ClipPoseCache(self.num_envs, max(self.config.tar_obs_steps) + 1, self._clip_poses)
        self._clip_now: ClipPose | None = None

    def clip_times(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Where each env's episode is in its clip (s). Shape: (n,)."""
        ids = slice(None) if env_ids is None else env_ids
        return self._clip_time(ids, self.progress[ids])

    def _clip_time(self, env_ids: torch.Tensor | slice, steps: torch.Tensor) -> torch.Tensor:
        return self.clip_time_offset[env_ids] + steps.double() * self.dt

    def _clip_poses(self, env_ids: torch.Tensor, steps: torch.Tensor) -> ClipPose:
        """The envs' clips at episode steps: their states, body positions and local joint rotations (batched FK)."""
        state = self.motion_lib.get_state(self.episode_clips[env_ids], self._clip_time(env_ids, steps))
        body_pos, _, joint_mat = self.character.kinematic_tree()(state.root_pos, state.root_rot, state.dof_pos)
        return state, body_pos, joint_mat

    def clip_pose_now(self) -> ClipPose:
        """Every env's clip pose at this step (gathered once per step: the observations, reward and end read it)."""
        if self._clip_now is None:
            self._clip_now = self._clip_cache.get(self._all_envs, self.progress.unsqueeze(1))
        return self._clip_now

    # ----- episodes -----

    def _start(self, env_ids: torch.Tensor, starts: dict[str, torch.Tensor]) -> None:
        self.clip_time_offset[env_ids] = starts["time"]
        self._clip_cache.clear(env_ids)
        self._clip_now = None
        super()._start(env_ids, starts)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        self._clip_now = None  # the clip moves on with the character
        return super().step(actions)

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self._clip_cache.clear()
        self._clip_now = None

    def recording_start(self, seconds: float) -> tuple[int, float]:
        """A clip (drawn by weight) and a start time in it for a recording of `seconds`: on a clip that wraps, the
        frame whose pose and the pose `seconds` later are both as upright as the clip allows (the pelvis's larger
        tilt of the two least), so that a looped skill is shown from standing to standing; else the clip's start."""
        lib = self.motion_lib
        clip = int(lib.sample_clips(1, generator=self.generator)[0])
        if not bool(lib.clip_wraps[clip]):
            return clip, 0.0
        starts = torch.arange(int(lib.clip_num_frames[clip]), dtype=torch.float64) / float(lib.clip_fps[clip])
        clips = torch.full((len(starts),), clip, dtype=torch.long)
        first = tilt_deg(lib.get_state(clips, starts.to(lib.dtype)).root_rot.double())
        last = tilt_deg(lib.get_state(clips, (starts + seconds).to(lib.dtype)).root_rot.double())
        return clip, float(starts[int(torch.maximum(first, last).argmin())])

    # ----- observations -----

    def _compute_obs(self, env_ids: torch.Tensor | None = None) -> torch.Tensor:
        ids = self._all_envs if env_ids is None else env_ids
        n, s = len(ids), len(self._tar_steps)
        tar, tar_body, tar_joint = self._clip_cache.get(ids, self.progress[ids].unsqueeze(1) + self._tar_steps)
        state = self.engine.get_state()
        task = target_obs(state.root_pos[ids], state.root_rot[ids], tar.root_pos.reshape(n, s, 3),
                          tar.root_rot.reshape(n, s, 4), tar_body[:, self.key_body_ids].reshape(n, s, -1, 3),
                          tar_joint.reshape((n, s) + tar_joint.shape[1:]), self.obs_heading)
        return torch.cat((super()._compute_obs(env_ids), task), dim=-1)

    def _task_obs_mirror(self) -> AffineMirror:
        raise ConfigError(None, "mirror_augment: the add env's target observations have no mirror yet; "
                                "set mirror_augment: false")

    def disc_obs(self) -> torch.Tensor:
        """The clip's pose now minus the character's (see tracking_obs.pose_features). Shape: (num_envs, D)."""
        clip, clip_body, clip_joint = self.clip_pose_now()
        e, h = self.engine, self.obs_heading
        s = e.get_state()
        mine = pose_features(s.root_pos, s.root_rot, s.root_vel, s.root_ang_vel, e.body_pos, e.joint_matrices,
                             s.dof_vel, h)
        theirs = pose_features(clip.root_pos, clip.root_rot, clip.root_vel, clip.root_ang_vel, clip_body,
                               clip_joint, clip.dof_vel, h)
        return theirs - mine

    def disc_obs_demo(self, clip_ids: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """A clip tracks itself exactly: zero differences. Shape: (n, disc_obs_dim)."""
        return torch.zeros(len(clip_ids), self.disc_obs_dim)

    # ----- reward and termination -----

    def _compute_reward(self) -> torch.Tensor:
        clip, clip_body, _ = self.clip_pose_now()
        s = self.engine.get_state()
        return tracking_reward(s.root_pos, s.root_rot, self.engine.body_pos, clip.root_pos, clip.root_rot,
                               clip_body, self.obs_heading, self.config.tracking_reward_scale,
                               self.config.tracking_root_weight)

    def pose_gaps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Now, each env's largest body distance from the clip's (relative to the roots) and its root's distance
        from the clip's root in the world (m): what pose termination compares with pose_termination_dist."""
        clip, clip_body, _ = self.clip_pose_now()
        s = self.engine.get_state()
        return pose_gaps(s.root_pos, s.root_rot, self.engine.body_pos, clip.root_pos, clip.root_rot, clip_body,
                         self.obs_heading)

    def root_height_gaps(self) -> torch.Tensor:
        """Now, each env's root height minus the clip's root height (m): what root_height_termination_dist bounds."""
        clip, _, _ = self.clip_pose_now()
        return self.engine.get_state().root_pos[:, 2] - clip.root_pos[:, 2]

    def heading_gaps(self) -> torch.Tensor:
        """Now, each env's root heading (twist about the vertical) minus the clip's, wrapped to [-pi, pi) (rad):
        how far a spin's turn runs behind (negative for a left turn) or ahead of the clip's."""
        clip, _, _ = self.clip_pose_now()
        gap = heading_angle(self.engine.get_state().root_rot) - heading_angle(clip.root_rot)
        return torch.remainder(gap + math.pi, 2 * math.pi) - math.pi

    def _compute_done(self) -> torch.Tensor:
        done = super()._compute_done()
        lib, clips = self.motion_lib, self.episode_clips
        ended = ~lib.clip_wraps[clips] & (self.clip_times() >= lib.clip_lengths[clips])
        done[ended & (done != DoneFlag.FAIL)] = DoneFlag.SUCC
        c = self.config
        if c.enable_early_termination and (c.pose_termination or c.root_height_termination_dist > 0):
            clip, clip_body, _ = self.clip_pose_now()
            s = self.engine.get_state()
            if c.pose_termination:
                done[pose_too_far(s.root_pos, s.root_rot, self.engine.body_pos, clip.root_pos, clip.root_rot,
                                  clip_body, self.obs_heading, c.pose_termination_dist)] = DoneFlag.FAIL
            if c.root_height_termination_dist > 0:
                done[self.root_height_gaps().abs() > c.root_height_termination_dist] = DoneFlag.FAIL
        return done
