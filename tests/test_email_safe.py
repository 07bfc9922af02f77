"""The .xlsx files the toolkit hands out are safe to e-mail: no macros, no external links, no absolute paths, a
cached value on every formula (previewers and WPS show numbers without recalculating), A4 paper, and small.

Checked by reading the zip package itself — not through a spreadsheet library, which would hide what is stored —
on every shipped template (workbook_templates/*.xlsx), on freshly written blank and filled templates (whose maps
say which formulas evaluate to an empty text), and on annotated copies of sample workbooks: Sichuan and national
project forms, framework workbooks, a 12-form workbook with 87 findings, a form with an error planted on every
score, and filled templates with a wrong score typed over a formula.

Empty cached values: for a formula whose result is an empty text (a blank form's scores, the grade before any
weight is typed), xlsxwriter 3.x writes `<f>..</f><v></v>` with no `t` attribute; LibreOffice (without
recalculating), openpyxl and calamine all read that cell as blank, which is what the formula shows. We accept an
empty `<v>` only on such cells: a fresh template's map must say the Python rules give '' there.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from perfeval_xl.api import check_file, write_annotated
from perfeval_xl.lo import convert, find_soffice
from perfeval_xl.a1 import parse_a1
from perfeval_xl.profile import get_profile, shipped_profiles
from perfeval_xl.write.framework_template import write_framework_template
from perfeval_xl.write.monitoring_template import write_monitoring_template
from perfeval_xl.write.template import write_template
from perfeval_xl.write.templates import write_template_for

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((REPO / "workbook_templates").glob("*.xlsx"))
SAMPLES = REPO / "sample_data"

TEMPLATE_LIMIT = 50 * 1024  # bytes
# An annotated copy may grow by 30 KB, plus 1 KB for every further sheet with findings: each annotated sheet gets its
# own notes part, VML drawing and relationships (about 1.7 KB packed), so the 12-form workbook with 87 findings grows
# by 32.6 KB — 1.9 KB over a flat 30 KB — while a one-form workbook grows by 4-5 KB.
ANNOTATION_ALLOWANCE = 30 * 1024
PER_FURTHER_SHEET = 1024

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
      "ct": "http://schemas.openxmlformats.org/package/2006/content-types"}
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

# parts and content types that only macro-enabled or ActiveX-carrying workbooks have
MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaProjectSignature|vbaData\.xml|JDEData\.bin)$|^xl/(activeX|ctrlProps|"
                         r"macrosheets|dialogsheets|embeddings)/", re.IGNORECASE)
MACRO_TYPES = re.compile(r"macroEnabled|vbaProject|activeX|macrosheet|dialogsheet|vbaData|oleObject", re.IGNORECASE)
MACRO_NAMES = re.compile(r"^(_xlnm\.)?auto_(open|close|activate|deactivate)", re.IGNORECASE)
# absolute paths of the machine that wrote the file
ABSOLUTE = [re.compile(p) for p in (rb"file:/", rb"(?<![A-Za-z])[A-Za-z]:\\", rb"(?<![A-Za-z])[A-Za-z]:/(?!/)",
                                    rb"\\\\[A-Za-z0-9_.-]+\\", rb"/home/", rb"/tmp/", rb"/work/", rb"/Users/",
                                    rb"/root/", rb"/private/var/", rb"absPath")]
needs_lo = pytest.mark.libreoffice
EXTERNAL_BOOK = re.compile(r"\[\d+\]")  # '[1]Sheet1!A1': a formula reading another workbook


# --- reading the package -------------------------------------------------------------------------------------

class Package:
    """The members of an .xlsx file and the sheet name -> worksheet part mapping."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as z:
            self.parts = {n: z.read(n) for n in z.namelist()}
        self.types = etree.fromstring(self.parts["[Content_Types].xml"])
        self.workbook = etree.fromstring(self.parts["xl/workbook.xml"])
        rels = self.rels("xl/workbook.xml")
        self.sheets = {s.get("name"): rels[s.get(f"{{{NS['r']}}}id")]
                       for s in self.workbook.iterfind("m:sheets/m:sheet", NS)}

    def xml(self, part: str):
        return etree.fromstring(self.parts[part])

    def rels(self, part: str) -> dict[str, str]:
        """Relationship id -> target part of an internal relationship (resolved against `part`)."""
        rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if rels_part not in self.parts:
            return {}
        out = {}
        for rel in self.xml(rels_part).iterfind("pr:Relationship", NS):
            target = rel.get("Target")
            out[rel.get("Id")] = (target.lstrip("/") if target.startswith("/") else
                                  posixpath.normpath(posixpath.join(posixpath.dirname(part), target)))
        return out

    def content_types(self) -> list[str]:
        return [e.get("ContentType") for e in self.types]

    def worksheet(self, name: str):
        return self.xml(self.sheets[name])

    def formula_cells(self):
        """(sheet name, cell ref, `<v>` text or None when there is no `<v>`, `t`) of every formula cell."""
        for name, part in self.sheets.items():
            for c in self.xml(part).iterfind("m:sheetData/m:row/m:c", NS):
                if c.find("m:f", NS) is not None:
                    v = c.find("m:v", NS)
                    yield name, c.get("r"), (None if v is None else (v.text or "")), c.get("t")


