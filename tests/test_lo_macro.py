"""The 「核查」 button of the LibreOffice .ods templates, clicked headless.

A filled form with a planted error (a score of 25 on a weight of 20) is written as .xlsx, turned into an .ods with the
button and the embedded macro (perfeval_xl.write.ods, the same build as the shipped files), and opened in a private
headless LibreOffice by perfeval_xl/xl/lo_uno.py running on the Python that has `uno` (Debian's /usr/bin/python3).
The driver presses the button through its accessibility action, as a user's click does; the macro runs the checker
in a subprocess and marks the open document, which is then saved and read back here with lxml, independently of
LibreOffice. The shipped .ods files are checked for the current macro and a bound button without LibreOffice.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import fill_row
from perfeval_xl.api import check_file
from perfeval_xl.a1 import col_letter
from perfeval_xl.present import check_label
from perfeval_xl.profile import get_profile, shipped_profiles
from perfeval_xl.write.ods import (BUTTON_LABEL, MACRO_MEMBER, MACRO_SOURCE, SCRIPT_URL, SOURCE_PROPERTY, build_ods,
                                   canonical_content, canonical_styles, run_uno, script_provider_missing)
from perfeval_xl.write.template import SHEET, write_template
from perfeval_xl.write.templates import form_sheet

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "workbook_templates"
MISSING = script_provider_missing()
needs_lo_python = pytest.mark.skipif(MISSING is not None, reason=f"cannot run LibreOffice Python macros: {MISSING}")

RED, AMBER = "#ffc7ce", "#f4b084"
HEADERS = ["序号", "检查项", "严重程度", "工作表", "单元格", "填报值", "复核值", "说明"]


# 25 typed as the score of a 20-point indicator (I17): C08, an error. 1200 of 1000 人次 (G17, C13) and a cost in 元
# against an execution in 万元 (G21, C23) are warnings.
PLANTED = {
    "fields": {"project": "社区养老服务补助", "department": "某区民政局", "unit": "某区民政局",
               "leader": "张三", "finance": "李四"},
    "narrative": {"goal": "为辖区老人提供日间照料服务。", "goal_done": "全年服务老人1200人次。",
                  "content": "运营3个日间照料中心。", "conclusion": "目标全部完成。", "problems": "无。",
                  "measures": "继续实施。"},
    "budget": {"fiscal": {"initial": 100, "budget": 100, "executed": 96}},
    "indicators": [
        fill_row("产出指标", "数量指标", "服务老人人次", "≥", 1000, "人次", 1200, 20, score=25),
        fill_row("产出指标", "质量指标", "服务合格率", "≥", 95, "%", 98, 20),
        fill_row("效益指标", "社会效益指标", "老人生活质量改善", "定性", None, None, "达成年度指标", 30),
        fill_row("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", 90, "%", 93, 10),
        fill_row("成本指标", "经济成本指标", "人均服务成本", "≤", 900, "元", 800, 10),
    ],
}
PLANTED_CELL, AMBER_CELL, NOTED_CELL = "I17", "G17", "G21"
OLD_NOTE = "经办人：王五"  # a note the user wrote before clicking; kept, the finding appended under 【核查】


# --- the shipped .ods files (no LibreOffice needed) -----------------------------------------------------------

NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
      "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
      "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
      "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
      "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
      "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
      "xlink": "http://www.w3.org/1999/xlink",
      "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
      "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _buttons(content: bytes) -> list[dict]:
    """Every form button: the sheet it is on, its label, printability and bound scripts."""
    root = etree.fromstring(content)
    found = []
    for table in root.iter(_q("table:table")):
        for button in table.iterfind(".//form:button", NS):
            found.append({"sheet": table.get(_q("table:name")), "label": button.get(_q("form:label")),
                          "printable": button.get(_q("form:printable")),
                          "scripts": [(e.get(_q("script:event-name")), e.get(_q("xlink:href")))
                                      for e in button.iterfind(".//script:event-listener", NS)]})
    return found


def _user_properties(meta: bytes) -> dict[str, str]:
    root = etree.fromstring(meta)
    return {p.get(_q("meta:name")): p.text or "" for p in root.iter(_q("meta:user-defined"))}


def _form_sheet(profile_id: str) -> str:
    return form_sheet(get_profile(profile_id))  # the sheet of the form in the template of the profile's kind


def test_every_shipped_template_has_an_ods_with_the_current_macro_and_a_bound_button():
    xlsx = sorted(p for p in TEMPLATES.glob("*.xlsx") if p.stem in shipped_profiles())
    assert xlsx and {p.stem for p in TEMPLATES.glob("*.ods")} == {p.stem for p in xlsx}
    macro = MACRO_SOURCE.read_bytes()
    for path in xlsx:
        ods = path.with_suffix(".ods")
        with zipfile.ZipFile(ods) as z:
            assert z.namelist()[0] == "mimetype"
            assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
            assert z.read(MACRO_MEMBER) == macro, f"{ods.name}: rebuild with python -m perfeval_xl.write.ods"
            manifest = etree.fromstring(z.read("META-INF/manifest.xml"))
            paths = {e.get(_q("manifest:full-path")) for e in manifest.iter(_q("manifest:file-entry"))}
            assert {"Scripts/", "Scripts/python/", MACRO_MEMBER} <= paths, ods.name
            props = _user_properties(z.read("meta.xml"))
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            assert props[SOURCE_PROPERTY] == f"{path.name} sha256:{sha}", \
                f"{ods.name} was built from another {path.name}: rebuild with python -m perfeval_xl.write.ods"
            assert props["PERFEVAL_PYTHON"] == ""
            assert _buttons(z.read("content.xml")) == [
                {"sheet": _form_sheet(path.stem), "label": BUTTON_LABEL, "printable": "false",
                 "scripts": [("form:performaction", SCRIPT_URL)]}], ods.name


# --- the same bytes from every build ----------------------------------------------------------------------------
def _styles(*pages: tuple[str, str, str]) -> bytes:
    """A styles.xml as LibreOffice writes it: page layouts (name, orientation), then master pages using them."""
    layouts = "".join(f'<style:page-layout style:name="{lay}"><style:page-layout-properties '
                      f'style:print-orientation="{o}"/></style:page-layout>' for lay, o in
                      sorted({(lay, o) for _, lay, o in pages}))
    masters = "".join(f'<style:master-page style:name="PageStyle_5f_{n}" style:page-layout-name="{lay}">'
                      f"<style:footer/></style:master-page>" for n, lay, _ in pages)
    return (f"<office:document-styles><office:automatic-styles>{layouts}<style:style style:name=\"MT1\"/>"
            f"</office:automatic-styles><office:master-styles>{masters}</office:master-styles>"
            "</office:document-styles>").encode()


def test_page_styles_are_written_in_the_same_order_whatever_order_libreoffice_chose():
    one = _styles(("评价指标表", "Mpm1", "landscape"), ("基础数据", "Mpm2", "portrait"))
    other = _styles(("基础数据", "Mpm1", "portrait"), ("评价指标表", "Mpm2", "landscape"))
    assert canonical_styles(one) == canonical_styles(other) == _styles(
        ("基础数据", "Mpm1", "portrait"), ("评价指标表", "Mpm2", "landscape"))
    assert canonical_styles(b"<office:document-styles/>") == b"<office:document-styles/>"


def test_a_validation_is_based_on_the_first_sheet_that_uses_it():
    def content(base: str) -> bytes:
        return ('<office:spreadsheet><table:content-validations><table:content-validation table:name="val1" '
                f'table:condition="of:cell-content-is-whole-number()" table:base-cell-address="{base}.F4"/>'
                '</table:content-validations><table:table table:name="评价指标表"><table:table-cell '
                'table:content-validation-name="val1"/></table:table><table:table table:name="基础数据"/>'
                "</office:spreadsheet>").encode()

    assert canonical_content(content("基础数据")) == canonical_content(content("评价指标表")) == content("评价指标表")
    assert canonical_content(content("'My sheet'")) == content("评价指标表")


@needs_lo_python
@pytest.mark.slow
def test_building_an_ods_twice_gives_the_same_bytes(tmp_path):
    """A framework template: two sheets, one printed landscape and one portrait, validations on both."""
    src = TEMPLATES / "yunnan.anning.dept.xlsx"
    first = build_ods([src], tmp_path / "a", sheets={src.stem: _form_sheet(src.stem)})
    second = build_ods([src], tmp_path / "b", sheets={src.stem: _form_sheet(src.stem)})
    assert first[0].read_bytes() == second[0].read_bytes()  # the shipped one too, with this LibreOffice version


def test_the_macro_builds_the_checker_command_without_logic_of_its_own():
    macro = _load_macro()
    assert macro.checker_command("/t/a.xlsx", "/opt/py/bin/python3") == [
        "/opt/py/bin/python3", "-m", "perfeval_xl.cli", "check", "/t/a.xlsx", "--json"]
    assert macro.checker_command("/t/a.xlsx", "", which=lambda name: f"/usr/local/bin/{name}") == [
        "/usr/local/bin/perfeval", "check", "/t/a.xlsx", "--json"]
    with pytest.raises(macro.CheckFailed, match="PERFEVAL_PYTHON"):
        macro.checker_command("/t/a.xlsx", None, which=lambda name: None)
    # no check ids, rules or thresholds in the macro: it applies what the checker's JSON says
    source = MACRO_SOURCE.read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 6))  # LibreOffice's bundled Python on Windows/macOS may be old
    assert not re.search(r"\bC\d\d\b", source) and not re.search(r"^\s*(from|import) perfeval_xl", source, re.M)


def _load_macro():
    import importlib.util

    spec = importlib.util.spec_from_file_location("perfeval_lo_macro", MACRO_SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- clicking the button, headless ----------------------------------------------------------------------------

def _cells(content: bytes, sheet: str) -> dict[str, dict]:
    """A1 -> {"value", "note", "background"} for every non-empty or styled cell of `sheet` in an .ods content.xml
    (background: "#rrggbb", None when transparent)."""
    root = etree.fromstring(content)
    backgrounds = {}
    for style in root.iterfind("office:automatic-styles/style:style", NS):
        props = style.find("style:table-cell-properties", NS)
        color = None if props is None else (props.get(_q("fo:background-color")) or "").lower()
        if color and color != "transparent":
            backgrounds[style.get(_q("style:name"))] = color
    table = next(t for t in root.iter(_q("table:table")) if t.get(_q("table:name")) == sheet)
    cells, r = {}, 0
    for row in table.iter(_q("table:table-row")):
        rows = int(row.get(_q("table:number-rows-repeated"), "1"))
        c = 0
        for cell in row:
            if cell.tag not in (_q("table:table-cell"), _q("table:covered-table-cell")):
                continue
            cols = int(cell.get(_q("table:number-columns-repeated"), "1"))
            note = cell.find("office:annotation", NS)
            kind = cell.get(_q("office:value-type"))
            value = (float(cell.get(_q("office:value"))) if kind in ("float", "percentage", "currency")
                     else "\n".join("".join(p.itertext()) for p in cell.iterfind("text:p", NS)) or None)
            entry = {"value": value, "background": backgrounds.get(cell.get(_q("table:style-name"))),
                     "note": None if note is None else "\n".join("".join(p.itertext())
                                                                 for p in note.iterfind("text:p", NS))}
            if rows == 1 and cols < 50 and (value is not None or entry["note"] or entry["background"]):
                for k in range(cols):
                    cells[f"{col_letter(c + k)}{r + 1}"] = entry
            c += cols
        r += rows
    return cells


def _sheet_names(content: bytes) -> list[str]:
    return [t.get(_q("table:name")) for t in etree.fromstring(content).iter(_q("table:table"))]


def _results(cells: dict) -> list[list]:
    """The 核查结果 rows from row 3 on, as lists of the eight columns."""
    rows, r = [], 3
    while f"A{r}" in cells:
        rows.append([cells.get(f"{c}{r}", {}).get("value") for c in "ABCDEFGH"])
        r += 1
    return rows


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    """Build the filled .ods, then in one headless LibreOffice: click 「核查」 on it, correct the planted score and
    click again, and click every shipped .ods. A second LibreOffice, whose environment names no checker, clicks
    once with the interpreter named in the document property and once with none."""
    if MISSING is not None:
        pytest.skip(f"cannot run LibreOffice Python macros: {MISSING}")
    out = tmp_path_factory.mktemp("lo_macro")
    write_template(get_profile("sichuan.project_selfeval"), out / "planted.xlsx", fill=PLANTED, year=2023)
    t0 = time.perf_counter()
    (ods,) = build_ods([out / "planted.xlsx"], out, sheets={"planted": SHEET})
    build_seconds = time.perf_counter() - t0
    shipped = sorted(TEMPLATES.glob("*.ods"))
    copies = out / "shipped"  # LibreOffice puts lock files beside what it opens: not in the repository
    copies.mkdir()
    for p in shipped:
        shutil.copyfile(p, copies / p.name)
    env = {**os.environ, "PERFEVAL_PYTHON": sys.executable}
    t0 = time.perf_counter()
    lines = run_uno([{"action": "click", "src": str(ods), "dst": str(out / "clicked.ods"),
                      "notes": {f"{SHEET}!{NOTED_CELL}": OLD_NOTE}},
                     {"action": "click", "src": str(out / "clicked.ods"), "dst": str(out / "corrected.ods"),
                      "set": {f"{SHEET}!{PLANTED_CELL}": 20}},
                     *({"action": "click", "src": str(copies / p.name)} for p in shipped)], env=env, timeout=240)
    session_seconds = time.perf_counter() - t0
    bare = {k: v for k, v in os.environ.items() if k != "PERFEVAL_PYTHON"}
    bare["PATH"] = "/usr/bin:/bin"  # no perfeval here
    fallback = run_uno([{"action": "click", "src": str(ods), "dst": str(out / "by_property.ods"),
                         "properties": {"PERFEVAL_PYTHON": sys.executable}},
                        {"action": "click", "src": str(ods), "dst": str(out / "failed.ods")}], env=bare)
    start, first, second, *rest = lines
    return {"out": out, "ods": ods, "first": first, "second": second, "shipped": dict(zip(shipped, rest)),
            "property": fallback[1], "failed": fallback[2],
            "seconds": {"build": build_seconds, "start": start["seconds"], "session": session_seconds}}


def _content(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("content.xml")


@pytest.mark.libreoffice
@needs_lo_python
def test_clicking_the_button_marks_the_planted_error_in_the_open_document(clicks):
    first = clicks["first"]
    assert first["sheet"] == SHEET and first["button"] == BUTTON_LABEL and first["script"] == SCRIPT_URL
    assert first["result"].startswith("findings: 核查完成：错误 1 项，警告 2 项")
    before = _cells(_content(clicks["ods"]), SHEET)
    content = _content(clicks["out"] / "clicked.ods")
    cells = _cells(content, SHEET)
    planted = cells[PLANTED_CELL]
    assert planted["value"] == 25 and planted["background"] == RED
    assert planted["note"] == "[C08] 错误：得分 25 超过权重 20；按正向指标按完成比例计分，应得 20 分。\n填报值：25；复核值：20"
    assert before[PLANTED_CELL]["background"] is None and before[PLANTED_CELL]["note"] is None
    assert cells[AMBER_CELL]["background"] == AMBER and cells[AMBER_CELL]["note"].startswith("[C13] 警告：")
    assert cells[NOTED_CELL]["note"].startswith(f"{OLD_NOTE}\n【核查】\n[C23] 警告：")
    # the same findings, in the same words, as the checker gives for the .xlsx the form was made from
    report = check_file(clicks["out"] / "planted.xlsx")
    assert _sheet_names(content) == [SHEET, "核查结果"]
    results = _cells(content, "核查结果")
    assert results["A1"]["value"] == "文件：planted.ods　错误 1 项，警告 2 项"
    assert [results[f"{c}2"]["value"] for c in "ABCDEFGH"] == HEADERS
    assert _results(results) == [
        [float(n), check_label(f.check), {"error": "错误", "warning": "警告"}[f.severity], f.sheet, f.cell,
         float(f.stated), float(f.computed), f.message] for n, f in enumerate(report.findings, start=1)]
    assert results["C3"]["background"] == RED
    ours = content[content.index('table:name="核查结果"'.encode()):]
    assert ours.count(b"<table:table-header-rows>") == 1  # its title and header print on every page


@pytest.mark.libreoffice
@needs_lo_python
def test_the_saved_ods_keeps_its_button_and_macro(clicks):
    path = clicks["out"] / "clicked.ods"
    with zipfile.ZipFile(path) as z:
        assert z.read(MACRO_MEMBER) == MACRO_SOURCE.read_bytes()
        assert _buttons(z.read("content.xml"))[0]["scripts"] == [("form:performaction", SCRIPT_URL)]
        content = etree.fromstring(z.read("content.xml"))
    assert _protection(content) == _protection(etree.fromstring(_content(clicks["ods"])))  # protected again
    assert _protection(content)[0] == "true" and _protection(content)[1]["insert-rows"] == "true"


def _protection(content) -> tuple:
    """The form sheet's protection flag and options (LibreOffice's loext:table-protection)."""
    table = next(t for t in content.iter(_q("table:table")) if t.get(_q("table:name")) == SHEET)
    options = table.find("{urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0}table-protection")
    return table.get(_q("table:protected")), {etree.QName(k).localname: v for k, v in options.attrib.items()}


@pytest.mark.libreoffice
@needs_lo_python
def test_a_second_click_takes_back_the_marks_of_the_first(clicks):
    second = clicks["second"]
    assert second["result"].startswith("findings: 核查完成：错误 0 项，警告 2 项")
    content = _content(clicks["out"] / "corrected.ods")
    cells = _cells(content, SHEET)
    assert cells[PLANTED_CELL]["value"] == 20
    assert cells[PLANTED_CELL]["background"] is None and cells[PLANTED_CELL]["note"] is None
    assert cells[AMBER_CELL]["background"] == AMBER
    assert cells[AMBER_CELL]["note"].count("[C13]") == 1
    assert cells[NOTED_CELL]["note"].count(OLD_NOTE) == 1 and cells[NOTED_CELL]["note"].count("[C23]") == 1
    assert _sheet_names(content) == [SHEET, "核查结果"]
    assert [row[1] for row in _results(_cells(content, "核查结果"))] == ["C13 超额完成", "C23 成本指标与执行数"]


@pytest.mark.libreoffice
@needs_lo_python
def test_every_shipped_ods_runs_its_button_and_reports_what_the_checker_reports(clicks):
    assert len(clicks["shipped"]) == len([p for p in shipped_profiles().values()
                                          if p.has_template])
    for ods, line in clicks["shipped"].items():
        report = check_file(ods.with_suffix(".xlsx"))
        assert line["sheet"] == _form_sheet(ods.stem), ods.name
        assert f"错误 {report.errors} 项，警告 {report.warnings} 项" in line["result"], (ods.name, line["result"])
        assert not line["result"].startswith("failed"), line


@pytest.mark.libreoffice
@needs_lo_python
def test_the_interpreter_may_be_named_in_the_document_property(clicks):
    assert clicks["property"]["result"].startswith("findings: 核查完成：错误 1 项，警告 2 项")
    assert _cells(_content(clicks["out"] / "by_property.ods"), SHEET)[PLANTED_CELL]["background"] == RED


@pytest.mark.libreoffice
@needs_lo_python
def test_without_a_checker_the_click_reports_why_on_the_results_sheet(clicks):
    if shutil.which("perfeval", path="/usr/bin:/bin"):
        pytest.skip("perfeval is installed in /usr/bin, which LibreOffice's PATH always has")
    failed = clicks["failed"]
    assert failed["result"].startswith("failed: 核查未完成 / check not run: 找不到 perfeval 命令")
    content = _content(clicks["out"] / "failed.ods")
    assert _sheet_names(content) == [SHEET, "核查结果"]
    assert "找不到 perfeval 命令" in _cells(content, "核查结果")["A1"]["value"]
    assert _cells(content, SHEET)[PLANTED_CELL]["background"] is None  # nothing marked


@pytest.mark.libreoffice
@needs_lo_python
def test_one_click_takes_about_a_second(clicks):
    seconds = [clicks["first"]["seconds"]["click"], clicks["second"]["seconds"]["click"],
               *(line["seconds"]["click"] for line in clicks["shipped"].values())]
    print(f"\nclick (load + macro + save): {min(seconds):.2f}-{max(seconds):.2f} s; soffice start "
          f"{clicks['seconds']['start']:.2f} s; build {clicks['seconds']['build']:.2f} s; "
          f"session of {len(seconds)} clicks {clicks['seconds']['session']:.2f} s")
    assert max(seconds) < 10
