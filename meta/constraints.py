"""The values a genotype's genes may take: continuous ranges, integer ranges
and lists of choices.

A constraint draws random values, mutates a value into a nearby one and
says whether a value is allowed. Constraints come from the parameters'
declarations (their ``range`` and ``choices``) or are given explicitly::

    {"learning_rate": (0.01, 2.0),        # continuous range (floats)
     "refractory_period": (0, 5),         # integer range (both ends ints)
     "action_threshold": ["mean", 0.5],   # choices
     "tau_z": Continuous(1, 100, log=True),
     "tau_m": None}                       # from the declared range

Genotypes are plain dicts of JSON values (floats, ints, strings, bools), so
they can be logged and checkpointed as JSON.
"""
from __future__ import annotations

import json
import math
import numbers
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from spikesim.params import ConfigError, Param, closest

#: Standard deviation of a mutation step, as a fraction of the range's width.
MUTATION_SCALE = 0.1


def plain(value: Any) -> Any:
    """``value`` with NumPy scalars made Python ones: a gene's value as the
    search compares and keeps it (records go through
    :func:`spikesim.files.to_json`)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _reflect(value: float, low: float, high: float) -> float:
    """``value`` reflected once at the bounds, then clipped into [low, high]."""
    if value < low:
        value = 2 * low - value
    elif value > high:
        value = 2 * high - value
    return min(max(value, low), high)


class Constraint:
    """Base of the constraints on one gene."""

    kind = ""

    def sample(self, rng: np.random.Generator) -> Any:
        """A random allowed value."""
        raise NotImplementedError

    def mutate(self, value: Any, rng: np.random.Generator, scale: float = MUTATION_SCALE) -> Any:
        """An allowed value near ``value`` (different from it when the
        constraint allows more than one value)."""
        raise NotImplementedError

    def __contains__(self, value: Any) -> bool:
        raise NotImplementedError

    def to_json(self) -> dict:
        """The constraint as a JSON-able dict (see :func:`from_json`)."""
        raise NotImplementedError

    def values_for(self, param: Param) -> list:
        """The values to check against a parameter's declaration."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True))


class Continuous(Constraint):
    """Real numbers in ``[low, high]``; ``log=True`` draws and mutates on a
    logarithmic scale (``low`` must then be positive).

    Examples
    --------
    >>> import numpy as np
    >>> c = Continuous(0.0, 2.0)
    >>> rng = np.random.default_rng(0)
    >>> all(c.mutate(c.sample(rng), rng) in c for _ in range(100))
    True
    """

    kind = "continuous"

    def __init__(self, low: float, high: float, log: bool = False) -> None:
        low, high = float(low), float(high)
        if not (math.isfinite(low) and math.isfinite(high)) or low > high:
            raise ConfigError(f"continuous constraint: expects finite low <= high; got ({low:g}, {high:g})")
        if log and low <= 0:
            raise ConfigError(f"continuous constraint with log=True: expects low > 0; got {low:g}")
        self.low, self.high, self.log = low, high, bool(log)

    def _to_unit(self, value: float) -> float:
        return math.log(value) if self.log else value

    def _from_unit(self, x: float) -> float:
        return min(max(math.exp(x) if self.log else x, self.low), self.high)

    def sample(self, rng: np.random.Generator) -> float:
        lo, hi = self._to_unit(self.low), self._to_unit(self.high)
        return self._from_unit(lo + (hi - lo) * rng.random())

    def mutate(self, value: Any, rng: np.random.Generator, scale: float = MUTATION_SCALE) -> float:
        lo, hi = self._to_unit(self.low), self._to_unit(self.high)
        step = rng.normal(0.0, scale * (hi - lo)) if hi > lo else 0.0
        return self._from_unit(_reflect(self._to_unit(float(value)) + step, lo, hi))

    def __contains__(self, value: Any) -> bool:
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and self.low <= value <= self.high

    def to_json(self) -> dict:
        return {"type": self.kind, "low": self.low, "high": self.high, "log": self.log}

    def values_for(self, param: Param) -> list:
        return [self.low, self.high]

    def __repr__(self) -> str:
        return f"Continuous({self.low:g}, {self.high:g}{', log=True' if self.log else ''})"