def page_setup(pkg: Package, sheet: str) -> dict:
    """Everything that decides how a sheet prints: pageSetup, margins, print options, header/footer, fit to page,
    breaks, and the sheet's print area and print titles."""
    ws = pkg.worksheet(sheet)
    out = {tag: [etree.tostring(e, method="c14n") for e in ws.iterfind(f"m:{tag}", NS)]
           for tag in ("pageSetup", "pageMargins", "printOptions", "headerFooter", "rowBreaks", "colBreaks")}
    out["pageSetUpPr"] = [etree.tostring(e, method="c14n") for e in ws.iterfind("m:sheetPr/m:pageSetUpPr", NS)]
    index = list(pkg.sheets).index(sheet)
    out["names"] = sorted((dn.get("name"), dn.text) for dn in pkg.workbook.iterfind("m:definedNames/m:definedName", NS)
                          if dn.get("localSheetId") == str(index) and dn.get("name", "").lower()
                          in ("_xlnm.print_area", "_xlnm.print_titles"))
    return out


# --- the checks ------------------------------------------------------------------------------------------------

def assert_no_macros(pkg: Package) -> None:
    assert pkg.path.suffix == ".xlsx"
    bad = [n for n in pkg.parts if MACRO_PARTS.search(n)]
    assert not bad, f"{pkg.path.name}: macro/ActiveX/OLE parts {bad}"
    bad = [t for t in pkg.content_types() if MACRO_TYPES.search(t or "")]
    assert not bad, f"{pkg.path.name}: macro content types {bad}"
    main = [e.get("ContentType") for e in pkg.types if e.get("PartName") == "/xl/workbook.xml"]
    assert main == [CT_WORKBOOK], f"{pkg.path.name}: workbook content type {main}"
    for name, part in pkg.sheets.items():
        ws = pkg.xml(part)
        assert ws.find("m:controls", NS) is None and ws.find("m:oleObjects", NS) is None, f"{name}: controls"
    names = [dn.get("name") for dn in pkg.workbook.iterfind("m:definedNames/m:definedName", NS)]
    assert not [n for n in names if MACRO_NAMES.match(n)], f"{pkg.path.name}: auto-run names {names}"


def assert_no_external_links(pkg: Package) -> None:
    assert not [n for n in pkg.parts if n.startswith(("xl/externalLinks/", "xl/connections", "xl/queryTables/"))]
    assert pkg.workbook.find("m:externalReferences", NS) is None
    for part, data in pkg.parts.items():
        if part.endswith(".rels"):
            external = [etree.tostring(r) for r in etree.fromstring(data).iterfind("pr:Relationship", NS)
                        if (r.get("TargetMode") or "").lower() == "external"]
            assert not external, f"{pkg.path.name} {part}: external relationships {external}"
    for name, part in pkg.sheets.items():
        for h in pkg.xml(part).iterfind("m:hyperlinks/m:hyperlink", NS):  # internal '#Sheet!A1' only
            assert h.get(f"{{{NS['r']}}}id") is None and h.get("location"), etree.tostring(h)
        for f in pkg.xml(part).iterfind("m:sheetData/m:row/m:c/m:f", NS):
            assert not EXTERNAL_BOOK.search(f.text or ""), f"{name}: formula reads another workbook: {f.text}"
    for dn in pkg.workbook.iterfind("m:definedNames/m:definedName", NS):
        assert not EXTERNAL_BOOK.search(dn.text or ""), f"defined name {dn.get('name')} reads another workbook"


