"""Figures, tables and notes end to end (issue 10): sizes and places on the page, the text a
reader extracts from the PDF, notes per page and at the article's end, and hypothesis over
generated articles (no overlap, nothing outside the text block, nothing lost, every note on
its reference's page)."""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from typeset.build import compose
from typeset.layout.notes import CIRCLED
from typeset.layout.page import Image, Rule, TextRun

FURNITURE = {"running-head", "folio"}
PARA = "岚江县地处桂西北山区，群山环抱，云雾缭绕，种茶制茶历史悠久。全县现有茶园十二万亩，茶产业是富民产业。"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def picture(path: Path, w: int, h: int, mode: str = "RGB") -> None:
    from PIL import Image as PILImage

    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new(mode, (w, h), 128 if mode == "L" else (90, 120, 80)).save(path)


def issue(root: Path, body: str, *, layout: str = "guangxi", pictures=()) -> Path:
    for name, w, h in pictures:
        picture(root / "images" / name, w, h)
    (root / "a.md").write_text("---\ntitle: 测试\n---\n\n" + body, encoding="utf-8")
    (root / "issue.yaml").write_text(
        f"layout: {layout}\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    return root / "issue.yaml"


def runs(page, role=None):
    return [it for it in page.items if isinstance(it, TextRun) and (role is None or
                                                                     it.role == role)]


# --- figures ---------------------------------------------------------------------------------

def test_figure_widths_and_caption_under_the_picture(tmp_path):
    body = (PARA + "\n\n![全宽](images/a.png){credit=\"张三 摄\"}\n\n" + PARA
            + "\n\n![半宽](images/b.png){width=half}\n\n![六十毫米](images/a.png){width=60mm}\n\n"
            + "![二十字](images/b.png){width=20em}\n\n" + PARA + "\n")
    comp = compose(issue(tmp_path, body, pictures=[("a.png", 1200, 800), ("b.png", 900, 900)]),
                   use_cache=False)
    measure = comp.layout.measure
    images = [(p, it) for p in comp.body for it in p.items if isinstance(it, Image)]
    widths = [round(it.width, 2) for _, it in images]
    assert widths == [round(measure, 2), round(measure / 2, 2), round(60 / 25.4 * 72, 2), 240.0]
    for (page, im), ratio in zip(images, (800 / 1200, 1, 800 / 1200, 1)):
        assert abs(im.height - im.width * ratio) < 0.01          # proportions kept
        assert abs(im.x + im.width / 2 - (comp.layout.page.width / 2)) < 1   # centred
        caps = [r for r in runs(page, "caption") if r.y < im.y]
        assert caps and max(r.y for r in caps) > im.y - 30       # the caption right under it
    assert "全宽　张三 摄" in "".join(r.text for p, _ in images[:1] for r in runs(p, "caption"))


def test_a_tall_picture_is_scaled_to_the_layouts_max_height(tmp_path):
    comp = compose(issue(tmp_path, PARA + "\n\n![竖幅](images/t.png)\n", pictures=[
        ("t.png", 500, 2000)]), use_cache=False)
    (im,) = [it for p in comp.body for it in p.items if isinstance(it, Image)]
    tb = comp.layout.textblock
    assert abs(im.height - comp.layout.figure.max_height * tb.lines * tb.line_pitch) < 0.01
    assert abs(im.width - im.height / 4) < 0.01


def test_figure_keeps_the_text_on_the_grid(tmp_path):
    """Every body baseline after a figure still sits on the grid."""
    comp = compose(issue(tmp_path, PARA * 3 + "\n\n![图](images/a.png){width=half}\n\n"
                         + PARA * 3 + "\n", pictures=[("a.png", 777, 555)]), use_cache=False)
    tb = comp.layout.textblock
    top = comp.layout.page.height - tb.top
    base = (tb.line_pitch - 12) / 2 + 0.88 * 12
    for page in comp.body:
        for r in runs(page, "body"):
            k = (top - base - r.y) / tb.line_pitch
            assert abs(k - round(k)) < 1e-6, r.text


@pytest.mark.parametrize("block, words", [
    ("figure", "![图](images/a.png)"), ("table", "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |"),
    ("notes", "正文[^1]。\n\n[^1]: 注。")])
def test_a_layout_without_the_block_refuses_at_the_articles_line(tmp_path, block, words):
    from typeset.errors import TypesetError

    src = (Path(__file__).resolve().parents[1] / "layouts" / "guangxi.yaml").read_text(
        encoding="utf-8")
    src = re.sub(rf"\n{block}:.*?(?=\n\S|\Z)", "\n", src, flags=re.S)
    (tmp_path / "house.yaml").write_text(src, encoding="utf-8")
    manifest = issue(tmp_path, PARA + "\n\n" + words + "\n", pictures=[("a.png", 60, 40)])
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("layout: guangxi",
                                                                     "layout: house.yaml"))
    with pytest.raises(TypesetError) as err:
        compose(manifest, use_cache=False)
    assert f"no `{block}` block" in err.value.message and err.value.line == 7
    assert str(err.value.file).endswith("a.md")


