"""What computing formulas without cached values costs (perfeval_xl.xlformula).

    python bench/bench_xlformula.py [--rounds N]

Prints, in milliseconds (the best of --rounds, the machine being noisy), for a form without formulas (the batch
corpus), the national and the Sichuan self-evaluation templates filled at random as xlsxwriter writes them (every value
cached, a "" cached as an empty <v>, which counts as no value), the same saved by LibreOffice (if installed: every
value cached, "" as a text), and the same saved by openpyxl (no value at all):
  * scan: `scan_formulas` (finding the formula cells without a value; a quick look when there are none);
  * compute: `compute_uncached` (the scan and the evaluation of every cell found), with python-calamine's read of the
    same workbook beside it for scale.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from perfeval_xl.lo import LibreOfficeError, convert, find_soffice  # noqa: E402
from perfeval_xl.profile import get_profile  # noqa: E402
from perfeval_xl.verify import fills_for  # noqa: E402
from perfeval_xl.write.templates import write_template_for  # noqa: E402
from perfeval_xl.xlformula import compute_uncached, scan_formulas  # noqa: E402


def _grids(data: bytes) -> dict:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def _best(fn, rounds: int) -> float:
    number = 20
    return min(timeit.repeat(fn, number=number, repeat=rounds)) / number * 1000


def _workbooks(tmp: Path) -> list[tuple[str, bytes]]:
    out = [("form without formulas (batch corpus)",
            (ROOT / "sample_data" / "meishan_2023" / "01_hotline_upgrade.xlsx").read_bytes())]
    for pid in ("national.project_selfeval", "sichuan.project_selfeval"):
        profile = get_profile(pid)
        path = tmp / f"{pid}.xlsx"
        write_template_for(profile, path, year=2024, fill=fills_for(profile, 1, seed=1)[0])
        data = path.read_bytes()
        out.append((f"{pid}, xlsxwriter", data))
        if find_soffice():
            try:
                out.append((f"{pid}, LibreOffice", convert([path], tmp / "lo")[0].read_bytes()))
            except LibreOfficeError as e:
                print(f"(LibreOffice failed: {e})")
        saved = io.BytesIO()
        openpyxl.load_workbook(io.BytesIO(data)).save(saved)
        out.append((f"{pid}, openpyxl", saved.getvalue()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        books = _workbooks(Path(tmp))
    print(f"{'workbook':48} {'uncached':>8} {'scan ms':>8} {'compute ms':>10} {'calamine ms':>11}")
    for label, data in books:
        grids = _grids(data)
        compute_uncached(data, grids)  # warm: the programs of a template are compiled once per process
        found = scan_formulas(data)
        scan = _best(lambda d=data: scan_formulas(d), args.rounds)
        compute = _best(lambda d=data, g=grids: compute_uncached(d, g), args.rounds)
        calamine = _best(lambda d=data: _grids(d), args.rounds)
        print(f"{label:48} {found.count:8d} {scan:8.2f} {compute:10.2f} {calamine:11.2f}")


if __name__ == "__main__":
    main()
