"""Value coercion: cells read the way a person reads them; never an exception."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfeval_xl.values import amount_in_wan, as_fraction, norm_label, parse


@pytest.mark.parametrize(
    "raw,number,unit",
    [
        ("397.8万元", D("397.8"), "万元"),
        ("３９７．８０", D("397.80"), ""),
        ("1,234.56", D("1234.56"), ""),
        ("1，234．56", D("1234.56"), ""),
        ("71.38%", D("71.38"), "%"),
        ("71.38％", D("71.38"), "%"),
        (" 446.50 ", D("446.50"), ""),
        ("≥50个", D("50"), "个"),
        ("≤90万元", D("90"), "万元"),
        ("4,465,000.00元", D("4465000.00"), "元"),
        (0.7138, D("0.7138"), ""),
        (10, D(10), ""),
    ],
)
def test_numbers_as_people_write_them(raw, number, unit):
    p = parse(raw)
    assert (p.number, p.unit) == (number, unit)


@pytest.mark.parametrize("raw", ["—", "-", "－", "——"])
def test_dashes_mean_zero(raw):
    p = parse(raw)
    assert p.number == 0 and p.dash


def test_slash_means_not_applicable():
    p = parse("/")
    assert p.number is None and p.not_applicable


def test_compatibility_equals_sign_is_equals():
    assert parse("﹦72890").op == "="


def test_yuan_amounts_become_wan():
    assert amount_in_wan(parse("4,465,000.00"), "元") == D("446.5")
    assert amount_in_wan(parse("446.50万元"), "元") == D("446.50")


@pytest.mark.parametrize(
    "raw,near,fraction",
    [("71.38%", None, D("0.7138")), (71.38, D("0.7138"), D("0.7138")), (0.7138, D("0.7138"), D("0.7138")),
     (1.2, D("1.2"), D("1.2")), ("100.00%", None, D(1))],
)
def test_rates_in_every_spelling(raw, near, fraction):
    assert as_fraction(parse(raw), near=near)[0] == fraction


def test_labels_ignore_spaces_line_breaks_and_full_width_brackets():
    assert norm_label(" 年度预算数（万元）\n") == "年度预算数(万元)"
    assert norm_label("调整后 预算数") == "调整后预算数"


@given(st.one_of(st.text(max_size=40), st.floats(allow_nan=True), st.integers(), st.none(), st.decimals(allow_nan=False)))
def test_parse_never_raises(raw):
    p = parse(raw)
    assert p.number is None or isinstance(p.number, D)


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_thousands_separated_fullwidth_and_suffixed_amounts_round_trip(x):
    text = f"{x:,.2f}"
    assert parse(text).number == x
    assert parse(text + "万元").number == x
    full = text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))
    assert parse(full).number == x