def assert_no_absolute_paths(pkg: Package) -> None:
    for part, data in pkg.parts.items():
        for pattern in ABSOLUTE:
            m = pattern.search(data)
            assert m is None, f"{pkg.path.name} {part}: {data[max(m.start() - 60, 0):m.end() + 60]!r}"
    # Excel writes the folder a workbook was saved from as <mc:AlternateContent><x15ac:absPath url=..>
    assert b"AlternateContent" not in pkg.parts["xl/workbook.xml"]


def assert_cached_values(pkg: Package, blank_ok: set[tuple[str, str]] | None = None) -> int:
    """Every formula cell has a `<v>`; an empty one only where `blank_ok` allows (None: anywhere). Returns the
    number of formula cells."""
    n = 0
    for sheet, ref, v, t in pkg.formula_cells():
        n += 1
        assert v is not None, f"{pkg.path.name} {sheet}!{ref}: formula without a cached value"
        if v == "":
            assert t in (None, "str"), f"{sheet}!{ref}: empty cached value of type {t}"
            assert blank_ok is None or (sheet, ref) in blank_ok, \
                f"{pkg.path.name} {sheet}!{ref}: empty cached value where the rules give a value"
    return n


def assert_a4_everywhere(pkg: Package) -> None:
    for name, part in pkg.sheets.items():
        setups = pkg.xml(part).findall("m:pageSetup", NS)
        assert len(setups) == 1 and setups[0].get("paperSize") == "9", \
            f"{pkg.path.name} {name}: not A4: {[etree.tostring(s) for s in setups]}"


def assert_email_safe(pkg: Package) -> None:
    assert_no_macros(pkg)
    assert_no_external_links(pkg)
    assert_no_absolute_paths(pkg)


# --- templates -------------------------------------------------------------------------------------------------

def test_every_profile_with_a_layout_has_a_shipped_template():
    expected = {f"{pid}.xlsx" for pid, p in shipped_profiles().items()
                if p.has_template}
    assert expected and {p.name for p in TEMPLATES} == expected


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_shipped_template_is_email_safe(path, record_property):
    pkg = Package(path)
    assert_email_safe(pkg)
    assert assert_cached_values(pkg) > 0
    assert_a4_everywhere(pkg)
    size = path.stat().st_size
    record_property("bytes", size)
    assert size < TEMPLATE_LIMIT, f"{path.name}: {size} bytes"


def _blank_cells(tmap, default_sheet: str) -> set[tuple[str, str]]:
    """(sheet, ref) of the formula cells whose value the Python rules give as '' (blank)."""
    out = set()
    for ref, value in tmap.computed.items():
        if value in ("", None):
            sheet, _, cell = ref.rpartition("!")
            out.add((sheet or default_sheet, cell))
    return out


FILLED_PROJECT = {
    "budget": {"fiscal": {"initial": "35.16", "budget": "200.16", "executed": "142.88"}},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "level3": "服务人员", "nature": "≥", "target": 11, "unit": "人",
         "actual": 10, "weight": 20},
        {"level1": "效益指标", "level2": "社会效益指标", "level3": "群众获得感", "nature": "定性",
         "actual": "部分达成年度指标并具有一定效果", "weight": 40},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "level3": "满意度", "nature": "≥", "target": 95,
         "unit": "%", "actual": "93.5", "weight": 20},
        {"level1": "成本指标", "level2": "经济成本指标", "level3": "成本", "nature": "≤", "target": 165,
         "unit": "万元", "actual": "162.71", "weight": 10},
    ],
}


FILLED_MONITORING = {
    "budget": {"fiscal": {"initial": 400, "executed": 240, "forecast": 400}},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "level3": "培训人次", "target": "≥1000人次", "progress": "620人次",
         "forecast": "1000人次", "likelihood": ["certain"]},
        {"level1": "效益指标", "level2": "社会效益指标", "level3": "业务能力", "target": "明显提升", "progress": "一般",
         "forecast": "明显提升", "likelihood": ["possible"], "causes": ["rules"], "reason": "制度尚在审议"},
    ],
}


@pytest.mark.parametrize("pid", [pid for pid, p in shipped_profiles().items()
                                 if p.has_template])
