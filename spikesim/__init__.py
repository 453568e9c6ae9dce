"""spikesim: spiking neural networks for reinforcement learning, in NumPy
array programs with Numba-compiled hot loops."""
from spikesim.network import ActiveRLNetwork, Network, RLNetwork, SimulationError, every_step_reward, spike_reward
from spikesim.params import REQUIRED, ConfigError, Param

__version__ = "0.1.0"

__all__ = [
    "ActiveRLNetwork", "ConfigError", "Network", "Param", "REQUIRED", "RLNetwork", "SimulationError",
    "__version__", "every_step_reward", "spike_reward",
]  # fmt: skip
