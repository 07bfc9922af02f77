"""Regenerate the README pictures in docs/img/ from real output of the toolkit.

    python scripts/render_pictures.py [--out docs/img] [--dpi 90] [--keep DIR]

Needs LibreOffice (soffice) and poppler-utils (pdftoppm), plus a CJK font (Debian: fonts-wqy-microhei) — without one
Chinese prints as boxes. Every picture is a workbook the toolkit wrote, printed by LibreOffice headless to PDF
(`perfeval_xl.lo.convert`) and rasterised by pdftoppm, cropped to the printed area (found from a greyscale render
of the same page; no ImageMagick or Pillow needed):

* template.png  — the Sichuan 项目支出绩效自评表 template (write/template.py) filled with the figures of sample form
                  4 (“一窗进出”改革前台岗位外包服务经费, 眉山 2023): yellow inputs, scores and totals computed by
                  the sheet's own formulas. The whole sheet on one page (a scratch copy printed one page tall, for
                  the picture only; the template prints on two landscape A4 pages, its text at 9 pt or more).
* annotated.png — the annotated copy (write/annotate.py) of that sample form with an error planted (得分 25 on a
                  row weighted 20): errors light red, warnings orange. The notes of the two errors are shown as
                  Excel and LibreOffice show a note whose 显示批注 is on; that is done on a scratch copy made only
                  for printing (notes are hidden in the copy a user gets, and appear when the pointer rests on the cell).
* results.png   — the 核查结果 sheet of the same annotated copy.
* framework.png — the first printed page of the 永州 专项资金 framework template (write/framework_template.py),
                  filled: 项目名称 / 单位名称 / 年度, rows scored by hand, and 资金到位率 / 到位及时率 / 实际完成率 /
                  质量达标率 computed from the 基础数据 sheet.
* summary.png, departments.png, chart.png — printed pages of the batch summary (batch/summary.py) of the bundled
                  samples (the 12 眉山 forms, one of them sent twice, and the framework samples): the first page of
                  汇总 and of 按部门, and the execution-rate chart of 分布, as `perfeval batch` writes them.

`--keep DIR` keeps the workbooks and PDFs for a look.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # sample_data is a package of the repository

from perfeval_xl.api import check_file, write_annotated  # noqa: E402
from perfeval_xl.batch import run_batch  # noqa: E402
from perfeval_xl.lo import convert  # noqa: E402
from perfeval_xl.a1 import parse_a1  # noqa: E402
from perfeval_xl.profile import get_profile  # noqa: E402
from perfeval_xl.write.framework_template import write_framework_template  # noqa: E402
from perfeval_xl.write.template import write_template  # noqa: E402
from sample_data.build import build_workbook  # noqa: E402
from sample_data.seed004 import FORMS  # noqa: E402

WAIBAO = FORMS[3]  # 04_window_outsourcing
NATURES = ["≥", "≥", "≥", "≥", "≤"]  # lost in the seed's text dump; the figures say which (成本 ≤ 165 万元)
UNITS = ["人", "%", "%", "%", "万元"]
PLANTED = {("indicators", 0, "score"): "25"}  # 数量指标 weighted 20
MAX_BYTES = 300 * 1024
MARGIN = 8  # pixels kept around the printed area
WHITE = 0xF0  # greyscale level from which a pixel counts as paper


# --- the workbooks ---------------------------------------------------------------------------------------------

def seed_fill(form: dict) -> dict:
    """A template fill (see write/template.py) from a sample_data.seed004 form."""
    lines = {"其中:财政资金": "fiscal", "财政专户管理资金": "special", "单位资金": "own", "其他资金": "other"}
    budget = {lines[b["label"]]: {"initial": b["initial"], "budget": b["adjusted"], "executed": b["executed"]}
              for b in form["budget"] if b["label"] in lines and b["adjusted"] is not None}
    indicators = [{"level1": i["level1"], "level2": i["level2"], "level3": i["level3"], "nature": nature,
                   "target": i["target"], "unit": i["unit"] or unit, "actual": i["actual"], "weight": i["weight"]}
                  for i, nature, unit in zip(form["indicators"], NATURES, UNITS)]
    return {"fields": {k: form[k] for k in ("project", "department", "unit", "leader", "finance")},
            "narrative": {k: form[k] for k in ("goal", "goal_done", "content", "conclusion", "problems", "measures")},
            "budget": budget, "reason": form["reason"], "indicators": indicators}


FRAMEWORK = "hunan.yongzhou.special_fund"
FRAMEWORK_FILL = {
    "fields": {"project": "农村公路养护专项资金", "unit": "永州市交通运输局"},
    "data": {"实际到位资金": 480, "计划投入资金": 500, "及时到位资金": 450, "应到位资金": 480,
             "实际产出数": 11, "计划产出数": 12, "质量达标产出数": 11},
    "scores": {"项目立项规范性": 4, "绩效目标合理性": 3.5, "绩效指标明确性": 3, "管理制度健全": 3,
               "制度执行有效性": 2.5, "项目质量可控性": 4, "管理制度健全性": 5, "资金使用合规性": 6,
               "财务监控有效性": 7, "完成及时率": 6, "成本节约率": 7, "经济效益": 3, "社会效益": 3, "生态效益": 2.5,
               "可持续影响": 3, "社会公众或服务对象满意度": 5.5},
}


def show_notes(src: Path, dst: Path, cells: set[tuple[int, int]]) -> None:
    """A scratch copy of an annotated workbook whose notes on `cells` (0-based row, column) are shown, for printing
    only. Every other member is copied unchanged."""
    def shown(shape: re.Match) -> str:
        text = shape.group(0)
        row, col = (int(re.search(rf"<x:{k}>(\d+)</x:{k}>", text).group(1)) for k in ("Row", "Column"))
        if (row, col) not in cells:
            return text
        return (text.replace("visibility:hidden", "visibility:visible")
                .replace("</x:ClientData>", "<x:Visible/></x:ClientData>"))

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(".vml"):
                data = re.sub(r"<v:shape .*?</v:shape>", shown, data.decode("utf-8"), flags=re.S).encode("utf-8")
            zout.writestr(info, data)


def one_page(src: Path, dst: Path) -> None:
    """A scratch copy of a workbook whose sheets print one page tall (no page breaks), for a picture of a whole sheet.
    Every other member is copied unchanged."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = re.sub(r"<rowBreaks .*?</rowBreaks>", "", data.decode("utf-8"), flags=re.S)
                data = text.replace('fitToHeight="0"', 'fitToHeight="1"').encode("utf-8")
            zout.writestr(info, data)


