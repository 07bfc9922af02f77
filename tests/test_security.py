"""Hostile input in depth: zip bombs refused fast in bounded memory, XML entities refused by check and annotate,
encrypted workbooks refused or opened with a password, macros reported and never run, legacy .xls and .ods read
as the .xlsx is."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

import hostile
from conftest import SAMPLES
from perfeval_xl.api import check_file
from perfeval_xl.cli import main as cli
from perfeval_xl.errors import Refused
from perfeval_xl.read.preflight import preflight
from perfeval_xl.write._ooxml import _PARSER, parse_xml
from perfeval_xl.write.annotate import annotate

GOOD = hostile.GOOD
SOFFICE = shutil.which("soffice")
needs_lo = pytest.mark.libreoffice


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forms(report) -> list:
    return report.as_dict()["forms"]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    d = tmp_path_factory.mktemp("bombs")
    out = {}
    for name, data in (("honest", hostile.zip_bomb()), ("lying", hostile.zip_bomb(lie=True)),
                       ("giant_string", hostile.giant_shared_string())):
        out[name] = d / f"{name}.xlsx"
        out[name].write_bytes(data)
    with zipfile.ZipFile(out["honest"]) as z:
        info = z.getinfo(hostile.SHEET)
    assert info.file_size > 400 * 10**6 and out["honest"].stat().st_size < 450_000  # 424 KB -> 419 MB
    return out


# -- zip bombs -----------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["honest", "lying", "giant_string"])
def test_a_zip_bomb_is_refused_in_milliseconds_with_bounded_memory(bombs, kind):
    check_file(GOOD)  # imports and profiles loaded: measure only the file
    tracemalloc.start()
    t = time.perf_counter()
    report = check_file(bombs[kind])
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\n{kind} bomb: refused in {seconds * 1000:.1f} ms, Python heap peak {peak / 1024:.0f} KB")
    assert report.refusal is not None and report.refusal.code == "zip_bomb"
    assert seconds < 0.5
    assert peak < 8 * 1024 * 1024


def test_a_zip_bomb_costs_the_process_no_memory(bombs):
    """Peak RSS of a fresh interpreter, before and after checking the bombs (native memory included)."""
    got = _rss_check(*bombs.values())
    print(f"\nthree bombs: {got['secs'] * 1000:.1f} ms; peak RSS +{got['grow_kb'] // 1024} MB")
    assert got["codes"] == ["zip_bomb"] * 3
    assert got["secs"] < 1.0
    assert got["grow_kb"] < 20 * 1024  # the 400 MB were never held (calamine on the giant string: 1.2 GB, 2 s)


def test_a_lie_within_every_ratio_limit_is_still_caught_while_inflating(tmp_path):
    """Declared 30 MB (a plausible ratio for 424 KB) while the stream holds 419 MB: refused once the inflated
    output passes the declared size, after inflating 30 MB in 64 KB steps."""
    data = hostile.zip_bomb()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(hostile.SHEET)
    raw = _raw_member(data, info)
    path = tmp_path / "lie30.xlsx"
    path.write_bytes(hostile._raw_zip(hostile.good(), hostile.SHEET, raw, 30 * 1024 * 1024, info.CRC))
    tracemalloc.start()
    t = time.perf_counter()
    with pytest.raises(Refused) as e:
        preflight(path)
    seconds, peak = time.perf_counter() - t, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\n30 MB lie: refused in {seconds * 1000:.0f} ms, heap peak {peak / 1024:.0f} KB")
    assert e.value.code == "zip_bomb" and seconds < 1.0 and peak < 4 * 1024 * 1024


def _raw_member(data: bytes, info) -> bytes:
    import struct

    n_len, x_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n_len + x_len
    return data[start:start + info.compress_size]


# -- XML entities --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [hostile.billion_laughs_shared_strings, hostile.billion_laughs_sheet,
                                  hostile.external_entity, hostile.utf16_doctype])
def test_xml_entities_are_refused_by_check_and_by_annotate(make, tmp_path, capsys):
    src = tmp_path / "in.xlsx"
    src.write_bytes(make())
    before = sha(src)
    t = time.perf_counter()
    assert cli(["check", str(src), "--json"]) == 3
    assert time.perf_counter() - t < 1.0
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "xml_entities"
    with pytest.raises(Refused) as e:
        annotate(src, tmp_path / "out.xlsx", [])
    assert e.value.code == "xml_entities"
    assert sha(src) == before and [p.name for p in tmp_path.iterdir()] == ["in.xlsx"]


def test_our_own_xml_parser_expands_no_entity_and_reads_no_dtd():
    laughs = hostile._laughs().encode() + b"<sst>&lol9;</sst>"
    with pytest.raises(ValueError):
        parse_xml(laughs, "x.xml")
    xxe = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(ValueError):
        parse_xml(xxe, "x.xml")
    # the parser itself (below the DOCTYPE refusal) leaves entity references unexpanded
    from lxml import etree

    root = etree.fromstring(xxe, _PARSER)
    assert b"root:" not in etree.tostring(root)


def test_openpyxl_would_use_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML  # defusedxml is a dependency: openpyxl (tests, users' scripts) parses through it


# -- encryption ----------------------------------------------------------------------------------------------
PASSWORD = "秘密pw"


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory):
    path = tmp_path_factory.mktemp("enc") / "加密.xlsx"
    path.write_bytes(hostile.encrypted(password=PASSWORD))
    import msoffcrypto

    assert msoffcrypto.OfficeFile(io.BytesIO(path.read_bytes())).is_encrypted()
    return path


def test_an_encrypted_workbook_is_refused_without_its_password(encrypted, tmp_path, capsys):
    src = tmp_path / encrypted.name
    shutil.copyfile(encrypted, src)
    assert cli(["check", str(src), "--json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["error"]["code"] == "encrypted" and "密码" in doc["error"]["message"]
    assert cli(["check", str(src), "--password", "wrong", "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "wrong_password"
    assert cli(["check", str(src), "--password", "wrong"]) == 3
    assert [p.name for p in tmp_path.iterdir()] == [src.name] and sha(src) == sha(encrypted)


def test_an_encrypted_workbook_opens_with_its_password_and_its_copy_stays_encrypted(encrypted, tmp_path, capsys):
    src = tmp_path / encrypted.name
    shutil.copyfile(encrypted, src)
    assert cli(["check", str(src), "--password", PASSWORD]) == 0
    capsys.readouterr()
    copy = tmp_path / "加密_核查.xlsx"
    assert sha(src) == sha(encrypted) and copy.is_file()
    report = check_file(src, password=PASSWORD)
    assert report.inspected.encrypted and forms(report) == forms(check_file(GOOD))
    import msoffcrypto

    assert msoffcrypto.OfficeFile(io.BytesIO(copy.read_bytes())).is_encrypted()  # never written in the clear
    assert check_file(copy).refusal.code == "encrypted"
    again = check_file(copy, password=PASSWORD)
    assert again.refusal is None and again.results[0].values == report.results[0].values
    # the decrypted copy has the 核查结果 sheet and otherwise the parts of the decrypted input
    plain = io.BytesIO()
    office = msoffcrypto.OfficeFile(io.BytesIO(copy.read_bytes()))
    office.load_key(password=PASSWORD)
    office.decrypt(plain)
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_filelike(io.BytesIO(plain.getvalue())).sheet_names[-1] == "核查结果"


def test_batch_opens_encrypted_workbooks_with_the_password(encrypted, tmp_path, capsys):
    box = tmp_path / "box"
    box.mkdir()
    shutil.copyfile(encrypted, box / "a_加密.xlsx")
    shutil.copyfile(GOOD, box / "b_明文.xlsx")
    assert cli(["batch", str(box), "--json"]) == 0  # one read, one refused
    doc = json.loads(capsys.readouterr().out)
    assert [(r["error"] or {}).get("code") for r in doc["reports"]] == ["encrypted", None]
    assert cli(["batch", str(box), "--json", "--password", PASSWORD, "--annotated", str(tmp_path / "ann")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in doc["reports"]] == ["checked", "checked"]
    assert doc["reports"][0]["forms"] == doc["reports"][1]["forms"] and doc["reports"][0]["encrypted"]
    assert cli(["batch", str(box), "--json", "--password", "nope"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(r["error"] or {}).get("code") for r in doc["reports"]] == ["wrong_password", None]


@pytest.mark.slow
@needs_lo
def test_an_encrypted_xls_is_recognised_and_opened_with_its_password(tmp_path):
    if hostile.uno_python() is None:
        pytest.skip("no Python with LibreOffice's uno module")
    xls = hostile.encrypted_xls(GOOD, tmp_path / "加密.xls", "pw97", tmp_path)
    assert check_file(xls).refusal.code == "encrypted"
    assert check_file(xls, password="bad").refusal.code == "wrong_password"
    report = check_file(xls, password="pw97")
    assert report.inspected.kind == "xls" and forms(report) == forms(check_file(GOOD))


# -- macros --------------------------------------------------------------------------------------------------
def _s01(report):
    return [f for f in report.findings if f.check == "S01"]


def test_vba_macros_are_a_warning_finding_and_the_copy_keeps_the_project(tmp_path, capsys):
    src = tmp_path / "宏.xlsm"
    src.write_bytes(hostile.with_macros())
    report = check_file(src)
    [s01] = _s01(report)
    assert (s01.severity, s01.cell, s01.stated) == ("warning", None, "xl/vbaProject.bin")
    assert "VBA 宏" in s01.message and "未运行" in s01.message
    assert report.exit_code == 0 and report.as_dict()["macros"] == "vba"
    assert [f for f in report.findings if f.check != "S01"] == check_file(GOOD).findings
    assert cli(["check", str(src)]) == 0
    out = capsys.readouterr().out
    assert "S01" in out and "宏" in out
    copy = tmp_path / "宏_核查.xlsm"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(copy) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert a.getinfo("xl/vbaProject.bin").CRC == b.getinfo("xl/vbaProject.bin").CRC
    assert check_file(GOOD).as_dict()["macros"] is None and not _s01(check_file(GOOD))


def test_an_excel4_macro_sheet_is_reported(tmp_path):
    src = tmp_path / "xlm.xlsx"
    src.write_bytes(hostile.with_xlm_macrosheet())
    [s01] = _s01(check_file(src))
    assert "Excel 4.0" in s01.message and s01.severity == "warning"


def test_nothing_is_run_while_checking_or_annotating_a_macro_workbook(tmp_path, monkeypatch):
    src = tmp_path / "宏.xlsm"
    src.write_bytes(hostile.with_macros())

    def forbidden(*a, **k):
        raise AssertionError("a process was started")

    import os

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(os, "execv", forbidden)
    report = check_file(src)
    assert _s01(report)
    annotate(src, tmp_path / "宏_核查.xlsm", report.findings)


@pytest.mark.slow
@needs_lo
def test_macros_in_a_legacy_xls_are_found_by_oletools(tmp_path):
    vba = hostile.vba_project()
    if vba is None:
        pytest.skip("xlwings (source of a real VBA project) is not installed")
    from perfeval_xl.lo import convert

    xlsm = tmp_path / "宏表.xlsm"
    xlsm.write_bytes(hostile.with_macros(vba=vba))
    [xls] = convert([xlsm], tmp_path / "out", to="xls")
    report = check_file(xls)
    assert report.inspected.kind == "xls" and report.inspected.macros == "vba"
    assert [f.check for f in _s01(report)] == ["S01"]
    assert [f for f in report.findings if f.check != "S01"] == check_file(GOOD).findings


# -- legacy .xls and .ods: read as the .xlsx is ----------------------------------------------------------------
FIDELITY = [SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx", SAMPLES / "meishan_2023_all.xlsx",
            SAMPLES / "frameworks" / "anning_2023_dept.xlsx", SAMPLES / "frameworks" / "wuhua_2023_project_eval.xlsx",
            SAMPLES / "national" / "outsourcing_national.xlsx"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    from perfeval_xl.lo import convert

    out = tmp_path_factory.mktemp("converted")
    convert(FIDELITY, out, to="xls")
    convert(FIDELITY, out, to="ods")
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_xls_and_ods_read_exactly_as_the_xlsx(converted, kind):
    for src in FIDELITY:
        other = converted / f"{src.stem}.{kind}"
        report = check_file(other)
        assert report.inspected.kind == kind
        assert forms(report) == forms(check_file(src)), (src.name, kind)


@pytest.mark.libreoffice
def test_calamine_reads_xls_as_xlrd_does(converted):
    """xlrd 2 (the reference .xls reader) as an oracle for what calamine gives: every value and merged range."""
    xlrd = pytest.importorskip("xlrd")
    from perfeval_xl.read.workbook import open_workbook

    for src in FIDELITY:
        xls = converted / f"{src.stem}.xls"
        book = xlrd.open_workbook(str(xls), formatting_info=True)
        grids = open_workbook(xls)
        assert [g.name for g in grids] == book.sheet_names()
        for grid, sheet in zip(grids, book.sheets()):
            merges = {((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in sheet.merged_cells}
            assert set(grid.merges) == merges, (src.name, sheet.name)
            for r in range(sheet.nrows):
                for c in range(sheet.ncols):
                    want = sheet.cell_value(r, c)
                    got = grid.rows[r][c] if r < len(grid.rows) and c < len(grid.rows[r]) else ""
                    if isinstance(want, float) and isinstance(got, (int, float)):
                        assert got == pytest.approx(want, rel=1e-15, abs=0), (src.name, r, c)
                    else:
                        assert got == want, (src.name, r, c)


@pytest.mark.libreoffice
def test_an_xls_calamine_cannot_parse_is_read_through_xlrd(converted, monkeypatch):
    """calamine rejects some legacy files (older BIFF versions, odd records): xlrd then reads them, to the same
    check results; a file neither can parse is refused with calamine's reason."""
    import python_calamine

    def reject(*_):
        raise python_calamine.CalamineError("Xls error: Unrecognized BIFF version")

    want = {src: forms(check_file(converted / f"{src.stem}.xls")) for src in FIDELITY}
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", reject)
    for src, expected in want.items():
        report = check_file(converted / f"{src.stem}.xls")
        assert report.refusal is None and forms(report) == expected, src.name
    broken = converted / "broken.xls"
    data = bytearray((converted / f"{FIDELITY[0].stem}.xls").read_bytes())
    bof = data.index(b"\x09\x08\x10\x00\x00\x06")  # the BIFF8 BOF record opening the Workbook stream
    data[bof:bof + 6] = b"\xff" * 6  # the OLE file survives, its workbook stream does not
    broken.write_bytes(bytes(data))
    report = check_file(broken)
    assert report.refusal.code == "corrupt" and "BIFF" in report.refusal.en