# --- tables ----------------------------------------------------------------------------------

def test_table_text_extracts_row_by_row(sample_pdf_text):
    """What a reader copies out of the PDF: the table row by row, each cell whole."""
    text = squash("".join(sample_pdf_text))
    assert "乡镇茶园面积（亩）采摘面积（亩）" in text          # wrapped header cells stay whole
    rows = ["高峰乡31,250.526,4801,283.7518,560.25,26014岚江云雾绿茶",
            "龙潭镇24,60021,150986.413,972.84,13011白毛红茶",
            "合计92,035.7576,610.53,593.351,864.915,84042—"]
    at = [text.index(r) for r in rows]
    assert at == sorted(at)
    assert text.index("1岜来村东兰县民族村寨4A12.6") < text.index("32运江古镇象州县历史文化4A13.45")


def test_long_table_continues_with_header_and_label(sample_composition):
    comp = sample_composition
    pages = [p for p in comp.body if runs(p, "table-continued")]
    assert pages
    for page in pages:
        label = runs(page, "table-continued")[0]
        head = runs(page, "table-head")
        assert label.text == comp.layout.table.continued_format
        assert head and min(h.y for h in head) < label.y        # header under 续表
        rules = [it for it in page.items if isinstance(it, Rule) and it.role == "table-rule"]
        assert len(rules) == 3                                   # 三线表 on every part
        cells = runs(page, "table-cell")
        assert max(c.y for c in cells) < min(h.y for h in head)


def test_wide_table_shrinks_then_wraps(sample_composition):
    from typeset.layout.flow import Table

    comp = sample_composition
    tables = [pl.item for f in comp.frames for pl in f.placements if isinstance(pl.item, Table)]
    wide = [t for t in tables if len(t.columns) == 8][0]
    assert wide.size == comp.layout.table.min_size               # shrunk to the minimum ...
    assert any(len(cell) > 1 for cell in wide.header.cells)      # ... then wrapped
    assert abs(sum(w for _, w in wide.columns) - comp.layout.measure) < 0.01


# --- notes -----------------------------------------------------------------------------------

def test_footnote_numbers_restart_per_page(tmp_path):
    body = "".join(f"{PARA}{PARA}[^n{i}]\n\n" for i in range(12))
    body += "".join(f"[^n{i}]: 第{i}条注释。\n\n" for i in range(12))
    comp = compose(issue(tmp_path, body), use_cache=False)
    pages = [p for p in comp.body if runs(p, "note-ref")]
    assert len(pages) >= 2
    for page in pages:
        marks = [r.text for r in sorted(runs(page, "note-ref"), key=lambda r: -r.y)]
        assert marks == CIRCLED[:len(marks)]                     # ①②③ on every page
        numbers = [r.text for r in runs(page, "footnote") if r.text in CIRCLED]
        assert numbers == marks                                  # each mark's note is here
        body_size = comp.layout.styles["body"].size
        mark = runs(page, "note-ref")[0]
        line = [r for r in runs(page, "body") if abs(r.y - (mark.y - 4)) < 0.01]
        assert line and mark.size < body_size                    # smaller, raised 4 pt


