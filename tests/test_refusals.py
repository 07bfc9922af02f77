"""Broken input is refused with a stable code, exit 3, nothing written and the file's bytes unchanged."""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLES
from perfeval_xl.api import check_file
from perfeval_xl.batch import run_batch
from perfeval_xl.read.preflight import MAX_FILE_BYTES

GOOD = SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"


def _zip_without_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    return buf.getvalue()


def _workbook_without_form():
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("封面").write("A1", "2023年度部门决算")
    wb.close()
    return buf.getvalue()


CASES = {
    "empty": (b"", "empty"),
    "html": (b"<html><body><table><tr><td>\xe6\x80\xbb\xe9\xa2\x9d</td></tr></table></body></html>", "not_spreadsheet"),
    "csv": ("项目,预算,执行\n外包,200.16,142.88\n".encode(), "not_spreadsheet"),
    "truncated": (GOOD.read_bytes()[:3000], "corrupt"),
    "zip_not_workbook": (_zip_without_workbook(), "not_spreadsheet"),
    "no_form": (_workbook_without_form(), "no_form"),
    # an OLE header and then nothing sensible: damaged, even though it mentions encryption
    "broken_ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 2048, "corrupt"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_input_is_refused_cleanly(tmp_path, case):
    data, code = CASES[case]
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(data)
    before = hashlib.sha256(data).hexdigest()
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(path), "--json"], capture_output=True, text=True)
    assert out.returncode == 3, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["status"], doc["error"]["code"], doc["forms"]) == ("refused", code, [])
    assert "/" in doc["error"]["message"]  # Chinese / English
    human = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(path)], capture_output=True, text=True)
    assert human.returncode == 3 and "无法核查" in human.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no annotated copy, no temp file


def test_missing_file_is_refused(tmp_path):
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(tmp_path / "nope.xlsx"), "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 3 and json.loads(out.stdout)["error"]["code"] == "not_found"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_or_a_device_is_never_read(tmp_path, capsys):
    """A named pipe would block a reader forever, /dev/zero never ends: both are refused without being opened."""
    os.mkfifo(tmp_path / "pipe.xlsx")
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    for name in ("pipe.xlsx", "zero.xlsx"):
        code = cli(["check", str(tmp_path / name), "--json"])
        doc = json.loads(capsys.readouterr().out)
        assert (code, doc["error"]["code"]) == (3, "not_a_file")
    doc = run_batch([str(tmp_path)], jobs=1)
    assert sorted(r["error"]["code"] for r in doc["reports"]) == ["not_a_file", "not_a_file"]


def test_the_input_is_never_modified_and_the_copy_goes_beside_it(tmp_path):
    src = tmp_path / "自评表.xlsx"
    src.write_bytes(GOOD.read_bytes())
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(src)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["自评表.xlsx", "自评表_核查.xlsx"]


def test_the_copy_may_not_overwrite_the_input(tmp_path):
    src = tmp_path / "a.xlsx"
    src.write_bytes(GOOD.read_bytes())
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(src), "-o", str(src)], capture_output=True, text=True)
    assert out.returncode == 2 and src.read_bytes() == GOOD.read_bytes()


# -- the hostile corpus (tests/hostile.py): every file refused with its code, nothing written, input unchanged ------
import hostile  # noqa: E402
from perfeval_xl.cli import main as cli  # noqa: E402