@pytest.mark.libreoffice
def test_ods_merged_ranges_are_read_from_content_xml(converted):
    from perfeval_xl.read.workbook import open_workbook

    for src in FIDELITY:
        xlsx = open_workbook(src)
        ods = open_workbook(converted / f"{src.stem}.ods")
        for a, b in zip(xlsx, ods):
            assert sorted(a.merges) == sorted(b.merges) and a.rows == b.rows, (src.name, a.name)


def test_an_ods_is_checked_but_not_annotated(converted, tmp_path, capsys):
    src = tmp_path / "表.ods"
    shutil.copyfile(converted / f"{FIDELITY[0].stem}.ods", src)
    assert cli(["check", str(src)]) == 0
    assert ".ods" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["表.ods"]
    with pytest.raises(ValueError, match="ods"):
        annotate(src, tmp_path / "x.xlsx", [])


def test_ods_scripts_are_reported_and_the_templates_own_button_is_only_a_note(tmp_path):
    from perfeval_xl.api import OUR_ODS_SCRIPT
    from perfeval_xl.write.ods import MACRO_MEMBER

    assert OUR_ODS_SCRIPT == MACRO_MEMBER
    template = hostile.ROOT / "workbook_templates" / "sichuan.project_selfeval.ods"
    [s01] = _s01(check_file(template))
    assert (s01.severity, s01.stated) == ("info", MACRO_MEMBER)
    basic = tmp_path / "basic.ods"
    basic.write_bytes(hostile.rezip(template.read_bytes(), add={"Basic/Standard/Module1.xml": b"<module/>"}))
    [s01] = _s01(check_file(basic))
    assert s01.severity == "warning" and "Basic/Standard/Module1.xml" in s01.stated