def test_endnotes_at_the_article_end(tmp_path):
    body = f"{PARA}[^a]\n\n{PARA}[^b]\n\n[^a]: 甲注。\n\n[^b]: 乙注。\n"
    comp = compose(issue(tmp_path, body, layout="chongqing"), use_cache=False)
    text = squash("".join(r.text for p in comp.body for r in runs(p)))
    assert "[1]" in text and "[2]" in text
    assert text.index("注释") < text.index("[1]甲注。") < text.index("[2]乙注。")
    assert not [r for p in comp.body for r in runs(p, "footnote")]


# --- hypothesis: generated articles ----------------------------------------------------------

HAN = "政协委员会议建设发展工作人民群众社会经济文化协商监督调研提案乡村振兴"
words = st.text(alphabet=HAN, min_size=1, max_size=40)
block = st.one_of(
    st.builds(lambda t, n: ("p", t, n), words.map(lambda t: t + "。"), st.booleans()),
    st.builds(lambda w, h, width: ("f", w, h, width), st.integers(200, 3000),
              st.integers(200, 3000), st.sampled_from(["full", "half", "40mm", "15em"])),
    st.builds(lambda rows, cols: ("t", rows, cols), st.integers(1, 40), st.integers(1, 6)),
)


def article(blocks) -> tuple[str, list]:
    out, notes, pictures = [], [], []
    for i, b in enumerate(blocks):
        if b[0] == "p":
            out.append(b[1][:-1] + (f"[^n{i}]" if b[2] else "") + "。")
            if b[2]:
                notes.append(f"[^n{i}]: 注释{HAN[i % len(HAN)] * (1 + 7 * (i % 9))}。")
        elif b[0] == "f":
            pictures.append((f"p{i}.png", b[1], b[2]))
            out.append(f"![图{i}说明](images/p{i}.png){{width={b[3]}}}")
        else:
            head = "|" + "|".join(f"栏{c}" for c in range(b[2])) + "|"
            rule = "|" + "|".join("--:" if c else "---" for c in range(b[2])) + "|"
            rows = ["|" + "|".join(f"{r}{c}.5" if c else f"行{r}" for c in range(b[2])) + "|"
                    for r in range(b[1])]
            out.append("\n".join([head, rule] + rows) + f"\n\n: 表{i}")
    return "\n\n".join(out + notes) + "\n", pictures


def boxes_overlap(a, b) -> bool:
    return a[0] < b[2] - 0.01 and b[0] < a[2] - 0.01 and a[1] < b[3] - 0.01 and b[1] < a[3] - 0.01


def text_box(r: TextRun, comp) -> tuple[float, float, float, float]:
    adv = comp.book.advance(r.text[-1], "body") * r.size / 12
    right = r.x + (r.xs[-1] if r.xs else sum(comp.book.advance(c, "body") for c in r.text[:-1])
                   * r.size / 12) + adv
    return (r.x, r.y - 0.12 * r.size, right, r.y + 0.88 * r.size)


