"""Workbooks saved without the values of their formulas (openpyxl, Java/PHP platform exports) are read as the
spreadsheet would show them: every formula computed by the safe evaluator, never read as blank (issue 11)."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import fill_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfeval_xl.api import check_file
from perfeval_xl.lo import convert
from perfeval_xl.profile import get_profile, shipped_profiles
from perfeval_xl.verify import fills_for, poison
from perfeval_xl.write.templates import write_template_for

SELF_EVALUATIONS = [p for p in shipped_profiles().values() if p.has_template and p.kind in ("project_selfeval",
                                                                                             "framework")]
FILLS = 5  # per profile: the pool the property test draws from


def _outcome(path):
    report = check_file(path)
    assert report.refusal is None, report.refusal
    return ([r.values for r in report.results],
            [(f.check, f.severity, f.sheet, f.cell, f.message) for f in report.findings])


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """Every self-evaluation template filled at random; each fill recalculated by LibreOffice (cached values
    poisoned first, so LibreOffice's own results are read) and saved by openpyxl (no cached values at all)."""
    root = tmp_path_factory.mktemp("uncached")
    written, poisoned = [], []
    for profile in SELF_EVALUATIONS:
        for i, fill in enumerate(fills_for(profile, FILLS, seed=11)):
            path = root / f"{profile.id}_{i}.xlsx"
            write_template_for(profile, path, year=2024, fill=fill)
            poison(path, root / f"p_{path.name}")
            written.append(path)
            poisoned.append(root / f"p_{path.name}")
    recalculated = convert(poisoned, root / "lo")
    saved = []
    for path in written:
        book = openpyxl.load_workbook(path)
        book.save(root / f"o_{path.name}")
        saved.append(root / f"o_{path.name}")
    return list(zip(written, recalculated, saved))


@pytest.mark.libreoffice
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_template_saved_by_openpyxl_checks_as_libreoffice_recalculates_it(pool, data):
    _, recalculated, saved = data.draw(st.sampled_from(pool))
    assert _outcome(saved) == _outcome(recalculated)


@pytest.mark.libreoffice
def test_every_fill_of_the_pool_agrees(pool):
    differ = [w.name for w, recalculated, saved in pool if _outcome(saved) != _outcome(recalculated)]
    assert differ == [] and len(pool) == FILLS * len(SELF_EVALUATIONS)


SEED_ROWS = [  # sample form 4 (“一窗进出”外包服务经费), as an accountant's script would type it
    fill_row("产出指标", "数量指标", "配置咨询导办等外包人员", "≥", "53", "人", "53", "20"),
    fill_row("产出指标", "质量指标", "政务服务事项统一受理", "≥", "100", "%", "100", "20"),
    fill_row("效益指标", "社会效益指标", "群众满意度持续提升", "≥", "95", "%", "98", "20"),
    fill_row("满意度指标", "服务对象满意度指标", "办件满意度", "≥", "95", "%", "99.9", "20"),
    fill_row("成本指标", "经济成本指标", "2023年新招标成本", "≤", "165", "万元", "142.88", "10"),
]


def test_a_template_filled_by_an_openpyxl_script_checks_to_its_values(tmp_path):
    """Fill the blank Sichuan template with openpyxl as a script would (inputs only), save, check: the formulas
    (执行率, 得分, 合计, 等次) are computed, so nothing reads as blank and the total is 97.1."""
    profile = get_profile("sichuan.project_selfeval")
    tmap = write_template_for(profile, tmp_path / "blank.xlsx", year=2023,
                              fill={"indicators": SEED_ROWS})  # where the rows go
    book = openpyxl.load_workbook(tmp_path / "blank.xlsx")
    ws = book[tmap.sheet]
    budget = tmap.budget
    for key, cells in (("fiscal", {"initial": 35.16, "budget": 200.16, "executed": 142.88}),):
        for column, value in cells.items():
            ws[budget[key][column]] = value
    book.save(tmp_path / "filled.xlsx")
    report = check_file(tmp_path / "filled.xlsx")
    [result] = report.results
    assert result.values["execution_rate"] == 0.7138 and result.values["execution_score"] == 7.1
    assert result.values["total_score"] == 97.1 and result.values["grade"] == "优"
    assert report.errors == 0 and not [f for f in report.findings if f.check in ("C09", "C10", "F03")]


def test_a_formula_the_evaluator_cannot_compute_is_one_warning_and_no_error_rests_on_it(tmp_path):
    profile = get_profile("sichuan.project_selfeval")
    tmap = write_template_for(profile, tmp_path / "form.xlsx", year=2023, fill={
        "indicators": SEED_ROWS, "budget": {"fiscal": {"initial": 35.16, "budget": 200.16, "executed": 142.88}}})
    book = openpyxl.load_workbook(tmp_path / "form.xlsx")
    ws = book[tmap.sheet]
    total = tmap.total_score
    ws[total] = f'=INDIRECT("{tmap.budget["total"]["score"]}")+{ws[total].value.lstrip("=")}'  # volatile: not computed
    book.save(tmp_path / "saved.xlsx")
    report = check_file(tmp_path / "saved.xlsx")
    [note] = [f for f in report.findings if f.check == "F03"]
    assert (note.severity.value, note.cell) == ("warning", total) and total in note.message
    assert report.errors == 0 and not [f for f in report.findings if f.cell == total and f.check != "F03"]
    assert report.results[0].values["execution_score"] == 7.1  # everything else computed


def test_the_preflight_tells_a_workbook_of_typed_values_from_one_with_formulas(tmp_path):
    """A workbook without any formula is not scanned for formulas without values (the pre-flight saw none)."""
    import zipfile
    from pathlib import Path

    from perfeval_xl.read.preflight import preflight

    repo = Path(__file__).resolve().parent.parent
    template = repo / "workbook_templates" / "sichuan.project_selfeval.xlsx"
    assert preflight(repo / "sample_data" / "meishan_2023" / "01_hotline_upgrade.xlsx").formulas is False
    assert preflight(template).formulas is True
    # the main namespace under a prefix, one formula in a self-closing shared cell: still seen
    prefixed = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(template) as zin, zipfile.ZipFile(prefixed, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>", b"<x:f\n/><f_>").replace(b"</f>", b"</f_>").replace(b"<f ", b"<f_ ")
                assert data.count(b"<x:f\n/>") > 0 and b"<f>" not in data and b"<f " not in data
            zout.writestr(info, data)
    assert preflight(prefixed).formulas is True
    lookalike = tmp_path / "lookalike.xlsx"  # tags that only begin with f are no formulas
    with zipfile.ZipFile(prefixed) as zin, zipfile.ZipFile(lookalike, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info).replace(b"<x:f\n/>", b""))
    assert preflight(lookalike).formulas is False
