"""The collection carries no platform's values (issue 7, point 1): no `wealist` (any case) in roles/ or
plugins/ outside documentation examples. weAlist's names, sizes, secrets, buckets and databases live in
inventories/{local,dev,prod}.

What counts as documentation (and may name weAlist as an example):
- Markdown files (each role's README.md);
- in Python files, the DOCUMENTATION / EXAMPLES / RETURN strings of modules and docstrings (module,
  class, function), found with `ast`, not by line patterns;
- in roles/*/meta/argument_specs.yml, the values of `description` / `short_description` keys (read
  with a YAML parser).
Everything else is flagged: defaults, vars, tasks, templates, handlers, the rest of argument_specs
(default values, choices), Python code, string literals and comments, YAML comments, and file names.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("roles", "plugins")
WORD = re.compile(r"wealist", re.IGNORECASE)
DOC_ASSIGNMENTS = {"DOCUMENTATION", "EXAMPLES", "RETURN"}
DOC_KEYS = {"description", "short_description"}


def _files() -> list[Path]:
    out = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out.append(path)
    return out


def _python_doc_lines(source: str) -> set[int]:
    """Line numbers covered by documentation strings: DOCUMENTATION/EXAMPLES/RETURN and docstrings."""
    tree = ast.parse(source)
    lines: set[int] = set()

    def cover(node: ast.AST) -> None:
        lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in DOC_ASSIGNMENTS for t in node.targets
        ):
            cover(node)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    cover(body[0])
    return lines


def python_hits(source: str) -> list[tuple[int, str]]:
    """(line, text) of every token (code, string or comment) naming weAlist outside documentation."""
    doc = _python_doc_lines(source)
    hits = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if not WORD.search(tok.string):
            continue
        first, last = tok.start[0], tok.end[0]
        if all(line in doc for line in range(first, last + 1)):
            continue
        hits.append((first, tok.string.strip()[:120]))
    return hits


def _strip_doc_values(node: object) -> object:
    """The YAML document without the values of description keys (what remains must not name weAlist)."""
    if isinstance(node, dict):
        return {k: _strip_doc_values(v) for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [_strip_doc_values(v) for v in node]
    return node


def argument_specs_hits(text: str) -> list[tuple[int, str]]:
    """Comments are checked by line; the data (keys and values) without the description values."""
    hits = [(i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if WORD.search(line.partition("#")[2])]
    rest = yaml.safe_dump(_strip_doc_values(yaml.safe_load(text)), allow_unicode=True)
    hits += [(0, line.strip()) for line in rest.splitlines() if WORD.search(line)]
    return hits


def file_hits(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return []
    if path.suffix == ".py":
        return python_hits(text)
    if path.name in ("argument_specs.yml", "argument_specs.yaml") and path.parent.name == "meta":
        return argument_specs_hits(text)
    return [(i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if WORD.search(line)]


def test_no_wealist_in_roles_or_plugins():
    problems = []
    for path in _files():
        rel = path.relative_to(ROOT)
        if WORD.search(str(rel)):
            problems.append(f"{rel}: the file name")
        problems += [f"{rel}:{line}: {text}" for line, text in file_hits(path)]
    assert not problems, "weAlist named outside documentation examples:\n" + "\n".join(problems)


# The scanner itself: documentation is allowed, code, comments and values are not.
PY_SAMPLE = '''"""Module docstring: alias/wealist-prod is an example."""
DOCUMENTATION = r"""
options:
  name: {description: e.g. wealist-prod-redis}
"""
EXAMPLES = "name: wealist-prod"


def f():
    """Docstring naming weAlist."""
    return "wealist-prod"  # a value
# a comment about weAlist
'''


def test_python_scanner_flags_code_and_comments_only():
    assert [line for line, _ in python_hits(PY_SAMPLE)] == [11, 12]


SPECS_SAMPLE = """---
argument_specs:
  main:
    short_description: Example for weAlist
    options:
      x_name:
        type: str
        description: The name (C(wealist-prod)).
        default: wealist-prod
      x_mode:
        type: str
        choices: [a, b]  # weAlist uses a
"""


def test_argument_specs_scanner_flags_defaults_and_comments():
    hits = argument_specs_hits(SPECS_SAMPLE)
    assert any(text == "default: wealist-prod" for _, text in hits)
    assert any(line == 12 for line, _ in hits)
    assert not any("C(wealist-prod)" in text or "Example for" in text for _, text in hits)


@pytest.mark.parametrize(
    ("name", "text", "flagged"),
    [
        ("README.md", "weAlist example", False),
        ("main.yml", "# weAlist comment", True),
        ("main.yml", "x_name: wealist-prod", True),
        ("main.yml", "x_name: '{{ platform_name }}'", False),
    ],
)
def test_file_scanner_by_kind(tmp_path, name, text, flagged):
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    assert bool(file_hits(path)) is flagged
