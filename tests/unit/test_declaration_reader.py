"""Reading 绩效目标申报表 forms off a sheet (read/declaration.py) from value grids: the layouts real exports take."""

from __future__ import annotations

from decimal import Decimal

from perfeval_xl.profile import get_profile
from perfeval_xl.read.declaration import find_declarations
from perfeval_xl.read.workbook import Grid

PROFILE = get_profile("national.declaration")


def grid(*rows: list, merges=(), name="申报表") -> Grid:
    width = max(len(r) for r in rows)
    return Grid(name, [list(r) + [None] * (width - len(r)) for r in rows], list(merges))


HEAD = ["项目支出绩效目标申报表"], ["( 2021年度)"], ["项目名称", "", "培训项目"]
TWO_HALVES = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"]


def test_two_halves_are_medium_then_annual_with_their_own_second_levels():
    g = grid(*HEAD, ["项目资金（万元）", "中期资金总额：", "", "", 300, "年度资金总额：", "", 100], TWO_HALVES,
             ["", "产出指标", "数量指标", "培训人次", "≥300人次", "数量指标", "培训人次", "≥100人次"],
             ["", "", "质量指标", "合格率", "≥95%", "时效指标", "完成时间", "2021年底前"])
    (form,) = find_declarations(g, PROFILE)
    assert form.halves == ("medium", "annual") and form.year == 2021 and form.header_row == 4
    assert [(t.half, t.row, t.level1, t.level2, t.name, t["target"].text) for t in form.rows] == [
        ("medium", 5, "产出指标", "数量指标", "培训人次", "≥300人次"),
        ("medium", 6, "产出指标", "质量指标", "合格率", "≥95%"),
        ("annual", 5, "产出指标", "数量指标", "培训人次", "≥100人次"),
        ("annual", 6, "产出指标", "时效指标", "完成时间", "2021年底前")]
    assert [(f.half, f.key, f.cell.ref, f.cell.number) for f in form.funds] == [
        ("medium", "total", "E4", Decimal(300)), ("annual", "total", "H4", Decimal(100))]
    assert form.fields["project"].text == "培训项目"


def test_labels_over_the_halves_decide_which_is_which():
    over = ["", "", "年度指标", "年度指标", "年度指标", "中期指标", "中期指标", "中期指标"]
    g = grid(*HEAD, over, TWO_HALVES, ["", "产出指标", "数量指标", "培训人次", "≥100人次", "数量指标", "培训人次",
                                       "≥300人次"], merges=[((3, 2), (3, 4)), ((3, 5), (3, 7))])
    (form,) = find_declarations(g, PROFILE)
    assert form.halves == ("annual", "medium")
    assert {t.half: t["target"].text for t in form.rows} == {"annual": "≥100人次", "medium": "≥300人次"}


def test_a_template_numbering_and_empty_numbered_rows_are_no_indicators():
    g = grid(*HEAD, ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
             ["", "产出指标", "数量指标", "指标1：培训人次", "≥100人次"], ["", "", "", "指标2：", ""],
             ["", "", "", "……", None])
    (form,) = find_declarations(g, PROFILE)
    assert form.halves == ("annual",)
    assert [(t.name, t.named) for t in form.rows] == [("培训人次", True), ("", False), ("", False)]


def test_merged_first_levels_carry_down_and_a_new_first_level_resets_the_second():
    g = grid(*HEAD, ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
             ["", "产出指标", "数量指标", "培训人次", "≥100人次"], ["", None, None, "培训天数", "≥5天"],
             ["", "效益指标(30分)", None, "能力提升", "明显"], merges=[((4, 1), (5, 1)), ((4, 2), (5, 2))])
    (form,) = find_declarations(g, PROFILE)
    assert [(t.level1, t.level2, t.level1_cell.ref) for t in form.rows] == [
        ("产出指标", "数量指标", "B5"), ("产出指标", "数量指标", "B5"), ("效益指标", "", "B7")]


