"""The training loop shared by the command line, the GUI worker and the tests."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import torch

from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.vec_env import DoneFlag
from amp_studio.learning import distributed
from amp_studio.learning.agent_config import AgentConfig
from amp_studio.learning.amp_agent import AMPAgent
from amp_studio.learning.divergence import DivergenceError, check_metrics, check_modules, check_tensors
from amp_studio.learning.rollout_storage import RolloutStorage
from amp_studio.runs.checkpoints import (
    check_env_count,
    check_full_state,
    check_observation_frame,
    load_checkpoint,
    policy_state,
    save_checkpoint,
)
from amp_studio.runs.run_directory import RunDirectory
from amp_studio.runs.skill_measures import EpisodeSkills, summarize


class Runner:
    """Collects rollouts from an env, updates the agent, and keeps the run's records and checkpoints."""

    def __init__(self, env: AMPEnv, agent: AMPAgent, config: AgentConfig, run_dir: RunDirectory | None = None,
                 configs: dict[str, str] | None = None, log: Callable[[str], None] = print):
        self.env = env
        self.agent = agent
        self.config = config
        self.run_dir = run_dir
        self.configs = configs or {}
        self._log = log
        self.storage = RolloutStorage(config.steps_per_iter, env.num_envs, env.obs_dim, env.action_dim,
                                      env.disc_obs_dim)
        self._default_threads = torch.get_num_threads()
        self.iteration = 0
        self.samples = 0
        self.wall_time = 0.0
        self.obs = env.reset()
        self.episode_steps = torch.zeros(env.num_envs, dtype=torch.long)
        self.skills = EpisodeSkills(env)  # the skill measures of the episodes that end in each iteration
        self.skills.restart(torch.arange(env.num_envs))
        self.on_step: Callable[[], None] | None = None
        """Called after every env control step (the GUI worker streams poses and answers commands there)."""
        self.last_checkpoint: tuple[Path, int] | None = None
        """The last full checkpoint written or loaded, and its iteration."""

    # ----- one iteration -----

    def _collect(self) -> dict[str, float]:
        env, agent, storage = self.env, self.agent, self.storage
        storage.step = 0
        lengths: list[torch.Tensor] = []
        falls = 0
        fell = torch.zeros(env.num_envs, dtype=torch.bool)
        skill_episodes: list[dict[str, float]] = []
        obs = self.obs
        while not storage.full:
            actions, log_probs = agent.act(obs)
            next_obs, task_rewards, done, info = env.step(actions)
            storage.add(obs, actions, log_probs, task_rewards, done, next_obs, info["disc_obs"])
            self.episode_steps += 1
            self.skills.step()
            ended = torch.nonzero(done).flatten()
            if len(ended):
                lengths.append(self.episode_steps[ended].clone())
                failed = ended[done[ended] == DoneFlag.FAIL]
                falls += len(failed)
                fell[failed] = True
                self.episode_steps[ended] = 0
                skill_episodes += self.skills.ended(ended)
                next_obs = env.reset(ended)
                self.skills.restart(ended)
            obs = next_obs
            if self.on_step is not None:
                self.on_step()
        self.obs = obs
        finished = torch.cat(lengths) if lengths else torch.zeros(0)
        return {
            "episodes": float(len(finished)),
            "episode_length_mean": float(finished.float().mean()) * env.dt if len(finished) else float("nan"),
            "fall_rate": falls / len(finished) if len(finished) else float("nan"),
            # Unlike fall_rate (falls among ended episodes: 1.0 until episodes start timing out), this moves
            # from the first iteration on.
            "fall_share": float(fell.float().mean()),
            **summarize(skill_episodes),
        }

    def train_iteration(self) -> dict[str, float]:
        """Collect steps_per_iter steps of every env, update the agent; returns the iteration's metrics."""
        start = time.perf_counter()
        # From the config, not torch: the background update may have set its own thread's count since.
        update_threads = self.config.torch_threads or self._default_threads
        if self.config.rollout_torch_threads > 0:
            torch.set_num_threads(self.config.rollout_torch_threads)
        try:
            episode_stats = self._collect()
        finally:
            torch.set_num_threads(update_threads)
        collected = time.perf_counter()
        n = self.storage.log_probs.numel()
        self._check_rollout()
        # The critic and discriminator train in the background beside the rollout: what they produced is checked
        # here, before this update uses them, and what is being trained now is left alone until then.
        self.agent.finish_background()
        check_modules(self.agent.named_modules(), self.iteration + 1)
        metrics = self.agent.update(self.storage, self.obs, self.env.fetch_disc_obs_demo)
        check_modules(self.agent.settled_modules(), self.iteration + 1)
        check_metrics(metrics, self.iteration + 1)
        end = time.perf_counter()
        n *= distributed.world_size()  # every process collected as many
        self.iteration += 1
        self.samples += n
        self.wall_time += end - start
        metrics.update(episode_stats)
        metrics.update(iteration=self.iteration, samples=self.samples, wall_time=self.wall_time,
                       samples_per_s=n / (end - start), collect_time=collected - start, update_time=end - collected)
        return metrics

    def _check_rollout(self) -> None:
        """Stop before the update if the env produced a NaN or inf (physics that blew up, a broken reward)."""
        s, by_step = self.storage, ("step", "env")
        check_tensors([("observations", s.obs, by_step), ("task rewards", s.task_rewards, by_step),
                       ("discriminator observations", s.disc_obs, by_step),
                       ("observations after the rollout", self.obs, ("env",))], self.iteration + 1)

    # ----- the loop -----

    def train(self, max_samples: int | None = None, max_iterations: int | None = None,
              callback: Callable[[dict], bool | None] | None = None, max_seconds: float | None = None) -> None:
        """Train until max_samples, max_iterations or max_seconds of training in this call (whichever comes
        first); callback(metrics) may return False to stop. Writes metrics, progress lines and policy snapshots
        every iters_per_output iterations, with a full checkpoint (checkpoints/latest.pt), and ends with one.

        A NaN or inf in the rollout, the losses or the parameters stops training with a DivergenceError naming
        it; the checkpoint on disk is then the last good one (it is not overwritten)."""
        if self.config.torch_threads > 0:
            torch.set_num_threads(self.config.torch_threads)
        start_samples = self.samples
        start_time = self.wall_time
        diverged = False
        try:
            while (max_samples is None or self.samples < max_samples) and (
                    max_iterations is None or self.iteration < max_iterations) and (
                    max_seconds is None or self.wall_time - start_time < max_seconds):
                metrics = self.train_iteration()
                if self.run_dir is not None:
                    self.run_dir.log_metrics(metrics)
                line = self._progress_line(metrics, max_samples, start_samples, start_time, max_seconds)
                if distributed.is_main():
                    self._log(line)
                if self.run_dir is not None:
                    self.run_dir.log(line)
                    if self.iteration % self.config.iters_per_output == 0:
                        # Snapshots keep the policy only (the replay buffer alone is ~100 MB); latest.pt is full.
                        path = self.run_dir.checkpoints / f"iter_{self.iteration:06d}.pt"
                        save_checkpoint(policy_state(self.state_dict()), path)
                        self.save_checkpoint()
                if callback is not None and callback(metrics) is False:
                    break
        except DivergenceError as exc:
            diverged = True
            last = self.last_checkpoint
            exc.problem += (f"; training stopped, the last good checkpoint is {last[0]} (iteration {last[1]})"
                            if last else "; training stopped before any checkpoint was written")
            exc.args = (exc.problem,)
            if self.run_dir is not None:
                self.run_dir.log_event("diverged", iteration=self.iteration + 1, message=exc.problem)
                self.run_dir.log(f"error: {exc.problem}")
            raise
        finally:
            self.agent.wait()
            if distributed.active() and not diverged:
                self._check_ranks_in_sync()
            if self.run_dir is not None and not diverged:
                self.save_checkpoint()

    def _check_ranks_in_sync(self) -> None:
        """Every process's parameters must be identical; a difference means the collectives are broken."""
        prints = distributed.gather_fingerprints(self.agent.modules())
        in_sync = len(set(prints)) == 1
        if self.run_dir is not None:
            self.run_dir.log_event("ranks_in_sync", iteration=self.iteration, in_sync=in_sync, fingerprints=prints)
        if not in_sync and distributed.is_main():
            self._log(f"warning: parameters differ between processes after iteration {self.iteration}: {prints}")

    def _progress_line(self, m: dict, max_samples: int | None, start_samples: int, start_time: float,
                       max_seconds: float | None = None) -> str:
        rate = (self.samples - start_samples) / max(self.wall_time - start_time, 1e-9)
        lefts = []
        if max_samples is not None and rate > 0:
            lefts.append(max(0.0, (max_samples - self.samples) / rate))
        if max_seconds is not None:
            lefts.append(max(0.0, max_seconds - (self.wall_time - start_time)))
        eta = ""
        if lefts:
            left = min(lefts)
            eta = f" | ETA {int(left // 3600):d}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        # Before any episode has ended there is no length or fall rate yet.
        episode = "-" if math.isnan(m["episode_length_mean"]) else f"{m['episode_length_mean']:.2f}"
        falls = "-" if math.isnan(m["fall_rate"]) else f"{m['fall_rate']:.2f}"
        return (f"iter {self.iteration:5d} | samples {self.samples:10,d} | {m['samples_per_s']:7,.0f} samples/s | "
                f"disc reward {m['disc_reward_mean']:.3f} | episode {episode} s | fall rate {falls}{eta}")

    def set_reward_weights(self, disc_reward_weight: float | None = None, task_reward_weight: float | None = None,
                           source: str = "user") -> int:
        """Change the reward blend from the next iteration on; records the change. Returns that iteration."""
        self.agent.set_reward_weights(disc_reward_weight, task_reward_weight)
        effective = self.iteration + 1
        if self.run_dir is not None:
            self.run_dir.log_event("reward_weights", iteration=effective, source=source,
                                   disc_reward_weight=self.agent.disc_reward_weight,
                                   task_reward_weight=self.agent.task_reward_weight)
        return effective

    # ----- checkpoints -----

    def state_dict(self) -> dict:
        """Everything for an exact resume: agent, env (episodes in progress), counters, random states, configs."""
        return {
            "agent": self.agent.state_dict(), "env": self.env.state_dict(), "obs": self.obs.clone(),
            "episode_steps": self.episode_steps.clone(), "iteration": self.iteration, "samples": self.samples,
            "wall_time": self.wall_time, "torch_rng": torch.get_rng_state(), "configs": dict(self.configs),
        }

    def load_state_dict(self, state: dict, source: str | Path | None = None) -> None:
        """Continue from state_dict(); a state that does not fit this run raises CheckpointError naming `source`
        (the checkpoint file) before anything is changed."""
        check_full_state(state, self.obs, self.episode_steps, self.env.state_dict(), source)
        self.agent.load_state_dict(state["agent"], source=source)
        self.env.load_state_dict(state["env"])
        self.obs = state["obs"].clone()
        self.episode_steps = state["episode_steps"].clone()
        self.iteration = int(state["iteration"])
        self.samples = int(state["samples"])
        self.wall_time = float(state["wall_time"])
        torch.set_rng_state(state["torch_rng"])

    def close(self) -> None:
        """Finish the background update, close TensorBoard and stop the physics threads, while the interpreter is
        whole: left to garbage collection at exit, their threads outlived the objects they served."""
        self.agent.wait()
        if self.run_dir is not None:
            self.run_dir.close()
        self.env.close()

    def save_checkpoint(self, path: str | Path | None = None) -> Path:
        """Write a checkpoint atomically (default: the run's checkpoints/latest.pt)."""
        if path is None:
            if self.run_dir is None:
                raise ValueError("no run directory: give a checkpoint path")
            path = self.run_dir.checkpoints / "latest.pt"
        save_checkpoint(self.state_dict(), path)
        self.last_checkpoint = (Path(path), self.iteration)
        if self.run_dir is not None:
            self.run_dir.log_event("checkpoint", iteration=self.iteration, path=str(path))
        return Path(path)

    def load_policy(self, path: str | Path, state: dict | None = None) -> None:
        """Only the policy (and what judges it) of a checkpoint or model, to replay or test it (state: the file's
        contents when already read)."""
        state = load_checkpoint(path) if state is None else state
        check_observation_frame(state, self.env, path)
        self.agent.load_state_dict(state["agent"], policy_only=True, source=path)

    def load_checkpoint(self, path: str | Path, state: dict | None = None) -> str:
        """Resume from a full checkpoint, or start from a policy-only one; returns which it did (state: the file's
        contents when already read)."""
        state = load_checkpoint(path) if state is None else state
        check_observation_frame(state, self.env, path)
        if state.get("policy_only"):
            self.agent.load_state_dict(state["agent"], policy_only=True, source=path)
            return "policy"
        check_env_count(state, self.env.num_envs, path)
        self.load_state_dict(state, source=path)
        self.last_checkpoint = (Path(path), self.iteration)
        if self.run_dir is not None:
            dropped = self.run_dir.drop_metrics_after(self.iteration)
            self.run_dir.log_event("resumed", iteration=self.iteration, path=str(path), metrics_dropped=dropped)
        return "full"

