"""Property-based tests: value coercion on anything a cell can hold, and randomly damaged workbooks (deleted cells,
shuffled rows, garbage strings, huge and odd numbers, corrupted or dropped zip members). Every outcome must be a
reading or a clean refusal with a documented code: never a traceback, never an exit code other than 0, 1 or 3,
never a changed input."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import SAMPLES
from perfeval_xl.api import check_file
from perfeval_xl.cli import main as cli
from perfeval_xl.a1 import col_letter
from perfeval_xl.values import amount_in_wan, as_fraction, parse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMS = (sorted((SAMPLES / "meishan_2023").glob("*.xlsx")) + sorted((SAMPLES / "frameworks").glob("*.xlsx"))
         + sorted((SAMPLES / "national").glob("*.xlsx")))
BASE = {p.name: p.read_bytes() for p in FORMS}
SHEET = "xl/worksheets/sheet1.xml"
CLEAN_CODES = {"empty", "too_large", "not_spreadsheet", "unsupported_format", "corrupt", "zip_bomb", "xml_entities",
               "encrypted", "wrong_password", "no_form"}
FUZZ = settings(max_examples=500, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- value coercion ------------------------------------------------------------------------------------------
ODD_TEXT = ["1e308", "-0", "NaN", "nan", "inf", "-Infinity", "1e999", "∞", "0x1F", "１２３", "1,2,3", "12..5", "--5",
            "+-3", "5%%", "‰", "—", "／", "1" * 400, "9" * 5000 + ".5", "0." + "0" * 400 + "1", "≥" * 50, "=1+1",
            "@SUM(A1)", "\x00\x01\x1b[31m", "\u202e123", "12\u200b34", "5\ufeff", "🙂100万元", "1 000 000", "(1,234)"]
cell_values = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**400, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(ODD_TEXT),
    st.builds(lambda n, u: f"{n}{u}", st.decimals(allow_nan=False, allow_infinity=False),
              st.sampled_from(["", "万元", "元", "亿元", "%", "％", "个", "万", "yuan"])),
)
finite = st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12)


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(cell_values, st.one_of(st.none(), finite), st.sampled_from(["万元", "元", "亿元", "yuan", ""]))
def test_value_coercion_never_raises_and_gives_finite_decimals(raw, near, column_unit):
    p = parse(raw)
    assert p.number is None or (isinstance(p.number, Decimal) and p.number.is_finite())
    assert isinstance(p.text, str) and isinstance(p.unit, str)
    frac, digits = as_fraction(p, near=near)
    assert frac is None or (isinstance(frac, Decimal) and frac.is_finite())
    assert isinstance(digits, int)
    wan = amount_in_wan(p, column_unit)
    assert wan is None or (isinstance(wan, Decimal) and wan.is_finite())
    if p.number is not None and not p.percent:
        assert as_fraction(p, near=p.number)[0] == p.number  # a bare number closest to itself is itself


@given(st.decimals(min_value=-10**15, max_value=10**15, places=4))
def test_amounts_read_back_whatever_the_unit(x):
    text = format(x, "f")
    assert parse(text).number == x
    assert amount_in_wan(parse(text + "元"), "万元") == x / 10000
    assert amount_in_wan(parse(text + "亿元"), "万元") == x * 10000
    assert amount_in_wan(parse(text), "元") == x / 10000


# -- damaged workbooks ---------------------------------------------------------------------------------------
HUGE = ["1E+308", "-1.7976931348623157E+308", "5E-324", "-0", "0", "1E-300", "123456789012345678901234567890",
        "1" + "0" * 400, "NaN", "INF", "-inf", "1e999", "", " ", "0x10", "1,5"]
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    """How Excel stores control characters: _xHHHH_ escapes."""
    return ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _cells(root):
    return list(root.iter(f"{NS}c"))


def _set_text(cell, text: str) -> None:
    for child in list(cell):
        cell.remove(child)
    cell.set("t", "inlineStr")
    t = etree.SubElement(etree.SubElement(cell, f"{NS}is"), f"{NS}t")
    t.text = _xml_safe(text)


def _set_number(cell, literal: str) -> None:
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)
    etree.SubElement(cell, f"{NS}v").text = literal


@st.composite
def sheet_edits(draw, root):
    """Cell-level damage on the parsed sheet XML: deletions, garbage text, huge numbers, shuffled row contents."""
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "text", "number", "number_as_text", "shuffle", "move_row",
                                   "figure", "figure", "figure"]))
        cells = _cells(root)
        if op == "figure":  # aim at the figures the rules compute with (amounts, rates, weights, scores)
            cells = [c for c in cells if re.search(r"\d", "".join(c.itertext()))] or cells
            op = draw(st.sampled_from(["number", "number_as_text", "delete"]))
        if not cells:
            break
        cell = cells[draw(st.integers(0, len(cells) - 1))]
        if op == "delete":
            cell.getparent().remove(cell)
        elif op == "text":
            text = draw(st.one_of(st.text(max_size=80), st.sampled_from(ODD_TEXT),
                                  st.builds(lambda n: "长" * n, st.sampled_from([32767, 100_000]))))
            _set_text(cell, text)
        elif op == "number":
            _set_number(cell, draw(st.sampled_from(HUGE)))
        elif op == "number_as_text":
            _set_text(cell, draw(st.sampled_from(HUGE + ["1e308", "-0.0", "NaN"])))
        elif op == "shuffle":  # the row elements in another order (each keeps its r): must read the same
            data = root.find(f"{NS}sheetData")
            rows = list(data)
            order = draw(st.permutations(range(len(rows))))
            for r in rows:
                data.remove(r)
            for i in order:
                data.append(rows[i])
        else:  # a row's contents moved to another row number
            rows = list(root.find(f"{NS}sheetData"))
            a, b = draw(st.integers(0, len(rows) - 1)), draw(st.integers(1, 80))
            row = rows[a]
            row.set("r", str(b))
            for c in row.iter(f"{NS}c"):
                if c.get("r"):
                    c.set("r", re.sub(r"\d+$", str(b), c.get("r")))
    return root


@st.composite
def damaged_workbooks(draw):
    name = draw(st.sampled_from(sorted(BASE)))
    data = BASE[name]
    kind = draw(st.sampled_from(["cells", "cells", "cells", "truncate", "flip", "drop", "garbage_member",
                                 "cells_and_flip"]))
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        order = [i.filename for i in z.infolist()]
        for n in order:
            parts[n] = z.read(n)
    if kind.startswith("cells"):
        sheet = draw(st.sampled_from([n for n in order if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]))
        root = etree.fromstring(parts[sheet])
        draw(sheet_edits(root))
        parts[sheet] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if kind == "drop":
        parts.pop(draw(st.sampled_from(order)))
    if kind == "garbage_member":
        parts[draw(st.sampled_from(order))] = draw(st.binary(max_size=300))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in order:
            if n in parts:
                z.writestr(n, parts[n])
    blob = bytearray(out.getvalue())
    if kind == "truncate":
        blob = blob[:draw(st.integers(0, len(blob) - 1))]
    if kind in ("flip", "cells_and_flip"):
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(blob) - 1))
            blob[at] ^= draw(st.integers(1, 255))
    return name, kind, bytes(blob)


@pytest.fixture(scope="module")
def workdir():
    d = Path(tempfile.mkdtemp(prefix="perfeval_fuzz_"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.slow
@FUZZ
@given(damaged_workbooks())
def test_a_damaged_workbook_is_read_or_refused_cleanly(workdir, case):
    name, kind, data = case
    folder = Path(tempfile.mkdtemp(dir=workdir))
    src, copy = folder / "in.xlsx", folder / "in_核查.xlsx"
    src.write_bytes(data)
    code, out, err = _cli("check", src, "--json", "-o", copy)
    assert code in (0, 1, 3), (kind, err)
    doc = json.loads(out)
    event(f"{kind}: {doc['error']['code'] if code == 3 else 'read'}{'' if copy.exists() or code == 3 else ', no copy'}")
    if code == 3:
        assert doc["error"]["code"] in CLEAN_CODES, (kind, doc["error"], err[-3000:])
        assert not copy.exists()
    else:
        assert doc["status"] == "checked" and doc["forms"]
        if copy.is_file():
            assert check_file(copy).refusal is None  # the copy is readable in turn
        else:  # a package annotate cannot patch (e.g. its [Content_Types].xml is damaged): said, not a traceback
            assert "could not write the annotated copy" in err, err
    assert src.read_bytes() == data
    assert not [p for p in folder.iterdir() if p.name.startswith(".~")]  # no temporary file left
    shutil.rmtree(folder)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASE)), st.randoms(use_true_random=False),
       st.lists(st.tuples(st.integers(60, 500), st.integers(15, 40), st.text(max_size=40)), max_size=5))
@pytest.mark.slow
def test_row_order_in_the_file_and_cells_far_from_the_form_change_nothing(workdir, name, rnd, junk):
    """A correct reading, not just no crash: rows stored out of order and stray cells well away from the form
    (rows 60+, columns P+) give exactly the original's values and findings."""
    want = _forms_of(workdir, name, BASE[name])
    with zipfile.ZipFile(io.BytesIO(BASE[name])) as z:
        root = etree.fromstring(z.read(SHEET))
    data = root.find(f"{NS}sheetData")
    rows = list(data)
    rnd.shuffle(rows)
    for r in list(data):
        data.remove(r)
    taken = {int(r.get("r")) for r in rows}
    for r, c, text in junk:
        if r in taken:
            continue
        taken.add(r)
        row = etree.SubElement(data, f"{NS}row", r=str(r))
        cell = etree.SubElement(row, f"{NS}c", r=f"{col_letter(c)}{r}")
        _set_text(cell, text)
    for r in rows:
        data.append(r)
    import hostile

    blob = hostile.rezip(BASE[name], {SHEET: etree.tostring(root, xml_declaration=True, encoding="UTF-8")})
    assert _forms_of(workdir, name, blob) == want


