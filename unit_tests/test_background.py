"""External Poisson background input of the leaky neurons."""
from __future__ import annotations

from math import comb

import numpy as np
import pytest
from engines import compare_steps

from spikesim import ConfigError
from spikesim.neurons import LIF, AlphaLIF, CurrentLIF
from spikesim.neurons.background import add_background, add_background_reference, alias_table, binomial_pmf


def implied(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The distribution an alias table samples: bin j gives j with prob[j], alias[j] otherwise."""
    k = len(prob)
    out = prob / k
    for j in range(k):
        out[alias[j]] += (1.0 - prob[j]) / k
    return out


@pytest.mark.parametrize("n, p", [(100, 0.021), (10, 0.5), (3, 0.9), (1, 0.3)])
def test_alias_table_samples_the_binomial(n, p):
    pmf = binomial_pmf(n, p)
    exact = np.array([comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)])
    np.testing.assert_allclose(pmf, exact[: len(pmf)], rtol=1e-12)
    assert exact[len(pmf) :].sum() < 1e-17  # only a tail below a double's resolution is cut
    np.testing.assert_allclose(implied(*alias_table(pmf)), pmf, rtol=1e-12, atol=1e-17)


def test_background_mean_and_variance_within_three_sigma():
    prob, alias = alias_table(binomial_pmf(100, 0.021))
    current = np.zeros(200_000)
    add_background(np.random.default_rng(0), prob, alias, 0.5, current)
    k = current / 0.5
    mean, var = 100 * 0.021, 100 * 0.021 * 0.979
    assert abs(k.mean() - mean) < 3 * np.sqrt(var / k.size)
    # the variance of the sample variance of a binomial: (mu4 - var^2) / n, mu4 from the fourth cumulant
    mu4 = 3 * var**2 + var * (1 - 6 * 0.021 * 0.979)
    assert abs(k.var() - var) < 3 * np.sqrt((mu4 - var**2) / k.size)
    counts = np.bincount(k.astype(int), minlength=8)[:8] / k.size
    np.testing.assert_allclose(counts, binomial_pmf(100, 0.021)[:8], atol=4e-3)


def test_kernel_and_reference_draw_the_same_background():
    prob, alias = alias_table(binomial_pmf(100, 0.021))
    compare_steps(add_background, add_background_reference,
                  lambda: (np.random.default_rng(5), prob, alias, 0.5, np.zeros(1000)), steps=5)  # fmt: skip


@pytest.mark.parametrize("cls", [LIF, CurrentLIF, AlphaLIF])
def test_neurons_take_the_background_on_both_engines(cls):
    part = cls(n_neurons=300, background_sources=100, background_rate=0.021, background_mv=0.5,
               firing_threshold=-60.0, rng=np.random.default_rng(1))  # fmt: skip
    part.reset()

    def args():
        return (part.kernel_params(), part.state, np.zeros(300), np.random.default_rng(9), np.zeros(300, bool))

    compare_steps(cls.kernel, cls.reference, args, steps=30)
    # LIF: the first step's potential moves by exactly the background input
    if cls is LIF:
        part.reset()
        current = np.zeros(300)
        LIF.kernel(part.kernel_params(), part.state, current, np.random.default_rng(2), np.zeros(300, bool))
        np.testing.assert_allclose(part.state.v + 70.0, current)
        assert 0.5 * 1.5 < current.mean() < 0.5 * 2.7


def test_no_background_draws_nothing():
    part = LIF(n_neurons=5)
    part.reset()
    rng = np.random.default_rng(3)
    LIF.kernel(part.kernel_params(), part.state, np.zeros(5), rng, np.zeros(5, bool))
    assert rng.random() == np.random.default_rng(3).random()


def test_background_parameters_are_validated():
    with pytest.raises(ConfigError, match="LIF: key 'background_rate' expects a number in \\[0, 1\\]; got 1.5"):
        LIF(n_neurons=2, background_rate=1.5)
    with pytest.raises(ConfigError, match="background_sources"):
        LIF(n_neurons=2, background_sources=-1)