@settings(max_examples=int(os.environ.get("TYPESET_FUZZ_EXAMPLES", 6)), deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(block, min_size=1, max_size=14))
def test_generated_articles_keep_every_rule(tmp_path_factory, blocks):
    root = tmp_path_factory.mktemp("beyond")
    body, pictures = article(blocks)
    comp = compose(issue(root, body, pictures=pictures), use_cache=False)
    layout = comp.layout
    tb = layout.textblock
    top = layout.page.height - tb.top
    bottom = top - tb.lines * tb.line_pitch
    for i, page in enumerate(comp.body):
        left = (layout.page.width - layout.measure) / 2 if tb.inner is None else None
        images = [it for it in page.items if isinstance(it, Image)]
        texts = [r for r in runs(page) if r.role not in FURNITURE]
        for im in images:                      # inside the text block
            assert left - 0.01 <= im.x and im.x + im.width <= left + layout.measure + 0.01
            assert bottom - 0.01 <= im.y and im.y + im.height <= top + 0.01
        for r in texts:
            x0, y0, x1, y1 = text_box(r, comp)
            assert left - 0.01 <= x0 and x1 <= left + layout.measure + 0.5, r.text
            assert bottom - 0.5 <= y0 and y1 <= top + 0.5, r.text
        for a in range(len(images)):           # nothing on top of anything else
            for b in range(a + 1, len(images)):
                ia, ib = images[a], images[b]
                assert not boxes_overlap((ia.x, ia.y, ia.x + ia.width, ia.y + ia.height),
                                         (ib.x, ib.y, ib.x + ib.width, ib.y + ib.height))
            box = (images[a].x, images[a].y, images[a].x + images[a].width,
                   images[a].y + images[a].height)
            for r in texts:
                assert not boxes_overlap(box, text_box(r, comp)), r.text
        lines = [r for r in texts if r.role != "note-ref"]
        for a in range(len(lines)):
            for b in range(a + 1, len(lines)):
                if abs(lines[a].y - lines[b].y) > 0.01:
                    assert not boxes_overlap(text_box(lines[a], comp), text_box(lines[b], comp)), \
                        (i, lines[a].text, lines[b].text)
    # every note starts on the page of its reference
    for frame in comp.frames:
        refs = {ref.note.key for pl in frame.placements for sl in _lines(pl)
                for ref in sl.notes}
        assert refs == {np.note.key for np in frame.notes if np.first == 0}
    # nothing lost: every character of the sources is on the pages, nothing else but marks,
    # note numbers, the continuation label and the caption's credit format
    art = comp.issue.sections[0].articles[0]
    source = Counter(squash("".join(art.front.title) + "".join(
        "".join(i.text for i in b.inlines) + "".join(
            i.text for row in ((b.table.header,) + b.table.rows if b.table else ())
            for cell in row for i in cell) for b in art.blocks) + "".join(
        n.text for n in art.notes)))
    from typeset.layout.flow import Table
    for frame in comp.frames:                  # a continued table repeats its header
        for pl in frame.placements:
            if isinstance(pl.item, Table) and pl.first > 0:
                source += Counter(squash("".join(sl.line.text for cell in pl.item.header.cells
                                                 for sl in cell)))
    shown = Counter(squash("".join(
        r.text for p in comp.body for r in runs(p) if r.role not in FURNITURE | {
            "note-ref", "table-continued"} and not (r.role == "footnote" and r.text in CIRCLED))))
    assert shown == source


def _lines(pl):
    from typeset.layout.flow import Band, Run

    if isinstance(pl.item, Run):
        return pl.item.lines[pl.first:pl.last]
    if isinstance(pl.item, Band):
        return [sl for p in pl.item.parts for sl in p.lines]
    return []


def test_decimal_marks_renumbered_per_page(tmp_path):
    """With digits and numbering per page, a mark set as [12] prints as the page's [2]."""
    src = (Path(__file__).resolve().parents[1] / "layouts" / "guangxi.yaml").read_text(
        encoding="utf-8")
    src = src.replace("numerals: circled", "numerals: decimal").replace(
        'marker_format: "{n}"', 'marker_format: "[{n}]"').replace(
        'note_format: "{n}"', 'note_format: "[{n}]"')
    (tmp_path / "house.yaml").write_text(src, encoding="utf-8")
    body = "".join(f"{PARA}{PARA}[^n{i}]\n\n" for i in range(14))
    body += "".join(f"[^n{i}]: 第{i}条注释。\n\n" for i in range(14))
    manifest = issue(tmp_path, body)
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("layout: guangxi",
                                                                     "layout: house.yaml"))
    comp = compose(manifest, use_cache=False)
    pages = [p for p in comp.body if runs(p, "note-ref")]
    assert len(pages) >= 2
    for page in pages:
        marks = [r.text for r in sorted(runs(page, "note-ref"), key=lambda r: -r.y)]
        assert marks == [f"[{n}]" for n in range(1, len(marks) + 1)]
        foot = "".join(r.text for r in runs(page, "footnote"))
        assert all(m in foot for m in marks)


