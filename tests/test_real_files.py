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
