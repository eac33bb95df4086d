"""PPO with an adversarial motion prior: the policy, the value function, the discriminator and their updates."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from amp_studio.envs.vec_env import DoneFlag
from amp_studio.learning import distributed
from amp_studio.learning.agent_config import AgentConfig
from amp_studio.learning.background_update import BackgroundUpdate
from amp_studio.learning.losses import MAX_LOG_RATIO, action_bound_loss, disc_stats, make_optimizer, style_reward
from amp_studio.learning.networks import hidden_sizes, mlp
from amp_studio.learning.normalizer import Normalizer
from amp_studio.learning.precision import mixed_precision, run_mlp
from amp_studio.learning.rollout_storage import ReplayBuffer, RolloutStorage, td_lambda_advantages
from amp_studio.learning.state_checks import check_agent_state, check_number

if TYPE_CHECKING:
    from amp_studio.envs.policy_mirror import PolicyMirror


class AMPAgent:
    """Actor, critic and discriminator with their optimizers, normalizers and the discriminator's replay buffer.

    The runner collects rollouts with `act`, then calls `update(storage, ...)`, which blends the rewards with the
    current weights, trains the policy, and starts training the critic and the discriminator, on a background
    thread while the next rollout is collected when `background_updates` is set (`wait` joins it).
    """

    def __init__(self, config: AgentConfig, obs_dim: int, action_dim: int, disc_obs_dim: int, seed: int = 0,
                 init_action: torch.Tensor | None = None, mirror: PolicyMirror | None = None):
        if config.mirror_augment and mirror is None:
            raise ValueError("mirror_augment needs the env's policy mirror")
        self.config = config
        self.mirror = mirror if config.mirror_augment else None
        self.generator = torch.Generator().manual_seed(seed)
        # The critic's and discriminator's updates draw from their own stream: they may run beside acting.
        self.update_generator = torch.Generator().manual_seed(seed + 1)
        self._background = BackgroundUpdate(config.background_torch_threads)
        torch.manual_seed(seed)  # network initialization
        m = config.model
        self.actor = mlp(obs_dim, hidden_sizes(m.actor_net), action_dim)
        self.critic = mlp(obs_dim, hidden_sizes(m.critic_net), 1)
        self.disc = mlp(disc_obs_dim, hidden_sizes(m.disc_net), 1)
        last = self.actor[-1]
        torch.nn.init.uniform_(last.weight, -m.actor_init_output_scale, m.actor_init_output_scale)
        torch.nn.init.zeros_(last.bias)
        if init_action is not None:
            with torch.no_grad():
                last.bias.copy_(init_action)
        self.action_std = m.action_std
        self.obs_norm = Normalizer(obs_dim, config.normalizer_samples)
        self.disc_obs_norm = self._disc_normalizer(disc_obs_dim)
        self.actor_opt = make_optimizer(self.actor.parameters(), config.actor_optimizer)
        self.critic_opt = make_optimizer(self.critic.parameters(), config.critic_optimizer)
        self.disc_opt = make_optimizer(self.disc.parameters(), config.disc_optimizer)
        self.bf16 = {name: mixed_precision(opt.use_amp, opt.amp_type) for name, opt in (
            ("actor", config.actor_optimizer), ("critic", config.critic_optimizer), ("disc", config.disc_optimizer))}
        """Which networks' updates run their hidden layers in bf16 (see OptimizerConfig.use_amp)."""
        self.replay = ReplayBuffer(config.disc_buffer_size, disc_obs_dim)
        self.disc_reward_weight = config.disc_reward_weight
        self.task_reward_weight = config.task_reward_weight
        # Whether the discriminator has been trained or loaded, so that its style reward means something.
        self.has_style_judge = False
        # Processes seed differently (their envs differ); the networks must start equal.
        distributed.broadcast_state(self.modules())

    def _disc_normalizer(self, size: int) -> torch.nn.Module:
        return Normalizer(size, self.config.normalizer_samples, eps=self.config.disc_norm_min_std)

    def modules(self) -> list[torch.nn.Module]:
        """The networks and normalizers (what must be equal on every process)."""
        return [self.actor, self.critic, self.disc, self.obs_norm, self.disc_obs_norm]

    def named_modules(self) -> dict[str, torch.nn.Module]:
        """The same by name, inputs first: a NaN found there explains one found in what reads them."""
        return {"observation normalizer": self.obs_norm, "discriminator observation normalizer": self.disc_obs_norm,
                "critic": self.critic, "discriminator": self.disc, "actor": self.actor}

    # ----- acting -----

    @torch.no_grad()
    def act(self, obs: torch.Tensor, deterministic: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Actions and their log-probabilities. Shapes: (N, obs_dim) -> (N, A), (N,)."""
        mean = self.actor(self.obs_norm(obs))
        if deterministic:
            return mean, torch.zeros(len(obs))
        noise = torch.randn(mean.shape, generator=self.generator)
        actions = mean + self.action_std * noise
        return actions, self._log_prob_of_noise(noise)

    def _log_prob_of_noise(self, noise: torch.Tensor) -> torch.Tensor:
        dims = noise.shape[-1]
        return -0.5 * (noise * noise).sum(-1) - dims * (math.log(self.action_std) + 0.5 * math.log(2 * math.pi))

    def _log_prob(self, mean: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self._log_prob_of_noise((actions - mean) / self.action_std)

    @torch.no_grad()
    def evaluate_value(self, obs: torch.Tensor) -> torch.Tensor:
        """Value estimates. Shape: (N, obs_dim) -> (N,)."""
        return self.critic(self.obs_norm(obs)).squeeze(-1)

    def set_reward_weights(self, disc_reward_weight: float | None = None,
                           task_reward_weight: float | None = None) -> None:
        """Change the reward blend; it applies to the rewards of the next update."""
        if disc_reward_weight is not None:
            self.disc_reward_weight = float(disc_reward_weight)
        if task_reward_weight is not None:
            self.task_reward_weight = float(task_reward_weight)

    # ----- learning -----

    @torch.no_grad()
    def disc_logits(self, disc_obs: torch.Tensor) -> torch.Tensor:
        """Discriminator logits of raw discriminator observations. Shape: (B, D) -> (B,)."""
        return run_mlp(self.disc, self.disc_obs_norm(disc_obs), self.bf16["disc"]).squeeze(-1)

    def update(self, storage: RolloutStorage, last_obs: torch.Tensor,
               fetch_demo: Callable[[int], torch.Tensor]) -> dict[str, float]:
        """Rewards from the discriminator and the task, PPO on the actor, then the critic's and discriminator's
        updates (in the background if configured). fetch_demo(n) gives n demo discriminator observations.

        Returns the rewards' and the actor's metrics, with the critic's and discriminator's from the last update
        that finished (this one's when not in the background)."""
        c = self.config
        late = self.wait()
        t, n = storage.log_probs.shape
        obs = storage.obs.reshape(t * n, -1)
        disc_obs = storage.disc_obs.reshape(t * n, -1).clone()  # the next rollout overwrites the storage
        disc_r = style_reward(self.disc_logits(disc_obs), c.disc_reward_scale).reshape(t, n)
        rewards = self.task_reward_weight * storage.task_rewards + self.disc_reward_weight * disc_r
        obs_norm = self.obs_norm(obs)
        values, last_values, timeout_values = self._values(storage, obs_norm, last_obs)
        advantages, returns = td_lambda_advantages(rewards, values, storage.dones, timeout_values,
                                                   last_values, c.discount, c.td_lambda)
        metrics = {
            "disc_reward_mean": disc_r.mean().item(),
            "disc_reward_std": disc_r.std().item(),
            "task_reward_mean": storage.task_rewards.mean().item(),
            "reward_mean": rewards.mean().item(),
            "disc_reward_weight": self.disc_reward_weight,
            "task_reward_weight": self.task_reward_weight,
        }
        actions, log_probs = storage.actions.reshape(t * n, -1), storage.log_probs.reshape(-1)
        advantages, returns = advantages.reshape(-1), returns.reshape(-1)
        batch_envs = n
        if self.mirror is not None:
            obs, obs_norm, actions, log_probs = self._with_mirrors(obs, obs_norm, actions, log_probs)
            advantages, returns = advantages.repeat(2), returns.repeat(2)
            batch_envs = 2 * n  # as many minibatches, each twice the size

        def critic_and_disc() -> dict[str, float]:
            out = self._update_critic(obs_norm, returns, batch_envs)
            out.update(self._update_disc(disc_obs, self._demo_obs(fetch_demo, t * n), n))
            self.has_style_judge = True
            self.replay.add(disc_obs[torch.randperm(len(disc_obs), generator=self.update_generator)],
                            c.disc_replay_samples, self.update_generator)
            return out

        beside = c.background_updates and c.actor_beside_background and distributed.world_size() == 1
        if beside:
            self._background.start(critic_and_disc)
        metrics.update(self._update_actor(obs_norm, actions, log_probs, advantages, n))
        self.obs_norm.update(obs)
        if c.background_updates and not beside:
            self._background.start(critic_and_disc)
        elif not c.background_updates:
            late = critic_and_disc()
        metrics.update(late)
        return metrics

    @torch.no_grad()
    def _with_mirrors(self, obs, obs_norm, actions, log_probs):
        """The batch followed by its left-right mirror.

        A mirrored sample keeps its original's log-probability (rsl_rl's rule): the ratio is then the true one where
        the policy is symmetric, and near zero, so without effect, where it is far from it. The rollout policy's
        own log-probability of the mirrored action would be tiny there (action std 0.05), and PPO's unclipped side
        for negative advantages then overflowed within ten iterations on the location task."""
        obs_m = self.mirror.obs(obs)
        return (torch.cat((obs, obs_m)), torch.cat((obs_norm, self.obs_norm(obs_m))),
                torch.cat((actions, self.mirror.actions(actions))), log_probs.repeat(2))

    @torch.no_grad()
    def _values(self, storage: RolloutStorage, obs_norm: torch.Tensor, last_obs: torch.Tensor):
        """Values of the rollout's states, of the states after its last step, and of the states where time ran
        out (zero elsewhere), all from the critic the rollout was collected with."""
        t, n = storage.log_probs.shape
        values = self.critic(obs_norm).reshape(t, n)
        timeout_values = torch.zeros(t, n)
        timed_out = storage.dones == DoneFlag.TIME
        if timed_out.any():
            timeout_values[timed_out] = self.evaluate_value(storage.final_obs[timed_out])
        return values, self.evaluate_value(last_obs), timeout_values

    def finish_background(self) -> None:
        """Join the background update, if any, raising what it raised; its metrics stay for wait() to give."""
        self._background.join()

    def settled_modules(self) -> dict[str, torch.nn.Module]:
        """named_modules() less those a background update is writing now: read mid-step, a parameter was seen
        non-finite for an instant (a false divergence at 15 M samples of a jump)."""
        busy = (self.critic, self.disc, self.disc_obs_norm) if self._background.running else ()
        return {name: m for name, m in self.named_modules().items() if all(m is not b for b in busy)}

    def wait(self) -> dict[str, float]:
        """Finish the background update, if any; its metrics (empty if there was none). Raises what it raised."""
        return self._background.take()

    @staticmethod
    def _minibatches(total: int, size: int, epochs: int, generator: torch.Generator):
        for _ in range(epochs):
            order = torch.randperm(total, generator=generator)
            for start in range(0, total, size):
                yield order[start:start + size]

    def _update_critic(self, obs: torch.Tensor, returns: torch.Tensor, num_envs: int) -> dict[str, float]:
        c = self.config
        losses = []
        for idx in self._minibatches(len(obs), c.critic_batch_size * num_envs, c.critic_epochs,
                                       self.update_generator):
            loss = F.mse_loss(run_mlp(self.critic, obs[idx], self.bf16["critic"]).squeeze(-1), returns[idx])
            self.critic_opt.zero_grad()
            loss.backward()
            distributed.average_gradients(self.critic.parameters())
            self.critic_opt.step()
            losses.append(loss.item())
        return {"critic_loss": sum(losses) / len(losses)}

    def _update_actor(self, obs, actions, old_log_probs, advantages, num_envs: int) -> dict[str, float]:
        """PPO. With a mirror the inputs are the batch followed by its mirror: each minibatch takes samples with
        their mirrors, and the mirror loss holds the policy's mean for a mirrored observation at the mirrored mean.
        `mirror_gap` is the rollout policy's gap (RMS, in action stds), read off the first minibatch before any step."""
        c = self.config
        adv = (advantages - advantages.mean()) / advantages.std().clamp_min(1e-5)
        adv = adv.clamp(-c.norm_adv_clip, c.norm_adv_clip)
        stats = {"actor_loss": [], "action_bound_loss": [], "clip_frac": [], "approx_kl": []}
        pairs = self.mirror is not None
        if pairs:
            stats["mirror_loss"] = []
        originals = len(obs) // 2 if pairs else len(obs)
        for idx in self._minibatches(originals, c.actor_batch_size * num_envs, c.actor_epochs, self.generator):
            size = len(idx)
            if pairs:
                idx = torch.cat((idx, idx + originals))
            mean = run_mlp(self.actor, obs[idx], self.bf16["actor"])
            # exp overflows float32 past 88, and exp's backward (0 * inf) then turns every gradient to NaN, whichever
            # side of PPO's minimum was taken. Past MAX_LOG_RATIO the sample's gradient is dropped instead: with an
            # action std of 0.05 a few updates can move a mean that far (9 seen in the learning-progress run).
            log_ratio = (self._log_prob(mean, actions[idx]) - old_log_probs[idx]).clamp_max(MAX_LOG_RATIO)
            ratio = torch.exp(log_ratio)
            a = adv[idx]
            surrogate = torch.minimum(ratio * a, ratio.clamp(1 - c.ppo_clip_ratio, 1 + c.ppo_clip_ratio) * a)
            bound = action_bound_loss(mean).mean()
            loss = -surrogate.mean() + c.action_bound_weight * bound
            if c.action_reg_weight:
                loss = loss + c.action_reg_weight * (mean * mean).sum(-1).mean()
            if pairs:
                gap = (mean[size:] - self.mirror.actions(mean[:size])) / self.action_std
                mirror_loss = gap.square().mean()
                loss = loss + c.mirror_loss_weight * mirror_loss
                stats["mirror_loss"].append(mirror_loss.item())
            self.actor_opt.zero_grad()
            loss.backward()
            distributed.average_gradients(self.actor.parameters())
            self.actor_opt.step()
            with torch.no_grad():  # PPO's statistics of the samples the policy acted on
                stats["actor_loss"].append(loss.item())
                stats["action_bound_loss"].append(bound.item())
                stats["clip_frac"].append(((ratio[:size] - 1).abs() > c.ppo_clip_ratio).float().mean().item())
                stats["approx_kl"].append(((ratio[:size] - 1) - log_ratio[:size]).mean().item())
        if pairs:
            stats["mirror_gap"] = [stats["mirror_loss"][0] ** 0.5]
        return {k: sum(v) / len(v) for k, v in stats.items()}

    def _demo_obs(self, fetch_demo: Callable[[int], torch.Tensor], n: int) -> torch.Tensor:
        """The discriminator's positive samples for one update: n clip windows."""
        return fetch_demo(n)

    def _update_disc_normalizer(self, agent_obs: torch.Tensor, demo_obs: torch.Tensor) -> None:
        self.disc_obs_norm.update(torch.cat((agent_obs, demo_obs)) if self.config.disc_norm_agent_obs else demo_obs)

    def _demo_batch(self, demo_n: torch.Tensor, size: int) -> torch.Tensor:
        """A minibatch's positive samples, as many as its agent samples, drawn from the normalized demo."""
        return demo_n[torch.randint(0, len(demo_n), (size,), generator=self.update_generator)]

    def _update_disc(self, agent_obs: torch.Tensor, demo_obs: torch.Tensor, num_envs: int) -> dict[str, float]:
        """BCE (demo 1, agent 0) + gradient penalty on demo inputs + logit-layer weight regularizer."""
        c = self.config
        self._update_disc_normalizer(agent_obs, demo_obs)
        agent_n = self.disc_obs_norm(agent_obs)
        demo_n = self.disc_obs_norm(demo_obs)
        stats = {"disc_loss": [], "disc_grad_penalty": [], "disc_agent_acc": [], "disc_demo_acc": [],
                 "disc_agent_logit": [], "disc_demo_logit": []}
        size = c.disc_batch_size * num_envs
        for idx in self._minibatches(len(agent_n), size, c.disc_epochs, self.update_generator):
            if self.replay.size:
                # MimicKit's split: half the minibatch from this rollout, half from the replay buffer, so the
                # discriminator's cost per iteration is half a pass over the new samples.
                half = (len(idx) + 1) // 2
                agent = torch.cat((agent_n[idx[:half]],
                                   self.disc_obs_norm(self.replay.sample(len(idx) - half, self.update_generator))))
            else:
                agent = agent_n[idx]
            demo = self._demo_batch(demo_n, len(agent))
            loss, step_stats = self.disc_loss(agent, demo)
            self.disc_opt.zero_grad()
            loss.backward()
            distributed.average_gradients(self.disc.parameters())
            self.disc_opt.step()
            for key, value in step_stats.items():
                stats[key].append(value)
        return {k: sum(v) / len(v) for k, v in stats.items()}

    def disc_loss(self, agent: torch.Tensor, demo: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """The discriminator's loss on normalized agent and demo observations, and its parts.

        BCE (demo 1, agent 0), plus disc_grad_penalty times the mean squared norm of the logit's gradient with
        respect to the demo inputs (kept in the graph, so it trains the discriminator to be smooth there), plus
        disc_logit_reg times the squared weights of the logit layer.
        """
        c = self.config
        demo = demo.detach().clone().requires_grad_(True)
        agent_logit = run_mlp(self.disc, agent, self.bf16["disc"]).squeeze(-1)
        demo_logit = run_mlp(self.disc, demo, self.bf16["disc"]).squeeze(-1)
        bce = 0.5 * (F.binary_cross_entropy_with_logits(agent_logit, torch.zeros_like(agent_logit))
                     + F.binary_cross_entropy_with_logits(demo_logit, torch.ones_like(demo_logit)))
        grad = torch.autograd.grad(demo_logit.sum(), demo, create_graph=True)[0]
        penalty = (grad * grad).sum(-1).mean()
        logit_reg = (self.disc[-1].weight ** 2).sum()
        loss = bce + c.disc_grad_penalty * penalty + c.disc_logit_reg * logit_reg
        return loss, disc_stats(bce, penalty, agent_logit, demo_logit)

    # ----- checkpoints -----

    def state_dict(self) -> dict:
        """Everything needed to continue exactly: networks, optimizers, normalizers, replay buffer, RNG, weights.
        A background update is finished first (its metrics are still reported by the next update)."""
        self._background.join()
        return {
            "actor": self.actor.state_dict(), "critic": self.critic.state_dict(), "disc": self.disc.state_dict(),
            "actor_opt": self.actor_opt.state_dict(), "critic_opt": self.critic_opt.state_dict(),
            "disc_opt": self.disc_opt.state_dict(),
            "obs_norm": self.obs_norm.state_dict(), "disc_obs_norm": self.disc_obs_norm.state_dict(),
            "replay": self.replay.state_dict(), "generator": self.generator.get_state(),
            "update_generator": self.update_generator.get_state(),
            "disc_reward_weight": self.disc_reward_weight, "task_reward_weight": self.task_reward_weight,
        }

    def load_state_dict(self, state: dict, policy_only: bool = False, source: str | Path | None = None) -> None:
        """Restore from state_dict(); policy_only restores what acting and judging its style need (actor, obs
        normalizer, and the discriminator with its normalizer where the checkpoint has them).

        A state that does not fit this agent (a checkpoint of another character, observation or network size, or a
        damaged one) raises CheckpointError naming `source` (the checkpoint file) and the entry, before anything
        is changed."""
        self.wait()
        check_agent_state(self, state, policy_only, source)
        self.actor.load_state_dict(state["actor"])
        self.obs_norm.load_state_dict(state["obs_norm"])
        if "disc" in state:
            self.disc.load_state_dict(state["disc"])
            self.disc_obs_norm.load_state_dict(state["disc_obs_norm"])
            self.has_style_judge = True
        if policy_only:
            return
        self.critic.load_state_dict(state["critic"])
        self.actor_opt.load_state_dict(state["actor_opt"])
        self.critic_opt.load_state_dict(state["critic_opt"])
        self.disc_opt.load_state_dict(state["disc_opt"])
        self.disc_obs_norm.load_state_dict(state["disc_obs_norm"])
        self.replay.load_state_dict(state["replay"])
        self.generator.set_state(state["generator"])
        if "update_generator" in state:  # absent from checkpoints of earlier versions
            self.update_generator.set_state(state["update_generator"])
        self.disc_reward_weight = check_number(state["disc_reward_weight"], "agent.disc_reward_weight", source)
        self.task_reward_weight = check_number(state["task_reward_weight"], "agent.task_reward_weight", source)
