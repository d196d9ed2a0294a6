"""layout/styles.py `StyleBook.runs`: set lines -> text runs. The one-run way (most lines: one
style, one face) gives exactly the runs of the general way, whatever the book has seen before;
a line whose characters the book has seen is judged without a face per character."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typeset.text.paragraph import BreakSettings, Span, set_paragraph

# CJK text, punctuation, Latin, digits, the dash a 破折号 joins, invisible characters
ALPHABET = "政协委员会议事，。“”（）《》、ABCxyz019 —\u200b\u2060"


def _book(connect_dashes: bool | None = None):
    from typeset.layout.styles import StyleBook
    from typeset.model.layout import load_layout
    from typeset.text.fonts import FontLibrary
    book = StyleBook(load_layout("guangxi"), FontLibrary())
    if connect_dashes is not None:
        book.connect_dashes = connect_dashes
    return book


@pytest.fixture(scope="module")
def books():
    """(a book that has set many lines, with dashes connected or not)."""
    return {True: _book(True), False: _book(False)}


def _lines(book, spans, measure: float = 200.0):
    return set_paragraph([Span(t, s) for t, s in spans if t], measure, book,
                         BreakSettings(indent=0.0, justify=True))


@settings(max_examples=150, deadline=None)
@given(spans=st.lists(st.tuples(st.text(ALPHABET, min_size=1, max_size=30),
                                st.sampled_from(["body", "body", "body-bold", "body-kai", "note-mark"])),
                      min_size=1, max_size=4),
       connect=st.booleans())
def test_one_run_way_is_the_general_way(books, spans, connect):
    book = books[connect]
    fresh = _book(connect)
    for line in _lines(book, spans):
        runs = book.runs(line, 10.0, 20.0, "body")
        assert runs == book._runs(line, 10.0, 20.0, "body")
        assert runs == fresh.runs(line, 10.0, 20.0, "body")      # nothing seen before


def test_a_line_of_characters_seen_is_one_set_test(monkeypatch):
    from typeset.layout.styles import StyleBook
    book = _book(True)
    (line,) = _lines(book, [("政协委员会议事", "body")], 400)
    first = book.runs(line, 0.0, 0.0, "body")
    assert len(first) == 1

    def looked_up(*a):
        raise AssertionError("each character's face looked up again")
    monkeypatch.setattr(StyleBook, "_one_face", looked_up)
    again = book.runs(line, 0.0, 0.0, "body")
    assert again == first and again[0].xs is first[0].xs        # the offsets shared
    (dash,) = _lines(book, [("政协——委员", "body")], 400)
    with pytest.raises(AssertionError, match="looked up again"):
        book.runs(dash, 0.0, 0.0, "body")                        # a dash: never the set test