# --- notes of unusual size (adversarial round 8: findings 1, 2 and 10) -------------------------

import random                                                      # noqa: E402
import subprocess                                                  # noqa: E402
import sys                                                         # noqa: E402

from tests import issuekit                                          # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
POOL = issuekit.pool(3)


def _sentence(r: random.Random, n: int | None = None) -> str:
    return issuekit.sentence(r, n, POOL)


def _one_article(root: Path, body: str, layout: str = "guangxi",
                 edit: tuple[str, str] | None = None) -> Path:
    """An issue of one article (articles/a0.md); `edit` (old, new) changes one line of
    guangxi."""
    return issuekit.one_article_issue(root, body, layout=layout, edit=edit)


def _typeset(tmp_path: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


def _long_note(root: Path, paragraphs: int = 50, layout: str = "guangxi") -> Path:
    """An article of two short paragraphs and one note of `paragraphs` paragraphs (~3,500
    characters at 50: pages hold nothing but its continuation)."""
    r = random.Random(1)
    note = "[^1]: " + "".join(_sentence(r) for _ in range(3)) + "".join(
        "\n\n    " + "".join(_sentence(r) for _ in range(3)) for _ in range(paragraphs - 1))
    return _one_article(root, "".join(_sentence(r) for _ in range(3)) + "有注[^1]。\n\n"
                        + "".join(_sentence(r) for _ in range(5)) + "\n\n" + note, layout)


def test_a_footnote_of_fifty_paragraphs_builds_without_an_internal_error(tmp_path):
    """A note so long that a page holds only its continuation (no placement, notes only):
    `report._pages` read `placements[0]` of that page (IndexError, exit 3)."""
    m = _long_note(tmp_path / "i")
    r = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "internal error" not in r.stderr


def test_check_of_an_issue_with_a_fifty_paragraph_footnote_has_no_internal_error(tmp_path):
    m = _long_note(tmp_path / "i")
    r = _typeset(tmp_path, "check", m)
    assert r.returncode in (0, 1), r.stdout[-500:] + r.stderr
    assert "internal error" not in r.stderr
    assert "notes:" in r.stdout and "continued on the next page" in r.stdout


def test_a_page_holding_only_a_notes_continuation_keeps_its_running_head(tmp_path):
    """The pages that hold nothing but a note's continuation are set whole (every character
    of the note, in order) under the running head of the article's section — a page of no
    placement is not the colophon's page (issue.body_pages)."""
    m = _long_note(tmp_path / "i")
    comp = compose(m, use_cache=False)
    only = [i for i, fr in enumerate(comp.frames) if fr.notes and not fr.placements]
    assert len(only) >= 1
    for i in only:
        page = comp.body[i]
        assert squash("".join(r.text for r in runs(page, "running-head"))), page.label
        assert runs(page, "footnote") and not runs(page, "body")
    note = "".join(r.text for p in comp.body for r in sorted(runs(p, "footnote"),
                                                             key=lambda r: (-r.y, r.x)))
    src = (m.parent / "articles" / "a0.md").read_text(encoding="utf-8")
    written = squash(src.split("[^1]: ", 1)[1])
    assert squash(note).endswith(written[-200:])
    assert len(squash(note)) >= len(written)


def test_sixty_notes_numbered_per_page_in_circled_numerals_are_accepted(tmp_path):
    """guangxi numbers notes ①② restarting on every page: an article of 60 notes (a dozen a
    page at most) builds, each page's marks and notes ①②③…; the 60th reference was refused
    ("circled numbers go up to 50") though no page prints past ⑳."""
    r = random.Random(2)
    paras, defs = [], []
    for k in range(1, 61):
        paras.append("".join(_sentence(r) for _ in range(2)) + f"见注[^{k}]。")
        defs.append(f"[^{k}]: 注释{k}：" + _sentence(r))
    m = _one_article(tmp_path / "i", "\n\n".join(paras) + "\n\n" + "\n\n".join(defs))
    comp = compose(m, use_cache=False)
    pages = [p for p in comp.body if runs(p, "note-ref")]
    assert sum(len(runs(p, "note-ref")) for p in pages) == 60
    for page in pages:
        marks = [r.text for r in sorted(runs(page, "note-ref"), key=lambda r: (-r.y, r.x))]
        assert marks == CIRCLED[:len(marks)]
        numbers = [r.text for r in runs(page, "footnote") if r.text in CIRCLED]
        assert numbers == marks
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert res.returncode == 0, res.stderr


def test_the_circled_numeral_refusal_names_the_article_and_line(tmp_path):
    """Numbered per article, the 51st note has no circled numeral: refused at its line, with a
    hint that is true for the layout."""
    r = random.Random(3)
    paras, defs = [], []
    for k in range(1, 52):
        paras.append(_sentence(r) + f"见注[^{k}]。")
        defs.append(f"[^{k}]: 注释{k}。")
    m = _one_article(tmp_path / "i", "\n\n".join(paras) + "\n\n" + "\n\n".join(defs),
                     edit=("  numbering: page\n", "  numbering: article\n"))
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert res.returncode == 1, res.stderr
    # the 51st reference stands in the 51st paragraph: line 6 + 2 * 50 of the file
    assert "a0.md:106: note 51" in res.stderr, res.stderr
    assert "㊿" in res.stderr and "numbering: page" in res.stderr
    assert "internal error" not in res.stderr and not (tmp_path / "out.pdf").exists()


def test_a_page_printing_a_number_past_fifty_is_refused_at_the_notes_line():
    """With `numbering: page` only a number a page prints past ㊿ is refused: located at the
    note, with a hint that does not name the numbering the layout already uses."""
    import pytest as _pytest

    from typeset.errors import TypesetError
    from typeset.layout import notes as notemarks
    from typeset.model.layout import NotesStyle

    per_page = NotesStyle(mode="footnote", numbering="page", numerals="circled",
                          marker_style="note-mark", style="footnote", line_pitch=14.0)
    assert notemarks.set_number(60, per_page) == 50 and notemarks.set_number(7, per_page) == 7
    with _pytest.raises(TypesetError) as e:
        notemarks.number_text(51, per_page, where={"file": "a.md", "line": 9})
    assert "a.md:9" in str(e.value) or (e.value.file, e.value.line) == ("a.md", 9)
    assert "numbering: page" not in e.value.hint and "decimal" in e.value.hint


def test_a_long_note_in_endnote_mode_runs_on_like_a_footnote(tmp_path):
    """chongqing sets notes after the article under 注释. An end note of 50 paragraphs (77
    lines, a page has 40) was refused ("the endnote needs 77 lines, more than a page has"):
    each end note was one unbreakable band. A note taller than a page now runs on over the
    pages like text — the heading with its first lines, every page after full, every
    character in order; a note that fits a page stays whole (pagefill._run_on)."""
    m = _long_note(tmp_path / "i", layout="chongqing")
    comp = compose(m, use_cache=False)
    pages = [p for p in comp.body if runs(p, "endnote")]
    assert len(pages) >= 2
    heading = [p for p in comp.body if any(r.text == "注释" for r in runs(p))]
    assert heading == pages[:1]                      # 注释 with the note's first lines
    note = squash("".join(r.text for p in pages
                          for r in sorted(runs(p, "endnote"), key=lambda r: (-r.y, r.x))))
    src = (m.parent / "articles" / "a0.md").read_text(encoding="utf-8")
    written = squash(src.split("[^1]: ", 1)[1])
    assert note.endswith(written) and len(note) <= len(written) + 3     # [1] before it
    pitch = comp.layout.textblock.line_pitch
    for fr in comp.frames[:-1]:
        if any(getattr(pl.item, "role", "") == "endnote" for pl in fr.placements):
            end = max(pl.slot + pl.slots for pl in fr.placements)
            assert end >= comp.layout.textblock.lines - 1, (end, pitch)   # pages run full
    res = _typeset(tmp_path, "check", m)
    assert res.returncode == 0, res.stdout[-800:] + res.stderr
    assert re.search(r"short pages:\s+0", res.stdout)
