"""Issue numbers and ISSNs as written (model/numbers.py; audit findings F15, F8a)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from typeset.model.numbers import (
    IssueNumber, check_issn, check_supplement, issn_check_digit, number_key, number_value,
    parse_number,
)


@pytest.mark.parametrize("raw, text, first, last", [
    ("2", "2", 2, 2), ("08", "8", 8, 8), ("999", "999", 999, 999), ("5-6", "5-6", 5, 6),
    (" 11-12 ", "11-12", 11, 12), ("1-3", "1-3", 1, 3),
])
def test_accepted_numbers(raw, text, first, last):
    n = parse_number(raw)
    assert isinstance(n, IssueNumber)
    assert (n.text, n.first, n.last, n.supplement) == (text, first, last, None)
    assert n.combined == (first != last)


@pytest.mark.parametrize("raw, words", [
    ("1:30", "1:30"), ("0x10", "0x10"), ("1_000", "1_000"), ("1.0e+30", "1.0e+30"),
    ("0", "1 or more"), ("1000", "4 digits"), ("5-5", "合刊"), ("6-5", "合刊"),
    ("0-1", "start at 1"), ("5—6", "5—6"), ("2.0", "2.0"), ("", "empty"), ("-2", "-2"),
    ("1" * 5000, "5000 digits"),
])
def test_refused_numbers(raw, words):
    n = parse_number(raw)
    assert isinstance(n, str) and words in n


def test_supplements_need_the_layouts_word():
    n = parse_number("增刊")
    assert isinstance(n, IssueNumber) and n.supplement == "增刊" and n.first is None
    assert check_supplement(n, "增刊") is None
    assert "names no supplement word" in check_supplement(n, None)
    assert "增刊" in check_supplement(parse_number("特刊"), "增刊")
    two = parse_number("增刊2")
    assert (two.supplement, two.first) == ("增刊", 2) and check_supplement(two, "增刊") is None
    assert check_supplement(parse_number("5-6"), None) is None


def test_values_and_order():
    assert number_value("2") == 2 and number_value("5-6") == "5-6"
    assert number_value("增刊") == "增刊"
    assert sorted([12, "5-6", 3, "增刊", "1-2"], key=number_key) == ["1-2", 3, "5-6", 12, "增刊"]


@given(st.text(max_size=12))
def test_any_text_is_a_number_or_a_reason(text):
    n = parse_number(text)
    assert isinstance(n, (IssueNumber, str))
    if isinstance(n, IssueNumber) and n.supplement is None:
        assert 1 <= n.first <= n.last <= 999


@pytest.mark.parametrize("issn", ["1234-5679", "0317-8471", "2434-561X", "0000-0000"])
def test_valid_issns(issn):
    assert check_issn(issn) is None


@pytest.mark.parametrize("issn, words", [
    ("1234-5678", "check digit is 8"), ("12345679", "NNNN-NNNC"), ("1234-567", "NNNN-NNNC"),
    ("2434-5610", "give X"),
])
def test_invalid_issns(issn, words):
    assert words in check_issn(issn)


def test_issn_check_digit_is_iso_3297():
    # 0317-847: 0*8 + 3*7 + 1*6 + 7*5 + 8*4 + 4*3 + 7*2 = 120; 120 mod 11 = 10; 11 - 10 = 1
    assert issn_check_digit("0317847") == "1"
    assert issn_check_digit("1234567") == "9"
