"""The LibreOffice variant of the templates: an .ods with a 「核查」 button that runs the full check in place.

    build_ods(["workbook_templates/sichuan.project_selfeval.xlsx"], "out")   # -> [out/sichuan.project_selfeval.ods]
    python -m perfeval_xl.write.ods [DIR]                                     # DIR/*.xlsx -> DIR/*.ods

Each .ods is the .xlsx template as LibreOffice saves it, plus:

* a form button 「核查」 on the form sheet (绩效自评表 / 评价指标表), right of the print area and not printed, whose
  "execute action" event runs `SCRIPT_URL`. It is created through UNO (`registerScriptEvent`) by
  perfeval_xl/xl/lo_uno.py, which runs on the Python that has LibreOffice's `uno` module (EXCEL_NOTES.md §4);
* the macro, macros/perfeval_lo.py, embedded as Scripts/python/perfeval.py with its manifest entries (LibreOffice
  has no API to add a Python script to a document, so the package is patched after saving);
* custom document properties: PERFEVAL_PYTHON (empty: the user may name the interpreter that has perfeval_xl) and
  perfeval_template ("<file name> sha256:<hash of the .xlsx it was built from>", so a test can tell a stale .ods
  without LibreOffice).

The package is rewritten with fixed zip dates and meta.xml without its save dates, and with what LibreOffice writes
in the order of its hash tables put in document order: the page styles of styles.xml (sorted by name, their page
layouts numbered in that order) and the sheet named in each validation's base cell in content.xml (LibreOffice
names any sheet there; it becomes the first sheet using the validation). So rebuilding from the same .xlsx with the
same LibreOffice gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..lo import LibreOfficeError, find_soffice, profile_dir

REPO = Path(__file__).resolve().parents[2]
MACRO_SOURCE = REPO / "macros" / "perfeval_lo.py"
DRIVER = Path(__file__).resolve().parents[1] / "xl" / "lo_uno.py"
MACRO_MEMBER = "Scripts/python/perfeval.py"
SCRIPT_URL = "vnd.sun.star.script:perfeval.py$check?language=Python&location=document"
BUTTON_LABEL = "核查"
BUTTON_TIP = "核查本表：需要本机安装 perfeval_xl（见文件属性 PERFEVAL_PYTHON）"
SOURCE_PROPERTY = "perfeval_template"
PYTHON_PROPERTY = "PERFEVAL_PYTHON"
TIMEOUT = 300  # seconds for one build job (soffice start + every file)
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
_MANIFEST_ENTRIES = (
    ' <manifest:file-entry manifest:full-path="Scripts/python/perfeval.py" manifest:media-type=""/>\n'
    ' <manifest:file-entry manifest:full-path="Scripts/python/" manifest:media-type="application/binary"/>\n'
    ' <manifest:file-entry manifest:full-path="Scripts/" manifest:media-type="application/binary"/>\n')
_VOLATILE_META = re.compile(
    rb"<meta:creation-date>[^<]*</meta:creation-date>|<dc:date>[^<]*</dc:date>"
    rb"|<meta:editing-duration>[^<]*</meta:editing-duration>|<meta:editing-cycles>[^<]*</meta:editing-cycles>")


@functools.cache
def find_uno_python() -> str | None:
    """A Python that imports LibreOffice's `uno` ($PERFEVAL_UNO_PYTHON, else /usr/bin/python3), or None."""
    for candidate in (os.environ.get("PERFEVAL_UNO_PYTHON"), "/usr/bin/python3"):
        if candidate and Path(candidate).is_file():
            try:
                ok = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            if ok:
                return candidate
    return None


def script_provider_missing() -> str | None:
    """Why LibreOffice cannot run Python macros here (None when it can): soffice, pyuno or the script provider
    (Debian: libreoffice-script-provider-python) is missing."""
    soffice = find_soffice()
    if soffice is None:
        return "LibreOffice (soffice) is not installed"
    if find_uno_python() is None:
        return "no Python with LibreOffice's uno module (Debian: apt-get install python3-uno)"
    program = Path(os.path.realpath(soffice)).parent
    if not (program / "pythonscript.py").is_file():
        return f"LibreOffice's Python script provider is missing ({program}/pythonscript.py; Debian: apt-get " \
               "install libreoffice-script-provider-python)"
    return None


