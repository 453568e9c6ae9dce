"""The base of every part: declared parameters, state apart, a step in two engines."""
from __future__ import annotations

import inspect
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

import numpy as np

from spikesim.params import REQUIRED, ConfigError, Param, params_of, resolve


class Part:
    """A vectorised building block of a network.

    Three things are kept apart:

    1. parameters, declared once in ``PARAMS``, validated at construction and
       read-only afterwards (``part.tau_m``; change one only through
       :meth:`set_param`, which validates it again);
    2. state, the arrays made by :meth:`reset` and held in ``part.state``
       (a named tuple, so compiled kernels can take it);
    3. for parts that advance every network step, a compiled ``kernel`` and a
       plain NumPy ``reference`` with the same signature, and the named tuple
       of numbers they read, :meth:`kernel_params`.

    Parameters
    ----------
    rng
        The network's generator, for parts that draw at construction
        (random weights, polarities). Kernels get it at every tick.
    **params
        Values for the declared parameters; unknown keys, missing required
        keys and bad values raise :class:`~spikesim.ConfigError`.
    """

    PARAMS: tuple[Param, ...] = ()

    def __init__(self, rng: np.random.Generator | None = None, **params: Any) -> None:
        object.__setattr__(self, "_params", resolve(type(self).__name__, params_of(type(self)), params))
        self.rng = rng if rng is not None else np.random.default_rng()
        self._kernel_params: NamedTuple | None = None
        self.state: NamedTuple | None = None
        self.run_checks()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run_checks" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override check(), not run_checks() (it runs every class's check)")
        cls.__signature__ = _signature(cls)

    def check(self) -> None:
        """This class's own checks that involve several parameters (shapes,
        consistency); raise :class:`~spikesim.ConfigError` via :meth:`error`.

        Override it without calling ``super().check()``: :meth:`run_checks`
        runs the ``check`` of every class of the part, base classes first, so
        a part cannot skip its family's checks (a ``super()`` call would run
        the base's checks twice)."""

    def run_checks(self) -> None:
        """Run the ``check`` defined by each class of the part (in the class
        itself, not inherited), from :class:`Part` down to the part's class.
        Construction and :meth:`set_param` call it; it cannot be overridden."""
        for klass in reversed(type(self).__mro__):
            own = klass.__dict__.get("check")
            if own is not None:
                own(self)

    def error(self, key: str, expected: str, got: Any) -> ConfigError:
        """A :class:`~spikesim.ConfigError` naming this part and ``key``."""
        return ConfigError(f"{type(self).__name__}: key {key!r} expects {expected}; got {got}")

    @property
    def params(self) -> Mapping[str, Any]:
        """The validated parameter values (read-only)."""
        return MappingProxyType(self._params)

    def __getattr__(self, name: str) -> Any:
        params = self.__dict__.get("_params", {})
        if name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("_params", {}):
            raise AttributeError(
                f"{type(self).__name__}.{name} is a parameter; use set_param({name!r}, value)"
            )
        object.__setattr__(self, name, value)

    def set_param(self, name: str, value: Any) -> None:
        """Change one parameter, validated as at construction (modifiers use this)."""
        declared = {p.name: p for p in params_of(type(self))}
        if name not in declared:
            raise ConfigError(f"{type(self).__name__}: no parameter {name!r}")
        old = self._params[name]
        self._params[name] = declared[name].check(value, type(self).__name__)
        try:
            self.run_checks()
        except ConfigError:
            self._params[name] = old
            raise
        self._kernel_params = None

    def kernel_params(self) -> NamedTuple:
        """The numbers the step kernels read, built from the parameters and
        kept until a parameter changes."""
        if self._kernel_params is None:
            self._kernel_params = self.make_kernel_params()
        return self._kernel_params

    def make_kernel_params(self) -> NamedTuple:
        """Build :meth:`kernel_params`; parts with a step kernel override this."""
        raise NotImplementedError(f"{type(self).__name__} has no step kernel")

    def reset(self) -> None:
        """Create the state arrays afresh (weights are not state)."""

    def state_error(self) -> str | None:
        """What is wrong with a state read from a file (:meth:`Network.load
        <spikesim.Network.load>`) that the compiled kernels would use without
        checking (an index out of range), or None. Parts whose state holds
        indices override this."""
        return None

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in self._params.items() if not isinstance(v, np.ndarray) and not callable(v)
        )
        return f"{type(self).__name__}({shown})"

    # Parts are pickled with their parameters, state and generator.
    def __getstate__(self) -> dict:
        return dict(self.__dict__)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def per_neuron(part: Part, key: str, n: int) -> np.ndarray:
    """Parameter ``key`` of ``part`` as an array of ``n`` float64: a scalar is
    broadcast, an array must have exactly ``n`` elements."""
    value = np.asarray(part.params[key], dtype=np.float64)
    if value.ndim == 0:
        return np.full(n, float(value))
    if value.shape != (n,):
        raise part.error(key, f"a number or an array of shape ({n},)", f"shape {value.shape}")
    return value.copy()


def _signature(cls: type) -> inspect.Signature:
    """``cls(rng=None, *, KEY=DEFAULT, ...)`` from its declared parameters
    (required ones without a default), for ``help()``, IDEs and ``inspect``."""
    keys = [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                              default=inspect.Parameter.empty if p.default is REQUIRED else p.default)
            for p in params_of(cls)]  # fmt: skip
    return inspect.Signature([inspect.Parameter("rng", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None), *keys])
