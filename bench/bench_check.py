"""Per-form timings: read + check in-process, the annotated copy, and `perfeval check` from the shell.

    python bench/bench_check.py [--rounds N]

Prints medians and 90th percentiles in milliseconds over the 12 sample forms (one file each).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfeval_xl.api import check_file, write_annotated  # noqa: E402


def _ms(samples: list[float]) -> str:
    s = sorted(samples)
    p90 = s[int(0.9 * (len(s) - 1))]
    return f"median {statistics.median(s) * 1000:7.2f} ms   p90 {p90 * 1000:7.2f} ms   (n={len(s)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    files = sorted((ROOT / "sample_data" / "meishan_2023").glob("*.xlsx"))
    check_file(files[0])  # warm imports and profile cache
    read_check, annotate, shell = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for f in files:
                t = time.perf_counter()
                report = check_file(f)
                read_check.append(time.perf_counter() - t)
                t = time.perf_counter()
                write_annotated(report, Path(tmp) / "out.xlsx")
                annotate.append(time.perf_counter() - t)
        for f in files[:6]:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(f), "--json"], capture_output=True, check=False)
            shell.append(time.perf_counter() - t)
    print(f"read + check, one form in-process : {_ms(read_check)}")
    print(f"annotated copy, one form          : {_ms(annotate)}")
    print(f"`perfeval check --json` from shell : {_ms(shell)}")


if __name__ == "__main__":
    main()
