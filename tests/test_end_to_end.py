"""Read + check the seed-004 forms as exported and in every awkward-but-valid spelling; plant errors."""

import json
import subprocess
import sys

import pytest

from perfeval_xl.api import check_file
from sample_data import build
from sample_data.seed004 import FORMS

from conftest import SAMPLES

VALUE_KEYS = ("execution_rate", "execution_score", "indicator_score_total", "total_score", "grade")
BY_SLUG = {f["slug"]: f for f in FORMS}


def _values(result):
    return {k: result.values.get(k) for k in VALUE_KEYS}


def _want(expected, slug):
    return {k: expected[slug][k] for k in VALUE_KEYS}


@pytest.mark.parametrize("slug", [f["slug"] for f in FORMS])
def test_every_sample_file_reads_to_the_seed_figures_without_errors(slug, expected):
    report = check_file(SAMPLES / "meishan_2023" / f"{slug}.xlsx")
    assert report.refusal is None
    [result] = report.results
    assert _values(result) == _want(expected, slug)
    assert [f for f in result.findings if f.severity == "error"] == []


def test_the_twelve_form_workbook_reads_one_form_per_sheet_after_cover_sheets(expected):
    report = check_file(SAMPLES / "meishan_2023_all.xlsx")
    assert [r.form.sheet for r in report.results] == [f"自评表{i}" for i in range(1, 13)]
    assert [_values(r) for r in report.results] == [_want(expected, f["slug"]) for f in FORMS]
    assert report.errors == 0


LAYOUTS = {
    "offset": dict(origin=(3, 2)),
    "renamed": dict(sheet_name="Sheet1"),
    "blank_rows": dict(blank_rows_at=[10, 11, 17, 18]),
    "unmerged": dict(unmerged=True),
    "label_noise": dict(label_noise=True),
    "amounts_text": dict(amounts="text"),
    "amounts_wan_suffix": dict(amounts="wan_suffix"),
    "amounts_yuan": dict(amounts="yuan"),
    "amounts_fullwidth": dict(amounts="fullwidth"),
    "rates_fullwidth": dict(rates="fullwidth_percent"),
    "rates_fraction": dict(rates="fraction"),
    "rates_percent_number": dict(rates="percent_number"),
    "rates_full_precision": dict(rates="full_precision"),
    "zero_dash": dict(zero_as="—"),
    "zero_hyphen": dict(zero_as="-"),
    "cover": dict(cover_sheet=True),
    "everything": dict(origin=(2, 1), unmerged=True, label_noise=True, amounts="yuan", rates="fullwidth_percent",
                       zero_as="—", blank_rows_at=[12, 19], cover_sheet=True),
}
AWKWARD_SLUGS = ["04_window_outsourcing", "05_one_window_network", "07_logistics_property", "10_procurement_review_fees"]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("slug", AWKWARD_SLUGS)
def test_awkward_but_valid_layouts_read_the_same(tmp_path, expected, slug, layout):
    path = build.build_workbook(tmp_path / "f.xlsx", [BY_SLUG[slug]], **LAYOUTS[layout])
    report = check_file(path)
    assert report.refusal is None, report.refusal
    [result] = report.results
    assert _values(result) == _want(expected, slug)
    assert [f.message for f in result.findings if f.severity == "error"] == []


def _check_one(tmp_path, slug, overrides, **layout):
    path = build.build_workbook(tmp_path / "f.xlsx", [BY_SLUG[slug]], overrides=overrides, **layout)
    [result] = check_file(path).results
    return result


def _by_cell(result):
    return {(f.check, f.cell): f for f in result.findings}


def test_a_wrong_rate_is_an_error_at_its_cell(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("budget", 0, "rate"): "73.38%"})
    f = _by_cell(r)[("C02", "F10")]
    assert (f.severity, f.stated, f.computed) == ("error", 0.7338, 0.7138)


def test_a_rate_off_by_amount_rounding_only_is_not_an_error(tmp_path):
    # 评审费: 13.78/15 = 91.867%, printed 91.84%: within what 0.01-rounded amounts allow (DOMAIN R1)
    r = _check_one(tmp_path, "10_procurement_review_fees", {})
    assert ("C02", "F10") not in _by_cell(r)