def run_uno(tasks: list[dict], *, timeout: float = TIMEOUT, env: dict | None = None,
            profile: Path | None = None) -> list[dict]:
    """Run perfeval_xl/xl/lo_uno.py on the uno Python with `tasks`; one result dict per task (see that module).

    Raises LibreOfficeError when the driver cannot run, times out or a task fails."""
    python = find_uno_python()
    if python is None or find_soffice() is None:
        raise LibreOfficeError(script_provider_missing() or "LibreOffice is not usable")
    with tempfile.TemporaryDirectory(prefix="perfeval_uno_job_") as tmp:
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"profile": str(profile or profile_dir()), "timeout": timeout,
                                   "soffice": find_soffice(), "tasks": tasks}, ensure_ascii=False),
                       encoding="utf-8")
        try:
            proc = subprocess.run([python, str(DRIVER), str(job)], capture_output=True, text=True,
                                  timeout=timeout + 30, env=env)
        except subprocess.TimeoutExpired as e:
            raise LibreOfficeError(f"lo_uno.py did not finish within {timeout + 30} s") from e
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    results = [line for line in lines if line.get("action") != "start"]
    failed = [r for r in results if not r.get("ok")]
    if proc.returncode != 0 or failed or len(results) != len(tasks):
        raise LibreOfficeError(f"lo_uno.py rc={proc.returncode}: {failed or proc.stderr.strip()[-800:]}")
    return lines


def build_ods(xlsx_files, outdir: str | Path, *, sheets: dict[str, str] | None = None,
              macro: str | Path = MACRO_SOURCE) -> list[Path]:
    """Write `<outdir>/<stem>.ods` for each workbook: the button on its form sheet and the macro embedded.

    Args:
        xlsx_files: workbooks (templates, filled or blank).
        outdir: output directory (created).
        sheets: file stem -> name of the sheet that gets the button (default: the first sheet).
        macro: the macro source to embed.
    Returns:
        the .ods files, in the order given.
    """
    files = [Path(f).resolve() for f in ([xlsx_files] if isinstance(xlsx_files, (str, Path)) else xlsx_files)]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    source = Path(macro).read_bytes()
    with tempfile.TemporaryDirectory(prefix="perfeval_ods_") as tmp:
        raw = [Path(tmp) / f"{i}.ods" for i in range(len(files))]
        run_uno([{"action": "build", "src": str(f), "dst": str(r), "sheet": (sheets or {}).get(f.stem),
                  "label": BUTTON_LABEL, "tip": BUTTON_TIP, "script": SCRIPT_URL,
                  "properties": {PYTHON_PROPERTY: "", SOURCE_PROPERTY: f"{f.name} sha256:{_sha256(f)}"}}
                 for f, r in zip(files, raw)])
        outputs = []
        for f, r in zip(files, raw):
            out = outdir / f"{f.stem}.ods"
            _finish(r, out, source)
            outputs.append(out)
    return outputs