def sample_batch(work: Path) -> Path:
    """The summary workbook of a batch of the bundled samples, one form sent twice (the later copy counts)."""
    inbox = work / "收件箱"
    inbox.mkdir(exist_ok=True)
    for src in [*sorted((ROOT / "sample_data" / "meishan_2023").glob("[0-9]*.xlsx")),
                *sorted((ROOT / "sample_data" / "frameworks").glob("*.xlsx"))]:
        shutil.copyfile(src, inbox / src.name)
    shutil.copyfile(inbox / "04_window_outsourcing.xlsx", inbox / "04_window_outsourcing_重发.xlsx")
    with contextlib.chdir(work):  # the summary names the files as a reviewer would give them: 收件箱/…
        run_batch([inbox.name], "汇总.xlsx", jobs=1, title="2023年度项目支出绩效自评（示例批次）")
    return work / "汇总.xlsx"


def page_of(pdf: Path, sheet: str) -> int:
    """The first page printing `sheet` (the summary's page header names its sheet on the right)."""
    for page in range(1, pages(pdf) + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        first = next((line for line in text.splitlines() if line.strip()), "")
        if first.split()[-1:] == [sheet]:
            return page
    raise RuntimeError(f"{pdf.name}: no page of {sheet}")


# --- PDF -> PNG ------------------------------------------------------------------------------------------------

def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def printed_box(pdf: Path, page: int, dpi: int) -> tuple[int, int, int, int]:
    """(x, y, width, height) in pixels at `dpi` of what is printed on the page (greyscale render, no PNG decoder)."""
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, check=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    width, height = int(m.group(1)), int(m.group(2))
    pixels = pgm[m.end():]
    paper = bytes(0xFF if b >= WHITE else 0 for b in range(256))
    left, right, top, bottom = width, -1, None, None
    for y in range(height):
        row = pixels[y * width:(y + 1) * width].translate(paper)
        ink = row.strip(b"\xff")
        if not ink:
            continue
        top = y if top is None else top
        bottom = y
        start = len(row) - len(row.lstrip(b"\xff"))
        left, right = min(left, start), max(right, start + len(ink) - 1)
    if top is None:
        raise RuntimeError(f"{pdf.name} page {page} is blank")
    x0, y0 = max(left - MARGIN, 0), max(top - MARGIN, 0)
    return x0, y0, min(right + MARGIN, width - 1) - x0 + 1, min(bottom + MARGIN, height - 1) - y0 + 1


def render(pdf: Path, page: int, png: Path, dpi: int) -> Path:
    """Page `page` (1-based; negative counts from the end) of `pdf`, cropped to its printed area, as `png`."""
    if page < 0:
        page = pages(pdf) + 1 + page
    x, y, w, h = printed_box(pdf, page, dpi)
    stem = png.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), str(pdf), str(stem)], check=True)
    return png


