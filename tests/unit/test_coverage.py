"""Every finding the checkers can emit has a unit test that triggers it and one that must stay silent.

What can be emitted is read from the source: every "Xnn.case" message key written in perfeval_xl/check/*.py,
perfeval_xl/report/*.py (a report's findings) and api.py, and api.py's macro check (MACRO_CHECK) with one case per
sentence of MACRO_MESSAGES. What is triggered is read from the
unit tests: the literal keys passed to `hits(result, "Cxx.case")` (which fails when no such finding is there) in
tests that are not expected to fail; the near misses are the literal ids or keys passed to `silent(...)`.
A new check or case without a unit test fails here.
"""

import ast
import re
from pathlib import Path

from perfeval_xl.messages import CHECKS, MACRO_MESSAGES, MESSAGES

UNIT = Path(__file__).resolve().parent
PACKAGE = UNIT.parents[1] / "perfeval_xl"
CASE = re.compile(r"[A-Z]\d\d\.[a-z][a-z0-9_]*")


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def emitted_cases() -> set[str]:
    """Message keys the checkers use, plus the macro check's cases."""
    cases = set()
    for path in sorted([*(PACKAGE / "check").glob("*.py"), *(PACKAGE / "report").glob("*.py"), PACKAGE / "api.py"]):
        cases |= {n.value for n in ast.walk(_tree(path))
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and CASE.fullmatch(n.value)}
    macro_ids = {n.value.value for n in ast.walk(_tree(PACKAGE / "api.py"))
                 if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                 and any(isinstance(t, ast.Name) and t.id == "MACRO_CHECK" for t in n.targets)}
    assert macro_ids == {"S01"}, macro_ids
    return cases | {f"{check}.{variant}" for check in macro_ids for variant in MACRO_MESSAGES}


def _calls(helper: str, *, skip_xfail: bool) -> set[str]:
    """The literal second argument of every call to `helper` in the unit tests."""
    found = set()
    for path in sorted(UNIT.glob("test_*.py")):
        for fn in ast.walk(_tree(path)):
            if not isinstance(fn, ast.FunctionDef):
                continue
            if skip_xfail and any("xfail" in ast.unparse(d) for d in fn.decorator_list):
                continue
            for call in ast.walk(fn):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == helper
                        and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant)):
                    found.add(call.args[1].value)
    return found


def _ids(keys: set[str]) -> set[str]:
    return {k.partition(".")[0] for k in keys}


def test_the_source_is_read():
    cases = emitted_cases()
    assert {"C01.sum", "C08.above", "C08.negative", "C20.count", "S01.vba"} <= cases
    assert len(_ids(cases)) >= 20


def test_every_check_id_the_checkers_can_emit_has_a_trigger_test():
    assert _ids(_calls("hits", skip_xfail=True)) == _ids(emitted_cases())


def test_every_case_of_every_check_has_a_trigger_test():
    assert _calls("hits", skip_xfail=True) == emitted_cases()


def test_every_check_id_has_a_near_miss_that_must_stay_silent():
    assert _ids(emitted_cases()) <= _ids(_calls("silent", skip_xfail=True))


def test_every_near_miss_names_a_check_or_case_that_exists():
    emitted = emitted_cases()
    for what in _calls("silent", skip_xfail=False):
        assert (what in emitted) if "." in what else (what in _ids(emitted)), what


def test_every_emitted_case_has_a_title_a_severity_and_a_sentence():
    for key in emitted_cases():
        check, _, variant = key.partition(".")
        assert check in CHECKS, key
        assert (variant in MACRO_MESSAGES) if check == "S01" else (key in MESSAGES), key