# -- sheets too large to read: measured before the reader builds its grid ---------------------------------------
def _rss_check(*paths: Path) -> dict:
    """Check `paths` in a fresh interpreter (warmed up on a good form): refusal codes, forms found, seconds, and
    how much the peak RSS grew (native memory included)."""
    script = (
        "import json, resource, sys, time\n"
        "from perfeval_xl.api import check_file\n"
        f"check_file({str(GOOD)!r})\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.perf_counter()\n"
        "rs = [check_file(p) for p in sys.argv[1:]]\n"
        "print(json.dumps({'codes': [r.refusal and r.refusal.code for r in rs],\n"
        "                  'forms': sum(len(r.results) for r in rs), 'secs': time.perf_counter() - t,\n"
        "                  'grow_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}))\n")
    out = subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]  # the process was not killed (calamine alone aborts on these)
    return json.loads(out.stdout)


@pytest.mark.parametrize("make, code", [
    (lambda: hostile.far_cell("XFD1048576"), None),  # calamine alone: a 550 GB allocation, process aborted
    (lambda: hostile.far_cell("ZZ60000"), None),  # calamine alone: 1.3 GB
    (lambda: hostile.unnamed_far_cells(), None),  # cells without r, each after the previous
    (lambda: hostile.far_cell("XFD1048576", empty=True), None),  # an empty styled cell holds nothing: read
    (lambda: hostile.scattered_cells(), "too_large"),  # values all over the sheet: no cut leaves a form-sized sheet
])
def test_a_value_far_away_is_measured_before_reading(make, code, tmp_path):
    # a stray value far from the form is cut off (the form is read); a sheet of values scattered everywhere is not
    # read at all; either way in bounded time and memory
    src = tmp_path / "far.xlsx"
    src.write_bytes(make())
    got = _rss_check(src)
    print(f"\n{code}: {got['secs'] * 1000:.0f} ms, peak RSS +{got['grow_kb'] // 1024} MB")
    assert got["codes"] == [code] and got["forms"] == (0 if code else 1)
    assert got["secs"] < 2.0 and got["grow_kb"] < 50 * 1024
    if code:
        report = check_file(src)
        assert "内容延伸到" in report.refusal.zh


