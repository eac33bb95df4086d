from __future__ import annotations

import pytest

from amp_studio.config_loading import ConfigError
from amp_studio.learning import load_agent_config
from amp_studio.learning.networks import hidden_sizes


def test_shipped_configs_load():
    cpu = load_agent_config("data/agents/amp_humanoid_agent.yaml")
    ref = load_agent_config("data/agents/amp_humanoid_agent_reference.yaml")
    assert cpu.model.actor_net == (256, 256) and cpu.actor_optimizer.type == "Adam"
    assert hidden_sizes(ref.model.actor_net) == [1024, 512] and ref.disc_optimizer.learning_rate == 2.5e-4
    task = load_agent_config("data/agents/amp_task_humanoid_agent.yaml")
    assert task.task_reward_weight == 0.8 and task.disc_reward_weight == 0.2


def test_overrides_change_one_setting_of_a_section():
    """{"model": {"action_std": ...}} keeps the file's network widths; a value that is not a mapping replaces."""
    cfg = load_agent_config("data/agents/amp_humanoid_agent.yaml",
                            {"model": {"action_std": 0.025}, "actor_optimizer": {"learning_rate": 4e-4},
                             "actor_epochs": 4})
    assert cfg.model.action_std == 0.025 and cfg.model.actor_net == (256, 256) and cfg.model.actor_init_to_clip_mean
    assert cfg.actor_optimizer.learning_rate == 4e-4 and cfg.actor_optimizer.type == "Adam"
    assert cfg.actor_epochs == 4 and cfg.critic_optimizer.use_amp


def test_errors_name_the_key(tmp_path):
    bad = tmp_path / "agent.yaml"
    bad.write_text("agent_name: AMP\ndisc_grad_penalti: 5\n")
    with pytest.raises(ConfigError, match="agent.yaml: unknown key 'disc_grad_penalti'; did you mean 'disc_grad_pen"):
        load_agent_config(bad)
    bad.write_text("agent_name: AMP\nactor_optimizer:\n  typ: Adam\n")
    with pytest.raises(ConfigError, match="unknown key 'actor_optimizer.typ'; did you mean 'type'"):
        load_agent_config(bad)
    bad.write_text("agent_name: AMP\nactor_optimizer:\n  type: RMSprop\n")
    with pytest.raises(ConfigError, match="actor_optimizer.type: expected one of"):
        load_agent_config(bad)
    bad.write_text("agent_name: AMP\nmodel:\n  actor_net: fc_big\n")
    with pytest.raises(ConfigError, match="unknown network 'fc_big'"):
        hidden_sizes(load_agent_config(bad).model.actor_net)


def test_a_retired_key_loads_at_zero_and_is_refused_otherwise(tmp_path):
    """MimicKit's configs (and models trained before) carry action_entropy_weight: 0.0; a fixed action std gives an
    entropy bonus no gradient, so any other value would promise an effect it cannot have."""
    path = tmp_path / "agent.yaml"
    path.write_text("action_entropy_weight: 0.0\ndiscount: 0.98\n")
    assert load_agent_config(path).discount == 0.98
    path.write_text("action_entropy_weight: 0.01\n")
    with pytest.raises(ConfigError, match=r"agent.yaml: key 'action_entropy_weight': not used"):
        load_agent_config(path)
