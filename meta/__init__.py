"""Hyperparameter search and sweeps (``spikesim.meta``)."""
