"""S01 (api.macro_finding): what code a workbook carries, reported and never run; from a hand-made pre-flight result
(`read.preflight.Inspected`), and through `check_file` with the reading replaced by a form built in memory."""

from pathlib import Path

import pytest
from expect import hits, silent
from forms import SICHUAN, sichuan

from perfeval_xl import api
from perfeval_xl.read.forms import Found
from perfeval_xl.check import Severity
from perfeval_xl.profile import get_profile
from perfeval_xl.read.preflight import Inspected

W, INFO = Severity.WARNING, Severity.INFO


def inspected(macros, *parts, kind="xlsx", name="自评表.xlsm") -> Inspected:
    return Inspected(Path(name), kind, b"", macros=macros, macro_parts=parts, sha256="0" * 64)


def test_a_vba_project_is_a_warning_naming_its_part():
    f = api.macro_finding(inspected("vba", "xl/vbaProject.bin"), "自评表1")
    assert hits([f], "S01.vba") == [("S01", W, None, "xl/vbaProject.bin", None)]
    assert f.sheet == "自评表1"


def test_an_excel_4_macro_sheet_is_a_warning():
    f = api.macro_finding(inspected("xlm", "xl/macrosheets/sheet1.xml"), "Sheet1")
    assert hits([f], "S01.xlm") == [("S01", W, None, "xl/macrosheets/sheet1.xml", None)]


def test_vba_and_an_excel_4_macro_sheet_are_one_warning_naming_both():
    f = api.macro_finding(inspected("vba+xlm", "xl/vbaProject.bin", "xl/macrosheets/sheet1.xml"), "Sheet1")
    assert hits([f], "S01.vba+xlm") == [("S01", W, None, "xl/vbaProject.bin, xl/macrosheets/sheet1.xml", None)]


def test_an_ods_script_is_a_warning():
    f = api.macro_finding(inspected("ods", "Basic/Standard/Module1.xml", kind="ods", name="自评表.ods"), "Sheet1")
    assert hits([f], "S01.ods") == [("S01", W, None, "Basic/Standard/Module1.xml", None)]


def test_the_toolkits_own_ods_button_script_is_only_a_note():
    f = api.macro_finding(inspected("ods", "Scripts/python/perfeval.py", kind="ods", name="模板.ods"), "Sheet1")
    assert hits([f], "S01.ods_template") == [("S01", INFO, None, "Scripts/python/perfeval.py", None)]


def test_our_script_next_to_another_one_is_a_warning_again():
    f = api.macro_finding(inspected("ods", "Scripts/python/perfeval.py", "Basic/Standard/Module1.xml", kind="ods"),
                          "Sheet1")
    assert hits([f], "S01.ods") == [("S01", W, None, "Scripts/python/perfeval.py, Basic/Standard/Module1.xml", None)]


def test_an_unknown_kind_of_code_is_reported_as_vba_without_parts():
    f = api.macro_finding(inspected("something-new"), "Sheet1")
    assert hits([f], "S01.vba") == [("S01", W, None, None, None)]


@pytest.fixture
def read_as(monkeypatch):
    """check_file on a form built in memory, the pre-flight saying `macros` / `parts`: no file is opened."""

    def check_with(macros, *parts):
        monkeypatch.setattr(api, "read_workbook", lambda path, password=None: (inspected(macros, *parts), []))
        found = Found(forms=[(sichuan(), get_profile(SICHUAN))])
        monkeypatch.setattr(api, "forms_in", lambda grids, profile=None, **kw: found)
        return api.check_file("自评表.xlsm")

    return check_with


def test_check_file_puts_the_macro_warning_first_on_the_first_form(read_as):
    report = read_as("vba", "xl/vbaProject.bin")
    assert report.refusal is None
    assert hits(report.results[0], "S01.vba") == [("S01", W, None, "xl/vbaProject.bin", None)]
    assert [f.check for f in report.findings] == ["S01"]
    assert report.exit_code == 0  # a warning, not an error


def test_check_file_on_a_workbook_without_macros_says_nothing_about_them(read_as):
    report = read_as(None)
    silent(report.results[0], "S01")
    assert report.findings == []
