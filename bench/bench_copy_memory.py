"""Peak memory of a check and of a check plus its annotated copy, on a form sheet carrying millions of empty
bordered cells (a user formatted whole columns down to row 250,000): each measured in a fresh process.

    python bench/bench_copy_memory.py [--rows 250000] [--cols 8] [--rounds 1]

Prints the workbook's size, then for each step the peak resident memory of its process (ru_maxrss, imports
included) and the time, and the ratio copy / check. Target: the copy under 300 MB for two million cells, and within
twice the check's own memory.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "sample_data" / "meishan_2023" / "04_window_outsourcing.xlsx"  # its form ends on row 26
SHEET = "xl/worksheets/sheet1.xml"
BORDERED = 2  # a thin-bordered cell style of that workbook

# Peak RSS of this process image: VmHWM (Linux; ru_maxrss would also count the parent's memory at fork).
PROBE = """
import json, re, resource, sys, time
from pathlib import Path
from perfeval_xl.api import check_file, write_annotated

def peak_mb():
    try:
        with open("/proc/self/status") as f:
            return int(re.search(r"VmHWM:\\s+(\\d+)", f.read()).group(1)) / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

imported = peak_mb()
t = time.perf_counter()
report = check_file(sys.argv[1])
checked = time.perf_counter() - t
if sys.argv[2] == "copy":
    write_annotated(report, Path(sys.argv[3]))
print(json.dumps({"peak_mb": peak_mb(), "imports_mb": imported, "check_s": checked,
                  "total_s": time.perf_counter() - t, "findings": len(report.findings),
                  "refusal": report.refusal and report.refusal.code}))
"""


def bordered_cells(rows: int, cols: int = 8, form: Path = FORM) -> bytes:
    """The sample form with `rows` x `cols` empty bordered cells below it (from row 27, columns A on)."""
    letters = [chr(65 + i) for i in range(cols)]
    with zipfile.ZipFile(form) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = parts[SHEET]
    cut = xml.index(b"</sheetData>")
    body = io.BytesIO()
    for r in range(27, 27 + rows):
        body.write(f'<row r="{r}">'.encode())
        body.write("".join(f'<c r="{c}{r}" s="{BORDERED}"/>' for c in letters).encode())
        body.write(b"</row>")
    parts[SHEET] = xml[:cut] + body.getvalue() + xml[cut:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def measure(path: Path, step: str, out: Path) -> dict:
    """One step in a fresh process: 'check', or 'copy' (check, then the annotated copy)."""
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path), step, str(out)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=250_000)
    ap.add_argument("--cols", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bordered.xlsx"
        src.write_bytes(bordered_cells(args.rows, args.cols))
        print(f"{src.stat().st_size / 2**20:.1f} MB workbook, {args.rows * args.cols:,} empty bordered cells")
        for _ in range(args.rounds):
            check = measure(src, "check", Path(tmp) / "unused.xlsx")
            copy = measure(src, "copy", Path(tmp) / "bordered_核查.xlsx")
            print(f"imports alone : peak RSS {check['imports_mb']:7.1f} MB")
            print(f"check         : peak RSS {check['peak_mb']:7.1f} MB   {check['total_s']:6.2f} s   "
                  f"({check['findings']} findings)")
            print(f"check + copy  : peak RSS {copy['peak_mb']:7.1f} MB   {copy['total_s']:6.2f} s   "
                  f"(copy {(Path(tmp) / 'bordered_核查.xlsx').stat().st_size / 2**20:.1f} MB)")
            print(f"copy / check  : {copy['peak_mb'] / check['peak_mb']:.2f}x")


if __name__ == "__main__":
    main()
