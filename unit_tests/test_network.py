"""Network composition, configuration errors, runs, copies and files."""
from __future__ import annotations

import inspect
import pickle
import re

import numpy as np
import pytest
from xor_network import STATES, XOR_KEYS, XOR_PARTS, ActiveXORNetwork, XORNetwork, xor_blocks

from spikesim import ActiveRLNetwork, ConfigError, Network, RLNetwork, SimulationError, every_step_reward, spike_reward
from spikesim.games import Logic
from spikesim.games.logic import logic_and, logic_xor
from spikesim.synapses import Static


def xor(**keys):
    return XORNetwork(game=Logic(preset="XOR"), seed=7, **keys)


def run(net, ticks=8, reward=True):
    spikes = []
    for t in range(ticks):
        state = STATES[t % 4]
        action = net.tick(state)
        if reward:
            net.reward(state, action)
        spikes.append(net.spike_log.copy())
    return np.array(spikes)


# ---------------------------------------------------------------- composition
def test_subclass_and_constructor_build_the_same_network():
    by_class = xor()
    by_args = RLNetwork(parts=XOR_PARTS, game=Logic(preset="XOR"), seed=7, **XOR_KEYS)
    np.testing.assert_array_equal(by_class.w, by_args.w)
    np.testing.assert_array_equal(run(by_class), run(by_args))
    np.testing.assert_array_equal(by_class.w, by_args.w)


def test_parts_may_be_given_as_keywords_named_after_their_family():
    net = RLNetwork(parts={k: v for k, v in XOR_PARTS.items() if k != "synapses"}, synapses=Static,
                    game=Logic(preset="XOR"), seed=1, **{k: v for k, v in XOR_KEYS.items() if k not in ("learning_rate", "stdp_window", "trace_decay")})  # fmt: skip
    assert isinstance(net.synapses, Static)


def test_network_classes_show_their_parts_and_keys_as_their_signature():
    signature = inspect.signature(XORNetwork).parameters
    assert [signature[f].default for f in XOR_PARTS] == list(XOR_PARTS.values())
    for key, value in XOR_KEYS.items():  # the class's keys over the declared defaults
        assert signature[key].default is value
    assert signature["engine"].default == "numba"  # a declared default the class leaves alone
    assert signature["keys"].kind is inspect.Parameter.VAR_KEYWORD  # keys of parts given instead
    base = inspect.signature(Network).parameters
    assert base["n_neurons"].default is inspect.Parameter.empty  # required: no default
    assert list(base)[:3] == ["parts", "game", "modifiers"] and "inputs" not in base


def test_priority_keywords_then_class_keys_then_game():
    assert xor().config["expected_value"] is logic_xor  # from the game
    assert xor(expected_value=logic_and).config["expected_value"] is logic_and  # keyword over game

    class Keyed(XORNetwork):
        keys = {**XOR_KEYS, "expected_value": logic_and, "processing_time": 50}

    net = Keyed(game=Logic(preset="XOR"), seed=0)
    assert net.config["expected_value"] is logic_and  # class keys over game
    assert Keyed(game=Logic(preset="XOR"), seed=0, processing_time=20).processing_time == 20  # keyword over class


def test_config_holds_every_parameter_with_defaults_filled():
    net = xor()
    assert net.config["prob_rand_fire"] == 0.15
    assert net.config["resting_mv"] == 0.0  # a default
    assert net.config["engine"] == "numba"
    assert isinstance(net.config["seed"], int)


def test_same_seed_same_run_different_seed_different_run():
    assert np.array_equal(run(xor()), run(xor()))
    other = XORNetwork(game=Logic(preset="XOR"), seed=8)
    assert not np.array_equal(run(xor()), run(other))


def test_seed_none_draws_a_seed_that_reproduces_the_run():
    net = XORNetwork(game=Logic(preset="XOR"))
    assert type(net.seed) is int and 0 <= net.seed < 2**32 and net.config["seed"] == net.seed  # ten digits at most
    again = XORNetwork(game=Logic(preset="XOR"), seed=net.seed)
    np.testing.assert_array_equal(run(net), run(again))


def test_spike_log_holds_inputs_then_body_and_the_readout_sees_the_outputs():
    net = xor(prob_rand_fire=0.0, state_rate_map=[0.0, 1.0], action_threshold=0.5)
    action = net.tick(np.array([1, 1]))
    log = net.spike_log
    assert log.shape == (100, 121) and log.dtype == bool
    assert log[:, :60].all()  # rate 1: every input fires every step
    rate = log[:, -1].mean()
    assert action == (1 if rate >= 0.5 else 0)


