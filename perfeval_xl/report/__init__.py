"""Reports: a narrative report's figures checked against the forms (`check_report`), and a report drafted from the
checked forms (`draft.draft_report`).

    document    the report read into numbered paragraphs (.docx, .txt)
    vocabulary  the words prose uses for what the forms hold (vocabulary.yaml)
    facts       what the checked workbooks say, per form
    names       which form a piece of prose names
    extract     the figures a sentence states
    check       figures linked and compared: findings C15, C16, C17, C19
    comments    the commented copy of a .docx report
    outline     report outlines (outlines/*.yaml)
    draft       a report drafted from the checked forms
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PASS_THROUGH, Refused, refuse
from ..severity import Severity
from .check import Outcome, ReportFinding, check_paragraphs
from .document import ReportDocument, read_report
from .facts import subjects_of
from .vocabulary import Vocabulary, vocabulary

__all__ = ["ReportCheck", "ReportFinding", "check_report"]


@dataclass
class ReportCheck:
    """A report checked against workbooks."""

    path: Path
    workbooks: list = field(default_factory=list)  # api.Report of every workbook given
    document: ReportDocument | None = None
    findings: list[ReportFinding] = field(default_factory=list)
    linked: int = 0
    unlinked: int = 0
    refusal: Refused | None = None
    sha256: str | None = None

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

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
            "error": None if self.refusal is None else self.refusal.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "linked": self.linked,
            "unlinked": self.unlinked,
            "workbooks": [{"file": str(w.path), "sha256": w.sha256, "status": "refused" if w.refusal else "checked",
                           "error": None if w.refusal is None else w.refusal.as_dict(),
                           "forms": len(w.results)} for w in self.workbooks],
        }


def check_report(report: str | Path, workbooks, *, vocab: Vocabulary | None = None, checked=None) -> ReportCheck:
    """Check the report's figures against the workbooks (paths; or `checked`: their api.Report objects already).
    Never raises for anything in the files: what cannot be read comes back refused."""
    from ..api import check_file, debug_trace, sha256_of

    vocab = vocab or vocabulary()
    out = ReportCheck(Path(report))
    try:
        out.document = read_report(report)
        out.sha256 = out.document.sha256
        out.workbooks = list(checked) if checked is not None else [check_file(w) for w in workbooks]
        subjects = subjects_of(out.workbooks, vocab)
        if not subjects:
            raise refuse("no_form", "report")
        outcome: Outcome = check_paragraphs(out.document.paragraphs, subjects, vocab)
        out.findings, out.linked, out.unlinked = outcome.findings, outcome.linked, outcome.unlinked
    except Refused as r:
        out.refusal = r
    except (*PASS_THROUGH, MemoryError):
        raise
    except BaseException as e:  # noqa: BLE001 — a bug, not the user's fault: still a clean refusal
        debug_trace()
        out.refusal = refuse("internal_error", why=f"{type(e).__name__}: {e}"[:160])
    if out.sha256 is None:
        out.sha256 = sha256_of(Path(report))
    return out