def test_a_stray_value_beside_a_form_sheet_costs_nothing_of_the_form(tmp_path):
    src = tmp_path / "far.xlsx"
    src.write_bytes(hostile.far_cell("Z80000"))  # 80,000 x 26: just over the cells a sheet may span
    report = check_file(src)
    good = check_file(hostile.GOOD)
    assert report.refusal is None and report.inspected.oversized == {}
    assert [(f.check, f.cell) for f in report.findings] == [(f.check, f.cell) for f in good.findings]
    (part, clip), = report.inspected.clipped.values()
    assert (part, clip.rows, clip.cols, clip.dropped, clip.far) == ("xl/worksheets/sheet1.xml", 26, 10, 1, (79999, 25))


def test_an_oversized_sheet_is_skipped_and_the_forms_beside_it_are_checked(tmp_path):
    allb = (SAMPLES / "meishan_2023_all.xlsx").read_bytes()
    src = tmp_path / "all.xlsx"
    src.write_bytes(hostile.scattered_cells(data=allb, sheet="xl/worksheets/sheet4.xml"))
    report = check_file(src)
    assert report.refusal is None and len(report.results) == 11
    assert [r * c > 2_000_000 for r, c in report.inspected.oversized.values()] == [True]
    skipped = next(iter(report.inspected.oversized))
    assert skipped not in {r.form.sheet for r in report.results}


