"""How a template sheet is laid out for printing (write/printing.py): the orientation the column widths call for, where
pages break, row heights from the text, and the 年度 input a title reads."""

import pytest

from perfeval_xl.errors import UsageError
from perfeval_xl.write.printing import (LINE_PT, PAD_PT, TallText, orientation, page_breaks, print_scale, text_height,
                                        text_lines, widen)
from perfeval_xl.write.sheet import template_year, year_formula, year_text


# --- orientation ----------------------------------------------------------------------------------------------------
def test_a_sheet_too_wide_for_portrait_prints_landscape():
    assert orientation([10, 14, 30, 9, 10, 9, 10, 7, 8, 24]) is True  # the Sichuan form: 131 units
    assert print_scale([10, 14, 30, 9, 10, 9, 10, 7, 8, 24], landscape=True) == 0.82  # 11 pt prints at 9.02
    assert print_scale([10, 14, 30, 9, 10, 9, 10, 7, 8, 24], landscape=False) == 0.57  # 6.3 pt in portrait


def test_a_narrow_sheet_prints_portrait_at_full_size():
    assert orientation([30, 14, 46]) is False  # 基础数据
    assert print_scale([20, 20], landscape=False) == 1  # never enlarged


def test_a_column_is_widened_as_far_as_landscape_keeps_the_text_at_9_pt():
    wide = widen([12, 12, 26, 7, 8, 56], 5)
    assert wide[:5] == [12, 12, 26, 7, 8] and wide[5] == 69
    assert print_scale(wide, landscape=True) * 11 >= 9 > print_scale(wide[:5] + [70], landscape=True) * 11
    assert widen([12, 12, 26, 7, 8, 200], 5)[5] == 200  # never narrower


# --- row heights ----------------------------------------------------------------------------------------------------
def test_text_takes_lines_by_its_display_width_and_its_line_breaks():
    assert text_lines("一级指标", 10) == 1  # 4 × 15 px in 75 − 6 px
    assert text_lines("服务对象满意度指标", 10) == 2
    assert text_lines("评价要点：\n①是否细化\n②是否清晰", 56) == 3  # each paragraph on lines of its own
    assert text_lines("ab" * 100, 20) == 12  # 1600 px of other characters in 140 px
    assert text_lines("一二三四五六七八九十", [5, 5]) == 3  # two merged columns: 40 + 40 − 6 px
    assert text_height("一\n二", 10) == 2 * LINE_PT + PAD_PT


# --- page breaks ----------------------------------------------------------------------------------------------------
def test_pages_break_where_the_rows_no_longer_fit():
    assert page_breaks([100.0] * 10, 450) == [4, 8]


def test_a_page_never_breaks_inside_a_kept_block():
    # rows 3..5 belong together (a header with its first row): the page ends before them
    assert page_breaks([100.0] * 10, 450, keep=[(3, 5)]) == [3, 7]


def test_a_merged_label_stays_whole_on_one_page():
    # a label of one line merged over rows 2..5 (tops 200..600) prints around 400: no break at row 4 (top 400)
    label = TallText(2, 5, 1)
    assert page_breaks([100.0] * 10, 450, texts=[label]) == [3, 7]
    # merged over rows 2..7, its middle is at 500: the break at row 4 (top 400) stays
    assert page_breaks([100.0] * 10, 450, texts=[TallText(2, 7, 1)]) == [4, 8]


def test_a_block_taller_than_a_page_is_broken_where_it_must():
    assert page_breaks([100.0] * 10, 450, keep=[(0, 9)]) == [4, 8]


def test_pages_after_the_repeated_header_hold_less():
    # row 1 (50 pt) repeats at the top of every page after it
    assert page_breaks([50.0] + [100.0] * 9, 520) == [5]
    assert page_breaks([50.0] + [100.0] * 9, 520, repeat=(0, 0)) == [5, 9]  # 50 + 500 on page 2
    assert page_breaks([50.0] + [100.0] * 9, 520, repeat=(6, 6)) == [5]  # row 7 is not above page 2


# --- the year -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, year", [(None, None), ("", None), ("  ", None), (2024, 2024), ("2024", 2024),
                                         (" 1999 ", 1999)])
def test_a_four_digit_year_or_none_is_taken(given, year):
    assert template_year(given) == year


@pytest.mark.parametrize("given", ["24", "２０２４", "2024年", 24, 2024.0, "1899", "2100", True, "20 24"])
def test_anything_else_is_refused_with_a_message_in_both_languages(given):
    with pytest.raises(UsageError) as e:
        template_year(given)
    assert "四位数字" in e.value.zh and "four-digit year" in e.value.en


def test_the_title_formula_reads_the_year_input_and_shows_a_gap_without_one():
    assert year_formula("（{year}年度）", "G3") == '"（"&IF(G3="","    ",G3)&"年度）"'
    assert year_formula('部门"预算"({year}年度)', "H2") == '"部门""预算""("&IF(H2="","    ",H2)&"年度)"'
    assert (year_text("（{year}年度）", None), year_text("（{year}年度）", 2024)) == ("（    年度）", "（2024年度）")
