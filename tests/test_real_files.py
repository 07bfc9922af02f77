"""Real files that must not be lost, refused or misread (issue 15): odd but valid packages, hidden sheets, the copy a
unit returns after fixing it, and the memory an annotated copy costs. Every workbook is built here, from a sample
form or with xlsxwriter."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import pytest
import xlsxwriter
from hostile import GOOD, good, member, rezip

from perfeval_xl.api import check_file, write_annotated
from perfeval_xl.read.workbook import open_workbook

SVG = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
       b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
       b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')


def _findings(report) -> list[tuple]:
    return [(f.check, f.severity, f.sheet, f.cell, f.stated, f.computed) for f in report.findings]


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- valid packages ------------------------------------------------------------------------------------------------
def test_an_svg_logo_with_a_doctype_line_is_read_and_copied_untouched(tmp_path):
    ct = member(good(), "[Content_Types].xml").replace(
        b"<Default Extension=\"xml\"", b'<Default Extension="svg" ContentType="image/svg+xml"/><Default Extension="xml"')
    src = _write(tmp_path, "logo.xlsx", rezip(good(), {"[Content_Types].xml": ct}, {"xl/media/image1.svg": SVG}))
    report = check_file(src)
    assert report.refusal is None and _findings(report) == _findings(check_file(GOOD))
    out = write_annotated(report, tmp_path / "logo_核查.xlsx")
    assert member(out.read_bytes(), "xl/media/image1.svg") == SVG


def test_an_entity_declaration_is_refused_even_in_a_picture(tmp_path):
    svg = SVG.replace(b'svg11.dtd">', b'svg11.dtd" [<!ENTITY x "xx">]>')
    src = _write(tmp_path, "logo.xlsx", rezip(good(), add={"xl/media/image1.svg": svg}))
    assert check_file(src).refusal.code == "xml_entities"


def test_a_doctype_in_a_worksheet_is_still_refused(tmp_path):
    sheet = member(good(), "xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b"<worksheet", b"<!DOCTYPE worksheet><worksheet", 1)
    src = _write(tmp_path, "dtd.xlsx", rezip(good(), {"xl/worksheets/sheet1.xml": sheet}))
    assert check_file(src).refusal.code == "xml_entities"


def _relocated(data: bytes, workbook: str = "wb/main.xml") -> bytes:
    """The package with its workbook part (and relationships) moved to `workbook`, found through _rels/.rels."""
    folder = workbook.rsplit("/", 1)[0]
    rels = member(data, "xl/_rels/workbook.xml.rels")
    for target in (b"styles.xml", b"theme/theme1.xml", b"sharedStrings.xml", b'"worksheets/'):
        rels = rels.replace(b'"' + target.lstrip(b'"'), b'"/xl/' + target.lstrip(b'"'))
    root = member(data, "_rels/.rels").replace(b"xl/workbook.xml", workbook.encode())
    ct = member(data, "[Content_Types].xml").replace(b"/xl/workbook.xml", b"/" + workbook.encode())
    rels_name = f"{folder}/_rels/{workbook.rsplit('/', 1)[1]}.rels"
    return rezip(data, {"xl/workbook.xml": None, "xl/_rels/workbook.xml.rels": None, "_rels/.rels": root,
                        "[Content_Types].xml": ct},
                 {workbook: member(data, "xl/workbook.xml"), rels_name: rels})


def test_a_workbook_part_found_through_the_package_relationships_is_read_and_annotated(tmp_path):
    src = _write(tmp_path, "moved.xlsx", _relocated(good()))
    report = check_file(src)
    assert report.refusal is None and report.inspected.workbook_part == "wb/main.xml"
    assert _findings(report) == _findings(check_file(GOOD))
    out = write_annotated(report, tmp_path / "moved_核查.xlsx")
    names = zipfile.ZipFile(out).namelist()
    assert "xl/workbook.xml" not in names and "wb/main.xml" in names
    again = check_file(out)  # the copy reads back: same findings, plus the 核查结果 sheet beside the form
    assert _findings(again) == _findings(report)
    assert [g.name for g in open_workbook(out)] == ["项目支出绩效自评表", "核查结果"]


def test_shared_strings_and_styles_elsewhere_are_read_with_their_values_and_dates(tmp_path):
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("表")
    sheet.write("A1", "项目名称")
    sheet.write("B2", 142.88)
    sheet.write_datetime("C3", datetime.datetime(2023, 12, 31), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    data = buf.getvalue()
    rels = member(data, "xl/_rels/workbook.xml.rels").replace(b"sharedStrings.xml", b"strings/sst1.xml").replace(
        b'"styles.xml"', b'"strings/st1.xml"')
    ct = member(data, "[Content_Types].xml").replace(b"/xl/sharedStrings.xml", b"/xl/strings/sst1.xml").replace(
        b"/xl/styles.xml", b"/xl/strings/st1.xml")
    moved = rezip(data, {"xl/sharedStrings.xml": None, "xl/styles.xml": None, "xl/_rels/workbook.xml.rels": rels,
                         "[Content_Types].xml": ct},
                  {"xl/strings/sst1.xml": member(data, "xl/sharedStrings.xml"),
                   "xl/strings/st1.xml": member(data, "xl/styles.xml")})
    [grid] = open_workbook(_write(tmp_path, "moved.xlsx", moved))
    assert (grid.raw(0, 0), grid.raw(1, 1), grid.raw(2, 2)) == ("项目名称", 142.88, datetime.date(2023, 12, 31))


# -- hidden sheets -------------------------------------------------------------------------------------------------
ALL = GOOD.parent.parent / "meishan_2023_all.xlsx"  # 封面, 填报说明, 自评表1 … 自评表12


def _hiding(states: dict[str, str]) -> bytes:
    """meishan_2023_all with the named sheets hidden ('hidden' or 'veryHidden')."""
    data = ALL.read_bytes()
    wb = member(data, "xl/workbook.xml").decode()
    for name, state in states.items():
        wb = re.sub(f'(name="{name}" [^>]*?state=")visible"', rf'\g<1>{state}"', wb)
    return rezip(data, {"xl/workbook.xml": wb.encode()})


def test_forms_on_hidden_sheets_are_not_checked_but_each_is_named_in_a_note(tmp_path):
    src = _write(tmp_path, "drafts.xlsx", _hiding({"自评表2": "hidden", "自评表3": "veryHidden"}))
    report = check_file(src)
    sheets = [r.form.sheet for r in report.results]
    assert len(sheets) == 10 and "自评表2" not in sheets and "自评表3" not in sheets
    notes = [f for f in report.findings if f.check == "S02"]
    assert [(f.severity, f.sheet, f.cell) for f in notes] == [("info", "自评表2", None), ("info", "自评表3", None)]
    assert notes[0].message == ("工作表“自评表2”是隐藏的工作表，其中有一张自评表，未核查（只核查看得见的工作表）。如果它才是"
                                "要报送的表，请取消隐藏后重新提交，或用 --include-hidden 一并核查。")
    assert "深度隐藏（只能用 VBA 取消隐藏）" in notes[1].message
    assert report.hidden == {"自评表2": "hidden", "自评表3": "veryHidden"}
    assert all(f["hidden"] is None for f in report.as_dict()["forms"])


def test_a_hidden_sheet_without_a_form_is_not_mentioned(tmp_path):
    src = _write(tmp_path, "cover.xlsx", _hiding({"填报说明": "hidden"}))
    report = check_file(src)
    assert len(report.results) == 12 and not [f for f in report.findings if f.check == "S02"]


def test_include_hidden_checks_them_and_marks_them_hidden(tmp_path):
    src = _write(tmp_path, "drafts.xlsx", _hiding({"自评表2": "hidden", "自评表3": "veryHidden"}))
    report = check_file(src, include_hidden=True)
    forms = {f["sheet"]: f["hidden"] for f in report.as_dict()["forms"]}
    assert len(forms) == 12 and (forms["自评表1"], forms["自评表2"], forms["自评表3"]) == (None, "hidden", "veryHidden")
    assert not [f for f in report.findings if f.check == "S02"]


def test_a_workbook_whose_only_forms_are_hidden_is_refused_naming_them(tmp_path):
    src = _write(tmp_path, "drafts.xlsx", _hiding({f"自评表{n}": "hidden" for n in range(1, 13)}))
    report = check_file(src)
    assert report.refusal.code == "no_form"
    assert report.refusal.zh.startswith("文件中看得见的工作表里没有绩效自评表；隐藏的工作表 “自评表1”、“自评表2”")
    assert len(check_file(src, include_hidden=True).results) == 12


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_hidden_sheets_of_xls_and_ods_workbooks_are_left_out_too(kind, tmp_path):
    from perfeval_xl.lo import convert

    src = _write(tmp_path, "drafts.xlsx", _hiding({"自评表2": "hidden", "自评表3": "veryHidden"}))
    [out] = convert([src], tmp_path / "out", to=kind)
    report = check_file(out)
    assert report.inspected.kind == kind and len(report.results) == 10
    assert report.hidden == {"自评表2": "hidden", "自评表3": "hidden"}  # LibreOffice writes very hidden as hidden
    assert [f.sheet for f in report.findings if f.check == "S02"] == ["自评表2", "自评表3"]


# -- the reviewer loop: a copy a unit fixed and sent back ---------------------------------------------------------
RED, AMBER, GREEN = "FFFFC7CE", "FFF4B084", "FFC6EFCE"
FORM = "项目支出绩效自评表"


@pytest.fixture(scope="module")
def first_round(tmp_path_factory):
    """A form whose 执行率 F10 is wrong (C02) and which carries the unit's own note on F10 and on E10, checked and
    annotated: (source, report, annotated copy)."""
    import openpyxl
    from openpyxl.comments import Comment
    from sample_data import build
    from sample_data.seed004 import FORMS

    folder = tmp_path_factory.mktemp("loop")
    src = build.build_workbook(folder / "planted.xlsx", [f for f in FORMS if f["slug"] == "04_window_outsourcing"],
                               overrides={("budget", 0, "rate"): "73.38%"})
    wb = openpyxl.load_workbook(src)
    wb[FORM]["F10"].comment = Comment("单位说明：执行率按财政口径", "张会计")
    wb[FORM]["E10"].comment = Comment("单位说明：含结转", "张会计")
    wb.save(src)
    report = check_file(src)
    copy = write_annotated(report, folder / "planted_核查.xlsx")
    return src, report, copy


def _returned(copy, dst, *, fix=True, keep_results=True):
    """What a unit sends back: the annotated copy opened and saved again (styles renumbered, inline strings made
    shared), F10 corrected, a note and a colour of their own added; optionally without our 核查结果 sheet."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    wb = openpyxl.load_workbook(copy)
    ws = wb[FORM]
    if fix:
        ws["F10"] = "71.38%"
    ws["G10"].comment = Comment("单位备注：已按意见修改", "张会计")
    ws["C11"].fill = PatternFill("solid", fgColor=GREEN)
    if not keep_results:
        del wb["核查结果"]
    wb.save(dst)
    return dst


