"""The three calls every front end makes (CLI, batch, Excel adapters): check a file, report it, annotate a copy."""

from __future__ import annotations

import hashlib
import os
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from .a1 import a1, parse_range
from .check import Finding, Result, Severity, check_form
from .errors import PASS_THROUGH, Refused, refuse
from .messages import CHECKS, HIDDEN_MESSAGES, MACRO_MESSAGES, SHEET_STATES, say
from .profile import Profile, get_profile
from .read.detect import Classification
from .read.forms import forms_in, hidden_forms, is_results_sheet
from .read.preflight import MAX_FILE_BYTES, Inspected, too_large_sheets
from .read.workbook import Grid, read_workbook

MACRO_CHECK = "S01"  # the workbook carries macros (reported, never run)
HIDDEN_CHECK = "S02"  # a hidden sheet holds a form (not checked unless asked for)


@dataclass
class Report:
    """Everything known about one input file."""

    path: Path
    sha256: str | None = None
    results: list[Result] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)  # about the workbook or a sheet, not a form (info)
    refusal: Refused | None = None
    inspected: Inspected | None = field(default=None, repr=False)  # the pre-flight's findings (not serialised)
    hidden: dict[str, str] = field(default_factory=dict)  # hidden sheet name -> 'hidden' or 'veryHidden'
    returned_copy: bool = False  # the workbook carries the 核查结果 sheet of an earlier check: a copy sent back

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.results)

    @property
    def findings(self) -> list[Finding]:
        return [*self.notes, *(f for r in self.results for f in r.findings)]

    @property
    def exit_code(self) -> int:
        if self.refusal is not None:
            return 3
        return 1 if self.errors else 0

    def as_dict(self) -> dict:
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "format": self.inspected.kind if self.inspected else None,
            "encrypted": bool(self.inspected and self.inspected.encrypted),
            "macros": self.inspected.macros if self.inspected else None,
            "status": "refused" if self.refusal else "checked",
            "returned_copy": self.returned_copy,
            "error": None if self.refusal is None else self.refusal.as_dict(),
            "forms": [
                {
                    "sheet": r.form.sheet,
                    "hidden": self.hidden.get(r.form.sheet),  # None, or how the sheet is hidden (--include-hidden)
                    "profile": r.profile.id,
                    "kind": r.profile.kind,
                    "values": r.values,
                    "findings": [f.as_dict() for f in r.findings],
                }
                for r in self.results
            ],
            "notes": [f.as_dict() for f in self.notes],
        }


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256; None for what is not a regular file of at most MAX_FILE_BYTES (never read at length)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def debug_trace() -> None:
    """With PERFEVAL_DEBUG set, the traceback of the exception being handled goes to stderr (bugs are otherwise
    reported as a one-line refusal or message)."""
    if os.environ.get("PERFEVAL_DEBUG"):
        traceback.print_exc()


def check_file(path: str | Path, profile: Profile | str | None = None, *, password: str | None = None,
               include_hidden: bool = False) -> Report:
    """Read every form in the workbook and check it; a file that cannot be checked comes back refused. Forms on
    hidden sheets are checked only with `include_hidden`; otherwise each hidden sheet holding one is named in a
    note (S02).

    Never raises for anything in the file: whatever goes wrong becomes a refusal (a bug in the checker included:
    code "internal_error"), so every front end can rely on exit codes 0, 1 and 3."""
    path = Path(path)
    report = Report(path=path)
    if isinstance(profile, str):
        profile = get_profile(profile)
    try:
        inspected, grids = read_workbook(path, password)
        report.inspected = inspected
        report.hidden = {g.name: g.hidden for g in grids if g.hidden}
        report.returned_copy = any(is_results_sheet(g) for g in grids)
        found = forms_in(grids, profile, include_hidden=include_hidden)
        left_out = [] if include_hidden else hidden_forms(grids, profile)
        nothing = not found.forms and not found.uncertain
        if nothing and inspected.oversized:
            raise too_large_sheets(inspected.oversized)
        if nothing and left_out:
            raise refuse("no_form", "hidden", sheets="、".join(f"“{g.name}”" for g in left_out),
                         sheets_en=", ".join(f"'{g.name}'" for g in left_out))
        if nothing:
            raise refuse("no_form")
        report.notes = [uncertain_finding(c) for c in found.uncertain] + [hidden_finding(g) for g in left_out]
        report.results = [check_form(form, form_profile) for form, form_profile in found.forms]
        for grid in (g for g in grids if g.uncomputed):
            report.notes.append(uncomputed_finding(grid))
            for result in (r for r in report.results if r.form.sheet == grid.name):
                result.findings = not_resting_on(result.findings, grid.uncomputed)
        if inspected.macros:
            first = report.results[0].findings if report.results else report.notes
            first.insert(0, macro_finding(inspected, report.results[0].form.sheet if report.results else grids[0].name))
    except Refused as r:
        report.results, report.notes = [], []
        report.refusal = r
    except (*PASS_THROUGH, MemoryError):
        raise
    except BaseException as e:  # noqa: BLE001 — a bug (or a panic in native code), not the user's fault; still
        # a clean refusal
        debug_trace()
        report.results, report.notes = [], []
        report.refusal = refuse("internal_error", why=f"{type(e).__name__}: {e}"[:160])
    # the pre-flight hashed the bytes it read; only a file refused before or without them is read again
    report.sha256 = report.inspected.sha256 if report.inspected else sha256_of(path)
    return report


