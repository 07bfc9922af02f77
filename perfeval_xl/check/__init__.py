"""Check a parsed form under its profile's rules: recompute, compare, report. Pure: no I/O, no spreadsheet library.

    check_form(form, profile) -> Result (values recomputed, findings most serious first)

One checker per form kind (`project`, `framework`), found by the profile's kind in `registry.CHECKERS`; the budget
block they share is `budget`; what a finding is and how one is built is `findings`.
"""

from __future__ import annotations

from . import declaration, framework, monitoring, project  # noqa: F401 - each registers the checker of its form kind
from .findings import Finding, Findings, Result, Severity
from .registry import CHECKERS

__all__ = ["Finding", "Findings", "Result", "Severity", "check_form"]


def check_form(form, profile) -> Result:
    """Every finding about one form (model.Form, model.Framework, …) under its profile."""
    try:
        check = CHECKERS[profile.kind]
    except KeyError:
        raise ValueError(f"no checker for forms of kind {profile.kind!r}") from None
    if form.blank:  # only headers: nothing to score, and no 0 / 差 to alarm anyone
        findings = Findings(form.sheet)
        findings.add("F02.blank" if profile.grade_bands else "F02.unscored", None, None, None, kind=profile.kind_label)
        return Result(form, profile, {"blank": True}, findings.sorted())
    return check(form, profile)
