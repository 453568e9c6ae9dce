"""The base of spikesim's games: a gymnasium environment with declared parameters."""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

import gymnasium as gym

from spikesim.params import ConfigError, Param, closest, params_of, resolve


class Game(gym.Env):
    """A :class:`gymnasium.Env` whose parameters are declared like a part's.

    ``PARAMS`` declares the parameters, ``PRESETS`` maps a preset name to
    parameter values. ``Game(preset="X", **params)`` takes the preset's values,
    then ``params`` over them. A network given the game takes the values of
    the keys its parts declare (``expected_value`` for a rewarder, say).
    Games that can list all their states define ``states()``.
    """

    PARAMS: tuple[Param, ...] = ()
    PRESETS: dict[str, dict[str, Any]] = {}

    def __init__(self, preset: str | None = None, **params: Any) -> None:
        name = type(self).__name__
        values: dict[str, Any] = {}
        if preset is not None:
            if not isinstance(preset, str):
                raise ConfigError(
                    f"{name}: preset expects a preset name (a string) among {', '.join(self.PRESETS)}; got {preset!r}"
                )
            if preset not in self.PRESETS:
                raise ConfigError(
                    f"{name}: unknown preset {preset!r}{closest(preset, self.PRESETS)} Presets: {', '.join(self.PRESETS)}"
                )
            values.update(self.PRESETS[preset])
        values.update(params)
        self.preset = preset
        self._params = resolve(name, params_of(type(self)), values)

    @property
    def params(self) -> Mapping[str, Any]:
        """The validated parameter values (read-only)."""
        return MappingProxyType(self._params)
