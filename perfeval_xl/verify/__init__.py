"""Proof that the templates compute what the checker computes: many random fills, two independent engines.

    entries = verify(["sichuan.project_selfeval"], fills=100)      # one entry per profile and engine
    perfeval template --verify [PROFILE] [--fills N] [--json]

For each profile `fills` random but valid fills are generated (`random_fill`: amounts with blanks and zeros, execution
rates on and around their thresholds and on rounding ties, every indicator nature, targets with signs, units,
thousands separators and percent signs, 定性 texts of every band, blank rows and weights, typed scores; for frameworks
data items on and around the thresholds and tier bounds of their rows, 是/否 answers, counts, open weights,
questionnaire tallies, hand scores, pick-one alternatives). Each fill is written by the profile's template writer,
whose map holds, for every formula cell, the value the Python rules give (`computed`). Then two spreadsheet engines
recompute the written formulas and every formula cell is compared with that value:

* **libreoffice** — every cached formula result of each file is overwritten with 999 (`poison`; reading the
  poisoned file back must show those wrong values, so agreement can only come from a real recalculation), all files
  of a profile are recalculated by ONE headless soffice call with recalculation on load forced (lo.py), and read back
  with calamine. Numbers must be equal at Excel's precision, 15 significant digits (a difference of one unit in the
  15th digit is binary floating point and accepted; every ROUNDed result has far fewer digits), texts exactly.
* **formulas** (the Python library, an optional dependency) — loading a workbook costs about a second, so one model
  is loaded per distinct layout of a profile (from a poisoned fill) and every fill with that layout is evaluated by
  setting all its input cells (`ExcelModel.calculate(inputs=...)`, blanks as blanks; a score typed over a formula
  is an input too). Same comparison as for LibreOffice. Two known bugs of formulas 1.3.4 (EXCEL_NOTES.md §2):
  - ROUND rounds the binary value, so a decimal tie such as ROUND(1.005, 2) can come out one unit low (and a total
    or a grade with it). A fill with cells that disagree is evaluated again by a second model whose ROUND is Excel's
    (half away from zero on 15 significant digits); cells that then agree are counted as "tolerated", not as
    mismatches — so a tolerated cell is one whose only difference is formulas' ROUND, never a wrong rule (a rule off
    by one unit still disagrees with Excel's ROUND).
  - VALUE gives #VALUE! for "90%" and a date serial for "1,200"; during verification VALUE reads number texts with
    formulas' own NUMBERVALUE(text, ".", ","), as Excel and LibreOffice read them, and falls back to its VALUE.

Formula constructs found to differ between engines, and fixed in the writers: ROUND after a subtraction of nearly
equal numbers (rules.NOISE_DIGITS), numbers joined into a label (framework group weights), VALUE of texts that a
spreadsheet reads as dates, times or currencies (write.template.CUT_CHARS).

Each entry: {"profile", "engine", "fills", "cells_compared", "mismatches", "tolerated", "first_mismatches":
[{"fill", "cell", "expected", "got"}], "seconds", "error"} ("error" is None unless the engine could not run; fill i
is `fills_for(profile, i + 1, seed)[i]`).
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..messages import cli_text
from ..profile import Profile, get_profile, shipped_profiles
from .compare import agrees, write_cases
from .engines import formulas_engine, libreoffice_engine
from .files import formulas_of, poison
from .fills import fills_for, framework_fill, project_fill, random_fill, tree_leaves

__all__ = ["ENGINES", "agrees", "check_fills", "fills_for", "formulas_of", "framework_fill", "poison", "project_fill",
           "random_fill", "summary_lines", "template_profiles", "tree_leaves", "verify"]

ENGINES = ("libreoffice", "formulas")
ENGINE_NAMES = {"libreoffice": "LibreOffice", "formulas": "formulas"}


def template_profiles() -> list[Profile]:
    """Every shipped profile with a template: project forms, and frameworks with a weight tree."""
    return [p for p in shipped_profiles().values() if p.has_template]


def _resolve(profiles) -> list[Profile]:
    if profiles is None or isinstance(profiles, (str, Profile)):
        profiles = template_profiles() if profiles is None else [profiles]
    out = [p if isinstance(p, Profile) else get_profile(p) for p in profiles] or template_profiles()
    for p in out:
        if not p.has_template:
            raise ValueError(f"profile {p.id} has no weight tree (tree:), so no template to verify")
    return out


def verify(profiles=None, fills: int = 100, engines=ENGINES, seed: int = 0, *, workdir: str | Path | None = None,
           progress=None) -> list[dict]:
    """Fill each profile's template `fills` times at random and recompute it with each engine.

    Args:
        profiles: profile ids or Profile objects (None or empty: every shipped profile with a template).
        fills: random fills per profile.
        engines: "libreoffice" and/or "formulas".
        seed: the same seed gives the same fills (`fills_for`).
        workdir: keep the written, poisoned and recalculated files there (default: a temporary directory).
        progress: called with each entry as it is finished.
    Returns:
        one entry per profile and engine, in that order (see the module docstring).
    """
    if fills < 1:
        raise ValueError("fills must be at least 1")
    return _run([(p, fills_for(p, fills, seed)) for p in _resolve(profiles)], engines, workdir, progress)


def check_fills(profile: Profile | str, fills: list[dict], engines=ENGINES, *, workdir: str | Path | None = None
                ) -> list[dict]:
    """`verify` on given fills of one profile: one entry per engine."""
    return _run([(_resolve(profile)[0], list(fills))], engines, workdir, None)


def _run(jobs: list[tuple[Profile, list[dict]]], engines, workdir, progress) -> list[dict]:
    engines = tuple(engines)
    if not engines or set(engines) - set(ENGINES):
        raise ValueError(f"engines must be among {ENGINES}, got {engines}")
    if any(not fills for _, fills in jobs):
        raise ValueError("no fills to verify")
    done: dict[tuple[str, str], dict] = {}

    def finished(entry):
        done[(entry["profile"], entry["engine"])] = entry
        if progress:
            progress(entry)
        return entry

    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="perfeval_verify_"))
    try:
        # LibreOffice runs in its own process: while it recalculates one profile, this process writes the next
        # and evaluates formulas (two cores busy); one soffice call at a time, one per profile
        with ThreadPoolExecutor(1) as pool:
            pending = []
            for profile, fills in jobs:
                cases = write_cases(profile, fills, root / profile.id)
                if "libreoffice" in engines:
                    pending.append(pool.submit(
                        lambda p=profile, c=cases: finished(libreoffice_engine(p, c, root / p.id))))
                if "formulas" in engines:
                    finished(formulas_engine(profile, cases))
            for future in pending:
                future.result()
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return [done[(p.id, e)] for p, _ in jobs for e in engines]


def summary_lines(entries: list[dict]) -> list[str]:
    """Human-readable lines (Chinese / English) for the command line."""
    lines = []
    for e in entries:
        name = ENGINE_NAMES.get(e["engine"], e["engine"])
        head = f"{e['profile']:34} {name:12} "
        if e["error"]:
            lines.append(head + cli_text("verify_error", why=e["error"]))
            continue
        extra = cli_text("verify_tolerated", n=e["tolerated"]) if e["tolerated"] else ""
        lines.append(head + cli_text("verify_entry", fills=e["fills"], cells=e["cells_compared"],
                                     mismatches=e["mismatches"], extra=extra, seconds=e["seconds"]))
        for m in e["first_mismatches"]:
            lines.append(cli_text("verify_mismatch", fill=m["fill"], cell=m["cell"], expected=repr(m["expected"]),
                                  got=repr(m["got"])))
    return lines
