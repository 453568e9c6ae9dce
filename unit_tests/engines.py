"""Run the same network, or the same part step, on both engines.

``compare_networks`` builds one network per engine with the same seed, feeds
both the same game states (and rewards), and asserts identical spikes and
weights equal to float tolerance, tick after tick, and that something
happened: the body neurons fired and, with plastic synapses in training, the
weights moved (two engines that both do nothing agree too). ``compare_steps``
does the same for one part's ``kernel`` against its ``reference``.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

import numpy as np

RTOL = 1e-9
ATOL = 1e-12


def compare_networks(
    make: Callable[..., Any],
    states: Sequence[Any],
    rewards: Sequence[float] | None = None,
    *,
    fires: bool = True,
    learns: bool | None = None,
) -> tuple[Any, Any]:
    """``make(engine=...)`` -> network. Tick both networks through ``states``
    (calling ``reward`` after each tick when ``rewards`` is given, a number
    per tick, or when it is None and the network has a rewarder); assert the
    same spikes, actions and weights after every tick. Returns both networks.

    Then assert that the comparison was not empty: with ``fires`` (the
    default) some body neuron (not only the inputs) spiked in some tick; with
    ``learns`` (default None: when the synapses are plastic, some synapse is
    not frozen, the network is training and, if rewards were given, some was
    not 0, since a reward-modulated rule rewarded 0 need not move) the
    weights differ from the initial ones. Pass ``fires=False`` or
    ``learns=False`` only where nothing should happen, and say why."""
    nets = [make(engine="numba"), make(engine="numpy")]
    w0 = nets[0].w.copy()
    plastic = _plastic(nets[0])
    body_spikes, given = 0, []
    for t, state in enumerate(states):
        actions = [net.tick(state) for net in nets]
        np.testing.assert_array_equal(nets[0].spike_log, nets[1].spike_log, err_msg=f"spikes differ at tick {t}")
        body_spikes += int(nets[0].spike_log[:, nets[0].n_inputs :].sum())
        assert np.array_equal(np.asarray(actions[0]), np.asarray(actions[1])), f"actions differ at tick {t}"
        if hasattr(nets[0], "reward") and (rewards is not None or nets[0].rewarder is not None):
            r = None if rewards is None else rewards[t]
            got = [net.reward(state, action, None, r) for net, action in zip(nets, actions)]
            assert got[0] == got[1]
            given.append(got[0])
        np.testing.assert_allclose(nets[0].w, nets[1].w, rtol=RTOL, atol=ATOL, err_msg=f"weights differ at tick {t}")
    for a, b in zip(nets[0].synapses.state or (), nets[1].synapses.state or ()):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    if learns is None:
        learns = plastic and (not given or any(r != 0 for r in given))
    if fires:
        assert body_spikes > 0, f"no body neuron fired in {len(states)} ticks: both engines did nothing"
    if learns:
        assert not np.array_equal(nets[0].w, w0), f"no weight changed in {len(states)} ticks: nothing was learned"
    return nets[0], nets[1]


def _plastic(net: Any) -> bool:
    """Whether ``net`` should change its weights when ticked: plastic synapses
    (not :class:`~spikesim.synapses.Static`), at least one synapse not frozen
    (bounds not equal), and training on."""
    from spikesim.synapses import Static

    return not isinstance(net.synapses, Static) and int(net.graph.col_plastic.sum()) > 0 and bool(net.training)


def compare_steps(kernel: Callable, reference: Callable, make_args: Callable[[], tuple], steps: int) -> None:
    """Call ``kernel`` and ``reference`` ``steps`` times each on two copies of
    ``make_args()`` (a tuple of arguments, state arrays included, mutated in
    place; Generators in it are copied with their state) and assert every
    array argument stays equal (float arrays to tolerance)."""
    args = make_args()
    twins = (args, copy.deepcopy(args))
    for step in range(steps):
        kernel(*twins[0])
        reference(*twins[1])
        _assert_same(twins[0], twins[1], f"step {step}")


def _assert_same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, np.ndarray):
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, tuple):
        for x, y in zip(a, b):
            _assert_same(x, y, where)