def test_a_wrong_execution_score_is_reported(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("budget", 0, "score"): "7.2", ("total_score",): "97.2"})
    f = _by_cell(r)[("C03", "H10")]
    assert (f.stated, f.computed) == (7.2, 7.1)


def test_a_score_above_its_weight_is_an_error(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("indicators", 0, "score"): "25", ("total_score",): "102.1"})
    f = _by_cell(r)[("C08", "I17")]
    assert (f.severity, f.stated, f.computed) == ("error", 25, 20)
    assert r.values["total_score"] == 97.1  # recomputed, not the stated 102.1


def test_a_total_that_does_not_add_up_is_an_error(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("total_score",): "98.1"})
    f = _by_cell(r)[("C09", "I22")]
    assert (f.severity, f.stated, f.computed) == ("error", 98.1, 97.1)


def test_sub_lines_that_do_not_add_up_to_the_total_line(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("budget", 1, "executed"): "140.88"})
    f = _by_cell(r)[("C01", "E10")]
    assert (f.severity, f.stated, f.computed) == ("error", 142.88, 140.88)


def test_indicator_weights_must_add_to_90(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("indicators", 1, "weight"): "25"})
    f = _by_cell(r)[("C07", "H22")]
    assert (f.severity, f.stated, f.computed) == ("error", 95, 90)


def test_missing_score_is_an_error(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("indicators", 2, "score"): ""})
    assert _by_cell(r)[("C10", "I19")].severity == "error"


def test_amounts_and_scores_beyond_their_precision_are_noted(tmp_path):
    # C29: 0.001 万元 in an amount; an execution score with two decimals where Sichuan keeps one (7.14 ≈ 7.1: no C03)
    r = _check_one(tmp_path, "04_window_outsourcing", {("budget", 0, "executed"): "142.883",
                                                       ("budget", 1, "executed"): "142.883",
                                                       ("budget", 0, "score"): "7.14", ("total_score",): "97.14"})
    found = _by_cell(r)
    notes = {cell: (f.severity, f.stated) for (check, cell), f in found.items() if check == "C29"}
    assert notes == {"E10": ("info", 142.883), "E11": ("info", 142.883), "H10": ("info", 7.14)}
    assert "保留的 1 位小数" in found[("C29", "H10")].message
    assert not any(check in ("C03", "C09") for check, _ in found)


def test_a_not_applicable_indicator_scored_full_is_noted(tmp_path):
    r = _check_one(tmp_path, "04_window_outsourcing", {("indicators", 0, "actual"): "不适用"})
    f = _by_cell(r)[("C28", "I17")]
    assert (f.severity, f.stated) == ("info", 20)
    assert "不适用" in f.message
    assert r.errors == 0


def test_a_low_partial_score_is_recomputed_by_the_rule(tmp_path):
    # 数量 11 targeted, 10 delivered: 20 × 10/11 = 18.18, not the full 20 typed
    r = _check_one(tmp_path, "04_window_outsourcing", {("indicators", 0, "actual"): "10"})
    f = _by_cell(r)[("C12", "I17")]
    assert (f.stated, f.computed) == (20, 18.18)
    assert r.values["indicator_score_total"] == 88.18


def test_real_problems_of_the_seed_forms_are_found(expected):
    report = check_file(SAMPLES / "meishan_2023_all.xlsx")
    found = {(r.form.sheet, f.check, f.cell) for r in report.results for f in r.findings}
    assert ("自评表4", "C23", "G21") in found  # cost 162.71 reported, 142.88 spent
    assert ("自评表5", "C24", "I23") in found  # 28.41% executed, every indicator full marks
    assert ("自评表5", "C21", "F6") in found  # instruction text left in 年度目标完成情况
    assert ("自评表3", "C13", "G19") in found  # 67.8 of 50 (135.6%)
    assert ("自评表1", "C15", "C23") in found  # 评价结论 says 良好 for a total of 100
    assert ("自评表1", "C06", "I10") in found  # 年初 0 → 调整后 446.50 without a reason
    assert ("自评表12", "C24", "I23") in found  # 0% executed, 90 points


