"""Parameter declarations and their validation.

Every part declares its parameters once, as a tuple of :class:`Param` in its
``PARAMS`` class attribute. A network gathers the declarations of all its
parts (and of its game) into one flat namespace, so a single ``dict`` of
``name -> value`` configures a whole experiment; a genetic-algorithm genotype
is just a subset of it.

Bad configurations fail at construction with :class:`ConfigError`, a
``ValueError`` whose message names the part, the key, what was expected and
what was given.
"""
from __future__ import annotations

import difflib
import math
import numbers
import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np


class ConfigError(ValueError):
    """A configuration a part, network or game cannot run with."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Marks a parameter without default: the configuration must give it.
REQUIRED = _Required()

#: The types a :class:`Param` may declare, and how they are described.
TYPES = {
    "int": "an integer",
    "float": "a number",
    "bool": "a bool",
    "str": "a string",
    "callable": "a callable",
    "array": "an array of numbers",
    "float|array": "a number or an array of numbers",
    "any": "any value",
}


@dataclass(frozen=True)
class Interval:
    """A closed, open or half-open interval of real numbers, from text like
    ``"[0, 1]"``, ``"(0, inf)"`` or ``"[-1, 1)"``."""

    low: float
    high: float
    low_open: bool
    high_open: bool

    @classmethod
    def parse(cls, text: str) -> "Interval":
        text = text.strip()
        if len(text) < 5 or text[0] not in "[(" or text[-1] not in "])" or "," not in text:
            raise ValueError(f"interval {text!r} is not of the form '[low, high]'")
        low, high = (float(x) for x in text[1:-1].split(","))
        return cls(low, high, text[0] == "(", text[-1] == ")")

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            return f"{x:g}" if math.isfinite(x) else ("inf" if x > 0 else "-inf")

        return (
            f"{'(' if self.low_open else '['}{fmt(self.low)}, "
            f"{fmt(self.high)}{')' if self.high_open else ']'}"
        )


@dataclass(frozen=True)
class Param:
    """The declaration of one parameter.

    Parameters
    ----------
    name
        The key in the flat namespace.
    type
        One of :data:`TYPES`.
    default
        The value used when the configuration does not give one, or
        :data:`REQUIRED`. A default of ``None`` makes ``None`` a valid value.
    doc
        One line: what it is, with its unit.
    range
        For numbers (and every element of an array): an interval as text,
        e.g. ``"[0, 1]"`` or ``"(0, inf)"``. Numbers must be finite (NaN is
        always refused; ``inf`` and ``-inf`` too unless the range includes
        them, e.g. ``"(0, inf]"`` or ``"[-inf, 0]"``).
    choices
        For strings (or any type): the allowed values.
    """

    name: str
    type: str
    default: Any
    doc: str
    range: str | None = None
    choices: tuple | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"Param {self.name!r}: type must be one of {sorted(TYPES)}, not {self.type!r}")
        if self.range is not None:
            Interval.parse(self.range)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def interval(self) -> Interval | None:
        return None if self.range is None else Interval.parse(self.range)

    def expected(self) -> str:
        """Describe the accepted values, for error messages and listings."""
        text = TYPES[self.type]
        if self.type in _FINITE and self.range is None:
            text = _FINITE[self.type]
        if self.range is not None:
            text += f" in {self.range}"
        if self.choices is not None:
            text += " among " + ", ".join(repr(c) for c in self.choices)
        if self.default is None:
            text += " or None"
        return text

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` converted to its declared type, or raise
        :class:`ConfigError` naming ``owner``, the key, what was expected and
        what was given."""
        if value is None and self.default is None:
            return None
        try:
            value = _CONVERT[self.type](value)
        except (TypeError, ValueError):
            raise self._error(owner, value) from None
        if self.choices is not None and not any(_same(value, c) for c in self.choices):
            raise self._error(owner, value)
        if self.range is None and self.type in _FINITE and not np.isfinite(value).all():
            values = np.ravel(value)
            k = int(np.argmin(np.isfinite(values)))
            detail = "" if np.ndim(value) == 0 else f" (element {values[k]:g} at index {k})"
            raise ConfigError(f"{owner}: key {self.name!r} expects {self.expected()}; got {_show(value)}{detail}")
        if self.range is not None and self.type in ("int", "float", "array", "float|array"):
            values = np.ravel(value)
            interval = self.interval
            outside = [i for i, v in enumerate(values) if v not in interval]
            if outside:
                detail = "" if np.ndim(value) == 0 else f" (element {values[outside[0]]:g} at index {outside[0]})"
                raise ConfigError(
                    f"{owner}: key {self.name!r} expects {self.expected()}; "
                    f"got {_show(value)}{detail}"
                )
        return value

    def _error(self, owner: str, value: Any) -> ConfigError:
        return ConfigError(f"{owner}: key {self.name!r} expects {self.expected()}; got {_show(value)}")


