"""Agent settings with MimicKit's keys (data/agents/*.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from amp_studio.config_loading import ConfigError, Range, build_config, load_yaml, merge_overrides
from amp_studio.errors import describe

OPTIMIZERS = ("SGD", "Adam")
MAX_LAYERS = 32
MAX_WIDTH = 16_384
MAX_HIDDEN_WEIGHTS = 50_000_000
"""Weights between the hidden layers of one network (200 MB in float32); MimicKit's largest has 0.5 M."""
# Far beyond any real setting; larger ones are typos or garbage, refused before anything is allocated.
_WEIGHT = Range(0.0, 1e3)
_COUNT = Range(1, 100_000)
_THREADS = Range(0, 1024)
AGENT_NAMES = ("AMP", "ADD")
"""The methods: adversarial motion priors, and the adversarial differential discriminator (with `env_name: add`)."""


def network_problem(spec: object) -> str | None:
    """What is wrong with a network spec (a name or widths), or None; checked before anything is allocated."""
    from amp_studio.learning.networks import hidden_sizes

    try:
        widths = hidden_sizes(spec)
    except ConfigError as exc:
        return exc.problem
    if len(widths) > MAX_LAYERS:
        return f"{len(widths)} hidden layers, at most {MAX_LAYERS}"
    for width in widths:
        if not 1 <= width <= MAX_WIDTH:
            return f"a layer of {describe(width)} units; widths must be 1 to {MAX_WIDTH:,d}"
    weights = sum(a * b for a, b in zip(widths, widths[1:]))
    if weights > MAX_HIDDEN_WEIGHTS:
        return f"hidden layers of {weights:,d} weights, more than {MAX_HIDDEN_WEIGHTS:,d}"
    return None


@dataclass(frozen=True)
class ModelConfig:
    """Networks: names like `fc_2layers_1024units` (MimicKit's, 1024-512) or explicit widths `[256, 256]`."""

    actor_net: str | list[int] = "fc_2layers_1024units"
    """Hidden layers of the policy (ReLU)."""
    actor_init_output_scale: float = 0.01
    """Scale of the policy's initial output-layer weights."""
    actor_std_type: str = "FIXED"
    """Only FIXED: the action noise is a constant."""
    action_std: float = 0.05
    """Standard deviation of the Gaussian policy in normalized action units."""
    critic_net: str | list[int] = "fc_2layers_1024units"
    """Hidden layers of the value function."""
    disc_net: str | list[int] = "fc_2layers_1024units"
    """Hidden layers of the discriminator."""
    actor_init_to_clip_mean: bool = False
    """Start the policy's mean action at the clips' mean pose (the policy then starts standing, not in T-pose)."""

    RANGES: ClassVar[dict[str, Range]] = {"actor_init_output_scale": Range(0.0, 1e3),
                                          "action_std": Range(1e-6, 1e3)}

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if self.actor_std_type != "FIXED":
            return f"actor_std_type: only FIXED is supported, got {describe(self.actor_std_type)}"
        if self.action_std <= 0:
            return f"action_std must be positive, got {self.action_std}"
        for name in ("actor_net", "critic_net", "disc_net"):
            problem = network_problem(getattr(self, name))
            if problem:
                return f"{name}: {problem}"
        return None


@dataclass(frozen=True)
class OptimizerConfig:
    """One network's optimizer."""

    type: str = "SGD"
    """SGD (with momentum 0.9, MimicKit's) or Adam."""
    learning_rate: float = 1e-4
    weight_decay: float = 0.0
    use_amp: bool = False
    """Mixed precision in this network's update: hidden layers in amp_type, the output layer in float32. Applied
    on CPUs with native bf16 (AVX512-BF16, AMX); elsewhere the update stays float32."""
    amp_type: str = "bf16"
    """Only bf16 (fp16 has no fast CPU path)."""

    RANGES: ClassVar[dict[str, Range]] = {"learning_rate": Range(0.0, 1.0, low_open=True),
                                          "weight_decay": Range(0.0, 1e3)}

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if self.type not in OPTIMIZERS:
            return f"type: expected one of {OPTIMIZERS}, got {describe(self.type)}"
        if self.amp_type != "bf16":
            return f"amp_type: only bf16 is supported, got {describe(self.amp_type)}"
        if self.learning_rate <= 0:
            return f"learning_rate must be positive, got {self.learning_rate}"
        return None


