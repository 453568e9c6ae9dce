"""The catalogue of parts, generated from their declarations.

Every part class of ``spikesim.neurons``, ``synapses``, ``inputs``,
``readouts``, ``rewards``, ``weights`` and ``modifiers`` (and the parts the
games define): its docstring, and a table of every key it takes (its own and
its family's): type, default, range or choices, doc. Equations in
``.. math::`` blocks and ``:math:`` roles (LaTeX) are typeset by MathJax
(``pymdownx.arithmatex``); other literal blocks (``::``) become code blocks.

``mkdocs build`` runs this file as a hook (see ``mkdocs.yml``), so the page
``catalogue.md`` is made afresh at every build and is never stored;
``python docs/gen_catalogue.py`` prints it.
"""
from __future__ import annotations

import importlib
import inspect
import re
import sys

FAMILIES = (
    ("Neurons", "spikesim.neurons", "the body neurons' dynamics: one step of every neuron"),
    ("Synapses", "spikesim.synapses", "plasticity rules; the weights themselves are the network's"),
    ("Inputs", "spikesim.inputs", "encode a game state into the input neurons' spikes"),
    ("Readouts", "spikesim.readouts", "turn the output neurons' spikes of a tick into an action"),
    ("Rewarders", "spikesim.rewards", "judge an action: the reward the network learns from"),
    ("Weights", "spikesim.weights", "the initial weights, which synapses exist, and their bounds"),
    ("Modifiers", "spikesim.modifiers", "change a parameter of a network over time"),
)
#: Modules outside the part packages that define parts too.
EXTRA_MODULES = ("spikesim.games.gym_wrapper",)
SECTIONS = ("Parameters", "Returns", "Examples", "References", "Notes", "Raises", "See Also", "Attributes")


def part_classes() -> list[tuple[str, str, list[type]]]:
    from spikesim import families
    from spikesim.parts import Part

    bases = {cls for cls in vars(families).values() if isinstance(cls, type) and issubclass(cls, Part)} | {Part}
    found: list[tuple[str, str, list[type]]] = []
    seen: set[type] = set()
    for title, package, what in FAMILIES:
        module = importlib.import_module(package)
        classes = [getattr(module, name) for name in getattr(module, "__all__", dir(module))]
        classes = [c for c in classes if isinstance(c, type) and issubclass(c, Part) and c not in bases]
        seen.update(classes)
        found.append((title, package, what, sorted(classes, key=lambda c: c.__name__)))
    extra = []
    for name in EXTRA_MODULES:
        module = importlib.import_module(name)
        extra += [
            c for c in vars(module).values()
            if isinstance(c, type) and issubclass(c, Part) and c not in bases and c not in seen
            and c.__module__ == name
        ]
    if extra:
        found.append(("Defined by the games", "spikesim.games", "parts the game wrappers choose for some spaces",
                      sorted(extra, key=lambda c: c.__name__)))
    return found


def code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text else ""


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def inline(text: str) -> str:
    """reST inline markup to Markdown; text outside code spans is escaped."""
    text = re.sub(r":(?:class|func|meth|mod|data|attr|exc):`~?([^`<]*?)(?:\s*<[^`]*>)?`",
                  lambda m: "``" + m.group(1).split(".")[-1] + "``" if "~" in m.group(0) else "``" + m.group(1) + "``",
                  text)
    parts = re.split(r"(``.+?``|:math:`.+?`)", text, flags=re.S)
    out = []
    for i, piece in enumerate(parts):
        if i % 2 and piece.startswith(":math:"):
            out.append(r"\(" + piece[7:-1] + r"\)")  # rendered by MathJax (pymdownx.arithmatex)
        elif i % 2:
            out.append(code(piece[2:-2]))
        else:
            out.append(re.sub(r"([*\\_<>\[\]])", r"\\\1", piece))
    return "".join(out)


