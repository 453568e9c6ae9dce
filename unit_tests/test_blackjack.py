"""Blackjack: the joint one-hot code, the exact dynamic programme of gymnasium's rules, and blackjack-td."""
from __future__ import annotations

import gymnasium
import numpy as np
import pytest

from spikesim import ConfigError, experiments, train
from spikesim.experiments.discrete import (
    BLACKJACK_NVEC, CARD_P, BlackjackQ, blackjack_return, dealer_finals, discrete_game, exact_return, greedy_policy,
    observations, optimal_return,
)  # fmt: skip
from spikesim.games import GymWrapper
from spikesim.inputs import OneHot


def index(player_sum: int, dealer: int, usable: int) -> int:
    return (player_sum * 11 + dealer) * 2 + usable


def stick_from(threshold: int) -> np.ndarray:
    """Hit below ``threshold``, stick from it on (soft or hard)."""
    policy = np.zeros(704, dtype=int)
    for s in range(32):
        for d in range(11):
            for u in (0, 1):
                policy[index(s, d, u)] = int(s < threshold)
    return policy


# ---------------------------------------------------------------- the joint code
def test_joint_one_hot_values_by_hand():
    code = OneHot(n_inputs=704, n_states=704, obs_nvec=[32, 11, 2], on_rate=0.5)
    # row-major: the last part varies fastest
    assert [code.value(o) for o in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0), (14, 10, 1), (31, 10, 1)]] == [
        0, 1, 2, 22, 329, 703]  # fmt: skip
    assert code.value(np.array([14, 10, 1])) == code.value((np.int64(14), 10.0, 1)) == 329
    wide = OneHot(n_inputs=1408, n_states=704, obs_nvec=[32, 11, 2], on_rate=0.5)  # 2 inputs per combination
    assert np.flatnonzero(wide.rates((14, 10, 1))).tolist() == [658, 659]
    small = OneHot(n_inputs=6, n_states=6, obs_nvec=[3, 2])
    assert observations(small) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert [small.value(o) for o in observations(small)] == list(range(6))
    assert observations(OneHot(n_inputs=3, n_states=3)) == [0, 1, 2]


def test_joint_one_hot_refuses_bad_input():
    code = OneHot(n_inputs=6, n_states=6, obs_nvec=[3, 2])
    expected = r"^OneHot: expects an observation of 2 integers, each x_d in range\(obs_nvec\[d\]\), obs_nvec \[3, 2\]; "
    for bad in [(3, 0), (0, 2), (-1, 0), (1,), (1, 0, 0), (0.5, 1), "ab", None, ((0, 1), 1)]:
        with pytest.raises(ConfigError, match=expected):
            code.rates(bad)
    with pytest.raises(ConfigError, match=r"^OneHot: key 'n_states' expects the product of obs_nvec \[3, 2\] \(6\)"):
        OneHot(n_inputs=5, n_states=5, obs_nvec=[3, 2])
    with pytest.raises(ConfigError, match=r"^OneHot: key 'obs_nvec' expects positive integers \(or None\)"):
        OneHot(n_inputs=6, n_states=6, obs_nvec=[1.5, 4])
    with pytest.raises(ConfigError, match=r"^OneHot: key 'obs_nvec' expects .*; got .*0"):
        OneHot(n_inputs=6, n_states=6, obs_nvec=[0, 6])
    with pytest.raises(ConfigError, match=r"^observations: expects a OneHot code; got RateMap"):
        from spikesim.inputs import RateMap

        observations(RateMap(n_inputs=2, state_rate_map=[0.0, 0.5]))


# ---------------------------------------------------------------- the dynamic programme
def test_dealer_finals_by_hand():
    finals = dealer_finals(16, False)  # hard 16 draws once: an ace to a 5 make 17..21, a 6 or more busts
    assert finals[[17, 18, 19, 20, 21]] == pytest.approx([1 / 13] * 5) and finals[0] == pytest.approx(8 / 13)
    assert dealer_finals(7, True)[17] == 1.0  # ace + 6: a soft 17 stands
    assert dealer_finals(17, True)[17] == 1.0  # ace + 6 + 10: a hard 17 stands
    assert dealer_finals(22, False)[0] == 1.0
    # hard 15: a 6 makes 21; an ace makes hard 16, which draws once more (above)
    expected_21 = 1 / 13 + 1 / 13 * 1 / 13
    assert dealer_finals(15, False)[21] == pytest.approx(expected_21)
    for total in range(2, 22):
        for ace in (False, True):
            assert dealer_finals(total, ace).sum() == pytest.approx(1.0)
            assert dealer_finals(total, ace)[1:17].sum() == 0.0