def _finish(raw: Path, out: Path, macro: bytes) -> None:
    """Rewrite LibreOffice's package with the macro and its manifest entries, fixed dates, no save dates."""
    tmp = out.with_name(f".~{out.name}.tmp")
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(tmp, "w") as zout:
        names = zin.namelist()
        if names[0] != "mimetype" or MACRO_MEMBER in names:
            raise LibreOfficeError(f"{raw}: not a fresh LibreOffice package")
        for name in names:
            data = zin.read(name)
            if name == "META-INF/manifest.xml":
                data = data.replace(b"</manifest:manifest>", _MANIFEST_ENTRIES.encode() + b"</manifest:manifest>")
            elif name == "meta.xml":
                data = _VOLATILE_META.sub(b"", data)
            elif name == "styles.xml":
                data = canonical_styles(data)
            elif name == "content.xml":
                data = canonical_content(data)
            _write(zout, name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
        _write(zout, MACRO_MEMBER, macro, zipfile.ZIP_DEFLATED)
    os.replace(tmp, out)


_MASTER_STYLES = re.compile(rb"(<office:master-styles>)(.*?)(</office:master-styles>)", re.S)
_MASTER_PAGE = re.compile(rb'<style:master-page style:name="([^"]*)".*?</style:master-page>', re.S)
_LAYOUT_REF = re.compile(rb'style:page-layout-name="(Mpm\d+)"')
_LAYOUT = re.compile(rb'<style:page-layout style:name="(Mpm\d+)">.*?</style:page-layout>', re.S)


def canonical_styles(data: bytes) -> bytes:
    """styles.xml with its master pages sorted by name and their page layouts numbered (Mpm1, Mpm2, …) and listed in
    that order: LibreOffice writes both in the order of a hash table, which differs from run to run."""
    m = _MASTER_STYLES.search(data)
    if m is None:
        return data
    blocks = sorted((x.group(1), x.group(0)) for x in _MASTER_PAGE.finditer(m.group(2)))
    if _MASTER_PAGE.sub(b"", m.group(2)).strip():
        return data  # something besides master pages: leave it as LibreOffice wrote it
    data = data[:m.start(2)] + b"".join(b for _, b in blocks) + data[m.end(2):]
    order: dict[bytes, bytes] = {}
    for _, block in blocks:
        for old in _LAYOUT_REF.findall(block):
            order.setdefault(old, b"Mpm%d" % (len(order) + 1))
    layouts = list(_LAYOUT.finditer(data))
    if not layouts or {x.group(1) for x in layouts} != set(order):
        return data
    first, last = layouts[0].start(), layouts[-1].end()
    if any(a.end() != b.start() for a, b in zip(layouts, layouts[1:])):
        return data  # not one run of page layouts
    renamed = {order[x.group(1)]: x.group(0).replace(x.group(1), order[x.group(1)], 1) for x in layouts}
    data = data[:first] + b"".join(renamed[k] for k in sorted(renamed, key=lambda k: int(k[3:]))) + data[last:]
    return _LAYOUT_REF.sub(lambda x: b'style:page-layout-name="' + order[x.group(1)] + b'"', data)


_TABLE = re.compile(rb'<table:table table:name="([^"]*)"')
_USES = re.compile(rb'table:content-validation-name="([^"]*)"')
_BASE = re.compile(rb'(<table:content-validation table:name="([^"]*)"[^>]*?table:base-cell-address=")'
                   rb"(?:'(?:[^']|'')*'|[^\".]*)\.")


def canonical_content(data: bytes) -> bytes:
    """content.xml with each validation's base cell on the first sheet that uses the validation: LibreOffice puts
    any sheet's name there, differing from run to run (the cell itself is right)."""
    starts = [(x.start(), x.group(1)) for x in _TABLE.finditer(data)]
    used: dict[bytes, bytes] = {}
    for i, (start, sheet) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(data)
        for name in _USES.findall(data, start, end):
            used.setdefault(name, sheet)

    def base(m: re.Match) -> bytes:
        sheet = used.get(m.group(2))
        if sheet is None:
            return m.group(0)
        return m.group(1) + _quoted(sheet) + b"."

    return _BASE.sub(base, data)


def _quoted(sheet: bytes) -> bytes:
    """A sheet name as an ODF cell address writes it: as it is when letters, digits and _ only, else in quotes."""
    text = sheet.decode("utf-8")
    if re.fullmatch(r"\w+", text):
        return sheet
    return b"'" + sheet.replace(b"'", b"''") + b"'"


def _write(zout: zipfile.ZipFile, name: str, data: bytes, method: int) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    zout.writestr(info, data)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def regenerate(dirpath: str | Path = "workbook_templates") -> list[Path]:
    """Build `<dirpath>/<profile>.ods` beside each shipped profile's `<dirpath>/<profile>.xlsx`."""
    from ..profile import shipped_profiles
    from .templates import form_sheet

    dirpath = Path(dirpath)
    profiles = shipped_profiles()
    files = sorted(p for p in dirpath.glob("*.xlsx") if p.stem in profiles)
    sheets = {p.stem: form_sheet(profiles[p.stem]) for p in files}
    return build_ods(files, dirpath, sheets=sheets)


if __name__ == "__main__":  # python -m perfeval_xl.write.ods [DIR]
    try:
        for written in regenerate(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates"):
            print(written)
    except LibreOfficeError as e:
        print(f"无法生成 .ods / cannot build the .ods files: {e}", file=sys.stderr)
        sys.exit(1)