def test_amounts_read_right_of_their_labels_across_gaps_or_below_labels_side_by_side():
    g = grid(*HEAD, ["项目资金(元)", "年度资金总额", "财政拨款", "其他资金"], ["", 1000000, 800000, 200000],
             ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"], ["", "产出指标", "数量指标", "人次", "100"])
    (form,) = find_declarations(g, PROFILE)
    assert form.amount_unit == "元"
    assert [(f.key, f.cell.ref, f.cell.number) for f in form.funds] == [
        ("total", "B5", Decimal(1000000)), ("fiscal", "C5", Decimal(800000)), ("other", "D5", Decimal(200000))]


def test_a_blank_amount_is_read_as_the_blank_cell_beside_its_label():
    g = grid(*HEAD, ["项目资金（万元）", "中期资金总额：", "", "", None, "年度资金总额：", "", 100],
             ["", "其中：财政拨款", "", "", 300, "其中：财政拨款", "", 100], TWO_HALVES,
             ["", "产出指标", "数量指标", "人次", "≥300人次", "数量指标", "人次", "≥100人次"],
             merges=[((3, 1), (3, 3)), ((4, 1), (4, 3))])
    (form,) = find_declarations(g, PROFILE)
    assert [(f.half, f.key, f.cell.ref, f.cell.blank) for f in form.funds] == [
        ("medium", "total", "E4", True), ("annual", "total", "H4", False), ("medium", "fiscal", "E5", False),
        ("annual", "fiscal", "H5", False)]


def test_goals_below_their_headings_or_beside_a_single_label():
    g = grid(*HEAD, ["总体目标", "中期目标（2021年-2023年）", "", "", "", "年度目标"],
             ["", "三年完成改革", "", "", "", "完成年度任务"], TWO_HALVES,
             merges=[((3, 0), (4, 0)), ((3, 1), (3, 4)), ((4, 1), (4, 4)), ((3, 5), (3, 7)), ((4, 5), (4, 7))])
    (form,) = find_declarations(g, PROFILE)
    assert {h: c.text for h, c in form.goals.items()} == {"medium": "三年完成改革", "annual": "完成年度任务"}
    g = grid(*HEAD, ["总体目标", "完成年度培训任务"], ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"])
    (form,) = find_declarations(g, PROFILE)
    assert form.goals["annual"].text == "完成年度培训任务"


def test_a_note_across_the_table_ends_it_and_a_repeated_header_is_skipped():
    header = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"]
    g = grid(*HEAD, header, ["", "产出指标", "数量指标", "人次", "≥100"], header, ["", "", "质量指标", "合格率", "≥95%"],
             ["注：指标值应量化"], ["", "", "", "说明", "文字"], merges=[((8, 0), (8, 4))])
    (form,) = find_declarations(g, PROFILE)
    assert [t.name for t in form.rows] == ["人次", "合格率"]


def test_two_forms_on_one_sheet_are_read_apart():
    one = [["项目支出绩效目标申报表"], ["( 2020年度)"], ["项目名称", "甲项目"],
           ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"], ["", "产出指标", "数量指标", "人次", "≥100"]]
    two = [["项目支出绩效目标申报表"], ["( 2021年度)"], ["项目名称", "乙项目"],
           ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"], ["", "效益指标", "社会效益指标", "能力", "提升"]]
    forms = find_declarations(grid(*one, [], *two), PROFILE)
    assert [(f.fields["project"].text, f.year, f.header_row, [t.name for t in f.rows]) for f in forms] == [
        ("甲项目", 2020, 3, ["人次"]), ("乙项目", 2021, 9, ["能力"])]


def test_the_year_is_read_from_the_year_line_or_else_from_the_title():
    body = (["项目名称", "", "培训项目"], ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"])
    (form,) = find_declarations(grid(["2022年项目支出绩效目标申报表"], *body), PROFILE)
    assert form.year == 2022
    (form,) = find_declarations(grid(["项目支出绩效目标申报表"], ["", "", "单位：万元"], *body), PROFILE)
    assert form.year is None


def test_halves_follow_the_order_of_the_fund_columns_when_nothing_labels_them():
    g = grid(*HEAD, ["项目资金（万元）", "年度资金总额：", "", "", 100, "中期资金总额：", "", 300], TWO_HALVES,
             ["", "产出指标", "数量指标", "培训人次", "≥100人次", "数量指标", "培训人次", "≥300人次"])
    (form,) = find_declarations(g, PROFILE)
    assert form.halves == ("annual", "medium")
    assert {t.half: t["target"].text for t in form.rows} == {"annual": "≥100人次", "medium": "≥300人次"}