def markdown(doc: str) -> str:
    """A numpy-style reST docstring as Markdown: literal blocks and examples
    as code blocks, section titles in bold, parameter lists as lists."""
    lines = doc.splitlines()
    out: list[str] = []
    prose: list[str] = []  # lines of the paragraph being read: inline markup may span them

    def flush() -> None:
        if prose:
            out.append(inline("\n".join(prose)))
            prose.clear()

    i = 0
    section = None
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith(">>>") or line.rstrip().endswith("::") or (
            line.strip() in SECTIONS and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}
        ) or (section in ("Parameters", "Returns", "Raises", "Attributes") and not line[0].isspace()):
            flush()
        if line.strip() in SECTIONS and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            section = line.strip()
            out += ["", f"**{section}**", ""]
            i += 2
            continue
        if line.lstrip().startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += ["", "```python", *inspect.cleandoc("\n".join(block)).splitlines(), "```", ""]
            continue
        if line.strip() == ".. math::":
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            rows = [row.strip() for row in block if row.strip()]
            body = rows if len(rows) == 1 else [r"\begin{aligned}", " \\\\\n".join(rows), r"\end{aligned}"]
            out += ["", "$$", *body, "$$", ""]
            continue
        if line.rstrip().endswith("::"):
            head = line.rstrip()[:-2].rstrip()
            prose.append(head + (":" if head and not head.endswith(":") else ""))
            flush()
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```text", *inspect.cleandoc("\n".join(block)).splitlines(), "```", ""]
            continue
        if section in ("Parameters", "Returns", "Raises", "Attributes") and line.strip() and not line[0].isspace():
            names = line.strip()
            desc = []
            i += 1
            while i < len(lines) and lines[i].startswith((" ", "\t")):
                desc.append(lines[i].strip())
                i += 1
            out.append(f"- {code(names)}: {inline(' '.join(desc))}")
            continue
        if line.strip():
            prose.append(line.strip() if not re.match(r"\s+\d+\.", line) else line.rstrip())
        else:
            out.append("")
        i += 1
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def keys_table(cls: type) -> str:
    from spikesim.params import params_of

    rows = ["| key | type | default | range / choices | doc |", "| --- | --- | --- | --- | --- |"]
    for p in params_of(cls):
        if p.required:
            default = "required"
        elif callable(p.default):
            default = code(getattr(p.default, "__name__", "a callable"))
        else:
            default = code(repr(p.default) if not hasattr(p.default, "tolist") else repr(p.default.tolist()))
        limits = code(p.range) if p.range else (", ".join(code(repr(c)) for c in p.choices) if p.choices else "")
        rows.append(f"| {code(p.name)} | {cell(p.type)} | {cell(default)} | {cell(limits)} | {cell(inline(p.doc))} |")
    return "\n".join(rows) if len(rows) > 2 else "It declares no keys."


def catalogue() -> str:
    groups = part_classes()
    out = [
        "# Catalogue of parts",
        "",
        "Generated at every build by `docs/gen_catalogue.py` from the classes themselves: each part's docstring "
        "and the table of every key it takes (its own and its family's), as validated at construction. "
        "A network gathers the keys of all its parts into one flat namespace, so a key shared by several parts "
        "(`n_neurons`, `dt`) is given once. `NetworkClass.list_keys()` and `spikesim keys EXPERIMENT` print the "
        "same declarations for a whole network.",
        "",
    ]
    for title, package, what, classes in groups:
        out.append(f"- [{title}](#{title.lower().replace(' ', '-')}) (`{package}`): {what}: "
                   + ", ".join(f"[{c.__name__}](#{c.__name__.lower()})" for c in classes))
    for title, package, what, classes in groups:
        out += ["", f"## {title}", "", f"`{package}`: {what}."]
        for cls in classes:
            doc = inspect.getdoc(cls) or "(no docstring)"
            out += ["", f"### {cls.__name__}", "", f"`{cls.__module__}.{cls.__qualname__}`", "",
                    markdown(doc), "", "**Keys**", "", keys_table(cls)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the MkDocs hook
def on_files(files, config):
    """Add the generated ``catalogue.md`` to the site's files."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, "catalogue.md", content=catalogue()))
    return files


if __name__ == "__main__":
    sys.stdout.write(catalogue())
