"""Assertions about a checked form's findings, by check id or by message case ("C08.above").

    hits(result, "C08.above")  -> [(check, severity, cell, stated, computed), …] of the findings of that case;
                                  fails when there is none, so a `hits(...)` call is a trigger assertion (the
                                  coverage test counts the literal keys passed to it)
    silent(result, "C08")      -> fails when any finding of that check (or of that case) is there
    checks(result)             -> the set of check ids found

A finding does not carry its case, only its check id and its sentence; the case is recognised by matching the
sentence against the catalogue's template (`perfeval_xl.messages.MESSAGES`, and `MACRO_MESSAGES` for S01).
"""

from __future__ import annotations

import re
from functools import cache

from perfeval_xl.messages import MACRO_MESSAGES, MESSAGES


@cache
def template(key: str) -> re.Pattern:
    """The sentence of a case as a pattern: its {fields} match anything."""
    check, _, case = key.partition(".")
    text = MACRO_MESSAGES[case] if check == "S01" else MESSAGES[key]
    parts = re.split(r"\{\w+\}", text)
    return re.compile("(.*?)".join(re.escape(p) for p in parts), re.S)


def is_case(finding, key: str) -> bool:
    return finding.check == key.partition(".")[0] and template(key).fullmatch(finding.message) is not None


def row(f) -> tuple:
    return (f.check, f.severity, f.cell, f.stated, f.computed)


def _findings(result):
    return result.findings if hasattr(result, "findings") else list(result)


def hits(result, key: str) -> list[tuple]:
    """(check, severity, cell, stated, computed) of every finding of case `key`; at least one must be there."""
    got = [row(f) for f in _findings(result) if is_case(f, key)]
    assert got, f"no {key} finding; found {[(f.check, f.cell, f.message) for f in _findings(result)]}"
    return got


def silent(result, what: str) -> None:
    """No finding of check `what` ('C08') or of case `what` ('C08.above')."""
    found = [f for f in _findings(result) if (is_case(f, what) if "." in what else f.check == what)]
    assert not found, f"unexpected {what}: {[(f.check, f.cell, f.message) for f in found]}"


def checks(result) -> set[str]:
    return {f.check for f in _findings(result)}
