"""Awkward but legitimate content: very long and control-character text, formula-like text, a sheet name with
quotes and emoji. Checked, annotated and summarised without loss, and text always stays text."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfeval_xl.api import check_file, write_annotated
from perfeval_xl.batch import run_batch
from perfeval_xl.cli import main as cli
from sample_data import build
from sample_data.seed004 import FORMS

FORM = next(f for f in FORMS if f["slug"] == "04_window_outsourcing")
SHEET = "O'Brien's 表😀"  # a quote (doubled in references) and a character outside the BMP
LONG = "长" * 100_000  # three times Excel's 32,767-character cell limit
CONTROL = "响铃_x0007_转义_x001B_[31m红\t制表\n换行 零宽\u200b RTL\u202e 🙂 &<>\"'"
FORMULA_LIKE = {"project": "=HYPERLINK(\"http://example.invalid\",\"点我\")", "unit": "+86 实施单位",
                "department": "-主管部门", "leader": "@负责人"}


@pytest.fixture(scope="module")
def awkward(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("awkward")
    overrides = {(k,): v for k, v in FORMULA_LIKE.items()}
    overrides[("problems",)] = "MARK_LONG"
    overrides[("measures",)] = "MARK_CONTROL"
    wb = build.new_workbook()
    ws = wb.create_sheet(SHEET)
    build.write_form(ws, FORM, overrides=overrides)
    for row in ws.iter_rows():  # formula-like text stays text, as in a user's file
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] == "=":
                cell.data_type = "s"
    path = d / "awkward.xlsx"
    build.save_deterministic(wb, path)
    for row in openpyxl.load_workbook(path)[SHEET].iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    # openpyxl refuses control characters; put them (and the 100k text) into the XML as Excel stores them
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    xml = parts[name].decode()
    if "MARK_LONG" not in xml:  # shared strings
        name = "xl/sharedStrings.xml"
        xml = parts[name].decode()
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    parts[name] = xml.replace("MARK_LONG", LONG).replace("MARK_CONTROL", esc(CONTROL)).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def test_awkward_text_is_read_and_checked(awkward):
    report = check_file(awkward)
    assert report.refusal is None and report.exit_code in (0, 1)
    [result] = report.results
    assert result.form.sheet == SHEET
    assert result.values["project"] == FORMULA_LIKE["project"]
    narrative = result.form.narrative
    assert narrative["problems"].p.text == LONG  # not cut when read
    measures = narrative["measures"].p.text
    assert "\x07" in measures or "_x0007_" in measures
    json.dumps(report.as_dict(), ensure_ascii=False)  # serialisable as it is
    assert {f.sheet for f in report.findings} == {SHEET}


def test_awkward_text_survives_the_annotated_copy(awkward, tmp_path):
    before = hashlib.sha256(awkward.read_bytes()).hexdigest()
    report = check_file(awkward)
    copy = write_annotated(report, tmp_path / "awkward_核查.xlsx")
    assert hashlib.sha256(awkward.read_bytes()).hexdigest() == before
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames == [SHEET, "核查结果"]
    results = wb["核查结果"]
    links = [c.hyperlink.location for row in results.iter_rows(min_row=3) for c in row if c.hyperlink]
    assert links and all(loc.startswith("'O''Brien''s 表😀'!") for loc in links)
    # the form sheet's own cells are untouched text, and the copy reads back with the same values
    book = CalamineWorkbook.from_path(str(copy))
    original = CalamineWorkbook.from_path(str(awkward)).get_sheet_by_name(SHEET).to_python()
    assert book.get_sheet_by_name(SHEET).to_python() == original
    again = check_file(copy)
    assert [r.values for r in again.results] == [r.values for r in report.results]


def test_annotating_findings_with_long_control_and_formula_like_text(awkward, tmp_path):
    from perfeval_xl.check import Finding

    fs = [Finding("C21", "warning", SHEET, "C2", LONG, "=1+1", CONTROL),
          Finding("C09", "error", SHEET, None, "+86", "-5", "@SUM(A1:A3)"),
          Finding("C15", "info", SHEET, "A1", "\x00\x01\x02", None, "=cmd|' /C calc'!A0")]
    out = tmp_path / "x.xlsx"
    from perfeval_xl.write.annotate import annotate

    annotate(awkward, out, fs)
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        results_xml = z.read(sorted(sheets, key=lambda n: int(re.search(r"\d+", n).group()))[-1]).decode()
        comments = [z.read(n).decode() for n in z.namelist() if "comments" in n]
    assert "<f>" not in results_xml and "<f " not in results_xml  # never a formula
    ws = openpyxl.load_workbook(out)["核查结果"]
    values = [c.value for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, str)]
    assert "=1+1" in values and "+86" in values and "-5" in values and "@SUM(A1:A3)" in values
    assert "=cmd|' /C calc'!A0" in values
    assert max(len(v) for v in values) == 32767  # cut to Excel's cell limit, not dropped
    assert any("_x0007_" in c or "\x07" not in c for c in comments)
    assert all("\x00" not in c and "\x01" not in c for c in comments + [results_xml])


def test_the_summary_keeps_formula_like_text_as_text(awkward, tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    shutil.copyfile(awkward, box / "a.xlsx")
    doc = run_batch([str(box)], tmp_path / "汇总.xlsx", annotated_dir=tmp_path / "核查", jobs=1)
    assert doc["refused"] == 0 and doc["forms"] == 1
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f" or ws.title == "分布", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value[:1] in "=+-@":
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
                    seen.add(c.value)
    assert {FORMULA_LIKE["project"], FORMULA_LIKE["unit"]} <= seen
    assert (tmp_path / "核查" / "box" / "a_核查.xlsx").is_file()


def test_the_cli_prints_awkward_text_without_failing(awkward, capsys):
    assert cli(["check", str(awkward), "--json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert doc["forms"][0]["sheet"] == SHEET
    assert cli(["check", str(awkward), "-o", str(awkward.with_name("copy.xlsx"))]) in (0, 1)
    out = capsys.readouterr().out
    assert SHEET in out