def test_blackjack_return_by_hand():
    always_hit = np.ones(704, dtype=int)
    assert blackjack_return(always_hit) == pytest.approx(-1.0)  # every hand ends bust
    assert blackjack_return(always_hit, sab=True) == pytest.approx(-1.0)
    # Hitting a hard 20 against a dealer's 10 changes only the hands dealt (10, 10) against a 10, probability
    # (4/13)^3; there the hit makes 21 with an ace (then sticks) and busts otherwise.
    stick = np.zeros(704, dtype=int)
    one_hit = stick.copy()
    one_hit[index(20, 10, 0)] = 1
    f = sum(CARD_P[h] * dealer_finals(10 + h, h == 1) for h in range(1, 11))
    stick_20 = f[0] + f[17:20].sum() - f[21]
    hit_20 = CARD_P[1] * (1.0 - f[21]) - (1.0 - CARD_P[1])
    assert blackjack_return(one_hit) - blackjack_return(stick) == pytest.approx((4 / 13) ** 3 * (hit_20 - stick_20))
    # sab=True changes only a stuck natural (an ace and a ten, dealt with probability 2 (1/13)(4/13)): it wins
    # unless the dealer has a natural too, instead of losing nothing only against any dealer's 21
    gap = 0.0
    for d in range(1, 11):
        f = sum(CARD_P[h] * dealer_finals(d + h, d == 1 or h == 1) for h in range(1, 11))
        dealer_natural = {1: 4 / 13, 10: 1 / 13}.get(d, 0.0)
        gap += CARD_P[d] * 2 * (1 / 13) * (4 / 13) * ((1.0 - dealer_natural) - (1.0 - f[21]))
    assert blackjack_return(stick, sab=True) - blackjack_return(stick) == pytest.approx(gap)
    # natural=True pays 1.5 for a natural that wins: half a unit more on each such win
    bonus = sum(CARD_P[d] * 2 * (1 / 13) * (4 / 13) * 0.5 * (1.0 - sum(
        CARD_P[h] * dealer_finals(d + h, d == 1 or h == 1) for h in range(1, 11))[21]) for d in range(1, 11))
    assert blackjack_return(stick, natural=True) - blackjack_return(stick) == pytest.approx(bonus)


def test_the_optimum_and_gyms_rules():
    optimum, optimum_sab = blackjack_return(None), blackjack_return(None, sab=True)
    assert optimum == pytest.approx(-0.04656, abs=1e-5) and optimum_sab == pytest.approx(-0.04311, abs=1e-5)
    for policy in (stick_from(12), stick_from(17), stick_from(20), np.zeros(704, dtype=int)):
        assert blackjack_return(policy) < optimum
    # gymnasium.make("Blackjack-v1") plays Sutton and Barto's rules (sab=True): exact_return follows the game's
    game = GymWrapper("Blackjack-v1")
    assert game.unwrapped.sab and not game.unwrapped.natural
    assert exact_return(game, stick_from(20), 100) == blackjack_return(stick_from(20), sab=True)
    assert optimal_return(game, 100) == optimum_sab
    assert optimal_return(GymWrapper("Blackjack-v1", make_kwargs={"sab": False}), 100) == optimum
    with pytest.raises(ConfigError, match=r"^blackjack_return: horizon expects at least 20 steps .*; got 5$"):
        blackjack_return(None, horizon=5)
    with pytest.raises(ConfigError, match=r"^blackjack_return: policy expects an action 0 or 1 per joint index"):
        blackjack_return(np.zeros(45, dtype=int))


def test_exact_return_matches_gymnasiums_blackjack():
    # 20,000 hands of gymnasium's own environment under "stick on 20 or 21" (Sutton and Barto's example 5.1)
    policy = stick_from(20)
    env = gymnasium.make("Blackjack-v1", sab=False).unwrapped
    env.reset(seed=0)
    returns = []
    for _ in range(20000):
        (s, d, u), _ = env.reset()
        reward, done = 0.0, False
        while not done:
            (s, d, u), reward, done, _, _ = env.step(int(policy[index(s, d, u)]))
        returns.append(reward)
    mean, error = np.mean(returns), np.std(returns) / np.sqrt(len(returns))
    assert abs(mean - blackjack_return(policy)) < 4 * error  # exact: -0.3536; the error is about 0.0066


# ---------------------------------------------------------------- blackjack-td
def test_blackjack_td_is_registered_with_its_twins():
    experiment = experiments.get("blackjack-td")
    assert experiment.network is BlackjackQ and (experiment.episodes, experiment.eval_episodes) == (50000, 10000)
    network, game = experiment.build(seed=0)
    assert (network.n_inputs, network.n_outputs) == (704, 20) and network.inputs.nvec.tolist() == list(BLACKJACK_NVEC)
    assert greedy_policy(network).tolist() == [0] * 704  # weights 0: every Q is 0, the first action (stick) on a tie
    tabular = experiment.run_twin("tabular", seed=0, episodes=200, eval_episodes=50)
    found = experiment.measures(tabular)
    assert found["optimal_return"] == pytest.approx(-0.04311, abs=1e-5)
    assert -1.0 <= found["exact_return"] <= found["optimal_return"] and found["train_episodes"] == 200
    random = experiment.run_twin("random", seed=0, eval_episodes=2000)
    assert -0.5 < random.metric < -0.3  # a random policy: about -0.40 a hand


def test_learns_blackjack_on_three_seeds():
    # 2000 hands of training. The untrained network always sticks (exact -0.186 a hand under gymnasium's rules),
    # a random policy loses about 0.40 a hand, the optimum -0.0431. Measured: seeds 0-5 reach -0.085 to -0.113
    # exactly (after 3000 hands: -0.076 to -0.119). About 6 s a seed.
    for seed in range(3):
        game = discrete_game("Blackjack-v1")()
        net = BlackjackQ(game=game, seed=seed)
        train(net, game, episodes=2000, eval_episodes=0, progress=False)
        assert exact_return(game, greedy_policy(net), 100) > -0.15, seed