@dataclass(frozen=True)
class AgentConfig:
    """PPO with an AMP discriminator (docs/design.md section 6). Batch sizes count minibatches in units of num_envs."""

    agent_name: str = "AMP"
    model: ModelConfig = field(default_factory=ModelConfig)
    actor_optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    critic_optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    disc_optimizer: OptimizerConfig = field(default_factory=lambda: OptimizerConfig(learning_rate=2.5e-4,
                                                                                    weight_decay=1e-4))
    discount: float = 0.99
    steps_per_iter: int = 32
    """Control steps per env per iteration (the horizon)."""
    iters_per_output: int = 100
    """Iterations between checkpoints."""
    test_episodes: int = 32
    normalizer_samples: int = 100_000_000
    """Observations after which the running normalizers stop updating."""
    actor_epochs: int = 5
    actor_batch_size: int = 4
    """Policy minibatch size in units of num_envs (samples = actor_batch_size * num_envs)."""
    critic_epochs: int = 2
    critic_batch_size: int = 2
    disc_epochs: int = 2
    disc_batch_size: int = 2
    td_lambda: float = 0.95
    ppo_clip_ratio: float = 0.2
    norm_adv_clip: float = 4.0
    action_bound_weight: float = 10.0
    action_reg_weight: float = 0.0
    disc_buffer_size: int = 200_000
    """Past agent discriminator observations kept for training the discriminator."""
    disc_replay_samples: int = 1000
    """New samples added to the full replay buffer per iteration."""
    disc_logit_reg: float = 0.01
    disc_grad_penalty: float = 5.0
    disc_reward_scale: float = 2.0
    disc_norm_agent_obs: bool = False
    """The discriminator's normalizer also folds in the agent's observations (MimicKit's), not only the clips':
    a feature the clips hold constant (the walk's neck rotation) then no longer reads as +-clip standard
    deviations at the agent's least deviation."""
    disc_norm_min_std: float = 1e-4
    """Least std of the discriminator normalizer's features: the scale of a feature the clips hold (nearly)
    constant, from the clips alone."""
    task_reward_weight: float = 0.0
    disc_reward_weight: float = 1.0
    mirror_augment: bool = False
    """Symmetry augmentation: the policy and value updates also learn from each sample's left-right mirror
    (observation, action, advantage and return), so that what the character learns on one side it knows on the
    other. Needs a symmetric character; the updates then cost about twice as much."""
    mirror_loss_weight: float = 0.0
    """With mirror_augment: weight of the squared gap, in action stds, between the policy's mean for a mirrored
    observation and the mirror of its mean for the original. A mirrored sample teaches only where that gap is
    small against the action noise (it keeps its original's log-probability)."""
    torch_threads: int = 0
    """Threads for torch in the update (0: torch's default)."""
    rollout_torch_threads: int = 1
    """Threads for torch while collecting rollouts (0: torch_threads). The env's and policy's tensors are small;
    more threads gain them little, and OpenMP workers spinning between ops slow the physics pool's threads."""

    background_updates: bool = True
    """Train the critic and the discriminator on a background thread while the next rollout is collected. The
    rollout uses neither, so the result is the same; their losses are then reported one iteration late."""
    background_torch_threads: int = 0
    """Threads for torch on the background update's thread (0: as the update's). It shares the cores with the
    physics pool's threads during the rollout."""
    actor_beside_background: bool = False
    """Start the critic's and discriminator's background update before the policy's, so that the two run side by
    side on the cores (they read the same rollout and nothing the other writes). Single-process runs only: the
    gradients of a multi-process run are averaged in one order on every process."""

    RANGES: ClassVar[dict[str, Range]] = {
        "steps_per_iter": _COUNT, "test_episodes": Range(1, 1_000_000), "normalizer_samples": Range(0, 10**15),
        "actor_epochs": Range(1, 1000), "critic_epochs": Range(1, 1000), "disc_epochs": Range(1, 1000),
        "actor_batch_size": _COUNT, "critic_batch_size": _COUNT, "disc_batch_size": _COUNT,
        "ppo_clip_ratio": Range(0.0, 10.0, low_open=True), "norm_adv_clip": Range(0.0, 1e3, low_open=True),
        "action_bound_weight": _WEIGHT, "action_reg_weight": _WEIGHT,
        "disc_buffer_size": Range(1, 10_000_000), "disc_replay_samples": Range(0, 10_000_000),
        "disc_logit_reg": _WEIGHT, "disc_grad_penalty": _WEIGHT, "disc_reward_scale": Range(-1e3, 1e3),
        "disc_norm_min_std": Range(0.0, 1e3, low_open=True),
        "task_reward_weight": _WEIGHT, "disc_reward_weight": _WEIGHT, "mirror_loss_weight": _WEIGHT,
        "torch_threads": _THREADS, "rollout_torch_threads": _THREADS, "background_torch_threads": _THREADS,
    }

    def validate(self) -> str | None:
        """A problem with the values, or None."""
        if self.agent_name not in AGENT_NAMES:
            return f"agent_name: expected one of {', '.join(AGENT_NAMES)}, got {describe(self.agent_name)}"
        for name in ("steps_per_iter", "actor_epochs", "critic_epochs", "disc_epochs", "actor_batch_size",
                     "critic_batch_size", "disc_batch_size", "iters_per_output"):
            if getattr(self, name) < 1:
                return f"{name} must be at least 1, got {getattr(self, name)}"
        if not 0 < self.discount <= 1 or not 0 <= self.td_lambda <= 1:
            return "discount must be in (0, 1] and td_lambda in [0, 1]"
        return None


def load_agent_config(path: str | Path, overrides: dict | None = None) -> AgentConfig:
    """An agent config from YAML, with optional overrides (a mapping updates a section such as `model`)."""
    data = merge_overrides(load_yaml(path), overrides)
    _drop_retired_keys(data, path)
    return build_config(AgentConfig, data, path)


RETIRED_KEYS = {
    "action_entropy_weight": "the policy's action std is fixed, so an entropy bonus has no gradient and no effect",
}
"""MimicKit keys this project reads but has no use for: accepted at 0 (MimicKit's configs and models trained
before carry them), refused otherwise, since a value would promise an effect it cannot have."""


def _drop_retired_keys(data: dict, path: str | Path) -> None:
    for key, why in RETIRED_KEYS.items():
        if key in data:
            value = data.pop(key)
            if value not in (0, 0.0, None) or isinstance(value, bool):
                raise ConfigError(path, f"key '{key}': not used ({why}); remove it, got {describe(value)}")
