"""The formula evaluator (perfeval_xl.xlformula): Excel's semantics function by function with exact values; whatever
it cannot know exactly is `Uncomputable`, never a guess; the scan of OOXML packages for formulas without cached values
(openpyxl, Apache POI, PhpSpreadsheet, shared and array formulas, strict and prefixed XML); and the proof on every
shipped template: written with random fills, its cached values stripped (or the file saved again by openpyxl), every
formula cell computed equals the Python rules' value.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from perfeval_xl.a1 import parse_a1
from perfeval_xl.verify import agrees, fills_for, template_profiles
from perfeval_xl.write.template import value_as_excel_reads
from perfeval_xl.write.templates import write_template_for
from perfeval_xl.xlformula import (
    FUNCTIONS,
    ErrorText,
    Uncomputable,
    compute_uncached,
    evaluate_formula,
    evaluate_workbook,
    scan_formulas,
    shift_formula,
    uncached_formulas,
)
from perfeval_xl.xlformula import package as package_module
from perfeval_xl.xlformula.semantics import ErrorSignal, Unsupported, text_to_number

U = Uncomputable  # what a cell the evaluator cannot know exactly gives


def ev(text: str, cells: dict | None = None):
    return evaluate_formula(text, cells)


def check(text: str, want, cells: dict | None = None) -> None:
    got = ev(text, cells)
    if want is U:
        assert isinstance(got, Uncomputable), (text, got)
    elif isinstance(want, str) and want.startswith("#"):  # an Excel error: an ErrorText
        assert type(got) is ErrorText and got == want, (text, got, want)
    else:
        assert type(got) is type(want) and got == want, (text, got, want)


# -- the functions of the shipped templates, and their neighbours ------------------------------------------------
SHIPPED_FUNCTIONS = {"IF", "ISNUMBER", "SUBSTITUTE", "LEFT", "IFERROR", "VALUE", "SEARCH", "OR", "ROUND", "MAX", "AND",
                     "MID", "N", "SUM", "FIND", "MIN", "LEN", "COUNT", "SUMPRODUCT", "ROUNDUP"}


def test_every_function_the_templates_write_is_known():
    assert SHIPPED_FUNCTIONS <= set(FUNCTIONS)


@pytest.mark.slow
def test_the_templates_write_no_function_beyond_the_known_ones(tmp_path):
    used = set()
    for profile in template_profiles():
        path = tmp_path / f"{profile.id}.xlsx"
        write_template_for(profile, path)
        for texts in uncached_formulas(_strip(path.read_bytes())).values():
            for text in texts.values():
                used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", text)))
    assert used and used <= set(FUNCTIONS), used - set(FUNCTIONS)


@pytest.mark.parametrize("text, want", [
    ("ROUND(1.005,2)", 1.01), ("ROUND(2.675,2)", 2.68), ("ROUND(0.125,2)", 0.13), ("ROUND(-2.5,0)", -3.0),
    ("ROUND(-0.5,0)", -1.0), ("ROUND(0.7*0.75,2)", 0.53), ("ROUND(0.5249999999999999,2)", 0.53),
    ("ROUND(0.5249999999999995,2)", 0.52),  # 0.524999999999999 to 15 digits: below the tie
    ("ROUND(21.9/0.2,0)", 110.0), ("ROUND(1234.5,-2)", 1200.0), ("ROUND(1.23456,2.9)", 1.23),
    ("ROUND(8.345,2)", 8.35), ("ROUNDUP(1.231,2)", 1.24), ("ROUNDUP(-1.231,2)", -1.24), ("ROUNDUP(1.2,0)", 2.0),
    ("ROUNDUP(0.1+0.2,1)", 0.3), ("ROUNDDOWN(1.239,2)", 1.23), ("ROUNDDOWN(-1.239,2)", -1.23),
    ("INT(-1.5)", -2.0), ("ABS(-3)", 3.0),
])
def test_rounding_is_half_away_from_zero_on_fifteen_digits(text, want):
    check(text, want)


@pytest.mark.parametrize("text, want", [
    ("1+2*3", 7.0), ("2^3^2", 64.0), ("-2^2", 4.0), ("2*-3", -6.0), ("50%", 0.5), ("-50%", -0.5), ("10%%", 0.001),
    ('"a"&1+2', "a3"), ("1<2=TRUE", True), ("0.1+0.2=0.3", True), ("0.3-0.1-0.2", 0.0), ("1-0.9-0.1", 0.0),
    ("1/0", "#DIV/0!"), ("0^0", "#NUM!"), ("0^-1", "#DIV/0!"), ("(-8)^(1/3)", "#NUM!"), ("1E308*10", "#NUM!"),
    ('--"1"', 1.0), ('+"a"', "a"), ('"a"+1', "#VALUE!"), ('" 1,000"+1', 1001.0), ('"95%"*2', 1.9),
    ('"x"&TRUE', "xTRUE"), ('1.5&""', "1.5"), ('1/3&""', "0.333333333333333"), ('0.1+0.2&""', "0.3"),
    ('ROUND(12.5,10)&"分"', "12.5分"), ("#N/A+#N/A", "#N/A"), ("1+#REF!", "#REF!"),
    ("#N/A+1/0", U),  # which of two errors wins is not the same in every engine
])
def test_operators(text, want):
    check(text, want)


@pytest.mark.parametrize("text, want", [
    ('"1"=1', False), ('"a">1', True), ('TRUE>"a"', True), ('"abc"="ABC"', True), ('"a"<"b"', True),
    ('"b10"<"b9"', True), ('"a"<>"a "', True), ('"定性"="定性"', True), ('"≥"="≤"', False), ("FALSE<TRUE", True),
    ('"部分"<"完成"', U),  # the order of Chinese texts is the locale's collation
    ('"（"="("', U), ('"Ａ"="A"', U),  # equal to a width-insensitive comparison only
])
def test_comparisons_follow_excels_type_order_and_ignore_case(text, want):
    check(text, want)


BLANK_A1 = {"B1": 5.0}  # A1 is empty


@pytest.mark.parametrize("text, want", [
    ("A1=0", True), ('A1=""', True), ("A1=FALSE", True), ("A1<1", True), ("A1+1", 1.0), ('A1&"x"', "x"),
    ("ISBLANK(A1)", True), ("ISNUMBER(A1)", False), ("A1", 0.0), ("IF(A1,1,2)", 2.0), ("IF(TRUE,A1)", 0.0),
    ("N(A1)", 0.0), ("VALUE(A1)", 0.0), ("LEN(A1)", 0.0), ("COUNTA(A1:B1)", 1.0), ("COUNT(A1:B1)", 1.0),
])
def test_an_empty_cell_is_zero_empty_text_or_false_as_its_use_needs(text, want):
    check(text, want, BLANK_A1)


def test_the_empty_text_a_formula_gives_is_not_a_blank():
    grid = {"S": [[None, "", 1.0]]}  # A1 blank, B1 holds a formula's cached "" (calamine shows both as '')
    formulas = {"S": {(1, 0): "A1=0", (1, 1): "B1=0", (1, 2): "ISBLANK(B1)", (2, 0): "A2", (2, 1): "B2=0",
                      (1, 3): 'IF(C1=1,"","x")', (2, 3): "D2=0", (3, 3): "ISBLANK(D2)"}}
    got = evaluate_workbook(grid, formulas, empty_text={"S": {(0, 1)}})["S"]
    assert got == {(1, 0): True, (1, 1): False, (1, 2): False, (2, 0): True, (2, 1): False, (1, 3): "",
                   (2, 3): False, (3, 3): False}


@pytest.mark.parametrize("text, want", [
    ("IFERROR(1/0,5)", 5.0), ("IFERROR(2,5)", 2.0), ('IFERROR(VALUE("x"),"")', ""), ("ISERROR(1/0)", True),
    ("ISERR(#N/A)", False), ("ISNA(#N/A)", True), ("ISNUMBER(1/0)", False), ("IFNA(#N/A,1)", 1.0),
    ("IFNA(1/0,1)", "#DIV/0!"), ("_xlfn.IFNA(#N/A,1)", 1.0), ("SUM(1,#N/A)", "#N/A"), ("ROUND(#VALUE!,2)", "#VALUE!"),
    ("IF(1/0,1,2)", "#DIV/0!"), ('IF("x",1,2)', "#VALUE!"), ('IF("true",1,2)', 1.0), ("IF(FALSE,1/0,3)", 3.0),
    ("IF(FALSE,1)", False), ("IF(FALSE,1,)", 0.0), ("NOT(0)", True), ("AND(TRUE,1)", True), ("OR(0,FALSE)", False),
    ("AND(1,#N/A)", "#N/A"), ("TRUE()", True),
])
def test_errors_propagate_and_iferror_catches_them(text, want):
    check(text, want)


def test_error_values_in_cells_propagate_and_count_skips_them():
    grid = {"S": [[1.0, ""], [2.0]]}
    got = evaluate_workbook(grid, {"S": {(5, 0): "SUM(A1:B2)", (5, 1): "COUNT(A1:B2)", (5, 2): "IFERROR(B1,9)",
                                         (5, 3): "COUNTA(A1:B2)"}}, errors={"S": {(0, 1): "#DIV/0!"}})["S"]
    assert got == {(5, 0): "#DIV/0!", (5, 1): 2.0, (5, 2): 9.0, (5, 3): 3.0}


@pytest.mark.parametrize("text, want", [
    ('VALUE(" 95")', 95.0), ('VALUE("1,000")', 1000.0), ('VALUE(" 1,234.5 ")', 1234.5), ('VALUE("95.5%")', 0.955),
    ('VALUE("1e3")', 1000.0), ('VALUE("+5")', 5.0), ('VALUE("-5")', -5.0), ('VALUE(".5")', 0.5), ('VALUE("5.")', 5.0),
    ("VALUE(12)", 12.0), ('VALUE("abc")', "#VALUE!"), ('VALUE("")', "#VALUE!"), ('VALUE("≥50")', "#VALUE!"),
    ('VALUE("50个")', "#VALUE!"), ('VALUE("有效提升")', "#VALUE!"), ("VALUE(TRUE)", "#VALUE!"),
    # what Excel reads as a date, a time, a fraction, a currency or by its locale is not guessed
    ('VALUE("2023-12-31")', U), ('VALUE("9:00")', U), ('VALUE("1/2")', U), ('VALUE("$5")', U), ('VALUE("(5)")', U),
    ('VALUE("12月")', U), ('VALUE("９５")', U), ('VALUE("1,00")', U), ('VALUE("1 1/2")', U),
    ('IFERROR(VALUE("2023-1-1"),0)', U),  # an uncomputable value is not an error IFERROR could catch
])
def test_value_reads_number_texts_and_leaves_dates_uncomputable(text, want):
    check(text, want)


@given(st.lists(st.sampled_from(list(" +-0123456789.,%eE") + ["1,000", "12", " ", "\t", "/", ":", "年", "个", "≥",
                                                               "a", "%"]), max_size=8).map("".join))
@settings(max_examples=200, deadline=None)
def test_value_agrees_with_the_template_rules_number_reading(text):
    """The Python twin of the templates' VALUE (write.template.value_as_excel_reads) and the evaluator read a text alike: the same
    number, or no number; the evaluator may only decline (uncomputable) where Excel's answer is in doubt (white space
    other than spaces, a number beyond a double)."""
    rules = value_as_excel_reads(text)
    try:
        got = text_to_number(text)
    except ErrorSignal:
        assert rules is None
    except Unsupported:
        assert rules is None or re.search(r"[^\S ]", text) or abs(rules) > Decimal("1.7976931348623157e308")
    else:
        assert rules is not None and got == float(rules)


@pytest.mark.parametrize("text, want", [
    ('LEFT("abc")', "a"), ('LEFT("abc",5)', "abc"), ('LEFT("abc",-1)', "#VALUE!"), ("LEFT(123.456,4)", "123."),
    ('LEFT("≥50个",1)', "≥"), ('RIGHT("abc",2)', "bc"), ('RIGHT("abc",0)', ""), ('MID("abcdef",2,3)', "bcd"),
    ('MID("abc",0,1)', "#VALUE!"), ('MID("abc",5,1)', ""), ('LEN("部分完成")', 4.0), ("LEN(1/3)", 17.0),
    ('LEN("😀")', U),  # Excel counts two UTF-16 units
    ('FIND("b","abcb",3)', 4.0), ('FIND("B","abc")', "#VALUE!"), ('FIND("#","ab#")', 3.0),
    ('FIND("a","abc",5)', "#VALUE!"), ('FIND("","abc")', 1.0), ('SEARCH("B","abc")', 2.0),
    ('SEARCH("a?c","xabc")', 2.0), ('SEARCH("a*c","xaZZc")', 2.0), ('SEARCH("~*","a*b")', 2.0),
    ('SEARCH("部分","大部分完成，效果一般")', 2.0),
    ('SEARCH("未完成","已完成")', "#VALUE!"), ('ISNUMBER(SEARCH("较差","效果较差"))', True),
    ('SUBSTITUTE("aaa","a","b")', "bbb"), ('SUBSTITUTE("aaa","a","b",2)', "aba"), ('SUBSTITUTE("abc","","x")', "abc"),
    ('SUBSTITUTE("a-b","-","#",0)', "#VALUE!"),
    ('TRIM("  a   b ")', "a b"), ('CONCATENATE("a",1,TRUE)', "a1TRUE"), ('TEXT(1234.5,"#,##0.00")', "1,234.50"),
    ('TEXT(0.125,"0%")', "13%"), ('TEXT(2.5,"0")', "3"), ('TEXT(-0.001,"0.00")', U), ('TEXT(1,"yyyy")', U),
    ('"x"&REPT("y",3)', U),  # not in the list
])
def test_text_functions(text, want):
    check(text, want)


CELLS = {"A1": 1.0, "A2": 2, "A3": "x", "B1": 3.0, "B2": 4.0, "B3": 5.0, "C1": True, "C2": "7"}


@pytest.mark.parametrize("text, want", [
    ("SUM(A1:A3)", 3.0), ("SUM(A1:C3)", 15.0), ('SUM("3",1)', 4.0), ('SUM("x")', "#VALUE!"), ("SUM(TRUE,1)", 2.0),
    ("SUM(C1)", 0.0), ("SUM(C2)", 0.0), ("MAX(A1:A3)", 2.0), ("MAX(A3)", 0.0), ("MIN(A1:B3)", 1.0), ('MIN("7",9)', 7.0),
    ("AVERAGE(A1:B2)", 2.5), ("AVERAGE(A3)", "#DIV/0!"), ('COUNT(1,"2","x",TRUE)', 3.0), ("COUNT(A1:C3)", 5.0),
    ("COUNTA(A1:C3)", 8.0), ("SUMPRODUCT(A1:A2,B1:B2)", 11.0), ("SUMPRODUCT(A1:A3,B1:B3)", 11.0),
    ("SUMPRODUCT((A1:A3>1)*1)", 2.0), ("SUMPRODUCT(--(B1:B3>3))", 2.0), ("SUMPRODUCT(A1:A2,B1:B3)", "#VALUE!"),
    ("SUMPRODUCT(A1:B3)", 15.0), ("AND(A3)", "#VALUE!"), ("OR(A1:A3)", True), ("N(C1)", 1.0), ("N(C2)", 0.0),
    ('N("5")', 0.0), ("ISNUMBER(A2)", True), ("ISTEXT(C2)", True), ("ISLOGICAL(C1)", True), ("SUM(1:1)", 4.0),
    ("SUM(A:A)", 3.0),
])
def test_aggregates_take_numbers_from_ranges_and_coerce_typed_arguments(text, want):
    check(text, want, CELLS)


TICKS = {"A1": "√", "A2": "是", "A3": "Yes", "A4": "yes ", "A5": 1.0, "A6": "1", "A7": True, "A8": "YES"}


@pytest.mark.parametrize("text, want", [
    ('COUNTIF(A1:A8,"√")', 1.0), ('COUNTIF(A1:A8,"yes")', 2.0), ('COUNTIF(A1:A8,"yes*")', 3.0),
    ('COUNTIF(A1:A8,"是")+COUNTIF(A1:A8,"√")', 2.0), ('COUNTIF(A1:A8,"?")', 3.0), ('COUNTIF(B1:B3,"√")', 0.0),
])
def test_countif_counts_the_texts_equal_to_a_word_ignoring_case(text, want):
    check(text, want, TICKS)


@pytest.mark.parametrize("text", ['COUNTIF(A1:A8,1)', 'COUNTIF(A1:A8,"1")', 'COUNTIF(A1:A8,">0")',
                                  'COUNTIF(A1:A8,"<>√")', 'COUNTIF(A1:A8,"")', 'COUNTIF(A1:A8,"TRUE")',
                                  'COUNTIF(A1:A8,"=√")', 'COUNTIF("√","√")'])
def test_countif_with_any_other_criterion_is_uncomputable(text):
    assert isinstance(ev(text, TICKS), Uncomputable)


@pytest.mark.parametrize("text", [
    "NOW()", "TODAY()", "RAND()", 'INDIRECT("A1")', "OFFSET(A1,1,0)", 'CELL("row")', "SUMIF(A1:A3,1)",
    "VLOOKUP(1,A1:B3,2)", "Rate*2", "Table1[Col]", "[1]Sheet1!A1", "'[Book.xlsx]Sheet'!A1", "Sheet1:Sheet2!A1",
    "SUM((A1,B1))", "SUM(A1:B2 B1:B3)", "SUM({1,2})", "{=SUM(A1:A2*B1:B2)}", "A1#", "@A1", "A1:A3+1", "IF(A1:A2,1,2)",
    "_xlfn.IFS(TRUE,1)",
    "R1C1", "1+", "SUM(1", "ROUND(1)", "", "Nosheet!A1", "SUM(IF(A1:A2>0,1,0))",
    "(" * 70 + "1" + ")" * 70,  # deeper than Excel nests
])
def test_what_the_evaluator_does_not_know_is_uncomputable_never_a_number(text):
    assert isinstance(ev(text, {"A1": 1.0}), Uncomputable)


def test_dates_in_cells_are_their_serial_numbers():
    assert ev("A1", {"A1": dt.datetime(2023, 12, 31)}) == 45291.0
    assert ev("A1+1", {"A1": dt.date(2023, 12, 31)}) == 45292.0
    assert ev("A1*24", {"A1": dt.time(9, 0)}) == 9.0
    assert ev("ISNUMBER(A1)", {"A1": dt.date(2023, 1, 1)}) is True
    got = evaluate_workbook({"S": [[dt.date(2023, 12, 31)]]}, {"S": {(0, 1): "A1"}}, date1904=True)
    assert got == {"S": {(0, 1): 45291.0 - 1462}}
    assert isinstance(ev("A1", {"A1": dt.date(1900, 1, 5)}), Uncomputable)  # Excel's 29 February 1900


def test_decimals_and_integers_from_a_reader_are_numbers():
    assert ev("A1+A2", {"A1": Decimal("1.5"), "A2": 2}) == 3.5


# -- the workbook: references, sheets, order, cycles ------------------------------------------------------------
def test_formulas_read_other_formulas_whatever_their_order():
    grid = {"S": [[2.0]]}
    formulas = {"S": {(0, 3): "C1*10", (0, 2): "B1+1", (0, 1): "A1*2"}}
    assert evaluate_workbook(grid, formulas) == {"S": {(0, 1): 4.0, (0, 2): 5.0, (0, 3): 50.0}}


def test_copies_of_a_formula_and_identical_texts_in_other_cells_read_their_own_references():
    grid = {"S": [[1.0], [2.0], [3.0]]}
    formulas = {"S": {(0, 1): "A1*10", (1, 1): "A2*10", (2, 1): "A3*10",  # copies down a column: one program
                      (0, 2): "$A$1+A1", (1, 2): "$A$1+A2", (2, 2): "A1", (1, 3): "A1"}}  # the same text, other cells
    assert evaluate_workbook(grid, formulas)["S"] == {(0, 1): 10.0, (1, 1): 20.0, (2, 1): 30.0, (0, 2): 2.0,
                                                      (1, 2): 3.0, (2, 2): 1.0, (1, 3): 1.0}


def test_sheets_by_name_quoted_or_not_and_in_any_case():
    grids = {"绩效自评表": [[1.0]], "基础数据": [[None, 3.0]], "It's": [[7.0]]}
    formulas = {"绩效自评表": {(0, 1): "'基础数据'!$B$1+A1", (0, 2): "基础数据!B1*2", (0, 3): "'It''s'!A1",
                             (0, 4): "'IT''S'!A1", (0, 5): "Missing!A1"}}
    got = evaluate_workbook(grids, formulas)["绩效自评表"]
    assert got[(0, 1)] == 4.0 and got[(0, 2)] == 6.0 and got[(0, 3)] == 7.0 and got[(0, 4)] == 7.0
    assert isinstance(got[(0, 5)], Uncomputable)


def test_a_cycle_is_uncomputable_and_so_is_what_needs_it_but_not_what_does_not():
    formulas = {"S": {(0, 0): "B1+1", (0, 1): "A1+1", (0, 2): "A1*2", (0, 3): "IF(TRUE,5,A1)", (1, 0): "A2"}}
    got = evaluate_workbook({"S": [[]]}, formulas)["S"]
    assert all(isinstance(got[at], Uncomputable) for at in [(0, 0), (0, 1), (0, 2), (1, 0)])
    assert "circular" in got[(0, 0)].reason and got[(0, 3)] == 5.0


def test_a_long_chain_of_formulas_needs_no_deep_recursion():
    formulas = {"S": {(r, 0): f"A{r}+1" for r in range(1, 5000)}}
    got = evaluate_workbook({"S": [[0.0]]}, formulas)["S"]
    assert got[(4999, 0)] == 4999.0


def test_a_long_sum_of_cells_is_one_flat_chain():
    formula = "+".join(f"A{r}" for r in range(1, 1500))
    got = evaluate_workbook({"S": [[1.0] for _ in range(1500)]}, {"S": {(0, 1): formula}})["S"]
    assert got[(0, 1)] == 1499.0


def test_formula_cells_beyond_the_grid_of_values_are_computed_and_read():
    got = evaluate_workbook({"S": [[1.0]]}, {"S": {(9, 5): "A1+1", (10, 5): "SUM(F1:F10)*2"}})["S"]
    assert got == {(9, 5): 2.0, (10, 5): 4.0}


def test_formulas_on_a_sheet_whose_values_were_not_given_read_only_other_sheets():
    got = evaluate_workbook({"A": [[2.0]]}, {"B": {(0, 0): "A!A1*2", (0, 1): "A1+1", (0, 2): "D1"}})["B"]
    assert got[(0, 0)] == 4.0 and got[(0, 1)] == 5.0 and isinstance(got[(0, 2)], Uncomputable)


def test_shift_formula_moves_relative_references_only():
    assert shift_formula("A1*2+$B$1+$C2+D$3", 2, 1) == "B3*2+$B$1+$C4+E$3"
    assert shift_formula("SUM('My Sheet'!A1:B2)&\"A1\"", 1, 0) == "SUM('My Sheet'!A2:B3)&\"A1\""
    assert shift_formula("SUM(A:A)+SUM(1:2)", 1, 1) == "SUM(B:B)+SUM(2:3)"
    assert shift_formula("A1+1", -1, 0) == "#REF!+1"
    assert shift_formula("LOG10(A1)+Name1", 0, 1) == "LOG10(B1)+Name1"


# -- the package: which formulas have no cached value -------------------------------------------------------------
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
R_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def make_package(sheets: dict[str, str], *, book: str = "xl/workbook.xml", strict: bool = False,
                 prefix: str = "", book_pr: str = "", calc_pr: str = "") -> bytes:
    """An OOXML package holding the given sheets (the XML inside <sheetData>), built by hand."""
    ns, rns = (STRICT, R_STRICT) if strict else (MAIN, R)
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{ns}"' if prefix else f'xmlns="{ns}"'
    folder = book.rpartition("/")[0]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rns}/officeDocument" Target="/{book}"/></Relationships>')
        entries = "".join(f'<{p}sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i, name in enumerate(sheets))
        z.writestr(book, f'<{p}workbook {xmlns} xmlns:r="{rns}">{book_pr}<{p}sheets>{entries}</{p}sheets>'
                         f'{calc_pr}</{p}workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{rns}/worksheet" Target="sheets/s{i + 1}.xml"/>'
                       for i in range(len(sheets)))
        z.writestr(f"{folder}/_rels/{book.rpartition('/')[2]}.rels",
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                   f'</Relationships>')
        for i, body in enumerate(sheets.values()):
            if prefix:
                body = re.sub(r"<(/?)(row|c|f|v|is|t)\b", rf"<\1{prefix}:\2", body)
            z.writestr(f"{folder}/sheets/s{i + 1}.xml",
                       f'<{p}worksheet {xmlns}><{p}sheetData>{body}</{p}sheetData></{p}worksheet>')
    return out.getvalue()


def test_in_a_workbook_nobody_calculated_every_formula_is_uncached():
    """openpyxl writes an empty value for every formula."""
    data = make_package({"数据": '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v></v></c>'
                                 '<c r="C1"><f>A1*3</f></c><c r="E1"><f>A1&lt;3</f><v/></c></row>'})
    assert uncached_formulas(data) == {"数据": {(0, 1): "A1*2", (0, 2): "A1*3", (0, 4): "A1<3"}}


def test_in_a_calculated_workbook_an_empty_value_is_the_empty_text_and_a_missing_one_is_uncached():
    """xlsxwriter with results writes "" as an empty <v>; Apache POI leaves out the <v> of what it did not evaluate."""
    data = make_package({"S": '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>IF(A1=2,"",1)</f><v></v></c>'
                              '<c r="C1"><f>A1*3</f></c><c r="D1"><f>A1*4</f><v>8</v></c></row>'})
    found = scan_formulas(data)
    assert found.uncached == {"S": {(0, 2): "A1*3"}} and found.empty_text == {"S": {(0, 1)}}


@pytest.mark.parametrize("full_calc, uncached", [(True, {(0, 1), (0, 2)}), (False, set())])
def test_zeros_xlsxwriter_writes_when_given_no_result_are_no_values(full_calc, uncached):
    """xlsxwriter caches 0 for a formula written without its result, and marks the workbook fullCalcOnLoad."""
    data = make_package({"S": '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>0</v></c>'
                              '<c r="C1"><f>A1-2</f><v>0</v></c></row>'},
                        calc_pr='<calcPr fullCalcOnLoad="1"/>' if full_calc else "")
    assert set(uncached_formulas(data).get("S", {})) == uncached


def test_a_workbook_whose_formulas_all_have_values_is_not_parsed(monkeypatch):
    def refuse(xml, calculated):
        raise AssertionError("parsed")

    monkeypatch.setattr(package_module, "_scan_sheet", refuse)
    data = make_package({"S": '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>4</v></c>'
                              '<c r="C1" t="str"><f>"x"</f><v>x</v></c><c r="D1" t="str"><f>""</f><v></v></c></row>',
                        "T": '<row r="1"><c r="A1"><v>1</v></c></row>'})
    found = scan_formulas(data)
    assert found.uncached == {} and found.count == 0
    assert compute_uncached(data, {"S": [[2.0, 4.0, "x", ""]], "T": [[1.0]]}) == {}


@pytest.mark.libreoffice
def test_a_template_saved_by_libreoffice_has_every_value_and_is_not_parsed(tmp_path, monkeypatch):
    from perfeval_xl.lo import convert

    profile = next(p for p in template_profiles() if p.id == "national.project_selfeval")
    write_template_for(profile, tmp_path / "t.xlsx", year=2024, fill=fills_for(profile, 1, seed=5)[0])
    saved = convert([tmp_path / "t.xlsx"], tmp_path / "lo")[0].read_bytes()
    monkeypatch.setattr(package_module, "_scan_sheet", lambda xml, calculated: pytest.fail("parsed"))
    assert scan_formulas(saved).uncached == {}


def test_what_a_value_reader_cannot_show_is_recorded():
    data = make_package({"S": '<row r="1"><c r="A1" t="str"><f>IF(1,"")</f><v></v></c>'
                              '<c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C1" t="e"><v>#N/A</v></c>'
                              '<c r="D1"><f>A1=0</f></c><c r="E1" t="str"><f>B1&amp;""</f><v>0</v></c></row>'})
    found = scan_formulas(data)
    assert found.uncached == {"S": {(0, 3): "A1=0", (0, 4): 'B1&""'}}  # E1: PhpSpreadsheet's placeholder "0"
    assert found.empty_text == {"S": {(0, 0)}} and found.errors == {"S": {(0, 1): "#DIV/0!", (0, 2): "#N/A"}}
    got = compute_uncached(data, {"S": [["", "", "", "", "0"]]})
    assert got == {"S": {(0, 3): False, (0, 4): "#DIV/0!"}} and type(got["S"][(0, 4)]) is ErrorText


def test_shared_formulas_are_expanded_by_moving_the_first_cells_formula():
    data = make_package({"S": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:C3" si="0">'
                              'A1*2+$A$1</f><v>3</v></c><c r="C1"><f t="shared" si="0"/></c></row>'
                              '<row r="2"><c r="A2"><v>5</v></c><c r="B2"><f t="shared" si="0"/></c></row>'
                              '<row r="3"><c r="B3"><f t="shared" si="0"/><v>3</v></c>'
                              '<c r="C3"><f t="shared" si="7"/></c></row>'})
    found = uncached_formulas(data)
    assert found == {"S": {(0, 2): "B1*2+$A$1", (1, 1): "A2*2+$A$1", (2, 2): ""}}
    got = compute_uncached(data, {"S": [[1.0, 3.0], [5.0], [None, 3.0]]})["S"]
    assert got[(0, 2)] == 7.0 and got[(1, 1)] == 11.0 and isinstance(got[(2, 2)], Uncomputable)


def test_array_formulas_and_data_tables_are_uncomputable_over_their_whole_range():
    data = make_package({"S": '<row r="1"><c r="A1"><v>1</v></c><c r="C1"><f t="array" ref="C1:C2">A1:A2*2</f>'
                              '</c><c r="D1"><f t="dataTable" ref="D1:D1" dt2D="0" r1="A1"/></c></row>'
                              '<row r="2"><c r="A2"><v>2</v></c></row>'})
    found = uncached_formulas(data)
    assert found == {"S": {(0, 2): "{=A1:A2*2}", (1, 2): "{=A1:A2*2}", (0, 3): "{=TABLE()}"}}
    got = compute_uncached(data, {"S": [[1.0], [2.0]]})["S"]
    assert all(isinstance(v, Uncomputable) for v in got.values())


def test_cells_and_rows_without_references_are_placed_by_counting():
    data = make_package({"S": '<row><c><v>1</v></c><c><f>A1+1</f></c></row><row><c r="B2"><v>1</v></c>'
                              '<c><f>B2*5</f></c></row><row r="5"><c><f>1</f></c></row>'
                              '<row><c r="C6"><f>2</f></c></row>'})
    assert uncached_formulas(data) == {"S": {(0, 1): "A1+1", (1, 2): "B2*5", (4, 0): "1", (5, 2): "2"}}


@pytest.mark.parametrize("kind", ["strict", "prefixed", "elsewhere"])
def test_strict_prefixed_and_relocated_packages_are_read_alike(kind):
    body = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1+1</f></c></row>'
    data = make_package({"S": body}, strict=kind == "strict", prefix="x" if kind == "prefixed" else "",
                        book="book/main.xml" if kind == "elsewhere" else "xl/workbook.xml")
    assert uncached_formulas(data) == {"S": {(0, 1): "A1+1"}}


@pytest.mark.parametrize("damage", ["not a zip", "sheet"])
def test_a_package_that_cannot_be_read_is_a_value_error(damage):
    data = b"PK\x03\x04 nothing" if damage == "not a zip" else make_package({"S": '<row><c><f>1</f></c>'})
    with pytest.raises(ValueError, match="formulas not read"):
        scan_formulas(data)


def test_a_1904_workbook_is_said_so():
    data = make_package({"S": '<row r="1"><c r="A1"><f>1</f></c></row>'}, book_pr='<workbookPr date1904="1"/>')
    assert scan_formulas(data).date1904 is True


def test_an_openpyxl_workbook_is_computed_from_its_formulas(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws.append([100, 95.5, "=IF(N(A1)=0,0,B1/A1)", "=ROUND(MIN(MAX(C1,0),1)*10,2)", '=IF(B1="","",TEXT(C1,"0.00%"))'])
    other = wb.create_sheet("其他")
    other["A1"] = "='表'!D1*2"
    path = tmp_path / "op.xlsx"
    wb.save(path)
    data = path.read_bytes()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
    assert all(v == "" for v in grids["表"][0][2:])  # what a value reader sees
    got = compute_uncached(data, grids)
    assert got == {"表": {(0, 2): 0.955, (0, 3): 9.55, (0, 4): "95.50%"}, "其他": {(0, 0): 19.1}}


# -- the proof: every shipped template, its cached values taken away --------------------------------------------
_CACHED = re.compile(rb"(<c [^>]*>)(<f>[^<]*</f>)<v>[^<]*</v>(</c>)")


def _strip(data: bytes) -> bytes:
    """The package with every cached formula result removed (`<f>…</f><v>…</v>` -> `<f>…</f>`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            part = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                part = _CACHED.sub(rb"\1\2\3", part)
            zout.writestr(item, part)
    return out.getvalue()


def _openpyxl_saved(data: bytes) -> bytes:
    out = io.BytesIO()
    openpyxl.load_workbook(io.BytesIO(data)).save(out)
    return out.getvalue()


def _compare(tmap, data: bytes) -> tuple[int, list, float]:
    """(cells compared, mismatches, seconds to scan and evaluate) of one written template."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
    start = time.perf_counter()
    found = scan_formulas(data)
    got = evaluate_workbook(grids, found.uncached, empty_text=found.empty_text, errors=found.errors)
    seconds = time.perf_counter() - start
    assert found.count == len(tmap.computed)  # every formula cell was found without its value
    bad = []
    for ref, want in tmap.computed.items():
        sheet, cell = ref.rsplit("!", 1) if "!" in ref else (tmap.sheet, ref)
        value = got.get(sheet.strip("'"), {}).get(parse_a1(cell))
        if isinstance(value, Uncomputable) or not agrees(value, want):
            bad.append((ref, want, value))
    return len(tmap.computed), bad, seconds


@pytest.mark.parametrize("profile_id", ["national.project_selfeval", "yunnan.kunming.dept_common"])
def test_a_template_without_cached_values_computes_as_the_rules(profile_id, tmp_path):
    profile = next(p for p in template_profiles() if p.id == profile_id)
    for i, fill in enumerate(fills_for(profile, 2, seed=7)):
        path = tmp_path / f"{i}.xlsx"
        tmap = write_template_for(profile, path, year=2024, fill=fill)
        n, bad, _ = _compare(tmap, _strip(path.read_bytes()))
        assert n > 20 and bad == []


def test_a_filled_template_as_written_has_every_value_and_is_not_parsed(tmp_path, monkeypatch):
    """xlsxwriter caches the rules' results (a "" as an empty <v>): nothing to compute, no sheet parsed."""
    profile = next(p for p in template_profiles() if p.id == "national.project_selfeval")
    write_template_for(profile, tmp_path / "t.xlsx", year=2024, fill=fills_for(profile, 1, seed=3)[0])
    monkeypatch.setattr(package_module, "_scan_sheet", lambda xml, calculated: pytest.fail("parsed"))
    assert scan_formulas((tmp_path / "t.xlsx").read_bytes()).uncached == {}


FILLS = 20  # per shipped template, in the slow proof


@pytest.mark.slow
@pytest.mark.parametrize("saved_by", ["stripped", "openpyxl"])
def test_every_shipped_template_filled_at_random_computes_as_the_rules(saved_by, tmp_path, capsys):
    """Every formula cell of every shipped template, FILLS random fills each, cached values stripped (or the file
    loaded and saved by openpyxl, which drops them), equals the Python rules' value (tmap.computed)."""
    cells = workbooks = 0
    bad: list = []
    seconds = []
    for profile in template_profiles():
        for i, fill in enumerate(fills_for(profile, FILLS, seed=11)):
            path = tmp_path / f"{profile.id}_{i}.xlsx"
            tmap = write_template_for(profile, path, year=2024, fill=fill)
            data = path.read_bytes()
            data = _strip(data) if saved_by == "stripped" else _openpyxl_saved(data)
            n, wrong, spent = _compare(tmap, data)
            cells += n
            workbooks += 1
            seconds.append(spent)
            bad += [(profile.id, i, *w) for w in wrong]
    with capsys.disabled():
        print(f"\n{saved_by}: {workbooks} workbooks, {cells} formula cells compared, {len(bad)} mismatches, "
              f"scan + evaluate {sum(seconds) / workbooks * 1000:.1f} ms per workbook (max {max(seconds) * 1000:.1f})")
    assert bad == [], bad[:5]


# -- an independent engine: LibreOffice on random formulas -------------------------------------------------------
# Random formulas of three kinds (number, text, logical) whose meaning LibreOffice and Excel share: no logical values
# in cells, arithmetic or comparisons (LibreOffice has no logical type: TRUE is 1 there, SUM counts it and TRUE>"a" is
# FALSE), no empty text to FIND/SEARCH (Excel finds it at 1, LibreOffice gives #VALUE!).

LO_INPUTS = [1.5, 0, -2, "abc", "xyz", None, 2.5, "10", 0.125, 1000.5, "部分完成", " x "]
_LEAVES = {
    "n": ["0", "1", "2.5", "-3", "0.1", "100", "0.005", "1.005", "7", "0.5", "2.675", "A1", "A2", "A3", "A6", "A7",
          "A9", "A10"],
    "t": ['"x"', '""', '"abc"', '"ABC"', '"部分"', '"1,000"', '" 95"', '"95%"', '"a-b-c"', '"10"', '"-"', "A4", "A5",
          "A8", "A11", "A12"],
    "b": ["(A1>0.5)", "(A3<=A2)", '("abc"="ABC")'],
    "s": ['"x"', '"abc"', '"部分"', '"-"', '"1"', '" "'],  # a needle for FIND/SEARCH: not empty, no wildcard
    "k": ["0", "1", "2", "3", "-1"],
    "r": ["A1:A12", "A1:A3", "A4:A8", "A9:A12", "A1:A2"],
    "c": [f"A{i}" for i in range(1, 13)],
}
_SHAPES = {
    "n": ["({n}+{n})", "({n}-{n})", "({n}*{n})", "({n}/{n})", "(ABS({n})^0.5)", "(-{n})", "({n}%)", "ROUND({n},{k})",
          "ROUNDUP({n},{k})", "ROUNDDOWN({n},{k})", "INT({n})", "ABS({n})", "LEN({t})", "SUM({r})", "MAX({r})",
          "MIN({r})", "COUNT({r})", "COUNTA({r})", "AVERAGE({r})", "SUMPRODUCT(A1:A3,A8:A10)",
          "SUMPRODUCT(A7:A9,A1:A3)", "SUMPRODUCT((A1:A3>{n})*1)", "VALUE({t})", "FIND({s},{t})", "SEARCH({s},{t})",
          "N({c})", "IF({b},{n},{n})", "IFERROR({n},{n})", "SUM({n},{n})", "MAX({n},{r})"],
    "t": ["({t}&{t})", "({t}&{n})", "LEFT({t},{k})", "RIGHT({t},{k})", "MID({t},2,{k})", "SUBSTITUTE({t},{s},{t})",
          "TRIM({t})", "CONCATENATE({t},{n})", 'TEXT({n},"0.00")', 'TEXT({n},"0%")', 'TEXT({n},"#,##0.0")',
          "IF({b},{t},{t})"],
    "b": ["({n}={n})", "({n}<>{n})", "({n}<{n})", "({n}>={n})", "({t}={t})", "({t}<{t})", "({t}>={t})", "ISNUMBER({n})",
          "ISNUMBER({t})", "ISTEXT({t})", "ISBLANK({c})", "AND({b},{b})", "OR({b},{b})", "NOT({b})"],
}


def _random(rng: random.Random, kind: str, depth: int = 0) -> str:
    """A random formula of a kind: n number, t text, b logical (and the leaves k, r, s, c)."""
    if kind not in _SHAPES or depth > 3 or rng.random() < 0.3:
        return rng.choice(_LEAVES[kind])
    shape = rng.choice(_SHAPES[kind])
    return re.sub(r"\{(\w)\}", lambda m: _random(rng, m.group(1), depth + 1), shape)


@pytest.mark.libreoffice
@pytest.mark.parametrize("seed", [1, 2])
def test_random_formulas_compute_as_libreoffice_computes_them(seed, tmp_path):
    from perfeval_xl.lo import convert

    rng = random.Random(seed)
    formulas = [_random(rng, rng.choice("nntb")) for _ in range(1200)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i, v in enumerate(LO_INPUTS):
        if v is not None:
            ws.cell(i + 1, 1, v)
    for i, f in enumerate(formulas):
        ws.cell(i + 1, 3, "=" + f)
    wb.save(tmp_path / "in.xlsx")
    out = convert([tmp_path / "in.xlsx"], tmp_path / "out")[0]
    # read back with openpyxl: calamine refuses LibreOffice's boolean -0 (=-(1>2) is saved as t="b" <v>-0</v>)
    sheet = openpyxl.load_workbook(out, data_only=True)["S"]
    grid = [[v] for v in LO_INPUTS]
    ours = evaluate_workbook({"S": grid}, {"S": {(i, 2): f for i, f in enumerate(formulas)}})["S"]
    agree, differ = 0, []
    for i, f in enumerate(formulas):
        got, lo = ours[(i, 2)], sheet.cell(i + 1, 3).value
        if isinstance(got, Uncomputable):
            continue
        lo = "" if lo is None else float(lo) if type(lo) is int else lo
        same = (lo is got) if isinstance(got, bool) or isinstance(lo, bool) else agrees(got, lo)
        agree += same
        if not same:
            differ.append((f, got, lo))
    assert differ == [] and agree > 1000


_FORMULA_BITS = list("AB12$:!'\"(),.+-*/^&=<>%#{}[]@ _xyz") + ["SUM(", "IF(", "Sheet1!", "'My s'!", "#N/A", "TRUE",
                                                                     "A1:B2", "1E+3"]


@given(st.lists(st.sampled_from(_FORMULA_BITS), max_size=30).map("".join))
@settings(max_examples=200, deadline=None)
def test_any_text_as_a_formula_gives_a_value_or_uncomputable_never_an_exception(text):
    got = evaluate_formula(text, {"A1": 1.0, "B2": "x"})
    assert isinstance(got, (float, str, bool, Uncomputable))
    assert not (isinstance(got, Uncomputable) and got.reason.startswith("internal error")), got


_ATTR = st.sampled_from(["", ' r="B2"', ' r="A1"', ' r="ZZZZ9"', ' r="C0"', ' t="str"', ' t="e"', ' t="b"', ' t="s"',
                         ' t="shared" si="0" ref="A1:C3"', ' t="shared" si="0"', ' t="shared" si="9"',
                         ' t="array" ref="A1:XFD1048576"', ' t="array" ref="bad"', ' t="dataTable" ref="B2:C3"'])
_TEXT = st.lists(st.sampled_from(_FORMULA_BITS + ["0", "", "#DIV/0!"]), max_size=6).map(
    lambda bits: "".join(bits).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
_CELL = st.builds(lambda a, f, fa, v, va: f"<c{a}>" + (f"<f{fa}>{f}</f>" if f is not None else "")
                  + (f"<v>{v}</v>" if v is not None else "") + "</c>",
                  _ATTR, st.none() | _TEXT, _ATTR, st.none() | _TEXT, _ATTR)
_ROW = st.builds(lambda r, cells: f"<row{r}>{''.join(cells)}</row>",
                 st.sampled_from(["", ' r="2"', ' r="x"', ' r="1048577"']), st.lists(_CELL, max_size=4))


@pytest.mark.slow
@given(st.lists(_ROW, max_size=4).map("".join))
@settings(max_examples=300, deadline=None)
def test_any_well_formed_sheet_is_scanned_and_computed_without_an_exception(body):
    data = make_package({"S": body})
    found = scan_formulas(data)
    got = compute_uncached(data, {"S": [[1.0, "x"], [2.0]]})
    assert set(got.get("S", {})) == set(found.uncached.get("S", {}))
    assert all(isinstance(v, (float, str, bool, Uncomputable)) for v in got.get("S", {}).values())
    assert not any(isinstance(v, Uncomputable) and v.reason.startswith("internal") for v in got.get("S", {}).values())
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/sheets/s1.xml")
    look = package_module._look(xml)
    calculated = package_module._calculated([look], False)
    if package_module._all_cached([look], calculated):  # the quick look never misses what the parse finds
        assert package_module._scan_sheet(xml, calculated).uncached == {}