def test_inhibitory_inputs_subtract():
    net = xor(prob_rand_fire=0.0, input_pct_inhibitory=0.5)
    assert sorted(net.signs[:60].tolist()).count(-1.0) == 30
    assert (net.signs[60:] == 1.0).all() and (net.spike_value == 1.0).all()
    inhibitory = net.signs[:60] < 0
    assert (net.matrix[:60][inhibitory, :60] < 0).all() and (net.matrix[:60][~inhibitory, :60] > 0).all()


# ---------------------------------------------------------------- configuration errors
def test_missing_required_keys_are_all_listed_at_once():
    with pytest.raises(ConfigError) as error:
        RLNetwork(parts=XOR_PARTS, n_inputs=60)
    listed = re.findall(r"'(\w+)' \(", str(error.value))  # each missing key with its doc in parentheses
    assert sorted(listed) == sorted(("n_neurons", "n_outputs", "processing_time", "matrix", "firing_threshold",
                                     "potential_decay", "refractory_period", "state_rate_map", "expected_value"))


def test_unknown_key_suggests_the_closest_name():
    with pytest.raises(ConfigError, match=r"unknown key 'firing_treshold'; did you mean 'firing_threshold'\?"):
        xor(firing_treshold=3.0)


def test_wrong_type_names_part_key_expected_and_given():
    with pytest.raises(ConfigError, match=r"Neuron: key 'refractory_period' expects an integer in \[0, inf\); got 'two'"):
        xor(refractory_period="two")
    with pytest.raises(ConfigError, match=r"Network: key 'engine' expects a string among 'numba', 'numpy'; got 'jax'|XORNetwork: key 'engine'"):
        xor(engine="jax")


def test_value_out_of_range():
    with pytest.raises(ConfigError, match=r"Neuron: key 'potential_decay' expects a number in \[0, 1\]; got 1.5"):
        xor(potential_decay=1.5)
    with pytest.raises(ConfigError, match="prob_rand_fire"):
        xor(prob_rand_fire=-0.1)


def test_nan_parameter_is_refused():
    with pytest.raises(ConfigError, match="firing_threshold"):
        xor(firing_threshold=float("nan"))


def test_weight_matrix_of_the_wrong_shape():
    with pytest.raises(ConfigError, match=r"Manual: key 'matrix' expects shape \(121, 61\).*got shape \(120, 61\)"):
        xor(matrix=np.ones((120, 61)))


def test_n_outputs_larger_than_n_neurons():
    with pytest.raises(ConfigError, match="n_outputs.*at most n_neurons"):
        xor(n_outputs=62, matrix=np.ones((121, 61)))


def test_rate_map_that_does_not_divide_n_inputs():
    with pytest.raises(ConfigError, match="RateMap.*state_rate_map.*divides n_inputs \\(60\\)"):
        xor(state_rate_map={(0, 0): [0.0] * 7, (0, 1): [0.1] * 7, (1, 0): [0.1] * 7, (1, 1): [0.0] * 7})


def test_state_the_input_map_does_not_know():
    partial_map = {(0, 0): [0.0, 0.0], (0, 1): [0.0, 0.1], (1, 0): [0.1, 0.0]}
    with pytest.raises(ConfigError, match=r"does not know state \(1, 1\)"):
        xor(state_rate_map=partial_map)


def test_game_parameter_passed_to_the_network():
    with pytest.raises(ConfigError, match="'preset'|unknown key"):
        xor(preset="AND")


def test_part_families_are_checked():
    with pytest.raises(ConfigError, match="missing part: readout"):
        RLNetwork(parts={k: v for k, v in XOR_PARTS.items() if k != "readout"}, **XOR_KEYS)
    with pytest.raises(ConfigError, match="part 'neurons' expects a subclass of Neurons"):
        RLNetwork(parts={**XOR_PARTS, "neurons": Static}, **XOR_KEYS)
    with pytest.raises(ConfigError, match="unknown part family 'neuron'; did you mean 'neurons'"):
        RLNetwork(parts={**XOR_PARTS, "neuron": Static}, **XOR_KEYS)
    with pytest.raises(ConfigError, match="missing part: rewarder"):
        ActiveRLNetwork(parts={k: v for k, v in XOR_PARTS.items() if k != "rewarder"}, **XOR_KEYS)


def test_a_network_without_rewarder_learns_from_given_rewards():
    keys = {**XOR_KEYS, "learning_rate": 0.05}
    net = RLNetwork(parts={k: v for k, v in XOR_PARTS.items() if k != "rewarder"}, seed=0, **keys)
    net.tick(STATES[1])
    with pytest.raises(ConfigError, match="reward\\(\\) needs a reward: the network has no rewarder"):
        net.reward(STATES[1], 1)
    w = net.w.copy()
    assert net.reward(STATES[1], 1, None, reward=1.0) == 1.0
    net.tick(STATES[1])
    assert not np.array_equal(net.w, w)


