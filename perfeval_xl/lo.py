"""LibreOffice headless as an independent spreadsheet engine: recalculate workbooks and render them to PDF.

    out = convert(["a.xlsx", "b.xlsx"], "outdir")            # recalculated copies, outdir/a.xlsx, outdir/b.xlsx
    pdf = convert(["a.xlsx"], "outdir", to="pdf")[0]

LibreOffice keeps the cached values of an xlsx file by default (OOXMLRecalcMode 1, "never"), so every conversion
here runs with its own user profile whose registrymodifications.xcu sets OOXMLRecalcMode and ODFRecalcMode to 0
("always"): formulas are recomputed on load. One profile per process (parallel test workers do not share one).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120  # seconds per soffice call

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_profiles: dict[int, Path] = {}


class LibreOfficeError(RuntimeError):
    """soffice failed, timed out or wrote no output."""


def find_soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed ($SOFFICE overrides)."""
    for candidate in (os.environ.get("SOFFICE"), shutil.which("soffice"), shutil.which("libreoffice"),
                      "/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def profile_dir() -> Path:
    """A LibreOffice user profile for this process that forces recalculation on load."""
    pid = os.getpid()
    if pid not in _profiles:
        root = Path(tempfile.mkdtemp(prefix="perfeval_lo_"))
        (root / "user").mkdir()
        (root / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
        _profiles[pid] = root
        atexit.register(shutil.rmtree, root, ignore_errors=True)
    return _profiles[pid]


def convert(files, outdir: str | Path, *, to: str = "xlsx", timeout: float = TIMEOUT) -> list[Path]:
    """Open each file in LibreOffice headless (recalculating every formula) and save it as `to` in `outdir`.

    Args:
        files: paths of workbooks (one soffice call for all of them).
        outdir: output directory; must differ from the input files' directory when `to` is their own format.
        to: an LO --convert-to target ("xlsx", "pdf", "ods", ...).
    Returns:
        the written files, in the order given.
    Raises:
        LibreOfficeError when soffice is missing, fails, times out or leaves an output missing.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    files = [Path(f).resolve() for f in ([files] if isinstance(files, (str, Path)) else files)]
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if to == files[0].suffix.lstrip(".") and any(f.parent == outdir for f in files):
        raise LibreOfficeError("outdir must differ from the input directory (the output has the same name)")
    outputs = [outdir / f"{f.stem}.{to}" for f in files]
    for out in outputs:
        out.unlink(missing_ok=True)
    cmd = [soffice, f"-env:UserInstallation={profile_dir().as_uri()}", "--headless", "--norestore",
           "--nologo", "--convert-to", to, "--outdir", str(outdir), *map(str, files)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise LibreOfficeError(f"soffice timed out after {timeout} s") from e
    missing = [o for o in outputs if not o.is_file()]
    if proc.returncode != 0 or missing:
        raise LibreOfficeError(f"soffice rc={proc.returncode}, missing {missing}: {proc.stderr.strip()[-500:]}")
    return outputs