def test_fresh_templates_leave_a_formula_blank_only_where_the_rules_give_blank(pid, tmp_path):
    profile = get_profile(pid)
    writes = [("blank", {})]
    if profile.kind == "project_selfeval":
        fill = dict(FILLED_PROJECT)
        if "nature" not in dict(profile.layout.indicators):  # national: the sign goes into 年度指标值
            fill["indicators"] = [{k: v for k, v in row.items() if k != "unit"} for row in fill["indicators"]]
        fill["budget"] = {next(iter(profile.budget.lines)): FILLED_PROJECT["budget"]["fiscal"]}
        writes.append(("filled", fill))
    if profile.kind == "monitoring":
        writes.append(("filled", FILLED_MONITORING))
    for name, fill in writes:
        path = tmp_path / f"{name}.xlsx"
        if profile.kind == "framework":
            tmap = write_framework_template(profile, path, year=2024, fill=fill)
        elif profile.kind == "monitoring":
            tmap = write_monitoring_template(profile, path, year=2019, fill=fill)
        else:
            tmap = write_template_for(profile, path, year=2023, fill=fill)  # project forms, 申报表
        pkg = Package(path)
        blank = _blank_cells(tmap, tmap.sheet)
        n = assert_cached_values(pkg, blank)
        assert n == len(tmap.computed)  # every formula cell is in the map, so every empty <v> was vetted
        if name == "filled":
            assert len(blank) < n / 2  # a filled form has mostly numbers cached
        assert_email_safe(pkg)
        assert_a4_everywhere(pkg)
        assert path.stat().st_size < TEMPLATE_LIMIT


# --- annotated copies -------------------------------------------------------------------------------------------

def _planted_sichuan(dst: Path) -> Path:
    """Sample form 4 (外包) with errors planted: a budget score, an indicator score above its weight, the total."""
    from sample_data.build import build_workbook
    from sample_data.seed004 import FORMS

    return build_workbook(dst, [FORMS[3]], overrides={("budget", 0, "score"): "10", ("indicators", 0, "score"): "25",
                                                      ("total_score",): "99"})


def _every_score_wrong(dst: Path) -> Path:
    """Sample form 1 with every score wrong: findings on many cells of one sheet."""
    from sample_data.build import build_workbook
    from sample_data.seed004 import FORMS

    form = FORMS[0]
    overrides = {("budget", 0, "score"): "3"}
    for i, ind in enumerate(form["indicators"]):
        overrides[("indicators", i, "score")] = str(Decimal(ind["weight"]) + 7)
        overrides[("indicators", i, "actual")] = "1"
    overrides[("total_score",)] = "12"
    return build_workbook(dst, [form], overrides=overrides)


def _wrong_project_template(dst: Path) -> Path:
    """A filled Sichuan template with a score typed over its formula (formulas with cached values in the input)."""
    fill = dict(FILLED_PROJECT, indicators=[dict(FILLED_PROJECT["indicators"][0], score=20),
                                            *FILLED_PROJECT["indicators"][1:]])
    write_template(get_profile("sichuan.project_selfeval"), dst, year=2023, fill=fill)
    return dst


def _wrong_framework_template(dst: Path) -> Path:
    """A 昆明 (寻甸) framework template with hand scores, one above its row's weight."""
    profile = get_profile("yunnan.kunming.dept_common")
    roots = profile.tree
    hand = [x for r in roots for x in r.leaves() if not x.method and not x.deduction and x.weight]
    scores = {"/".join(x.path): x.weight for x in hand}
    scores["/".join(hand[0].path)] = hand[0].weight + 3
    write_framework_template(profile, dst, year=2024, fill={"scores": scores})
    return dst


INPUTS = {
    "sichuan_planted": _planted_sichuan,
    "sichuan_every_score_wrong": _every_score_wrong,
    "sichuan_sample_04": lambda dst: SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx",
    "meishan_all_12_forms": lambda dst: SAMPLES / "meishan_2023_all.xlsx",
    "national_sample": lambda dst: SAMPLES / "national" / "outsourcing_national.xlsx",
    "framework_anning": lambda dst: SAMPLES / "frameworks" / "anning_2023_dept.xlsx",
    "framework_xundian": lambda dst: SAMPLES / "frameworks" / "xundian_2024_dept.xlsx",
    "framework_meishan_special": lambda dst: SAMPLES / "frameworks" / "meishan_2023_special_system.xlsx",
    "template_sichuan_wrong_score": _wrong_project_template,
    "template_kunming_wrong_score": _wrong_framework_template,
}


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    """name -> (input, annotated copy, number of findings, number of sheets with findings)."""
    out = tmp_path_factory.mktemp("email_safe")
    made = {}
    for name, make in INPUTS.items():
        src = make(out / f"{name}.xlsx")
        report = check_file(src)
        assert report.refusal is None, (name, report.refusal)
        dst = write_annotated(report, out / f"{name}_核查.xlsx")
        made[name] = (Path(src), dst, len(report.findings), len({f.sheet for f in report.findings}))
    return made