HOSTILE = {
    "empty.xlsx": "empty",
    "truncated.xlsx": "corrupt",
    "crc_broken.xlsx": "corrupt",
    "random.xls": "not_spreadsheet",
    "html_table.xls": "not_spreadsheet",
    "mhtml.xls": "not_spreadsheet",
    "spreadsheetml2003.xls": "unsupported_format",
    "table.csv.xlsx": "not_spreadsheet",
    "scan.pdf.xlsx": "not_spreadsheet",
    "binary.xlsb": "unsupported_format",
    "letter.docx.xlsx": "not_spreadsheet",
    "duplicate_member.xlsx": "corrupt",
    "billion_laughs_sst.xlsx": "xml_entities",
    "billion_laughs_sheet.xlsx": "xml_entities",
    "xxe.xlsx": "xml_entities",
    "utf16_doctype.xlsx": "xml_entities",
    "zip_bomb.xlsx": "zip_bomb",
    "zip_bomb_lying.xlsx": "zip_bomb",
    "giant_string.xlsx": "zip_bomb",
    "many_members.xlsx": "zip_bomb",
    "encrypted.xlsx": "encrypted",
    "hidden_sheet_laughs.xlsx": "xml_entities",  # a sheet part named like a picture: found by its content
    "hidden_sheet_bomb.xlsx": "zip_bomb",
}
READABLE = {"form_saved_as.xls", "macros.xlsm", "macros_misnamed.xlsx", "xlm_macrosheet.xlsx"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    paths = hostile.write_corpus(folder / "in")
    assert {p.name for p in paths} == set(HOSTILE) | READABLE
    return folder / "in"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(capsys, *argv):
    code = cli([*map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_the_report_names_the_file_by_the_hash_of_its_bytes_as_received(corpus, tmp_path):
    """From the pre-flight's bytes when it read them (the encrypted file's own bytes, not the decrypted ones), from
    the file otherwise; a file beyond the size limit is never read at length, so it has none."""
    for name in ("macros.xlsm", "encrypted.xlsx", "zip_bomb.xlsx", "empty.xlsx", "html_table.xls"):
        assert check_file(corpus / name).sha256 == _sha(corpus / name), name
    assert check_file(corpus / "encrypted.xlsx", password="秘密pw").sha256 == _sha(corpus / "encrypted.xlsx")
    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
    report = check_file(huge)
    assert (report.refusal.code, report.sha256) == ("too_large", None)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_with_its_code_and_nothing_is_written(corpus, tmp_path, capsys, name):
    src = tmp_path / name
    shutil.copyfile(corpus / name, src)
    before = _sha(src)
    code, out, _ = _run(capsys, "check", src, "--json")
    doc = json.loads(out)
    assert (code, doc["status"], doc["error"]["code"], doc["forms"]) == (3, "refused", HOSTILE[name], [])
    zh, en = doc["error"]["message"].split(" / ", 1)
    assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii() and len(en) > 10
    code, out, err = _run(capsys, "check", src, "-o", tmp_path / "copy.xlsx")
    assert code == 3 and f"[{HOSTILE[name]}]" in err and out == ""
    code, _, err = _run(capsys, "check", src)  # the default copy beside the input is not written either
    assert code == 3
    assert _sha(src) == before
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no copy, no temporary file


def test_every_refusal_code_is_documented():
    from perfeval_xl.errors import RefusalCode

    doc = (hostile.ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    codes = set(HOSTILE.values()) | {str(c) for c in RefusalCode}
    missing = {c for c in codes if f"`{c}`" not in doc}
    assert not missing


def test_batch_refuses_each_hostile_file_and_checks_the_rest(corpus, tmp_path, capsys):
    box = tmp_path / "box"
    shutil.copytree(corpus, box)
    before = {p.name: _sha(p) for p in box.iterdir()}
    out, ann = tmp_path / "out" / "汇总.xlsx", tmp_path / "out" / "核查"
    code, stdout, _ = _run(capsys, "batch", box, "-o", out, "--annotated", ann, "--json", "--jobs", "2")
    doc = json.loads(stdout)
    status = {Path(r["file"]).name: (r["error"] or {}).get("code") for r in doc["reports"]}
    assert status == {**HOSTILE, **{n: None for n in READABLE}}
    assert code == 0  # some forms were read and none has an error
    assert {p.name for p in box.iterdir()} == set(before) and all(_sha(box / n) == h for n, h in before.items())
    copies = sorted(p.name for p in ann.rglob("*") if p.is_file())
    assert copies == ["form_saved_as_核查.xlsx", "macros_misnamed_核查.xlsm", "macros_核查.xlsm",
                      "xlm_macrosheet_核查.xlsx"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["核查", "汇总.xlsx"]  # no temporary file left
    refused = pd.read_excel(out, sheet_name="无法读取", dtype=object, engine="openpyxl", header=1)
    assert dict(zip(refused["文件"].map(lambda f: Path(f).name), refused["代码"])) == HOSTILE
    # only refusable files: exit 3, and still a complete summary that says why
    only = tmp_path / "only"
    only.mkdir()
    for name in ("empty.xlsx", "zip_bomb.xlsx", "encrypted.xlsx"):
        shutil.copyfile(corpus / name, only / name)
    code, _, _ = _run(capsys, "batch", only, "-o", tmp_path / "s2.xlsx", "--annotated", tmp_path / "a2")
    assert code == 3 and not (tmp_path / "a2").exists()


def test_an_xlsx_saved_as_xls_is_read_and_its_copy_is_an_xlsx(corpus, tmp_path, capsys):
    src = tmp_path / "自评表.xls"
    shutil.copyfile(corpus / "form_saved_as.xls", src)
    code, out, _ = _run(capsys, "check", src)
    assert code == 0 and "核查副本" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["自评表.xls", "自评表_核查.xlsx"]
    want = check_file(GOOD).as_dict()["forms"]
    assert check_file(src).as_dict()["forms"] == want
