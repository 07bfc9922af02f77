"""What hostile and broken files cost: for each file of the hostile corpus (tests/hostile.py) plus the far-cell and
encrypted cases, the outcome of `check_file`, its time and how much the process's peak RSS grew.

    python bench/bench_hostile.py [--rounds 5]

Each file is checked in a fresh interpreter that first checks a good form (so imports and warm-up are not
counted); time is the median of --rounds checks in that interpreter, RSS growth is the peak after them minus the
peak before (native memory included). The last line compares with calamine opening the giant-string bomb unguarded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402

PROBE = """
import json, resource, statistics, sys, time
from perfeval_xl.api import check_file
check_file(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    r = check_file(sys.argv[2])
    times.append(time.perf_counter() - t)
print(json.dumps({"outcome": r.refusal.code if r.refusal else f"{len(r.results)} form(s), "
                  f"S01: {bool(r.inspected and r.inspected.macros)}",
                  "ms": statistics.median(times) * 1000,
                  "grow_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}))
"""

UNGUARDED = """
import resource, sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python()
print(f"{(time.perf_counter() - t) * 1000:.0f} ms, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = hostile.write_corpus(folder)
        for name, data in [("far_cell_XFD1048576.xlsx", hostile.far_cell()),
                           ("unnamed_far_cells.xlsx", hostile.unnamed_far_cells()),
                           ("far_cell_Z80000.xlsx", hostile.far_cell("Z80000")),
                           ("scattered_cells.xlsx", hostile.scattered_cells())]:
            (folder / name).write_bytes(data)
            files.append(folder / name)
        print(f"{'file':34} {'KB':>7}  {'outcome':32} {'ms':>8} {'RSS +MB':>8}")
        for path in sorted(files):
            out = subprocess.run([sys.executable, "-c", PROBE, str(hostile.GOOD), str(path), str(args.rounds)],
                                 capture_output=True, text=True, timeout=600)
            if out.returncode:
                print(f"{path.name:34} process failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            got = json.loads(out.stdout)
            print(f"{path.name:34} {path.stat().st_size / 1024:7.0f}  {got['outcome']:32} {got['ms']:8.1f} "
                  f"{got['grow_kb'] / 1024:8.1f}")
        bomb = folder / "giant_string.xlsx"
        out = subprocess.run([sys.executable, "-c", UNGUARDED, str(bomb)], capture_output=True, text=True,
                             timeout=600)
        print(f"\nfor comparison, calamine alone on giant_string.xlsx: {out.stdout.strip() or out.stderr.strip()[-200:]}")


if __name__ == "__main__":
    main()