def _forms_of(workdir: Path, name: str, data: bytes):
    path = Path(tempfile.mkdtemp(dir=workdir)) / name
    path.write_bytes(data)
    report = check_file(path)
    assert report.refusal is None, report.refusal
    return [(f["sheet"], f["values"], f["findings"]) for f in report.as_dict()["forms"]]


def test_a_batch_of_damaged_workbooks_ends_with_0_1_or_3(workdir):
    """The same damage through `perfeval batch` (workers, summary, annotated copies): no crash rows."""
    box = workdir / "batch_in"
    box.mkdir()
    examples = []

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(damaged_workbooks())
    def collect(case):
        examples.append(case)

    collect()
    assert len(examples) >= 30
    hashes = {}
    for i, (name, kind, data) in enumerate(examples):
        p = box / f"{i:03d}_{kind}_{name}"
        p.write_bytes(data)
        hashes[p.name] = hashlib.sha256(data).hexdigest()
    code, out, err = _cli("batch", box, "-o", workdir / "汇总.xlsx", "--annotated", workdir / "核查", "--json",
                          "--jobs", "2")
    assert code in (0, 1, 3), err
    doc = json.loads(out)
    codes = {(r["error"] or {}).get("code") for r in doc["reports"]}
    assert codes <= CLEAN_CODES | {None}, codes
    assert all(hashlib.sha256((box / n).read_bytes()).hexdigest() == h for n, h in hashes.items())
