"""Ready-made experiments (``spikesim.experiments``)."""
