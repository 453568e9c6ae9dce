"""Every docstring example of the installed package runs, module by module.

The examples (``>>>`` lines) of every module of ``spikesim`` and of its
subpackages ``spikesim.games``, ``spikesim.meta`` and ``spikesim.experiments``
are run with :mod:`doctest`, so ``python -m pytest unit_tests`` checks them;
a last test makes sure the collection found them (an import path or package
layout change that found none would otherwise pass silently).
"""
from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import spikesim

#: The packages whose modules are searched for examples (the last three live in
#: their own top-level folders and are installed under ``spikesim``).
PACKAGES = ("spikesim", "spikesim.games", "spikesim.meta", "spikesim.experiments")

#: Fewer examples than this means the collection lost modules (there were 199 when it was written).
MIN_EXAMPLES = 150

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def module_names() -> list[str]:
    names: set[str] = set()
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.add(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if not info.name.endswith(".__main__"):
                names.add(info.name)
    return sorted(names)


def examples_of(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    # a module re-exports names of others; keep the docstrings defined in this module
    return [t for t in tests if t.examples and (t.filename or "") == (getattr(module, "__file__", None) or "")]


def has_examples(name: str) -> bool:
    """Whether the module's source has a ``>>>`` line (read, not imported)."""
    spec = importlib.util.find_spec(name)
    with open(spec.origin, encoding="utf-8") as file:
        return ">>>" in file.read()


MODULES = module_names()
WITH_EXAMPLES = [name for name in MODULES if has_examples(name)]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name: str, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    tests = examples_of(name)
    assert tests, f"{name} has '>>>' lines but no docstring examples were found"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)


def test_doctest_collection_is_not_empty():
    counts = {name: sum(len(t.examples) for t in examples_of(name)) for name in MODULES}
    total = sum(counts.values())
    with_examples = [name for name, n in counts.items() if n]
    assert total >= MIN_EXAMPLES, (total, counts)
    # examples of every family of modules, not only of the core
    for package in PACKAGES[1:]:
        assert any(name.startswith(package) for name in with_examples), (package, with_examples)
