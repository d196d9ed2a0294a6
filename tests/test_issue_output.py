"""The sample issue as the printer and the archive receive it: navigation, saddle stitching,
fonts, the grid, and the command line's report."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from tests.conftest import CORPUS, SAMPLE
from tests.pdfinspect import fonts
from typeset.cli import main
from typeset.layout.compose import article_key
from typeset.layout.flow import baseline_in_slot
from typeset.layout.page import TextRun


@pytest.fixture(scope="module")
def archive_pdf(sample_composition, tmp_path_factory):
    from typeset.build import write

    out = tmp_path_factory.mktemp("archive") / "sample-archive.pdf"
    write(sample_composition, out, variant="archive")
    return out


def test_outline_has_contents_sections_and_articles(sample_composition, archive_pdf):
    reader = PdfReader(archive_pdf)
    comp = sample_composition

    def walk(items, depth=0):
        for it in items:
            if isinstance(it, list):
                yield from walk(it, depth + 1)
            else:
                yield depth, it.title, reader.get_destination_page_number(it)

    entries = list(walk(reader.outline))
    titles = [t for _, t, _ in entries]
    at = {p.label: i for i, p in enumerate(comp.pages)}      # PDF page of each label
    first = next(i for i, p in enumerate(comp.pages) if p.kind == "contents")
    assert titles[0] == "目录" and entries[0][2] == first
    for si, section in enumerate(comp.issue.sections):
        assert section.title in titles
        for ai, art in enumerate(section.articles):
            title = "".join(art.front.title)
            depth, _, page = next(e for e in entries if e[1] == title)
            assert depth == 1, f"{title} is not under its section"
            assert page == at[str(comp.start_pages[article_key(si, ai)])]


def test_page_labels_show_printed_folios(sample_composition, archive_pdf):
    labels = PdfReader(archive_pdf).page_labels
    comp = sample_composition
    n_front = len(comp.front)
    n_covers = 2 if comp.covers else 0              # 封一 and 封二 come first
    assert labels[:n_covers] == ["封一", "封二"][:n_covers]
    front = labels[n_covers:n_covers + n_front]
    # the contents and the blank verso after them share the contents' label
    assert front == (["目录"] * n_front if len(comp.contents) == 1 else
                     [f"目录{i + 1}" for i in range(n_front)])
    body = labels[n_covers + n_front:len(labels) - n_covers]
    assert body == [str(i + 1) for i in range(len(comp.body))]
    assert labels[len(labels) - n_covers:] == ["封三", "封四"][:n_covers]


def test_contents_entries_link_to_their_articles(sample_composition, archive_pdf):
    reader = PdfReader(archive_pdf)
    comp = sample_composition
    targets = []
    first = next(i for i, p in enumerate(comp.pages) if p.kind == "contents")
    at = {p.label: i for i, p in enumerate(comp.pages)}
    for annot in reader.pages[first].get("/Annots", []):
        a = annot.get_object()
        if a.get("/Subtype") != "/Link":
            continue
        dest = a.get("/Dest")
        if dest is None and "/A" in a:
            dest = a["/A"].get("/D")
        if isinstance(dest, str) or hasattr(dest, "original_bytes"):
            dest = reader.named_destinations[str(dest)]
            targets.append(reader.get_destination_page_number(dest))
        else:
            targets.append(reader.get_page_number(dest[0].get_object() if hasattr(dest[0], "get_object") else dest[0]))
    expected = [at[str(comp.start_pages[article_key(si, ai)])]
                for si, s in enumerate(comp.issue.sections) for ai, _ in enumerate(s.articles)]
    assert targets == expected


def test_saddle_stitching_pads_before_the_closing_page(sample_composition):
    comp = sample_composition
    assert comp.layout.page.saddle_stitch
    assert (len(comp.front) + len(comp.body)) % 4 == 0
    blanks = [i for i, p in enumerate(comp.body) if p.kind == "blank"]
    assert len(blanks) == comp.padding
    if blanks:   # right before the closing page, which carries the colophon
        assert blanks == list(range(len(comp.body) - 1 - len(blanks), len(comp.body) - 1))
        assert all(not p.items for p in (comp.body[i] for i in blanks))
    closing = comp.body[-1]
    assert any(isinstance(it, TextRun) and it.role == "colophon" for it in closing.items)


def test_every_font_is_an_embedded_subset(sample_pdf):
    found = fonts(sample_pdf)
    assert {f.descendant_subtype for f in found} == {"/CIDFontType0", "/CIDFontType2"}
    for f in found:
        assert f.program, f.base_font
        tag = f.base_font.lstrip("/").split("+")[0]
        assert tag.isalpha() and tag.isupper() and len(tag) == 6, f.base_font
        assert f.tounicode


def test_body_baselines_sit_on_the_grid(sample_composition):
    """cjk-rules §4 Grid: every body line's baseline is a whole number of pitches below the
    first, on every page, so facing pages line up."""
    layout = sample_composition.layout
    tb = layout.textblock
    first = layout.page.height - tb.top - baseline_in_slot(tb.line_pitch, layout.body_size)
    for page in sample_composition.body:
        for it in page.items:
            if isinstance(it, TextRun) and it.role == "body":
                k = (first - it.y) / tb.line_pitch
                assert abs(k - round(k)) < 1e-6 and 0 <= round(k) < tb.lines


def test_cli_build_reports_pages_padding_and_typography(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert main(["build", str(SAMPLE), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"built {out}" in said and "PDF/X-4" in said
    assert "blank page(s) added for saddle stitching" in said or "body)" in said
    assert "0 prohibited line edges" in said
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")
def test_corpus_builds_with_the_chongqing_layout(tmp_path, capsys):
    out = tmp_path / "cq.pdf"
    assert main(["build", str(CORPUS), "-o", str(out)]) == 0
    assert "0 prohibited line edges" in capsys.readouterr().out
    reader = PdfReader(out)
    text = "".join(p.extract_text() for p in reader.pages)
    assert "□" in text          # chongqing bylines
    assert "【履职研究】" in text


def test_archive_command_is_write_once(tmp_path, capsys):
    to = tmp_path / "arch"
    assert main(["archive", str(SAMPLE), "--to", str(to)]) == 0
    stored = list(to.rglob("*.pdf"))
    assert [p.name for p in stored] == ["广西政协工作-2024-2.pdf"]
    assert main(["archive", str(SAMPLE), "--to", str(to)]) == 1
    assert "--revise" in capsys.readouterr().err
    assert main(["archive", "--verify", str(to)]) == 0
    stored[0].chmod(0o644)
    stored[0].write_bytes(stored[0].read_bytes() + b"\n")
    assert main(["archive", "--verify", str(to)]) == 1


def test_two_em_dash_is_one_unbroken_line(sample_composition):
    """—— is drawn as two scaled dashes whose ink meets (clreq §3.1.4)."""
    found = 0
    for page in sample_composition.body:
        dashes = [it for it in page.items if isinstance(it, TextRun) and it.text == "—"]
        for a, b in zip(dashes, dashes[1:]):
            if a.y != b.y or b.x <= a.x:
                continue
            face = sample_composition.book.library.face(a.font)
            left, right = face.ink("—")
            a_end = a.x + right * a.size * a.hscale
            b_start = b.x + left * b.size * b.hscale
            if abs(b_start - a_end) < a.size:          # neighbours in one ——
                assert abs(b_start - a_end) < 0.01, (a, b)
                assert a.hscale > 1
                found += 1
    assert found >= 2


def test_same_sources_same_bytes_from_any_directory(tmp_path):
    """Identical bytes whatever the working directory and however the manifest is named:
    nothing in the PDF depends on paths (anchor names are places in the issue)."""
    import os
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "elsewhere" / "sample"
    shutil.copytree(SAMPLE.parent, copy)
    env = dict(os.environ, PYTHONPATH=str(SAMPLE.parents[2]), PYTHONHASHSEED="random")
    outs = []
    for cwd, manifest in ((SAMPLE.parents[2], "issues/sample/issue.yaml"),
                          (tmp_path / "elsewhere", "sample/issue.yaml")):
        out = tmp_path / f"{len(outs)}.pdf"
        subprocess.run([sys.executable, "-m", "typeset", "build", manifest, "-o", str(out),
                        "--variant", "archive"], cwd=cwd, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")
def test_running_head_follows_the_article_starting_on_the_page():
    """chongqing runs articles on: a page where an article of a new section starts shows
    that section, a page without a start shows the continuing article's."""
    from typeset.build import compose

    comp = compose(CORPUS)
    fmt = comp.layout.running_heads.section_format
    sections = {article_key(si, ai): s.title for si, s in enumerate(comp.issue.sections)
                for ai, _ in enumerate(s.articles)}
    current = None
    mid_page_switches = 0
    for page in comp.body:
        starts = [a for a in page.anchors if a.kind == "article"]
        if starts:
            new = sections[starts[0].key]
            mid_page_switches += current is not None and new != current
            current = new
        heads = {it.text for it in page.items if isinstance(it, TextRun) and it.role == "running-head"}
        assert fmt.format(title=current) in heads
    assert mid_page_switches >= 1