def uncertain_finding(c: Classification) -> Finding:
    """F01: a sheet that looks like forms of more than one kind; it is not checked (no guess), and says so once."""
    first, *others = c.uncertain
    return Finding("F01", CHECKS["F01"].severity, c.sheet, None, None, ", ".join(p.id for p in c.uncertain),
                   say("F01.uncertain", sheet=c.sheet, first=f"{first.kind_label}（{first.name}）",
                       others="、".join(f"{p.kind_label}（{p.name}）" for p in others)))


def uncomputed_finding(grid: Grid) -> Finding:
    """F03: formula cells saved without a value that the evaluator could not compute either (a function it does not
    know, an external link): one warning per sheet, naming a few of them."""
    cells = sorted(grid.uncomputed)
    shown = "、".join(a1(r, c) for r, c in cells[:3]) + ("…" if len(cells) > 3 else "")
    return Finding("F03", CHECKS["F03"].severity, grid.name, a1(*cells[0]), None, None,
                   say("F03.uncomputed", sheet=grid.name, count=len(cells), cells=shown))


def not_resting_on(findings: list[Finding], uncomputed: set[tuple[int, int]]) -> list[Finding]:
    """No finding rests on a value that could not be computed: those at such a cell are dropped, and an error
    elsewhere on the sheet (a sum may include such a cell) is said as a warning only."""
    kept = []
    for f in findings:
        if f.cell is not None:
            r1, c1, r2, c2 = parse_range(f.cell)
            if any(r1 <= r <= r2 and c1 <= c <= c2 for r, c in uncomputed):
                continue
        kept.append(replace(f, severity=Severity.WARNING) if f.severity is Severity.ERROR else f)
    return kept


OUR_ODS_SCRIPT = "Scripts/python/perfeval.py"  # the 「核查」 button of the .ods templates (perfeval_xl.write.ods)


def macro_finding(inspected: Inspected, sheet: str) -> Finding:
    """S01: what code the workbook carries. It is reported, never run (nothing here can run it). A warning; only
    an .ods whose one script is where the toolkit's own templates put their button script is a mere note."""
    key = inspected.macros if inspected.macros in MACRO_MESSAGES else "vba"
    severity = Severity.WARNING
    if key == "ods" and inspected.macro_parts == (OUR_ODS_SCRIPT,):
        key, severity = "ods_template", Severity.INFO
    return Finding(MACRO_CHECK, severity, sheet, None, ", ".join(inspected.macro_parts) or None, None,
                   MACRO_MESSAGES[key])


def hidden_finding(grid) -> Finding:
    """S02: a hidden sheet holds a form, which was not checked (a note on that sheet, no cell)."""
    return Finding(HIDDEN_CHECK, Severity.INFO, grid.name, None, None, None,
                   HIDDEN_MESSAGES["sheet"].format(sheet=grid.name, state=SHEET_STATES[grid.hidden]))


def annotated_path(path: Path, report: Report | None = None) -> Path:
    """Where the annotated copy goes by default: beside the input as <name>_核查.xlsx. The suffix follows the
    package when the report knows it (a macro workbook's copy is .xlsm, even when the input was misnamed)."""
    return path.with_name(f"{path.stem}_核查{annotated_suffix(path, report)}")


def annotated_suffix(path: Path, report: Report | None = None) -> str:
    if report is not None and report.inspected is not None and report.inspected.kind == "xlsx":
        from .write.annotate import package_suffix

        try:
            return package_suffix(report.inspected.data) or ".xlsx"
        except (ValueError, OSError):
            pass
    return ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"


def can_annotate(report: Report) -> bool:
    """Whether an annotated copy can be written: a checked OOXML workbook (not .xls or .ods)."""
    return report.refusal is None and report.inspected is not None and report.inspected.annotatable


def write_annotated(report: Report, out: str | Path, *, password: str | None = None) -> Path:
    """Write the annotated copy of a checked file (the input is never touched). An encrypted input is annotated
    from its decrypted bytes in memory, and the copy is encrypted again with the same password."""
    from .write.annotate import annotate

    out = Path(out)
    inspected = report.inspected
    encrypted = inspected is not None and inspected.encrypted
    if encrypted and not password:
        raise ValueError("an encrypted workbook is annotated only with its password")
    annotate(report.path, out, report.findings, source_name=report.path.name, inspected=inspected,
             encrypt_with=password if encrypted else None)
    return out