def _fill(ws, ref):
    fill = ws[ref].fill
    return fill.fgColor.rgb if fill.fill_type == "solid" else None


def test_the_first_copy_marks_the_error_and_remembers_how_the_cells_were(first_round):
    import openpyxl

    _, report, copy = first_round
    assert [(f.check, f.cell) for f in report.findings if f.severity == "error"] == [("C02", "F10")]
    wb = openpyxl.load_workbook(copy)
    ws, res = wb[FORM], wb["核查结果"]
    assert _fill(ws, "F10") == RED and "【核查】" in ws["F10"].comment.text
    assert (res["E3"].value, res["I3"].value, res["J3"].value) == ("F10", "无", "追加")


@pytest.mark.parametrize("keep_results", [True, False])
def test_a_returned_copy_is_checked_and_its_old_marks_are_taken_back(first_round, tmp_path, keep_results):
    import openpyxl

    _, first, copy = first_round
    back = _returned(copy, tmp_path / "planted_核查.xlsx", keep_results=keep_results)
    report = check_file(back)
    assert report.refusal is None and report.errors == 0
    assert report.as_dict()["returned_copy"] is keep_results and check_file(GOOD).returned_copy is False
    assert [(f.check, f.cell) for f in report.findings] == [(f.check, f.cell) for f in first.findings
                                                             if f.severity != "error"]
    again = write_annotated(report, tmp_path / "again.xlsx")
    wb = openpyxl.load_workbook(again)
    ws = wb[FORM]
    assert _fill(ws, "F10") is None  # corrected: the red is gone ...
    assert ws["F10"].comment.text == "单位说明：执行率按财政口径"  # ... and so is our block, the unit's note stays
    assert ws["E10"].comment.text == "单位说明：含结转"
    assert ws["G10"].comment.text == "单位备注：已按意见修改" and _fill(ws, "C11") == GREEN  # theirs, kept
    for f in report.findings:  # what is still wrong is marked once, with one note of ours
        if f.cell:
            assert _fill(ws, f.cell) == AMBER and ws[f.cell].comment.text.count(f"[{f.check}]") == 1
    assert [s for s in wb.sheetnames if "核查" in s] == ["核查结果"]
    res = wb["核查结果"]
    assert res["A1"].value == "文件：planted_核查.xlsx　错误 0 项，警告 6 项" and res.max_row == 8


