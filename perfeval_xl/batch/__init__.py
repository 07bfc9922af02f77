"""Review in bulk: check every workbook under some paths and write one summary workbook.

    run_batch(paths, output, annotated_dir=None, jobs=1, profile=None, progress=False, title=None) -> dict

`collect` finds the workbooks (folders, .zip archives, .eml e-mails), `workers` checks them in parallel exactly as
`perfeval check` would (no check logic lives here), `summary` assembles the JSON document and writes the summary
workbook. Files are reported in the order of their display path (then sheet order), whatever the parallelism.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..messages import cli_text
from .collect import collect
from .summary import assemble, write_summary
from .workers import check_all, load_profile, refused_result


def run_batch(paths: list[str], output: str | Path | None = None, *, annotated_dir: str | Path | None = None,
              jobs: int = 1, profile: str | None = None, progress: bool = False, password: str | None = None,
              include_hidden: bool = False, title: str | None = None) -> dict:
    """Check everything under `paths`; write the summary workbook to `output` (when given) and return the JSON
    document {"files", "forms", "refused", "errors", "warnings", "reports", "mismatches", "resubmitted",
    "skipped"}: every file found is a report (checked or refused) or a skipped entry with its reason; a project
    submitted more than once is in "resubmitted" (which form counts, and why). Forms on hidden sheets are checked
    only with `include_hidden`. `title`: the batch's name on the summary's sheets and printed pages (default: the
    output's file name)."""
    output = Path(output) if output else None
    annotated_dir = Path(annotated_dir) if annotated_dir else None
    if profile:
        load_profile(profile)  # loaded before the workers fork, so they inherit it
    else:
        from ..profile import shipped_profiles

        shipped_profiles()
    workdir = Path(tempfile.mkdtemp(prefix="perfeval_batch_"))
    try:
        own = [(x, why) for x, why in ((output, "summary"), (annotated_dir, "annotated_copy")) if x is not None]
        everything = collect(paths, workdir, own)
        skipped = [i for i in everything if i.skip]
        items = [i for i in everything if not i.skip]
        todo = [i for i in items if i.refusal is None]
        jobs_list = [{"path": str(i.path), "profile": profile, "password": password, "include_hidden": include_hidden,
                      "annotated": str(annotated_dir / i.rel) if annotated_dir else None} for i in todo]
        bar = Progress(len(items), enabled=progress)
        bar.tick(len(items) - len(todo))  # refused while unpacking
        checked = iter(check_all(jobs_list, jobs, bar.tick))
        results = [refused_result(i.display, i.refusal) if i.refusal else next(checked) for i in items]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    doc, tables = assemble(items, results, skipped, profile)
    if output is not None:
        write_summary(output, tables, title)
    bar.close(doc["forms"], doc["refused"])
    return doc


def exit_code(doc: dict) -> int:
    if doc["files"] == 0 or doc["refused"] == doc["files"]:
        return 3
    return 1 if doc["errors"] else 0


class Progress:
    """A one-line bar on stderr when it is a terminal; otherwise only the closing line."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = self.last = time.monotonic()

    def tick(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty and (now - self.last > 0.1 or self.done == self.total):
            self.last = now
            width, share = 30, self.done / max(self.total, 1)
            bar = "#" * int(width * share) + "-" * (width - int(width * share))
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {share:6.1%}")
            self.stream.flush()

    def close(self, forms: int, refused: int) -> None:
        if not self.enabled:
            return
        secs = time.monotonic() - self.start
        if self.tty:
            self.stream.write("\n")
        line = cli_text("batch_progress", files=self.done, forms=forms, refused=refused, seconds=secs)
        self.stream.write(line + "\n")
        self.stream.flush()