def test_the_annotated_inputs_cover_many_findings(annotated):
    counts = {name: n for name, (_, _, n, _) in annotated.items()}
    assert counts["meishan_all_12_forms"] >= 50 and counts["framework_anning"] >= 20
    assert counts["sichuan_every_score_wrong"] >= 8
    assert all(n > 0 for n in counts.values()), counts


@pytest.mark.parametrize("name", list(INPUTS))
def test_annotated_copy_is_email_safe(annotated, name, record_property):
    src, dst, _, sheets = annotated[name]
    pkg, orig = Package(dst), Package(src)
    assert_email_safe(pkg)
    # formulas of the input keep their cached values (the copy is patched, never recalculated or re-saved)
    assert dict(((s, r), v) for s, r, v, _ in pkg.formula_cells()) == \
        dict(((s, r), v) for s, r, v, _ in orig.formula_cells())
    assert_cached_values(pkg)
    # every sheet of the input prints as it did; the added 核查结果 sheet prints on A4
    assert list(pkg.sheets)[:-1] == list(orig.sheets) and list(pkg.sheets)[-1] == "核查结果"
    for sheet in orig.sheets:
        assert page_setup(pkg, sheet) == page_setup(orig, sheet), f"{name} {sheet}: page setup changed"
    (results,) = pkg.worksheet("核查结果").findall("m:pageSetup", NS)
    assert results.get("paperSize") == "9"
    grown = dst.stat().st_size - src.stat().st_size
    record_property("bytes", (src.stat().st_size, dst.stat().st_size))
    allowance = ANNOTATION_ALLOWANCE + PER_FURTHER_SHEET * max(sheets - 1, 0)
    assert grown < allowance, f"{name}: {src.stat().st_size} -> {dst.stat().st_size} bytes ({sheets} sheets)"


@needs_lo
def test_cached_values_of_annotated_templates_are_what_libreoffice_computes(annotated, tmp_path):
    """A previewer shows the cached values; LibreOffice, recalculating everything, gets the same numbers."""
    from python_calamine import CalamineWorkbook

    names = ["template_sichuan_wrong_score", "template_kunming_wrong_score"]
    copies = [annotated[n][1] for n in names]
    recalculated = convert(copies, tmp_path / "lo")
    for copy, recalc in zip(copies, recalculated):
        cached, fresh = CalamineWorkbook.from_path(str(copy)), CalamineWorkbook.from_path(str(recalc))
        cells = list(Package(copy).formula_cells())
        assert len(cells) > 20
        for sheet, ref, _, _ in cells:
            row, col = parse_a1(ref)
            want, got = _at(fresh.get_sheet_by_name(sheet).to_python(skip_empty_area=False), row, col), \
                _at(cached.get_sheet_by_name(sheet).to_python(skip_empty_area=False), row, col)
            assert got == want or (isinstance(got, float) and isinstance(want, float) and abs(got - want) < 1e-9), \
                f"{copy.name} {sheet}!{ref}: cached {got!r}, LibreOffice {want!r}"


def _at(rows, r, c):
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The package checks fail on a workbook with a macro, an external link, an absolute path, a formula without a
    cached value and a sheet without A4 paper."""
    import xlsxwriter

    path = tmp_path / "bad.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_url("A1", "file:///C:/Users/someone/budget.xlsx")
    ws.write_formula("A2", "=1+1", None, 2)
    ws.write_formula("A3", '=IF(A2>0,"","x")', None, "")
    wb.close()
    pkg = Package(path)
    with pytest.raises(AssertionError):
        assert_no_external_links(pkg)
    with pytest.raises(AssertionError):
        assert_no_absolute_paths(pkg)
    with pytest.raises(AssertionError):
        assert_a4_everywhere(pkg)
    assert assert_cached_values(pkg, {("S", "A3")}) == 2
    with pytest.raises(AssertionError):  # an empty cached value the rules did not vouch for
        assert_cached_values(pkg, set())
    pkg.parts[pkg.sheets["S"]] = pkg.parts[pkg.sheets["S"]].replace(b"<v>2</v>", b"")
    with pytest.raises(AssertionError):
        assert_cached_values(pkg)
    pkg.parts["xl/vbaProject.bin"] = b""
    with pytest.raises(AssertionError):
        assert_no_macros(pkg)