# --- main ------------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--dpi", type=int, default=90)
    ap.add_argument("--keep", type=Path, help="keep the workbooks and PDFs in this folder")
    args = ap.parse_args(argv)
    for tool in ("pdftoppm", "pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            ap.error(f"{tool} not found: install poppler-utils")
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="perfeval_pictures_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        # 1. a filled template
        filled = work / "外包_模板填报.xlsx"
        write_template(get_profile("sichuan.project_selfeval"), filled, year=2023, fill=seed_fill(WAIBAO))
        form = work / "外包_模板填报_一页.xlsx"
        one_page(filled, form)
        # 2. an annotated copy of the sample form with an error planted, notes of the errors shown for printing
        sample = build_workbook(work / "外包_填报.xlsx", [WAIBAO], overrides=PLANTED)
        report = check_file(sample)
        annotated = write_annotated(report, work / "外包_填报_核查.xlsx")
        errors = {parse_a1(f.cell) for f in report.findings if f.severity == "error" and f.cell and ":" not in f.cell}
        printed = work / "外包_填报_核查_显示批注.xlsx"
        show_notes(annotated, printed, errors)
        # 3. a filled framework template
        framework = work / "永州_专项资金.xlsx"
        write_framework_template(get_profile(FRAMEWORK), framework, year=2023, fill=FRAMEWORK_FILL)

        # 4. the summary of a batch of the samples
        summary = sample_batch(work)

        form_pdf, printed_pdf, framework_pdf, summary_pdf = convert([form, printed, framework, summary], work / "pdf",
                                                                    to="pdf")
        made = [render(form_pdf, 1, args.out / "template.png", args.dpi),
                render(printed_pdf, 1, args.out / "annotated.png", args.dpi),
                render(printed_pdf, -1, args.out / "results.png", args.dpi),  # 核查结果 is the last sheet
                render(framework_pdf, 1, args.out / "framework.png", args.dpi)]
        made += [render(summary_pdf, page_of(summary_pdf, sheet) + after, args.out / name, args.dpi)
                 for sheet, after, name in (("汇总", 0, "summary.png"), ("按部门", 0, "departments.png"),
                                            ("分布", 1, "chart.png"))]  # 分布: scores, then execution rates
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    too_big = []
    for png in made:
        size = png.stat().st_size
        print(f"{png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}  {size / 1024:.0f} KB")
        if size > MAX_BYTES:
            too_big.append(png.name)
    if too_big:
        print(f"larger than {MAX_BYTES // 1024} KB: {', '.join(too_big)} (try a lower --dpi)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