#: The numeric types, described for a :class:`Param` without a range (whose values must be finite).
_FINITE = {
    "float": "a finite number",
    "array": "an array of finite numbers",
    "float|array": "a finite number or an array of finite numbers",
}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _to_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            return int(value)
        raise TypeError
    return int(value)


def _to_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError
    value = float(value)
    if math.isnan(value):
        raise ValueError
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _to_callable(value: Any) -> Any:
    if not callable(value):
        raise TypeError
    return value


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes, Mapping)) or value is None:
        raise TypeError
    array = np.array(value, dtype=np.float64)
    if np.isnan(array).any():
        raise ValueError
    return array


def _to_float_or_array(value: Any) -> float | np.ndarray:
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return _to_float(value)
    return _to_array(value)


_CONVERT = {
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "str": _to_str,
    "callable": _to_callable,
    "array": _to_array,
    "float|array": _to_float_or_array,
    "any": lambda value: value,
}


#: Fresh seeds are drawn below this bound: at most ten digits, to type back.
SEED_BOUND = 2**32


def fresh_seed() -> int:
    """A seed for a run given none: drawn from the operating system's
    entropy, below :data:`SEED_BOUND`, so it can be typed back (``--seed``).

    Examples
    --------
    >>> seed = fresh_seed()
    >>> type(seed), 0 <= seed < 2**32
    (<class 'int'>, True)
    """
    return secrets.randbelow(SEED_BOUND)


def closest(name: str, known: Iterable[str]) -> str:
    """A ``"; did you mean 'x'?"`` suffix for an unknown name, or ``""`` (always
    for a name that is not a string)."""
    if not isinstance(name, str):
        return ""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def call_user(owner: str, param: Param, function: Callable, *args: Any) -> Any:
    """``function(*args)``, for a user's callable given as parameter ``param``.

    A :class:`TypeError` raised by the call itself (a wrong signature, as
    ``matrix=os.getcwd`` called as ``f(rng, shape)``) becomes a
    :class:`ConfigError` naming ``owner``, the key and the signature from the
    declaration's doc; one raised inside the function is its own bug and
    propagates unchanged, with its traceback.
    """
    try:
        return function(*args)
    except TypeError as error:
        if error.__traceback__ is not None and error.__traceback__.tb_next is not None:
            raise  # raised inside the function, not by the call
        match = re.search(r"\b\w+\([^()]*\)(\s*->\s*(\([^()]*\)|[^,;()]+))?", param.doc)
        signature = match.group(0).strip() if match else f"a callable ({param.doc})"
        name = ".".join(filter(None, (getattr(function, "__module__", None), getattr(function, "__qualname__", None))))
        raise ConfigError(
            f"{owner}: key {param.name!r} expects {signature}; got {name or _show(function)}, "
            f"which cannot be called so: {error}"
        ) from error


def declarations(classes: Mapping[str, type]) -> dict[str, tuple[Param, str]]:
    """Gather the ``PARAMS`` of several classes into one namespace.

    ``classes`` maps an owner's name to its class. Returns ``name -> (param,
    first owner)``. A name declared twice must be declared identically (the
    shared keys such as ``n_neurons`` are one :class:`Param` object).
    """
    found: dict[str, tuple[Param, str]] = {}
    for owner, cls in classes.items():
        for param in params_of(cls):
            if param.name in found and found[param.name][0] != param:
                other = found[param.name][1]
                raise ConfigError(
                    f"{owner}: key {param.name!r} is declared differently by {other}; "
                    "a shared key must be one Param"
                )
            found.setdefault(param.name, (param, owner))
    return found


