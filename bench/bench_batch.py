"""Batch throughput on 1,000 realistic filled forms, against a bare unzip + XML parse of the same files (the floor).

    python bench/bench_batch.py [--forms 1000] [--rounds 3] [--dir DIR]

The forms are the 12 seed-004 forms varied: new project codes and departments, budgets and execution rates drawn at
random with every dependent figure (rate, execution score, total) recomputed, planted errors in about 20 % of them
and awkward layouts (offsets, unmerged cells, noisy labels, amounts in 元 or as text, blank rows, cover sheets) in
about 20 %. Generation is not timed (--dir keeps the corpus for the next run). Timed, each the median of --rounds:
the floor; `run_batch` in-process with 1 and 2 jobs, with and without annotated copies; and the CLI end to end.
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from perfeval_xl.batch import run_batch  # noqa: E402
from sample_data import build  # noqa: E402
from sample_data.seed004 import FORMS  # noqa: E402

DEPARTMENTS = [f"眉山市{x}" for x in ("政务服务管理局", "财政局", "教育局", "卫生健康委员会", "交通运输局", "农业农村局",
                                   "自然资源和规划局", "住房和城乡建设局", "民政局", "文化广播电视和旅游局")]
LAYOUTS = [dict(origin=(3, 2)), dict(sheet_name="Sheet1"), dict(blank_rows_at=[10, 11, 17]), dict(unmerged=True),
           dict(label_noise=True), dict(amounts="text"), dict(amounts="yuan"), dict(rates="fraction"),
           dict(zero_as="—"), dict(cover_sheet=True, instructions_sheet=True),
           dict(origin=(2, 1), unmerged=True, label_noise=True, amounts="yuan", rates="fullwidth_percent", zero_as="—")]
Q2 = Decimal("0.01")


def _r(x: Decimal, q=Q2) -> Decimal:
    return x.quantize(q, ROUND_HALF_UP)


def vary(i: int, rng: random.Random) -> tuple[dict, dict, dict]:
    """(form, layout, overrides) for form number i: a seed form with new, self-consistent figures."""
    form = copy.deepcopy(FORMS[i % len(FORMS)])
    name = re.sub(r"^[0-9A-Z]+-", "", form["project"])
    form["project"] = f"51140022{rng.choice('TYX')}{100000000000 + i:012d}-{name}"
    form["department"] = rng.choice(DEPARTMENTS)
    form["unit"] = form["department"].replace("(部门)", "")
    budget = _r(Decimal(str(rng.uniform(5, 900))))
    rate = Decimal(str(rng.choice([rng.uniform(0.9, 1.0)] * 7 + [rng.uniform(0.6, 0.9)] * 2 + [rng.uniform(0.1, 0.6)])))
    executed = _r(budget * rate)
    exact = executed / budget
    rate_text = f"{_r(exact * 100)}%"
    exec_score = _r(min(exact, Decimal(1)) * 10, Decimal("0.1"))
    zero = ("0.00", "0.00", "0.00", "0.00%")
    form["budget"] = [
        build_line("总额", (str(budget), str(budget), str(executed), rate_text), "10", str(exec_score)),
        build_line("其中:财政资金", (str(budget), str(budget), str(executed), rate_text), "/", "/"),
        build_line("财政专户管理资金", zero, "/", "/"),
        build_line("单位资金", zero, "/", "/"),
        build_line("其他资金", (None, None, None, None), "/", "/"),
    ]
    if rate < Decimal("0.9"):
        form["reason"] = "部分项目尚未完成验收，资金将于次年支付。"
    total = exec_score + sum(Decimal(x["score"]) for x in form["indicators"])
    form["total_score"] = format(total.normalize(), "f")
    overrides = {}
    if rng.random() < 0.2:  # one planted error
        overrides = rng.choice([
            {("total_score",): str(total + 1)},
            {("budget", 0, "rate"): f"{_r(exact * 100) + 2}%"},
            {("budget", 1, "executed"): str(executed + 1)},
            {("budget", 0, "score"): str(exec_score + Decimal("0.5"))},
            {("indicators", 0, "score"): str(Decimal(form["indicators"][0]["weight"]) + 5)},
        ])
    layout = rng.choice(LAYOUTS) if rng.random() < 0.2 else {}
    return form, layout, overrides


def build_line(label, amounts, weight, score):
    initial, adjusted, executed, rate = amounts
    return {"label": label, "initial": initial, "adjusted": adjusted, "executed": executed, "rate": rate,
            "weight": weight, "score": score}


def _make(args):
    folder, i, seed = args
    form, layout, overrides = vary(i, random.Random(seed * 100_003 + i))
    sub = Path(folder) / DEPARTMENTS.index(form["department"]).__str__()
    sub.mkdir(exist_ok=True)
    build.build_workbook(sub / f"{i:05d}.xlsx", [form], overrides=overrides, **layout)


def generate(folder: Path, n: int, seed: int = 4) -> None:
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(_make, [(str(folder), i, seed) for i in range(n)], chunksize=20))


def floor(files: list[Path]) -> None:
    """Unzip and parse every worksheet XML (and the shared strings) of every file."""
    for f in files:
        with zipfile.ZipFile(f) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                    etree.fromstring(z.read(name))


def timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", help="keep the generated corpus here (reused when it already holds --forms files)")
    args = ap.parse_args()
    import pandas  # noqa: F401  (the summary imports it once per run; keep that out of the per-form numbers)

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(args.dir) if args.dir else Path(tmp) / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        if len(list(corpus.rglob("*.xlsx"))) != args.forms:
            t = time.perf_counter()
            generate(corpus, args.forms)
            print(f"generated {args.forms} files in {time.perf_counter() - t:.1f} s (not timed)")
        files = sorted(corpus.rglob("*.xlsx"))
        out = Path(tmp) / "out"
        doc = run_batch([str(corpus)], out / "汇总.xlsx", jobs=2)  # warm-up, and the corpus' make-up
        forms = doc["forms"]
        with_errors = sum(any(f["severity"] == "error" for x in r["forms"] for f in x["findings"])
                          for r in doc["reports"])
        print(f"corpus: {len(files)} files, {forms} forms, {doc['refused']} refused, {with_errors} files with errors "
              f"({with_errors / len(files):.0%}), {doc['errors']} errors, {doc['warnings']} warnings, "
              f"{len(doc['mismatches'])} mismatches")

        base = timed(lambda: floor(files), args.rounds)
        per_floor = base / forms
        print(f"\n{'':38}{'s':>7}{'forms/s':>9}{'ms/form':>9}{'x floor':>9}{'100k forms':>12}")

        def line(label, secs):
            per = secs / forms
            print(f"{label:38}{secs:7.2f}{forms / secs:9.0f}{per * 1000:9.2f}{per / per_floor:9.1f}"
                  f"{per * 100_000 / 60:9.1f} min")

        line("floor: unzip + lxml parse, 1 process", base)
        for jobs in (1, 2):
            line(f"batch, summary only, {jobs} job{'s' * (jobs > 1)}",
                 timed(lambda: run_batch([str(corpus)], out / "汇总.xlsx", jobs=jobs), args.rounds))
        for jobs in (1, 2):
            line(f"batch + annotated copies, {jobs} job{'s' * (jobs > 1)}",
                 timed(lambda: run_batch([str(corpus)], out / "汇总.xlsx", annotated_dir=out / "核查", jobs=jobs),
                       args.rounds))
        cli = [sys.executable, "-m", "perfeval_xl.cli", "batch", str(corpus), "-o", str(out / "cli.xlsx"),
               "--jobs", "2"]
        line("CLI end to end (start-up incl.), 2 jobs",
             timed(lambda: subprocess.run(cli, capture_output=True, check=False, cwd=ROOT), args.rounds))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak RSS of the parent process: {rss:.0f} MB (workers: "
              f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB each at most)")


if __name__ == "__main__":
    main()