def test_the_national_layout_is_recognised_and_checked(expected):
    report = check_file(SAMPLES / "national" / "outsourcing_national.xlsx")
    [result] = report.results
    assert result.profile.id == "national.project_selfeval"
    assert _values(result) == _want(expected, "national_outsourcing")
    assert report.errors == 0


def test_cli_json_and_exit_codes(tmp_path):
    good = SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(good), "--json"], capture_output=True, text=True)
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert doc["status"] == "checked" and doc["error"] is None
    assert doc["forms"][0]["values"]["execution_rate"] == 0.7138
    bad = build.build_workbook(tmp_path / "bad.xlsx", [BY_SLUG["04_window_outsourcing"]], overrides={("total_score",): "98.1"})
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(bad), "--json"], capture_output=True, text=True)
    assert out.returncode == 1
    junk = tmp_path / "junk.xlsx"
    junk.write_text("<html><table><tr><td>1</td></tr></table></html>", encoding="utf-8")
    before = junk.read_bytes()
    out = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "check", str(junk), "--json"], capture_output=True, text=True)
    assert out.returncode == 3
    doc = json.loads(out.stdout)
    assert doc["status"] == "refused" and doc["error"]["code"] == "not_spreadsheet" and doc["forms"] == []
    assert junk.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx", "junk.xlsx"]  # no partial output


def test_two_forms_stacked_on_one_sheet_are_both_read(tmp_path, expected):
    wb = build.new_workbook()
    ws = wb.create_sheet("两张表")
    rows = build.write_form(ws, BY_SLUG["04_window_outsourcing"])
    build.write_form(ws, BY_SLUG["05_one_window_network"], origin=(max(rows.values()) + 3, 0))
    build.save_deterministic(wb, tmp_path / "two.xlsx")
    report = check_file(tmp_path / "two.xlsx")
    assert [_values(r) for r in report.results] == [_want(expected, "04_window_outsourcing"), _want(expected, "05_one_window_network")]
    assert [r.values["project"][:21] for r in report.results] == ["51140022T000000289349", "51140022T000000289351"]
    assert report.errors == 0


@pytest.mark.libreoffice
def test_legacy_xls_saved_by_a_spreadsheet_reads_the_same(tmp_path, expected):
    from perfeval_xl import lo

    [xls] = lo.convert([SAMPLES / "meishan_2023" / "04_window_outsourcing.xlsx"], tmp_path, to="xls")
    [result] = check_file(xls).results
    assert _values(result) == _want(expected, "04_window_outsourcing")


def test_yunnan_export_with_sign_value_unit_columns_reads_as_the_national_form(tmp_path):
    """丽江-style: the national layout, 年度指标值 split into 指标性质 | 指标值 | 度量单位, '﹦' (U+FE66) as the sign."""
    import xlsxwriter

    path = tmp_path / "lijiang.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("项目支出绩效自评表")
    rows = [
        ["项目支出绩效自评表"],
        ["项目名称", "", "某项目"],
        ["项目资金（万元）", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额", "", 7.29, 7.29, 7.29, 10, "100%", 10],
        ["", "其中：当年财政拨款", "", 7.29, 7.29, 7.29, "", "100%", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["", "产出指标", "数量指标", "补助金额", "﹦", 72890, "元", 72890, 50, 50, ""],
        ["", "效益指标", "社会效益指标", "受益人数", "≥", 10, "人", 9, 30, 27, ""],
        ["", "满意度指标", "服务对象满意度指标", "满意度", "≥", 90, "%", 95, 10, 10, ""],
        ["总分", "", "", "", "", "", "", "", 100, 97, ""],
    ]
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    [result] = check_file(path).results
    assert result.profile.id == "national.project_selfeval"
    assert {k: result.values[k] for k in VALUE_KEYS} == {
        "execution_rate": 1, "execution_score": 10, "indicator_score_total": 87, "total_score": 97, "grade": "优"}
    assert [f.check for f in result.findings if f.check in ("C10", "C11")] == []
