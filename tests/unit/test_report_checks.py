"""A report's sentences against forms built in memory (and two transcribed frameworks): every report finding case
triggered once, its near miss silent, and the name matching that must never link a figure to the wrong project."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from perfeval_xl.api import Report, check_file
from perfeval_xl.report.check import agrees, check_paragraphs
from perfeval_xl.report.document import Paragraph
from perfeval_xl.report.facts import subjects_of
from perfeval_xl.report.vocabulary import vocabulary

from expect import hits, silent
from forms import check, sichuan_spent

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
OUTSOURCING = "51140022T000000289349-“一窗进出”改革前台岗位外包服务经费"
HALL = "51140022T000000289354-办件大厅运行经费"
LINKAGE = "51140023T000007858416-市12345政务服务便民热线与110报警服务台高效对接联动经费"


def project(name: str, adjusted: str, executed: str, rate: str, score: str, **kw):
    return sichuan_spent(adjusted, executed, rate, score, fields={"project": name}, **kw)


def forms_default():
    return [project(OUTSOURCING, "200.16", "142.88", "71.38%", "7.1"),
            project(HALL, "373.36", "354.93", "95.06%", "9.5"),
            project(LINKAGE, "98", "86.58", "88.35%", "8.8")]


def run(text: str | list[str], forms=None, workbooks=()):
    """The outcome of checking paragraphs (one per line of `text`) against the forms and the sample workbooks."""
    lines = text.splitlines() if isinstance(text, str) else text
    reports = [Report(path=Path(f"form{i}.xlsx"), results=[check(f)]) for i, f in enumerate(forms or [])]
    reports += [check_file(SAMPLES / w) for w in workbooks]
    paragraphs = [Paragraph(i, line, len(line) <= 40 and "，" not in line and "。" not in line[:-1])
                  for i, line in enumerate(lines, 1)]
    return check_paragraphs(paragraphs, subjects_of(reports, vocabulary()), vocabulary())


# --- C16: a project's figure -----------------------------------------------------------------------------------------
def test_a_budget_that_is_not_the_forms_is_c16():
    out = run("（10）市12345政务服务便民热线与110报警服务台高效对接联动经费项目绩效目标完成情况综述。项目全年预算数86.58万元，"
              "执行数为86.58万元，完成预算的100%。", forms_default())
    assert hits(out.findings, "C16.figure") == [
        ("C16", "error", "D10", Decimal("86.58"), Decimal("98"), ),
        ("C16", "error", "F10", Decimal("100"), Decimal("88.3500")),
    ]
    f = out.findings[0]
    assert (f.paragraph, f.unit, f.source.file) == (1, "万元", "form2.xlsx")


def test_figures_that_agree_rounded_or_cut_are_silent():
    out = run("二是办件大厅运行经费项目，涉及预算金额373.36万元，预算执行率95.1%，自评得分99.5分。\n"
              "一是“一窗进出”改革前台岗位外包服务经费项目，执行数1428800元，预算执行率71%，自评得分97.1分。",
              forms_default())
    silent(out.findings, "C16")
    assert out.linked == 6


def test_a_score_in_another_clause_of_the_projects_sentence_is_compared():
    out = run("五是办件大厅运行经费项目，涉及预算金额373.36万元，自评得分91.8分。", forms_default())
    assert hits(out.findings, "C16.figure") == [("C16", "error", "I22", Decimal("91.8"), Decimal("99.5"))]


def test_a_change_an_estimate_or_a_bound_is_never_compared():
    out = run("办件大厅运行经费项目预算较上年增加50万元，执行数约300万元，预算执行率达到90%，满意度95%以上。", forms_default())
    silent(out.findings, "C16")
    assert out.linked == 0 and out.unlinked == 4


def test_the_paragraphs_project_carries_to_its_next_sentences_and_a_heading_to_its_paragraphs():
    out = run(["（一）办件大厅运行经费项目", "项目全年预算数370万元，执行数为354.93万元。"], forms_default())
    assert hits(out.findings, "C16.figure") == [("C16", "error", "D10", Decimal("370"), Decimal("373.36"))]


def test_a_figure_after_a_department_word_is_not_the_projects():
    out = run("办件大厅运行经费项目完成良好，部门预算执行率为80%。", forms_default())
    silent(out.findings, "C16")


# --- names: tolerant, never wrong ------------------------------------------------------------------------------------
def test_a_shortened_name_is_matched_when_only_one_project_fits():
    out = run("“一窗进出”外包服务经费项目预算执行率为60%。", forms_default())
    assert [f.source.file for f in out.findings] == ["form0.xlsx"]
    assert hits(out.findings, "C16.figure")[0][3:] == (Decimal("60"), Decimal("71.3800"))


def test_near_identical_project_names_are_told_apart():
    forms = [project("市12345政务服务便民热线运行经费", "100", "90", "90.00%", "9"),
             project("市12345政务服务便民热线升级经费", "200", "150", "75.00%", "7.5")]
    out = run("12345热线升级经费项目预算执行率为75%。12345热线运行经费项目预算执行率为80%。", forms)
    assert [(f.source.file, f.stated) for f in out.findings] == [("form0.xlsx", Decimal("80"))]


def test_a_mention_both_near_identical_projects_answer_to_is_left_unlinked():
    forms = [project("市12345政务服务便民热线运行经费", "100", "90", "90.00%", "9"),
             project("市12345政务服务便民热线升级经费", "200", "150", "75.00%", "7.5")]
    out = run("12345政务服务热线经费项目预算执行率为60%。", forms)
    assert out.findings == [] and out.linked == 0 and out.unlinked == 1


def test_a_project_that_is_not_among_the_forms_is_not_linked_to_a_similar_one():
    out = run("办公用房维修改造项目预算数285万元，预算执行率0%。", forms_default())
    assert out.findings == [] and out.linked == 0


def test_a_project_named_by_its_code_is_linked():
    out = run("项目51140022T000000289354全年预算数300万元。", forms_default())
    assert hits(out.findings, "C16.figure")[0][3:] == (Decimal("300"), Decimal("373.36"))


# --- C17: figures over a group -----------------------------------------------------------------------------------------
GROUP = ("常年项目绩效分析。该类项目总数3个，一是“一窗进出”改革前台岗位外包服务经费项目，涉及预算金额200.16万元，"
         "预算执行率71.38%。二是办件大厅运行经费项目，涉及预算金额373.36万元，预算执行率95.06%。三是市12345政务服务便民热线与"
         "110报警服务台高效对接联动经费项目，涉及预算金额98万元，预算执行率88.35%。")


def test_a_group_total_that_the_forms_do_not_add_up_to_is_c17():
    out = run(GROUP + "3个项目共涉及预算总金额571.52万元，1—12月预算执行总体进度为70%，其中：预算结余率大于10%的项目共计3个。",
              forms_default())
    assert hits(out.findings, "C17.sum") == [("C17", "error", "D10", Decimal("571.52"), Decimal("671.52"))]
    assert hits(out.findings, "C17.rate") == [("C17", "error", "E10", Decimal("70"), Decimal("87.02"))]
    assert hits(out.findings, "C17.count") == [("C17", "error", "F10", Decimal("3"), 2)]


def test_a_group_total_that_adds_up_is_silent():
    out = run(GROUP + "3个项目共涉及预算总金额671.52万元，1—12月预算执行总体进度为87.02%，其中：预算结余率大于10%的项目共计2个。",
              forms_default())
    silent(out.findings, "C17")
    assert out.findings == []


def test_a_group_whose_size_the_text_misstates_is_not_recomputed():
    out = run(GROUP.replace("总数3个", "总数4个") + "4个项目共涉及预算总金额100万元。", forms_default())
    silent(out.findings, "C17")


# --- C19 and C15 ---------------------------------------------------------------------------------------------------
def test_a_satisfaction_the_questionnaire_does_not_give_is_c19():
    out = run("部门效果。通过满意度调查问卷，满意度为95%，得7分。", workbooks=["frameworks/xundian_2024_dept.xlsx"])
    assert hits(out.findings, "C19.questionnaire") == [("C19", "error", "E36", Decimal("95"), Decimal("100"))]


def test_the_questionnaires_own_satisfaction_is_silent():
    out = run("通过满意度调查问卷，满意度为100%。", workbooks=["frameworks/xundian_2024_dept.xlsx"])
    silent(out.findings, "C19")


def test_a_projects_satisfaction_that_no_satisfaction_indicator_reports_is_c19():
    out = run("办件大厅运行经费项目群众满意度为98%。办件大厅运行经费项目群众满意度为95%。", forms_default())
    assert hits(out.findings, "C19.indicator") == [("C19", "error", "G19", Decimal("98"), "95%")]


def test_a_grade_word_that_does_not_fit_the_total_is_c15():
    out = run("其中，部门整体绩效自评得分为95.78分，自查自评结果良好。\n办件大厅运行经费项目自评得分99.5分，评价等级为“良”。",
              forms_default(), ["frameworks/meishan_2023_dept_system.xlsx"])
    assert hits(out.findings, "C15.report") == [("C15", "warning", "S32", "良好", "优"),
                                                 ("C15", "error", "I22", "良", "优")]


def test_a_grade_word_that_fits_and_a_grade_word_that_is_not_a_grade_are_silent():
    out = run("县政务服务管理局得分99分，部门整体支出绩效为“优秀”。\n确保在全省营商环境测评中稳居优秀等次，结果中可以看出差距。",
              workbooks=["frameworks/xundian_2024_dept.xlsx"])
    silent(out.findings, "C15")


# --- C16 on a framework's indicator ------------------------------------------------------------------------------------
def test_an_indicator_score_the_framework_does_not_give_is_c16():
    out = run("部门职能总评价分10分，实际得分9分。", workbooks=["frameworks/xundian_2024_dept.xlsx"])
    assert hits(out.findings, "C16.node")[0][3:] == (Decimal("9"), Decimal("10"))


def test_an_indicator_score_in_a_scoring_rule_is_not_a_statement():
    out = run("服务对象满意度指标100%得8分，95%以上得6分。\n部门管理总评价分20分，评价得分20分。",
              workbooks=["frameworks/meishan_2023_special_system.xlsx", "frameworks/xundian_2024_dept.xlsx"])
    silent(out.findings, "C16.node")


@pytest.mark.parametrize("value, digits, form, ok", [
    ("21.1", 1, "21.15", True),  # cut, as people shorten
    ("21.2", 1, "21.15", True),  # rounded half-up
    ("96", 0, "95.06", False),
    ("100", 0, "99.905", True),
    ("2001634", 0, "200.16", False),  # (yuan not converted here: units are the caller's)
    ("200.1634", 4, "200.16", True),  # more precise than the form: compared at the form's 0.01
])
def test_agreement_follows_the_decimals_written(value, digits, form, ok):
    assert agrees(Decimal(value), digits, Decimal(form)) is ok
