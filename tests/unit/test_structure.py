"""The shape of the package: no import cycle (imports inside functions count), profiles read only through their typed
specs, severities compared as members, no archive committed, one module per kind of thing."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from perfeval_xl.profile import Profile

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "perfeval_xl"
SEVERITY_NAMES = {"error", "warning", "info"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> set[str]:
    """Every package module `name` imports, at its top or inside a function."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    here = name if _is_package(name) else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in MODULES and t != name}
    return out


GRAPH = {name: _imports(name) for name in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_cycle_even_through_imports_inside_functions():
    assert _cycles() == []


def test_the_pure_core_imports_no_spreadsheet_library():
    core = [m for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in ("check", "profile", "rules", "tree", "model", "values",
                                                      "excelmath", "messages", "severity", "errors", "a1")]
    for name in core:
        text = MODULES[name].read_text(encoding="utf-8")
        for library in ("openpyxl", "xlsxwriter", "xlwings", "python_calamine", "lxml"):
            assert f"import {library}" not in text and f"from {library}" not in text, (name, library)


def test_profiles_are_read_through_their_typed_specs_only():
    assert "raw" not in Profile.__dataclass_fields__
    readers_of_yaml = [m for m in MODULES if "yaml" in {a.split(".")[0] for a in _top_imports(m)}]
    assert readers_of_yaml == ["perfeval_xl.profile"]


def _top_imports(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module or "")
    return names


def _bare_severity_comparisons(name: str) -> list[int]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op in operands:
                values = op.elts if isinstance(op, (ast.Tuple, ast.List, ast.Set)) else [op]
                if any(isinstance(v, ast.Constant) and v.value in SEVERITY_NAMES for v in values):
                    lines.append(node.lineno)
            # `severity.rank >= 3`: a rank compared with a bare number
            if any(isinstance(o, ast.Attribute) and o.attr == "rank" for o in operands) and any(
                    isinstance(o, ast.Constant) and isinstance(o.value, int) for o in operands):
                lines.append(node.lineno)
    return lines


def test_no_severity_is_compared_as_a_bare_string_or_number():
    found = {name: lines for name in MODULES if (lines := _bare_severity_comparisons(name))}
    assert found == {}


def test_no_module_imports_another_ones_private_names():
    """A helper two modules share is public in the one that owns it."""
    found = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("perfeval_xl")):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    found.setdefault(name, []).extend(private)
    assert found == {}


def test_no_archive_or_large_binary_is_committed():
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = [ROOT / f for f in listed.decode("utf-8").split("\0") if f]
    archives = [f for f in files if f.suffix.lower() in (".whl", ".zip", ".gz", ".7z", ".rar", ".tar", ".egg")]
    large = [f for f in files if f.is_file() and f.stat().st_size > 2 * 1024 * 1024]
    assert archives == [] and large == []


@pytest.mark.parametrize("definition", [r"def col_letter\(", r"def parse_a1\(", r"def quote_sheet\(", r"class Refused\(",
                                        r"class Severity\(", r"REFUSALS\b.*=", r"def fmt_value\(", r"FILL_RGB\b.*="])
def test_each_kind_of_thing_has_one_home(definition):
    pattern = re.compile(rf"^{definition}", re.M)
    homes = [name for name, path in MODULES.items() if pattern.search(path.read_text(encoding="utf-8"))]
    assert len(homes) == 1, homes
