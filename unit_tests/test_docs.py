"""The documentation's Python blocks run as printed and print what the page shows.

Each page's ```python blocks run in order in one namespace, in a temporary
directory; a block followed by a ```text block must print exactly that text.
"""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ("tutorial.md", "training.md", "search.md", "control.md", "discrete.md")


def blocks(page: str) -> list[tuple[str, str | None]]:
    """(code, expected output or None) for each ```python block of a page."""
    found = re.findall(r"```(python|text)\n(.*?)```", (DOCS / page).read_text(), flags=re.S)
    out = []
    for i, (kind, body) in enumerate(found):
        if kind == "python":
            follows = found[i + 1] if i + 1 < len(found) else None
            out.append((body, follows[1] if follows and follows[0] == "text" else None))
    return out


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_printed(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    assert blocks(page)
    for code, expected in blocks(page):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{page}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue().strip() == expected.strip(), code


def test_the_catalogue_typesets_the_docstrings_equations(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    import gen_catalogue

    doc = "With :math:`E_L` = ``resting_mv``:\n\n.. math::\n\n    a &= b\n    c &= d\n\nand\n\n.. math::\n\n    x = y_1\n"
    assert gen_catalogue.markdown(doc).splitlines() == [
        r"With \(E_L\) = `resting_mv`:", "", "$$", r"\begin{aligned}", "a &= b \\\\", "c &= d", r"\end{aligned}",
        "$$", "", "and", "", "$$", "x = y_1", "$$"]  # fmt: skip
    page = gen_catalogue.catalogue()
    assert "### LIF" in page and r"\tau_m \frac{dv}{dt} = -(v - E_L) + b + \tau_m J(t)" in page