def test_a_cell_the_unit_recoloured_keeps_their_colour(first_round, tmp_path):
    import openpyxl
    from openpyxl.styles import PatternFill

    _, _, copy = first_round
    wb = openpyxl.load_workbook(copy)
    wb[FORM]["F10"] = "71.38%"
    wb[FORM]["F10"].fill = PatternFill("solid", fgColor=GREEN)  # "done", in the unit's own colour
    wb.save(tmp_path / "back.xlsx")
    again = write_annotated(check_file(tmp_path / "back.xlsx"), tmp_path / "again.xlsx")
    assert _fill(openpyxl.load_workbook(again)[FORM], "F10") == GREEN


def test_a_returned_copy_still_wrong_is_marked_again_over_its_own_fill(first_round, tmp_path):
    import openpyxl

    _, _, copy = first_round
    back = _returned(copy, tmp_path / "back.xlsx", fix=False)
    report = check_file(back)
    assert [(f.check, f.cell) for f in report.findings if f.severity == "error"] == [("C02", "F10")]
    again = write_annotated(report, tmp_path / "again.xlsx")
    wb = openpyxl.load_workbook(again)
    f10 = wb[FORM]["F10"].comment.text
    assert _fill(wb[FORM], "F10") == RED and f10.count("【核查】") == 1 and f10.count("[C02]") == 1
    assert wb["核查结果"]["I3"].value == "无"  # the cell's own fill, not the red of the first round


