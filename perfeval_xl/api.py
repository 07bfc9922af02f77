"""The three calls every front end makes (CLI, batch, Excel adapters): check a file, report it, annotate a copy."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .check import Result, check_form
from .profile import Profile, get_profile
from .read import Refused, open_workbook
from .read.locate import forms_in


@dataclass
class Report:
    """Everything known about one input file."""

    path: Path
    sha256: str | None = None
    results: list[Result] = field(default_factory=list)
    refusal: Refused | None = None

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.results)

    @property
    def findings(self):
        return [f for r in self.results for f in r.findings]

    @property
    def exit_code(self) -> int:
        if self.refusal is not None:
            return 3
        return 1 if self.errors else 0

    def as_dict(self) -> dict:
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "status": "refused" if self.refusal else "checked",
            "error": None
            if self.refusal is None
            else {"code": self.refusal.code, "message": f"{self.refusal.zh} / {self.refusal.en}"},
            "forms": [
                {
                    "sheet": r.form.sheet,
                    "profile": r.profile.id,
                    "values": r.values,
                    "findings": [f.as_dict() for f in r.findings],
                }
                for r in self.results
            ],
        }


def sha256_of(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def check_file(path: str | Path, profile: Profile | str | None = None) -> Report:
    """Read every form in the workbook and check it; a file that cannot be checked comes back refused."""
    path = Path(path)
    report = Report(path=path, sha256=sha256_of(path) if path.is_file() else None)
    if isinstance(profile, str):
        profile = get_profile(profile)
    try:
        grids = open_workbook(path)
        forms = forms_in(grids, profile)
        if not forms:
            raise Refused(
                "no_form",
                "文件中没有找到绩效自评表（未识别到“一级指标/二级指标/三级指标”等表头）。",
                "no self-evaluation form found in this workbook",
            )
        report.results = [_check(f, profile or get_profile(f.profile_id)) for f in forms]
    except Refused as r:
        report.refusal = r
    return report


def _check(form, profile: Profile) -> Result:
    if profile.kind == "framework":
        from .check_framework import check_framework

        return check_framework(form, profile)
    return check_form(form, profile)


def annotated_path(path: Path) -> Path:
    """Where the annotated copy goes by default: beside the input as <name>_核查.xlsx (.xlsm stays .xlsm)."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}_核查{suffix}")


def write_annotated(report: Report, out: str | Path) -> Path:
    """Write the annotated copy of a checked file (the input is never touched)."""
    from .write.annotate import annotate

    out = Path(out)
    annotate(report.path, out, report.findings, source_name=report.path.name)
    return out
