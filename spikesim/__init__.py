"""spikesim: spiking neural networks for reinforcement learning, in NumPy
array programs with Numba-compiled hot loops."""
from spikesim.actor_critic import ActorCriticNetwork, td_error
from spikesim.network import ActiveRLNetwork, Network, RLNetwork, SimulationError, every_step_reward, spike_reward
from spikesim.params import REQUIRED, ConfigError, Param
from spikesim.value_learning import QNetwork, TabularQ
from spikesim.training import Callback, EpisodeMetrics, Results, Run, SolveWindow, Trajectory, episodes_to_solve, read_run, train

__version__ = "0.1.0"

__all__ = [
    "ActiveRLNetwork", "ActorCriticNetwork", "Callback", "ConfigError", "EpisodeMetrics", "Network", "Param", "REQUIRED",
    "QNetwork", "RLNetwork", "Results", "Run", "SimulationError", "SolveWindow", "TabularQ", "Trajectory",
    "__version__", "episodes_to_solve", "every_step_reward", "read_run", "spike_reward", "td_error", "train",
]  # fmt: skip