def params_of(cls: type) -> tuple[Param, ...]:
    """Every parameter a class declares, its own and its bases', by name
    (a subclass's declaration overrides its base's)."""
    by_name: dict[str, Param] = {}
    for klass in reversed(cls.__mro__):
        for param in klass.__dict__.get("PARAMS", ()):
            by_name[param.name] = param
    return tuple(by_name.values())


def resolve(owner: str, params: Iterable[Param], given: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``given`` against ``params``: every key known, every required
    key present (all missing ones listed in one message), every value checked
    and converted. Returns the complete values, defaults filled in."""
    params = {p.name: p for p in params}
    unknown = [k for k in given if k not in params]
    if unknown:
        raise ConfigError(
            f"{owner}: unknown key{'s' if len(unknown) > 1 else ''} "
            + ", ".join(f"{k!r}{closest(k, params)}" for k in unknown)
        )
    missing = [p for p in params.values() if p.required and p.name not in given]
    if missing:
        raise ConfigError(
            f"{owner}: missing required key{'s' if len(missing) > 1 else ''}: "
            + "; ".join(f"{p.name!r} ({p.doc})" for p in missing)
        )
    return {
        name: p.check(given[name], owner) if name in given else p.default
        for name, p in params.items()
    }


def describe(params: Iterable[tuple[Param, str]], values: Mapping[str, Any] | None = None) -> str:
    """A table of parameters: name, type, default, range or choices, owner,
    doc. With ``values`` (a class's own keys), the third column is the value
    a key takes, marked ``*`` where it is not the declared default.

    >>> tau = Param("tau", "float", 20.0, "membrane time constant (ms)", "(0, inf)")
    >>> print(describe([(tau, "LIF")], values={"tau": 10.0}))
    key  type   value   range / choices  part  doc
    ----------------------------------------------
    tau  float  10.0 *  (0, inf)         LIF  membrane time constant (ms)
    * differs from the declared default (set by the class's keys)
    """
    rows = [("key", "type", "default" if values is None else "value", "range / choices", "part", "doc")]
    for p, owner in params:
        limits = p.range or (", ".join(map(repr, p.choices)) if p.choices else "")
        default = _shown_value(p.default, p.required)
        if values is not None and p.name in values and values[p.name] is not p.default:
            given = _shown_value(values[p.name], False)
            default = given if given == default else f"{given} *"
        rows.append((p.name, p.type, default, limits, owner, p.doc))
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r[:5], widths)) + "  " + r[5] for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    if values is not None and any(str(r[2]).endswith(" *") for r in rows[1:]):
        lines.append("* differs from the declared default (set by the class's keys)")
    return "\n".join(lines)


def _shown_value(value: Any, required: bool) -> str:
    """A default or a value as a table shows it: ``required``, a callable's name, or a short repr."""
    if required:
        return "required"
    if callable(value):
        return getattr(value, "__name__", "callable")
    return _show(value)


# Keys shared by several parts: one declaration each, used by all of them.
N_INPUTS = Param("n_inputs", "int", REQUIRED, "number of input neurons", "[0, inf)")
N_NEURONS = Param("n_neurons", "int", REQUIRED, "number of body (non-input) neurons", "[1, inf)")
N_OUTPUTS = Param("n_outputs", "int", REQUIRED, "number of output neurons (the last n_outputs body neurons)", "[1, inf)")
PROCESSING_TIME = Param("processing_time", "int", REQUIRED, "network steps per tick (one game step)", "[1, inf)")
DT = Param("dt", "float", 1.0, "duration of one network step (ms)", "(0, inf)")
EXPECTED_VALUE = Param("expected_value", "callable", REQUIRED, "f(state) -> the correct action (games provide it)")
