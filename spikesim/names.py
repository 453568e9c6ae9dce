"""References ``module:qualname`` to classes and functions, and the one resolver that loads them from files.

Saved networks (``network.json``), searches (``search.json``) and the command line name parts, modifiers,
metagames and callable parameters as ``"spikesim.synapses.mstdp:MSTDPET"``. A file is data: by default
:func:`resolve` loads only what spikesim itself defines, checked to be of the expected kind, and refuses
anything else *before importing it*. The user opts in for their own code, per call:

>>> from spikesim.families import Synapses
>>> resolve("spikesim.synapses.florian:MSTDPET", Synapses, what="example").__name__
'MSTDPET'
>>> resolve("subprocess:run", "callable", what="example")
Traceback (most recent call last):
...
spikesim.names.UntrustedReference: example: refused 'subprocess:run': only spikesim's own classes and \
functions load from a file; if you trust module 'subprocess', pass trusted=True or allow=('subprocess',), \
or register the object with spikesim.names.register

- ``allow=("mymodule",)`` trusts the module-level definitions of ``mymodule`` (and its submodules);
- ``register(obj)`` (also a decorator) trusts one object everywhere in the process;
- ``trusted=True`` trusts the whole file: any importable object, private names included (only the kind is checked).
"""
from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any, Iterable

from spikesim.params import ConfigError

#: ``module.path:qualified.name``.
PATTERN = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")

_registered: dict[str, Any] = {}


class UntrustedReference(ConfigError):
    """A reference outside spikesim that the caller did not trust (``trusted=True``, ``allow=``, :func:`register`)."""


def reference(obj: Any) -> str:
    """``"module:qualname"`` of a class or function, e.g. ``"spikesim.network:Network"``."""
    return f"{obj.__module__}:{obj.__qualname__}"


def register(obj: Any) -> Any:
    """Trust ``obj`` (a module-level class or function) by its :func:`reference` in every later load of this
    process, and return it (so it works as a decorator)::

        @spikesim.names.register
        def my_reward(state, action, state_next): ...
    """
    name = reference(obj)
    if not PATTERN.match(name):
        raise ConfigError(f"register: {obj!r} is not a module-level class or function (its reference is {name!r})")
    _registered[name] = obj
    return obj


def resolve(ref: Any, kind: type | str, *, what: str, trusted: bool = False, allow: Iterable[str] = ()) -> Any:
    """The object ``ref`` (``"module:qualname"``) names, checked before it is returned (so before any call):

    - untrusted (the default), it must be registered, or live in ``spikesim`` or a module of ``allow``
      (refused before import otherwise), be defined there itself (not imported into the module, so
      ``spikesim.engine:os.system`` is refused) and have no private (``_``) part in its qualname;
    - always, it must be of ``kind``: a subclass of that class, or, for ``"callable"``, a function (not a class).

    ``what`` names the file and entry in error messages. Raises :class:`~spikesim.ConfigError`
    (:class:`UntrustedReference` for a refusal that ``trusted=True`` or ``allow=`` would lift).
    """
    if not isinstance(ref, str) or not PATTERN.match(ref):
        raise ConfigError(f"{what}: expected a reference 'module:qualname'; got {ref!r}")
    if ref in _registered:
        return _check_kind(_registered[ref], ref, kind, what)
    module_name, _, qualname = ref.partition(":")
    if not trusted:
        check_module(module_name, what=f"{what}: refused {ref!r}", allow=allow)
        if any(part.startswith("_") for part in qualname.split(".")):
            raise UntrustedReference(f"{what}: refused {ref!r}: a private name; pass trusted=True to trust the file")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(f"{what}: cannot import {ref!r}: {error}") from None
    for attribute in qualname.split("."):
        owner, obj = obj, getattr(obj, attribute, None)
        if obj is None:
            raise ConfigError(f"{what}: {ref!r} names nothing: {_describe(owner)} has no {attribute!r}")
        if isinstance(obj, ModuleType) and not trusted:
            raise UntrustedReference(
                f"{what}: refused {ref!r}: it reaches into {_describe(obj)}; pass trusted=True if you trust the file"
            )
    defined_as = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not trusted and defined_as != (module_name, qualname):
        raise UntrustedReference(
            f"{what}: refused {ref!r}: it is not defined there (it is {_describe(obj)}); "
            "pass trusted=True if you trust the file"
        )
    return _check_kind(obj, ref, kind, what)


def check_module(module_name: str, *, what: str, trusted: bool = False, allow: Iterable[str] = ()) -> None:
    """Raise :class:`UntrustedReference` unless module ``module_name`` may be imported for a file:
    ``spikesim`` or under it, in (or under a module of) ``allow``, and no part of its name private
    (``spikesim.__main__`` runs the command line when imported); or ``trusted``. Nothing is imported.

    >>> check_module("spikesim.games.logic", what="example")
    >>> check_module("mymodule.envs", what="example", allow=("mymodule",))
    """
    if trusted:
        return
    if any(part.startswith("_") for part in module_name.split(".")):  # spikesim.__main__ runs the command line
        raise UntrustedReference(f"{what}: module {module_name!r} is private; pass trusted=True to trust the file")
    allowed = ("spikesim", *((allow,) if isinstance(allow, str) else allow))
    if not any(module_name == m or module_name.startswith(m + ".") for m in allowed):
        raise UntrustedReference(
            f"{what}: only spikesim's own classes and functions load from a file; "
            f"if you trust module {module_name!r}, pass trusted=True or allow=({module_name!r},), "
            "or register the object with spikesim.names.register"
        )


def _check_kind(obj: Any, ref: str, kind: type | str, what: str) -> Any:
    if kind == "callable":
        if not callable(obj) or isinstance(obj, type):
            raise ConfigError(f"{what}: {ref!r} expected a function; got {_describe(obj)}")
    elif not (isinstance(obj, type) and issubclass(obj, kind)):
        raise ConfigError(f"{what}: {ref!r} expected a subclass of {kind.__name__}; got {_describe(obj)}")
    return obj


def _describe(obj: Any) -> str:
    if isinstance(obj, ModuleType):
        return f"the module {obj.__name__}"
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        noun = "the class" if isinstance(obj, type) else "the function" if callable(obj) else "the object"
        return f"{noun} {module}:{qualname}"
    return f"a {type(obj).__name__}"


__all__ = ["PATTERN", "UntrustedReference", "check_module", "reference", "register", "resolve"]