class Integer(Constraint):
    """Integers in ``[low, high]`` (both ends included).

    Examples
    --------
    >>> import numpy as np
    >>> c = Integer(0, 5)
    >>> rng = np.random.default_rng(0)
    >>> sorted({c.sample(rng) for _ in range(200)})
    [0, 1, 2, 3, 4, 5]
    """

    kind = "integer"

    def __init__(self, low: int, high: int) -> None:
        if int(low) != low or int(high) != high or low > high:
            raise ConfigError(f"integer constraint: expects integers low <= high; got ({low!r}, {high!r})")
        self.low, self.high = int(low), int(high)

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))

    def mutate(self, value: Any, rng: np.random.Generator, scale: float = MUTATION_SCALE) -> int:
        if self.low == self.high:
            return self.low
        step = int(round(rng.normal(0.0, max(1.0, scale * (self.high - self.low)))))
        if step == 0:
            step = 1 if rng.random() < 0.5 else -1
        moved = int(round(_reflect(int(value) + step, self.low, self.high)))
        if moved == value:  # reflected back onto itself: one step the other way
            moved = value - 1 if value == self.high or (step > 0 and value > self.low) else value + 1
        return moved

    def __contains__(self, value: Any) -> bool:
        return (
            isinstance(value, numbers.Integral) and not isinstance(value, bool) and self.low <= value <= self.high
        )

    def to_json(self) -> dict:
        return {"type": self.kind, "low": self.low, "high": self.high}

    def values_for(self, param: Param) -> list:
        return [self.low, self.high]

    def __repr__(self) -> str:
        return f"Integer({self.low}, {self.high})"


class Choice(Constraint):
    """One of a list of values (JSON scalars: numbers, strings, bools, None).

    Examples
    --------
    >>> import numpy as np
    >>> c = Choice(["mean", 0.5])
    >>> c.mutate("mean", np.random.default_rng(0))
    0.5
    """

    kind = "choice"

    def __init__(self, values: Iterable[Any]) -> None:
        values = [plain(v) for v in values]
        if not values:
            raise ConfigError("choice constraint: expects at least one value; got none")
        for v in values:
            if not (v is None or isinstance(v, (bool, int, float, str))):
                raise ConfigError(f"choice constraint: expects JSON scalars (numbers, strings, bools); got {v!r}")
        self.values = values

    def sample(self, rng: np.random.Generator) -> Any:
        return self.values[int(rng.integers(len(self.values)))]

    def mutate(self, value: Any, rng: np.random.Generator, scale: float = MUTATION_SCALE) -> Any:
        others = [v for v in self.values if not _same(v, value)]
        if not others:
            return value
        return others[int(rng.integers(len(others)))]

    def __contains__(self, value: Any) -> bool:
        return any(_same(v, value) for v in self.values)

    def to_json(self) -> dict:
        return {"type": self.kind, "values": list(self.values)}

    def values_for(self, param: Param) -> list:
        return list(self.values)

    def __repr__(self) -> str:
        return f"Choice({self.values!r})"


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same kind (True is not 1 here)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def from_json(data: Mapping[str, Any]) -> Constraint:
    """The constraint a :meth:`Constraint.to_json` dict describes."""
    kind = data.get("type")
    if kind == Continuous.kind:
        return Continuous(data["low"], data["high"], data.get("log", False))
    if kind == Integer.kind:
        return Integer(data["low"], data["high"])
    if kind == Choice.kind:
        return Choice(data["values"])
    raise ConfigError(f"constraint: expects type 'continuous', 'integer' or 'choice'; got {kind!r}")


def as_constraint(spec: Any, name: str = "gene") -> Constraint:
    """A constraint from its short form: a :class:`Constraint`; a list,
    tuple of more than two values or ``range`` (choices); a pair of ints
    (integer range); a pair of numbers (continuous range); a dict from
    :meth:`Constraint.to_json`."""
    if isinstance(spec, Constraint):
        return spec
    if isinstance(spec, Mapping):
        return from_json(spec)
    if isinstance(spec, range):
        return Choice(list(spec))
    if isinstance(spec, np.ndarray):
        return Choice(spec.tolist())
    if isinstance(spec, tuple) and len(spec) == 2 and all(_is_number(v) for v in spec):
        if all(isinstance(plain(v), numbers.Integral) for v in spec):
            return Integer(*spec)
        return Continuous(*spec)
    if isinstance(spec, (list, tuple)):
        return Choice(spec)
    raise ConfigError(
        f"constraint of {name!r}: expects (low, high) for a range, a list of choices or a Constraint; got {spec!r}"
    )


