"""Ready-made experiments by name (``spikesim.experiments``).

>>> from spikesim import experiments
>>> "xor" in experiments.names()
True
>>> outcome = experiments.get("xor").run(seed=1, episodes=0, eval_episodes=1, len_episode=4)
>>> outcome.results.episodes[0]["steps"]
4
"""
from spikesim.experiments import xor
from spikesim.experiments import cartpole, control, demonstrations, florian, gym, izhikevich
from spikesim.experiments import discrete, maze
from spikesim.experiments.gym import experiment_for, network_for
from spikesim.experiments.registry import Experiment, Outcome, get, mean_reward_per_step, mean_total_reward, names, register

__all__ = ["Experiment", "Outcome", "get", "mean_reward_per_step", "mean_total_reward", "names", "register", "xor"]
