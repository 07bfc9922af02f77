"""`perfeval report check` at scale: a 100-page report against 100 project forms.

    python bench/bench_report.py [--forms 100] [--pages 100] [--rounds 3]

Builds N forms (the 12 sample forms under new names and amounts), a .docx report of about P pages (≈ 1,500
characters a page: for each project a paragraph that states its budget, execution, rate and score, one figure in
five wrong, between paragraphs of seed-like prose without figures of the forms), then times `check_report` (every
workbook read and checked, the report read, every figure linked and compared) and the commented copy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfeval_xl.report import check_report  # noqa: E402
from perfeval_xl.report.comments import write_commented  # noqa: E402

PLACES = "东西南北中上下前后左右甲乙丙丁戊己庚辛壬癸"
FILLER = ("通过项目实施，政务服务办件大厅的设备管理、窗口工作人员早、午餐，群众办事人员的资料打印等得到有效保障，"
          "政务服务办件大厅工作正常有序开展。我局不断完善单位内控制度，完善财务管理制度、设置岗位责任说明书、轮岗制度、"
          "不相容岗位分离表，不断规范单位财务管理，规范财务金使用。")


def build_forms(folder: Path, n: int) -> list[tuple[Path, str, Decimal, Decimal]]:
    """n workbooks: the sample forms with a new project name and budget (execution kept as a share of it)."""
    from openpyxl import load_workbook

    samples = sorted((ROOT / "sample_data" / "meishan_2023").glob("*.xlsx"))
    out = []
    for i in range(n):
        wb = load_workbook(samples[i % len(samples)])
        ws = wb.active
        name = f"{PLACES[i % 20]}{PLACES[(i // 20) % 20]}区政务服务第{i + 1}号专项工作经费"
        budget = executed = None
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("5114"):
                    c.value = f"51140099T{i:012d}-{name}"
                if c.value == "总额":
                    cells = {k: ws.cell(c.row, c.column + k) for k in range(1, 6)}  # 总额 spans two columns
                    budget = Decimal(str(cells[3].value or 0))  # 调整后预算数
                    executed = Decimal(str(cells[4].value or 0))  # 预算执行数
        path = folder / f"form_{i:03d}.xlsx"
        wb.save(path)
        out.append((path, name, budget, executed))
    return out


def build_report(path: Path, forms, pages: int) -> int:
    from docx import Document

    doc = Document()
    doc.add_heading("部门预算项目支出绩效自评报告", 0)
    chars, target, k = 0, pages * 1500, 0
    while chars < target:
        _, name, budget, executed = forms[k % len(forms)]
        rate = executed / budget * 100 if budget else Decimal(0)
        stated = budget + 1 if k % 5 == 0 else budget  # one paragraph in five misstates the budget
        text = (f"（{k + 1}）{name}项目绩效目标完成情况综述。项目全年预算数{stated}万元，执行数为{executed}万元，"
                f"完成预算的{rate:.2f}%。{FILLER}")
        doc.add_paragraph(text)
        doc.add_paragraph(FILLER * 2)
        chars += len(text) + 2 * len(FILLER)
        k += 1
    doc.save(path)
    return chars


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=100)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        forms = build_forms(folder, args.forms)
        report = folder / "report.docx"
        chars = build_report(report, forms, args.pages)
        times, copies = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            result = check_report(report, [f[0] for f in forms])
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            write_commented(result.document.data, result.findings, folder / "copy.docx")
            copies.append(time.perf_counter() - t0)
        print(f"report: {chars} characters (≈{chars // 1500} pages), {len(result.document.paragraphs)} paragraphs; "
              f"{len(forms)} forms")
        print(f"findings {len(result.findings)}, linked {result.linked}, unlinked {result.unlinked}")
        print(f"check_report      median {statistics.median(times):.2f} s  (rounds: "
              f"{', '.join(f'{t:.2f}' for t in times)})")
        print(f"commented copy    median {statistics.median(copies):.2f} s")


if __name__ == "__main__":
    main()