def test_saddle_stitch_blanks_stand_before_the_colophon_page(tmp_path):
    """One article and a colophon: contents + blank verso (folio 1 is a recto) + article page
    + colophon page = 4: the colophon moves to a page of its own, as that costs no sheet."""
    import shutil

    from typeset.build import compose

    src = SAMPLE.parents[2] / "tests" / "data" / "model" / "issue"
    shutil.copytree(src, tmp_path / "issue")
    manifest = tmp_path / "issue" / "issue.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("      - articles/02-diaoyan.md\n", "")
    text = text.replace("  - title: 市县政协\n    articles:\n      - articles/03-jianyan.md\n", "")
    manifest.write_text(text, encoding="utf-8")
    comp = compose(manifest, use_cache=False)
    assert [p.kind for p in comp.pages] == ["contents", "blank", "body", "body"]
    assert comp.padding == 0
    closing = comp.body[-1]
    roles = {it.role for it in closing.items if isinstance(it, TextRun)}
    assert "colophon" in roles and "body" not in roles
    assert comp.body[-1].folio == "2"


def test_runs_with_the_same_glyph_offsets_share_one_tuple(sample_composition):
    """Issue 13 part 5 (memory): most full lines on the grid place their glyphs at the same
    offsets; a run keeps the one tuple of its style book instead of a copy of its own."""
    offsets = [it.xs for p in sample_composition.pages for it in p.items
               if isinstance(it, TextRun) and it.xs]
    distinct = set(offsets)
    assert len(offsets) > 2 * len(distinct)               # the sample repeats them a lot
    assert len({id(xs) for xs in offsets}) == len(distinct)