def _is_number(value: Any) -> bool:
    value = plain(value)
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def from_declaration(param: Param, owner: str = "") -> Constraint:
    """The constraint a parameter's declaration implies: its choices, both
    values of a bool, or its range when finite. An infinite range (or none)
    needs an explicit constraint: :class:`~spikesim.ConfigError` says so."""
    where = f"{owner}: key {param.name!r}" if owner else f"key {param.name!r}"
    if param.choices is not None:
        return Choice(param.choices)
    if param.type == "bool":
        return Choice([False, True])
    if param.type in ("int", "float", "float|array"):
        interval = param.interval
        if interval is None:
            raise ConfigError(
                f"{where} declares no range; give an explicit constraint, e.g. {param.name}=(low, high)"
            )
        if not (math.isfinite(interval.low) and math.isfinite(interval.high)):
            raise ConfigError(
                f"{where} has the infinite range {interval}; give an explicit constraint, "
                f"e.g. {param.name}=(low, high)"
            )
        if param.type == "int":
            low = math.floor(interval.low) + 1 if interval.low_open else math.ceil(interval.low)
            high = math.ceil(interval.high) - 1 if interval.high_open else math.floor(interval.high)
            return Integer(low, high)
        low = math.nextafter(interval.low, math.inf) if interval.low_open else interval.low
        high = math.nextafter(interval.high, -math.inf) if interval.high_open else interval.high
        return Continuous(low, high)
    raise ConfigError(
        f"{where} is {param.type!r} without choices; give an explicit list of choices, e.g. {param.name}=[a, b]"
    )


def resolve(
    spec: Mapping[str, Any] | Sequence[str] | None,
    namespace: Mapping[str, tuple[Param, str]] | None = None,
    owner: str = "search",
) -> dict[str, Constraint]:
    """The constraints of a search, by gene name.

    Parameters
    ----------
    spec
        ``name -> constraint`` (any form :func:`as_constraint` takes, or
        None for the declared range), or a list of names (all declared).
    namespace
        ``name -> (Param, owner)`` of the experiment (see
        ``Experiment.namespace()``). With it, names are checked (an unknown
        one raises with the closest known name), missing constraints come
        from the declarations, and explicit ones are checked against them.
    owner
        Names the search in error messages.
    """
    if spec is None or len(spec) == 0:
        raise ConfigError(f"{owner}: no parameters to search; give constraints, e.g. {{'learning_rate': (0, 1)}}")
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, Mapping):
        spec = {name: None for name in spec}
    constraints: dict[str, Constraint] = {}
    for name, value in spec.items():
        if namespace is not None and name not in namespace:
            raise ConfigError(f"{owner}: unknown key {name!r}{closest(name, namespace)}")
        if value is None:
            if namespace is None:
                raise ConfigError(f"{owner}: key {name!r} needs a constraint")
            param, part = namespace[name]
            constraints[name] = from_declaration(param, part)
            continue
        constraint = as_constraint(value, name)
        if namespace is not None:
            param, part = namespace[name]
            for v in constraint.values_for(param):
                try:
                    param.check(v, part)
                except ConfigError as error:
                    raise ConfigError(f"{owner}: constraint {constraint!r} of {name!r} allows values that "
                                      f"{part} rejects: {error}") from None  # fmt: skip
        constraints[name] = constraint
    return constraints


def parse_text(text: str) -> Constraint | None:
    """A constraint from command-line text: ``"LOW:HIGH"`` (an integer
    range when both are integers, else continuous), ``"log:LOW:HIGH"``
    (continuous, logarithmic), ``"A,B,C"`` (choices, each read as JSON when
    it parses, else as a string), ``""`` (None: the declared range).

    Examples
    --------
    >>> parse_text("0.01:2"), parse_text("0:5"), parse_text("mean,0.5")
    (Continuous(0.01, 2), Integer(0, 5), Choice(['mean', 0.5]))
    """
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    if parts[0] == "log" and len(parts) == 3:
        return Continuous(float(parts[1]), float(parts[2]), log=True)
    if len(parts) == 2:
        try:
            values = [json.loads(p) for p in parts]
        except ValueError:
            values = None
        if values is not None and all(_is_number(v) for v in values):
            return as_constraint(tuple(values))
    if "," in text or len(parts) == 1:
        return Choice([_json_or_text(v) for v in text.split(",")])
    raise ConfigError(f"constraint {text!r}: expects LOW:HIGH, log:LOW:HIGH or A,B,C")


def _json_or_text(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def to_json(constraints: Mapping[str, Constraint]) -> dict:
    """``name -> constraint dict`` for JSON files."""
    return {name: c.to_json() for name, c in constraints.items()}