def test_a_returned_copy_not_saved_again_loses_its_marks_too(first_round, tmp_path):
    import openpyxl

    _, _, copy = first_round
    sheet = next(n for n in zipfile.ZipFile(copy).namelist() if n.startswith("xl/worksheets/sheet"))
    xml = member(copy.read_bytes(), sheet)
    back = _write(tmp_path, "back.xlsx", rezip(copy.read_bytes(), {sheet: xml.replace(b"73.38%", b"71.38%")}))
    again = write_annotated(check_file(back), tmp_path / "again.xlsx")
    ws = openpyxl.load_workbook(again)[FORM]
    assert _fill(ws, "F10") is None and ws["F10"].comment.text == "单位说明：执行率按财政口径"


def test_a_copy_whose_every_mark_was_ours_comes_back_without_notes_fills_or_their_parts(tmp_path):
    import openpyxl

    first = write_annotated(check_file(GOOD), tmp_path / "first.xlsx")  # six warnings: six notes and fills of ours
    from perfeval_xl.write.annotate import annotate

    annotate(first, tmp_path / "clean.xlsx", [])  # as if all were put right
    wb = openpyxl.load_workbook(tmp_path / "clean.xlsx")
    ws = wb[FORM]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.comment or c.fill.fill_type]
    names = zipfile.ZipFile(tmp_path / "clean.xlsx").namelist()
    assert not [n for n in names if "comments" in n or n.endswith(".vml")]
    assert b"legacyDrawing" not in member((tmp_path / "clean.xlsx").read_bytes(), "xl/worksheets/sheet1.xml")
    assert wb.sheetnames == [FORM, "核查结果"] and wb["核查结果"]["A1"].value == "文件：first.xlsx　未发现问题"