def test_synaptic_events_count_each_spike_once_per_synapse():
    net = xor(prob_rand_fire=0.0, state_rate_map=[1.0, 1.0])
    net.tick(STATES[3])
    log = net.spike_log
    # every input has 60 synapses (to the hidden layer), hidden neurons 1 (to the output), the output none
    expected = 60 * log[:, :60].sum() + log[:, 60:120].sum()
    assert net.synaptic_events() == expected


def test_initial_weights_outside_their_bounds():
    with pytest.raises(ConfigError, match="initial weights must lie within their bounds"):
        xor(max_weight=0.1)


def test_modifiers_must_be_modifiers():
    with pytest.raises(ConfigError, match="modifiers expects Modifier instances"):
        xor(modifiers=["learning_rate"])


def test_list_keys_prints_every_parameter(capsys):
    XORNetwork.list_keys(game=Logic)
    out = capsys.readouterr().out
    for key in ("n_inputs", "processing_time", "seed", "engine", "firing_threshold", "state_rate_map", "matrix",
                "stdp_window", "action_threshold", "reward_mult", "expected_value"):  # fmt: skip
        assert key in out
    # the class's own keys, as `spikesim keys` shows an experiment's: the value, marked where it is not the default
    line = next(line for line in out.splitlines() if line.startswith("potential_decay"))  # required, set by the class
    assert line.split()[:4] == ["potential_decay", "float", "0.05", "*"] and "[0, 1]" in line and "Neuron" in line
    line = next(line for line in out.splitlines() if line.startswith("processing_time"))
    assert line.split()[:4] == ["processing_time", "int", f"{XORNetwork.keys['processing_time']}", "*"]
    assert out.splitlines()[-1] == "* differs from the declared default (set by the class's keys)"


def test_set_param_validates_and_reaches_the_kernels():
    net = xor(prob_rand_fire=0.0, state_rate_map=[0.0, 1.0])
    net.set_param("firing_threshold", 1e9)
    net.tick(np.array([1, 1]))
    assert not net.spike_log[:, 60:].any()
    with pytest.raises(ConfigError):
        net.set_param("potential_decay", 2.0)
    with pytest.raises(ConfigError, match="no part has a parameter 'potential_decays'"):
        net.set_param("potential_decays", 0.1)


def test_parameters_are_read_only():
    net = xor()
    with pytest.raises(AttributeError, match="set_param"):
        net.neurons.firing_threshold = 3.0


# ---------------------------------------------------------------- learning switches and numerical safety
def test_eval_freezes_the_weights_and_train_resumes():
    net = xor(learning_rate=0.05)
    w0 = net.w.copy()
    net.eval()
    run(net, 4)
    np.testing.assert_array_equal(net.w, w0)
    net.train()
    run(net, 4)
    assert not np.array_equal(net.w, w0)


def test_reset_keeps_weights_and_clears_state():
    net = xor(learning_rate=0.05)
    run(net, 4)
    w = net.w.copy()
    net.reset()
    np.testing.assert_array_equal(net.w, w)
    assert (net.neurons.state.v == 0.0).all() and net.synapses.state.trace[0] == 0.0


def test_non_finite_reward_is_an_error():
    net = xor()
    net.tick(STATES[1])
    with pytest.raises(SimulationError, match="reward must be finite"):
        net.reward(STATES[1], 1, None, reward=float("nan"))


def test_state_overflow_is_an_error_not_a_silent_run():
    net = xor(prob_rand_fire=0.0, state_rate_map=[1.0, 1.0], max_weight=1e308, firing_threshold=1e308, matrix=np.full((121, 61), 1e308))
    with pytest.raises(SimulationError, match="Neuron state 'v' became -?inf .*during tick 0"):
        net.tick(STATES[3])


def test_reward_needs_a_reward_modulated_rule():
    keys = {k: v for k, v in XOR_KEYS.items() if k not in ("learning_rate", "stdp_window", "trace_decay")}
    net = RLNetwork(parts={**XOR_PARTS, "synapses": Static}, game=Logic(preset="XOR"), seed=0, **keys)
    net.tick(STATES[1])
    with pytest.raises(ConfigError, match="Static take no reward"):
        net.reward(STATES[1], 1)


# ---------------------------------------------------------------- the active network
def test_active_network_rewards_each_output_spike():
    net = ActiveXORNetwork(game=Logic(preset="XOR"), seed=3)
    assert net.config["continuous_rwd_action"] is spike_reward
    for state in STATES:
        net.tick(state)
        sign = 1.0 if logic_xor(state) else -1.0
        np.testing.assert_array_equal(net._rewards, sign * net.spike_log[:, -1])
        assert net.reward(state, None) == sign * net.spike_log[:, -1].sum()


