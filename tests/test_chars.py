"""Every character has one fate (typeset/model/chars.py): each rule as data, then the whole
path from a source file to the PDF for the invisible and normalised characters."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from typeset.errors import TypesetError
from typeset.model import chars
from typeset.model.chars import Where, normalize, normalize_runs, printed

# (source text, normalised text) — the rules of the module docstring
RULES = [
    ("政协\t委员", "政协 委员"),                       # a tab is a space
    ("a  \t  b", "a b"),                              # a run of spaces and tabs is one space
    ("Wi\u00adFi 政\u00ad协", "WiFi 政协"),            # soft hyphen: nothing, never a "-"
    ("政协\u200b委员", "政协\u200b委员"),              # ZWSP kept (a break, no width)
    ("政协\u2060委员", "政协\u2060委员"),              # WJ kept (no break, no width)
    ("政协\ufeff委员", "政协\u2060委员"),              # BOM inside text: the word joiner
    ("a\u200cb\u200dc", "a\u200cb\u200dc"),            # ZWNJ, ZWJ kept, invisible
    ("政协\u200e委员\u200f。\u061c", "政协委员。"),     # direction marks removed
    ("❤\ufe0f ©\ufe0e", "❤ ©"),                        # presentation selectors removed
    ("cafe\u0301", "café"),                            # combining mark composed (NFC)
    ("A\u030a", "Å"),
    ("q\u0301", "q\u0301"),                            # no precomposed form: kept
    ("\uf9d1\u0301", "\uf9d1\u0301"),                  # base NFC would change: left alone
    ("\u212b", "\u212b"),                              # ANGSTROM SIGN stays as written
    ("2024 年　1000m²　张　三", "2024 年　1000m²　张　三"),  # the format contract
    ("第一行\n第二行", "第一行第二行"),                 # a line break joins CJK tightly
    ("first\nline", "first line"),                    # ... and other text with a space
    ("a \u00ad b", "a b"),                            # a removed character leaves one space
    ("\ue000\U0001f600\U000f0001", "\ue000\U0001f600\U000f0001"),  # kept: the glyph check decides
]


@pytest.mark.parametrize("source, expected", RULES)
def test_rule(source, expected):
    assert normalize(source) == expected


REFUSED = ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029",
           "\u202a", "\u202e", "\u2066", "\u2069", "\u2061", "\u206f", "\u0600", "\u180e",
           "\ufe00", "\ufe0d", "\U000e0100", "\u180b", "\ufff9", "\U000e0001", "\U000e0041",
           "\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ud800"]


@pytest.mark.parametrize("ch", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_refused_with_code_point_name_and_hint(ch, tmp_path):
    src = tmp_path / "a.md"
    src.write_text("第一行\n甲乙丙\n", encoding="utf-8", errors="surrogatepass")
    with pytest.raises(TypesetError) as info:
        normalize("甲" + ch + "乙", Where(src, 2, 1))
    err = info.value
    assert f"U+{ord(ch):04X}" in err.message and "cannot be printed" in err.message
    assert err.hint and err.file == str(src) and err.line == 2


def test_every_code_point_has_one_fate():
    """Sweep the BMP and the start of every plane: fate() answers for each, the refused and
    invisible sets do not meet, and nothing but the documented characters is dropped."""
    dropped = set()
    for cp in list(range(0x10000)) + [p * 0x10000 + k for p in range(1, 17) for k in range(512)]:
        ch = chr(cp)
        f = chars.fate(ch)
        assert f in (chars.KEEP, chars.SPACE, chars.JOIN, chars.DROP, chars.TO_WJ, chars.REFUSE)
        if chars.is_invisible(ch):
            assert f == chars.KEEP
        if f == chars.DROP:
            dropped.add(ch)
        if unicodedata.category(ch) in ("Cc", "Cf") and f == chars.KEEP:
            assert chars.is_invisible(ch), f"U+{cp:04X} kept but not declared invisible"
    assert dropped == {"\u00ad", "\u200e", "\u200f", "\u061c", "\ufe0e", "\ufe0f"}


def test_scan_names_line_and_column(tmp_path):
    text = "title: 标题\n---\n\n正文\u202e第二句。\n"
    with pytest.raises(TypesetError) as info:
        chars.scan(text, tmp_path / "a.md")
    err = info.value
    assert (err.line, err.column) == (4, 3)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in err.message
    chars.scan("正文\u200b\u00ad\ufeff\t普通。", tmp_path / "b.md")     # nothing refused


def test_runs_collapse_spaces_across_styles():
    runs = normalize_runs([("甲 ", "plain"), ("  乙\u00ad", "bold"), ("\t丙", "plain")])
    assert runs == [("甲 ", "plain"), ("乙", "bold"), (" 丙", "plain")]


def test_where_finds_the_character_in_its_file(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("---\ntitle: 甲\n---\n\n第一段。\n第二行有\uE000字。\n", encoding="utf-8")
    assert Where(f, 5, None, 6).of("\ue000") == (6, 5)
    assert Where(f, 5, None, 5).of("\ue000") == (5, None)   # not in its lines: its start


def test_describe():
    assert chars.describe("\u200b") == "U+200B ZERO WIDTH SPACE"
    assert chars.describe("\x07") == "U+0007 BELL"
    assert chars.describe("\ue000") == "U+E000 <private use>"
    assert printed("政\u200b协\u2060") == "政协"


# --- from the source files to the PDF -------------------------------------------------------

CASES = {
    "zwsp": "\u200b", "wj": "\u2060", "bom": "\ufeff", "shy": "\u00ad", "tab": "\t",
    "lrm": "\u200e", "zwj": "\u200d",
}


def _issue(root: Path, ch: str) -> Path:
    """An issue with `ch` in a title, a body paragraph, a colophon line and a section title."""
    (root / "a.md").write_text(
        f"---\ntitle: \"标{ch}题\"\nsubtitle: \"副{ch}题\"\n---\n\n正文{ch}第一句，ABC{ch}def。\n",
        encoding="utf-8")
    (root / "issue.yaml").write_text(
        "layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n"
        f"  - title: \"栏{ch}目\"\n    articles: [a.md]\n"
        f"colophon:\n  - label: 编辑\n    text: \"李{ch}明\"\n", encoding="utf-8")
    return root / "issue.yaml"


@pytest.mark.parametrize("name", sorted(CASES))
def test_pdf_text_is_the_normalised_source(name, tmp_path):
    """Each character in a title, a body paragraph, a colophon line and a section title:
    the PDF shows exactly the normalised text (read back through each font's ToUnicode map,
    no extraction heuristics), and never the invisible character itself."""
    from tests.pdfinspect import drawn_text

    from typeset.build import compose, write

    ch = CASES[name]
    comp = compose(_issue(tmp_path, ch), use_cache=False)
    out = tmp_path / "out.pdf"
    write(comp, out)
    shown = "".join(run.text for i in range(len(comp.pages)) for run in drawn_text(out, i))
    squashed = re.sub(r"\s+", "", shown)

    def want(text: str) -> str:
        return re.sub(r"\s+", "", printed(normalize(text)))
    for source in (f"标{ch}题", f"副{ch}题", f"正文{ch}第一句，ABC{ch}def。", f"栏{ch}目",
                   f"李{ch}明"):
        assert want(source) in squashed, (source, squashed)
    for invisible in "\u200b\u2060\ufeff\u00ad\u200e\u200d\t":
        assert invisible not in shown
    assert "-" not in shown                      # a soft hyphen never shows as a hyphen
    if name == "tab":
        assert "ABC def" in "".join(it.text for p in comp.body for it in p.items
                                    if getattr(it, "role", "") == "body")


# where each place of _issue() writes its character: (file, line, column)
PLACES = {"title": ("a.md", 2, 10), "subtitle": ("a.md", 3, 13), "body": ("a.md", 6, 3),
          "section title": ("issue.yaml", 5, 14), "colophon": ("issue.yaml", 9, 14)}


@pytest.mark.parametrize("ch", ["\x07", "\u202e", "\u2066"], ids=["BEL", "RLO", "LRI"])
@pytest.mark.parametrize("place", sorted(PLACES))
def test_refused_in_every_place_with_its_location(place, ch, tmp_path):
    """A control character or a bidi override in a title, a subtitle, the body, a section
    title or a colophon line: refused at that very line and column, before anything is
    set, and nothing is written."""
    from typeset.build import compose

    manifest = _issue(tmp_path, "")
    file, line, column = PLACES[place]
    path = tmp_path / file
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = lines[line - 1][:column - 1] + ch + lines[line - 1][column - 1:]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TypesetError) as info:
        compose(manifest, use_cache=False)
    err = info.value
    assert (Path(err.file).name, err.line, err.column) == (file, line, column)
    assert f"U+{ord(ch):04X}" in err.message and err.hint


# --- the line breaker sees the invisible characters, the page never does ------------------

@pytest.fixture(scope="module")
def book():
    from typeset.layout.styles import StyleBook
    from typeset.model.layout import load_layout
    from typeset.text.fonts import FontLibrary

    return StyleBook(load_layout("guangxi"), FontLibrary())


def _lines(book, text: str, measure: float):
    from typeset.text.paragraph import BreakSettings, Span, set_paragraph

    return set_paragraph([Span(text, "body")], measure, book,
                         BreakSettings(indent=0.0, justify=False))


def test_invisible_characters_have_no_width(book):
    for ch in chars.INVISIBLE:
        assert book.advance(ch, "body") == 0.0
        (line,) = _lines(book, f"政协{ch}委员", 400)
        (plain,) = _lines(book, "政协委员", 400)
        assert line.natural == pytest.approx(plain.natural)


def test_zero_width_space_is_a_break_and_word_joiner_is_none(book):
    word = "ABCDEFGHIJ\u200bKLMNOPQRST"          # one Latin word, unsplittable but for ZWSP
    width = book.width("ABCDEFGHIJKL", "body")
    first = _lines(book, word, width)[0]
    assert chars.printed(first.text) == "ABCDEFGHIJ"
    em = book.em("body")
    lines = _lines(book, "政协委员会\u2060议事", 5.5 * em)
    assert all(not ln.text.endswith("会\u2060") and not ln.text.startswith("议") for ln in lines)


def test_the_run_builder_never_emits_invisible_characters(book):
    (line,) = _lines(book, "政\u200b协\u2060委\u200c员\u200d会", 400)
    runs = book.runs(line, 0.0, 0.0, "body")
    assert "".join(r.text for r in runs) == "政协委员会"
    assert book.plain_run("※\u200b栏目\u2060※", "running-head", 0, 0, "running-head")[0].text \
        == "※栏目※"