# -- Strict Open XML, and what a batch says about copies and hidden forms -----------------------------------------
def _strict(data: bytes) -> bytes:
    """The package in Strict Open XML namespaces (as Excel's 'Strict Open XML Spreadsheet' saves it)."""
    pairs = ((b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
             (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              b"http://purl.oclc.org/ooxml/officeDocument/relationships"))
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            body = z.read(name)
            for old, new in pairs:
                body = body.replace(old, new)
            parts[name] = body
    return rezip(data, parts)


def test_a_strict_workbook_is_checked_and_its_copy_refused_with_a_sentence_that_says_how(tmp_path):
    from perfeval_xl.errors import CannotAnnotate

    src = _write(tmp_path, "strict.xlsx", _strict(good()))
    report = check_file(src)
    assert report.refusal is None and _findings(report) == _findings(check_file(GOOD))
    with pytest.raises(CannotAnnotate) as e:
        write_annotated(report, tmp_path / "strict_核查.xlsx")
    assert e.value.zh.startswith("这个工作簿是“Strict Open XML 电子表格”格式，本工具不能为它写出核查副本")
    assert "Excel 工作簿(*.xlsx)" in e.value.zh and "Save As 'Excel Workbook (*.xlsx)'" in e.value.en
    assert not (tmp_path / "strict_核查.xlsx").exists()


def test_a_batch_lists_each_copy_it_could_not_write_and_marks_hidden_forms(tmp_path):
    import openpyxl

    from perfeval_xl.batch import run_batch

    box = tmp_path / "box"
    box.mkdir()
    _write(box, "strict.xlsx", _strict(good()))
    _write(box, "drafts.xlsx", _hiding({"自评表2": "hidden"}))
    doc = run_batch([str(box)], tmp_path / "汇总.xlsx", annotated_dir=tmp_path / "副本", include_hidden=True)
    by_file = {r["file"].rsplit("/", 1)[-1]: r for r in doc["reports"]}
    assert by_file["drafts.xlsx"]["annotate_error"] is None and by_file["drafts.xlsx"]["annotated"]
    assert by_file["strict.xlsx"]["annotated"] is None
    assert by_file["strict.xlsx"]["annotate_error"].startswith("这个工作簿是“Strict Open XML 电子表格”格式")
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    failed = [[c.value for c in row] for row in wb["副本未写出"].iter_rows(min_row=3)]
    assert failed == [[str(box / "strict.xlsx"), by_file["strict.xlsx"]["annotate_error"]]]
    summary = wb["汇总"]
    header = [c.value for c in summary[2]]
    rows = [dict(zip(header, (c.value for c in row))) for row in summary.iter_rows(min_row=3) if row[0].value != "合计"]
    assert header[-1] == "隐藏" and [r["工作表"] for r in rows if r["隐藏"]] == ["自评表2"]
    assert {r["隐藏"] for r in rows} == {None, "隐藏"} and len(rows) == 13


# -- memory ----------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_copy_of_a_sheet_of_many_empty_bordered_cells_costs_no_more_than_its_check(tmp_path):
    # 320,000 empty bordered cells below the form (the case has two million: bench/bench_copy_memory.py);
    # each step in a fresh process, peak resident memory of that process
    import sys

    sys.path.insert(0, str(GOOD.parents[2] / "bench"))
    from bench_copy_memory import bordered_cells, measure

    src = _write(tmp_path, "bordered.xlsx", bordered_cells(40_000))
    check = measure(src, "check", tmp_path / "unused.xlsx")
    copy = measure(src, "copy", tmp_path / "bordered_核查.xlsx")
    print(f"\ncheck {check['peak_mb']:.0f} MB, check + copy {copy['peak_mb']:.0f} MB")
    assert check["findings"] == copy["findings"] == 6 and copy["refusal"] is None
    assert copy["peak_mb"] < 1.25 * check["peak_mb"] and copy["peak_mb"] - check["peak_mb"] < 25
    with zipfile.ZipFile(tmp_path / "bordered_核查.xlsx") as z:  # every bordered cell is still there
        assert z.read("xl/worksheets/sheet1.xml").count(b'<c r="H40026" s="2"/>') == 1


@pytest.mark.libreoffice
def test_a_returned_copy_saved_again_by_libreoffice_loses_its_old_marks(first_round, tmp_path):
    import openpyxl

    from perfeval_xl.lo import convert

    _, _, copy = first_round
    [saved] = convert([copy], tmp_path / "lo", to="xlsx")
    data = saved.read_bytes()
    strings = member(data, "xl/sharedStrings.xml").replace(b"73.38%", b"71.38%")  # the unit's correction
    back = _write(tmp_path, "back.xlsx", rezip(data, {"xl/sharedStrings.xml": strings}))
    report = check_file(back)
    assert report.returned_copy and report.errors == 0
    ws = openpyxl.load_workbook(write_annotated(report, tmp_path / "again.xlsx"))[FORM]
    assert _fill(ws, "F10") is None and ws["F10"].comment.text == "单位说明：执行率按财政口径"
    assert all(ws[f.cell].comment.text.count(f"[{f.check}]") == 1 for f in report.findings if f.cell)


def test_two_results_sheets_of_ours_become_one(first_round, tmp_path):
    import openpyxl

    _, _, copy = first_round
    wb = openpyxl.load_workbook(copy)
    wb.copy_worksheet(wb["核查结果"]).title = "核查结果(旧)"  # ours by its content, whatever its name
    wb.move_sheet("核查结果(旧)", offset=-2)
    wb.active = 2
    wb.save(tmp_path / "two.xlsx")
    again = write_annotated(check_file(tmp_path / "two.xlsx"), tmp_path / "again.xlsx")
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames == ["核查结果(旧)", FORM]  # the first one rewritten where it is, the other taken out
    assert wb["核查结果(旧)"]["A1"].value.endswith("错误 1 项，警告 6 项") and wb.active.title == FORM
    names = zipfile.ZipFile(again).read("xl/workbook.xml").decode()
    assert names.count("_xlnm._FilterDatabase") == 1 and 'localSheetId="0"' in names
