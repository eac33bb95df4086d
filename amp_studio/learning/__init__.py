"""PPO with an AMP discriminator: configs, networks, normalizers, storage and the agent."""

from amp_studio.learning.agent_config import AgentConfig, load_agent_config
from amp_studio.learning.amp_agent import AMPAgent

__all__ = ["AMPAgent", "AgentConfig", "load_agent_config"]