def test_active_network_every_step_reward():
    net = ActiveXORNetwork(game=Logic(preset="XOR"), seed=3, continuous_rwd_action=every_step_reward, punish_mult=0.5)
    net.tick(STATES[0])
    assert (net._rewards == -0.5).all()
    net.tick(STATES[1])
    assert (net._rewards == 1.0).all()


def test_active_network_takes_spikeys_bool_whether_the_network_acted():
    # the XOR rewarder: +1 for the expected action, -punish_mult otherwise; the bool holds for the tick's every step
    acted = {True: lambda network, state: True, False: lambda network, state: np.bool_(False)}
    for flag, expected in ((True, [-0.5, 1.0]), (False, [1.0, -0.5])):
        net = ActiveXORNetwork(game=Logic(preset="XOR"), seed=3, continuous_rwd_action=acted[flag], punish_mult=0.5)
        for state, reward in zip(STATES[:2], expected):
            net.tick(state)
            assert (net._rewards == reward).all() and net.reward(state, None) == reward * net.processing_time
    spikey, spikesim = (ActiveXORNetwork(game=Logic(preset="XOR"), seed=3, continuous_rwd_action=f, learning_rate=0.5)
                        for f in (acted[True], every_step_reward))  # fmt: skip
    np.testing.assert_array_equal(run(spikey, 4), run(spikesim, 4))
    np.testing.assert_array_equal(spikey.w, spikesim.w)
    assert not np.array_equal(spikey.w, ActiveXORNetwork(game=Logic(preset="XOR"), seed=3).w)  # it learned


def test_active_network_other_returns_are_a_config_error_that_names_the_bool():
    net = ActiveXORNetwork(game=Logic(preset="XOR"), seed=0, continuous_rwd_action=lambda network, state: 1.0)
    with pytest.raises(ConfigError, match=r"got 1\.0 for state .* \(or a bool, as Spikey's: whether the network acted\)"):
        net.tick(STATES[1])


# ---------------------------------------------------------------- copies and files
def test_pickle_round_trip_continues_identically():
    net = xor(learning_rate=0.05)
    run(net, 3)
    twin = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(run(net, 4), run(twin, 4))
    np.testing.assert_array_equal(net.w, twin.w)


def test_copy_is_independent():
    net = xor(learning_rate=0.05)
    twin = net.copy()
    run(net, 3)
    assert not np.array_equal(net.w, twin.w)
    np.testing.assert_array_equal(run(twin, 3)[-1], run(xor(learning_rate=0.05), 3)[-1])


def test_save_and_load_continue_identically(tmp_path):
    net = xor(learning_rate=0.05)
    run(net, 3)
    net.save(tmp_path / "net")
    assert (tmp_path / "net" / "network.json").exists() and (tmp_path / "net" / "arrays.npz").exists()
    loaded = Network.load(tmp_path / "net", allow=("xor_network",))
    assert type(loaded) is XORNetwork and loaded.config["expected_value"] is logic_xor
    np.testing.assert_array_equal(loaded.w, net.w)
    np.testing.assert_array_equal(run(net, 4), run(loaded, 4))
    np.testing.assert_array_equal(net.w, loaded.w)


def test_saving_a_lambda_parameter_is_a_clear_error(tmp_path):
    net = xor(expected_value=lambda s: 1)
    with pytest.raises(ValueError, match="cannot save parameter 'expected_value'"):
        net.save(tmp_path / "net")


def test_matrix_is_a_view_with_dense_storage():
    assert not xor().dense  # half the pairs are synapses: sparse
    assert xor(matrix=np.ones((121, 61))).dense  # all pairs: dense
    net = xor(storage="dense")
    assert net.dense
    matrix = net.matrix
    assert matrix.shape == (121, 61)
    matrix[0, 0] = 0.123
    assert net.w[0] == 0.123
    sparse = xor(storage="sparse")
    assert not sparse.dense and sparse.w.size == 60 * 60 + 60
    np.testing.assert_array_equal(sparse.matrix, xor(storage="dense").matrix)


def test_dense_and_sparse_storage_run_identically():
    np.testing.assert_array_equal(run(xor(storage="dense", learning_rate=0.05)), run(xor(storage="sparse", learning_rate=0.05)))


def test_xor_blocks_layout():
    net = xor()
    m = net.matrix
    assert (m[:60, :60] != 0).all() and (m[60:120, 60] > 0).all()
    assert (m[:60, 60] == 0).all() and (m[60:, :60] == 0).all() and (m[120] == 0).all()
    assert xor_blocks(np.random.default_rng(0), (121, 61))[0].shape == (60, 60)
