"""Broken input is refused with a stable code, exit 3, nothing written and the file's bytes unchanged."""

import hashlib
import io
import json
import subprocess
import sys
import zipfile

import pytest

from conftest import SAMPLES

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
    "encrypted_ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 2048, "encrypted"),
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