def test_a_far_value_on_one_sheet_of_many_leaves_every_form_read(tmp_path):
    allb = (SAMPLES / "meishan_2023_all.xlsx").read_bytes()
    src = tmp_path / "all.xlsx"
    src.write_bytes(hostile.far_cell("XFD1048576", data=allb, sheet="xl/worksheets/sheet4.xml"))
    report = check_file(src)
    assert report.refusal is None and len(report.results) == 12 and report.inspected.oversized == {}


def test_an_ods_with_a_million_repeated_rows_is_not_expanded(tmp_path):
    template = (hostile.ROOT / "workbook_templates" / "sichuan.project_selfeval.ods").read_bytes()
    src = tmp_path / "rows.ods"
    src.write_bytes(hostile.ods_repeated_rows(template))
    got = _rss_check(src)
    print(f"\nods: {got['secs'] * 1000:.0f} ms, peak RSS +{got['grow_kb'] // 1024} MB")
    assert got["codes"] == ["too_large"] and got["secs"] < 2.0 and got["grow_kb"] < 50 * 1024


@needs_lo
def test_an_xls_with_a_value_in_its_last_cell_is_read_up_to_the_form(tmp_path):
    from perfeval_xl.lo import convert

    xlsx = tmp_path / "far.xlsx"
    xlsx.write_bytes(hostile.far_cell("IV65536"))
    [xls] = convert([xlsx], tmp_path / "out", to="xls")
    report = check_file(xls)
    assert report.inspected.kind == "xls" and report.inspected.oversized == {}
    (_, clip), = report.inspected.clipped.values()
    assert (clip.dropped, clip.far) == (1, (65535, 255))
    assert report.refusal is None and len(report.results) == 1
