"""The file, cache, archive and PDF findings of the trust audit of issue 8 (F2, F4, F6, F7,
F8b, F8c, F13, F14, F17), as regression tests.

Each test reproduces what the audit found and asserts what must happen instead. Commands that
could hang or eat memory if a fix regressed (a FIFO, /dev/zero, a 3 GB file) run in a child
process with a timeout and an address-space limit, so a regression costs seconds, never the
machine; the rest run in this process through `typeset.cli.main`.
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from typeset import cachefiles, fileread, fsutil, outfolder
from typeset.cli import main

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ("layout: {layout}\njournal: {journal}\nyear: 2024\nnumber: {number}\nsections:\n"
            "  - title: 栏目\n    articles:\n      - {article}\n")
ARTICLE = "---\ntitle: 标题\nauthors: [张三]\n---\n{body}\n"
MEMORY_LIMIT = 2 << 30           # bytes of address space a child may use


def issue(root: Path, *, body: str = "正文第一段。", layout: str = "guangxi",
          journal: str = "测试刊", number: str = "1", article: str = "a.md") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "issue.yaml").write_text(MANIFEST.format(layout=layout, journal=journal,
                                                     number=number, article=article),
                                     encoding="utf-8")
    if not (root / article).exists():
        (root / article).write_text(ARTICLE.format(body=body), encoding="utf-8")
    return root / "issue.yaml"


def run(*args, capsys) -> tuple[int, str]:
    """The real command line in this process: (exit status, stderr + stdout)."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    text = out.err + out.out
    assert "Traceback" not in text and "internal error" not in text, text
    return code, text


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def child(*args, cwd: Path, cache: Path, timeout: float = 30) -> tuple[int | None, str, float]:
    """`python -m typeset ARGS` in a child process: (exit status or None if still running
    after `timeout`, stderr + stdout, seconds)."""
    env = dict(os.environ, TYPESET_CACHE=str(cache))
    env.pop("TYPESET_DEBUG", None)
    start = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=timeout, preexec_fn=_limit)
    except subprocess.TimeoutExpired as e:
        return None, f"{e.stdout or ''}{e.stderr or ''}", time.monotonic() - start
    return p.returncode, p.stderr + p.stdout, time.monotonic() - start


def no_bug(rc, text: str) -> None:
    assert rc is not None, "still running after the timeout (a hang)"
    assert rc != 3 and "internal error" not in text and "Traceback" not in text, text
    assert "out of memory" not in text, text


def pdf_text(pdf: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return re.sub(r"\s+", "", text)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    c = tmp_path / "cache"
    monkeypatch.setenv("TYPESET_CACHE", str(c))
    return c


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> tuple[Path, Path, bytes]:
    """An issue built once in a child process: (its manifest, the cache that build filled,
    the PDF). Tests copy the cache before planting anything in it."""
    root = tmp_path_factory.mktemp("warm")
    m = issue(root / "i")
    rc, out, _ = child("build", m, "-o", root / "1.pdf", cwd=root, cache=root / "cache")
    assert rc == 0, out
    return m, root / "cache", (root / "1.pdf").read_bytes()


def warm_copy(warm, tmp_path) -> tuple[Path, Path, bytes]:
    m, cache, pdf = warm
    shutil.copytree(cache, tmp_path / "cache", symlinks=True)
    return m, tmp_path / "cache", pdf


# =============================================================================================
# F2: no output path is ever one of the issue's inputs

@pytest.mark.parametrize("target", ["issue.yaml", "a.md"])
def test_build_never_replaces_the_manifest_or_an_article(tmp_path, cache, capsys, target):
    m = issue(tmp_path)
    before = (tmp_path / target).read_bytes()
    code, text = run("build", m, "-o", tmp_path / target, capsys=capsys)
    assert code == 1 and target in text and "must end in .pdf" in text, text
    assert (tmp_path / target).read_bytes() == before


def test_build_output_that_is_an_input_by_another_name_is_refused(tmp_path, cache, capsys):
    """Not the file name but the file: an article named *.pdf, and a hard link to the
    manifest, are refused as what they are, before anything is built."""
    m = issue(tmp_path, article="text.pdf")
    before = (tmp_path / "text.pdf").read_bytes()
    code, text = run("build", m, "-o", tmp_path / "text.pdf", capsys=capsys)
    assert code == 1 and "an article of the issue" in text and "replace it" in text, text
    assert (tmp_path / "text.pdf").read_bytes() == before
    os.link(m, tmp_path / "same.pdf")
    manifest = m.read_bytes()
    code, text = run("build", m, "-o", tmp_path / "same.pdf", capsys=capsys)
    assert code == 1 and "the issue's manifest" in text and "issue.yaml" in text, text
    assert m.read_bytes() == manifest
    assert not list(tmp_path.glob(".typeset-*"))


def test_a_font_or_layout_is_never_an_output(tmp_path, cache, capsys):
    lay = tmp_path / "lay.yaml"
    lay.write_text((ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8"),
                   encoding="utf-8")
    m = issue(tmp_path, layout="lay.yaml")
    before = lay.read_bytes()
    code, text = run("stats", m, "--csv", "-o", lay, capsys=capsys)
    assert code == 1 and "the issue's layout" in text, text
    assert lay.read_bytes() == before
    font = tmp_path / "Kai.ttf"
    shutil.copyfile(ROOT / "fonts" / "LXGWWenKai-Regular.ttf", font)
    lay.write_text(lay.read_text(encoding="utf-8").replace(
        "kai: [LXGWWenKai-Regular.ttf", f"kai: [{font}"), encoding="utf-8")
    code, text = run("stats", m, "--csv", "-o", font, capsys=capsys)
    assert code == 1 and "a font the issue's layout uses" in text, text
    assert font.read_bytes() == (ROOT / "fonts" / "LXGWWenKai-Regular.ttf").read_bytes()


def test_build_output_must_end_in_pdf(tmp_path, cache, capsys):
    m = issue(tmp_path)
    code, text = run("build", m, "-o", tmp_path / "notes.txt", capsys=capsys)
    assert code == 1 and "must end in .pdf" in text and "notes.pdf" in text, text
    assert not (tmp_path / "notes.txt").exists()
    code, text = run("build", m, "-o", tmp_path / "UPPER.PDF", capsys=capsys)
    assert code == 0, text
    code, text = run("specimen", "-o", tmp_path / "specimen.otf", capsys=capsys)
    assert code == 1 and "must end in .pdf" in text, text


def test_stats_csv_never_replaces_an_article(tmp_path, cache, capsys):
    m = issue(tmp_path)
    before = (tmp_path / "a.md").read_bytes()
    code, text = run("stats", m, "--csv", "-o", tmp_path / "a.md", capsys=capsys)
    assert code == 1 and "a.md" in text and "an article of the issue" in text, text
    assert (tmp_path / "a.md").read_bytes() == before


def test_proof_never_replaces_a_folder_holding_the_issue(tmp_path, cache, capsys):
    m = issue(tmp_path / "i")
    code, text = run("proof", m, "--to", tmp_path / "i", capsys=capsys)
    assert code == 1 and "holds the issue's manifest" in text, text
    assert sorted(p.name for p in (tmp_path / "i").iterdir()) == ["a.md", "issue.yaml"]


def test_batch_out_never_replaces_an_input(tmp_path, cache, capsys):
    """`batch --out DIR` writes DIR/<issue folder>.pdf: here that is an article's name."""
    m = issue(tmp_path / "i", article="i.pdf")
    before = (tmp_path / "i" / "i.pdf").read_bytes()
    code, text = run("batch", m, "--out", tmp_path / "i", "--jobs", "1", capsys=capsys)
    assert code == 1 and "an article of the issue" in text, text
    assert (tmp_path / "i" / "i.pdf").read_bytes() == before


def test_import_never_writes_a_picture_over_the_document(tmp_path, cache, capsys):
    """A .docx is recognised by its content, whatever its name: one named like the picture
    the import would write is never replaced, even with --force."""
    from tests.docxfixture import P, Picture, build_docx

    (tmp_path / "images").mkdir()
    doc = tmp_path / "images" / "a-1.jpg"
    build_docx(doc, [P("文章标题", style="Title"), P("正文。"), Picture("jpeg"),
                     P("图1 图片说明", style="Caption")])
    before = doc.read_bytes()
    code, text = run("import", doc, "-o", tmp_path / "a.md", "--force", capsys=capsys)
    assert code == 1 and "the document being imported" in text, text
    assert doc.read_bytes() == before and not (tmp_path / "a.md").exists()


def test_the_writer_refuses_an_input_by_identity(tmp_path):
    src = tmp_path / "issue.yaml"
    src.write_text("x", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(src)
    os.link(src, tmp_path / "hard.pdf")
    for given in (src, tmp_path / "." / "issue.yaml", tmp_path / "hard.pdf"):
        with pytest.raises(fsutil.TypesetError, match="the issue's manifest"):
            fsutil.write_output(given, b"%PDF", inputs=[("manifest", tmp_path / "link.yaml")])
    assert src.read_text(encoding="utf-8") == "x"
    fsutil.write_output(tmp_path / "new.pdf", b"%PDF", inputs=[("manifest", src)])
    with pytest.raises(fsutil.TypesetError, match="holds the issue's manifest"):
        outfolder.check_folder_output(tmp_path, inputs=[("manifest", src)])


# =============================================================================================
# F4: a cache never changes what is printed

def test_paragraph_cache_cannot_change_the_printed_text(tmp_path, warm):
    m, cache, reference = warm_copy(warm, tmp_path)
    from tests.test_parcache import rewrite_file

    patched = 0
    for f in (cache / "paragraphs").glob("*.lines"):
        # the lines' characters, edited in place (as many UTF-8 bytes), under a good checksum
        found = f.read_bytes().count("正文第一段".encode())
        rewrite_file(f, body=lambda head, b: b.replace("正文第一段".encode(), "反文第二段".encode()))
        patched += found
    assert patched
    rc, out, _ = child("build", m, "-o", tmp_path / "2.pdf", cwd=tmp_path, cache=cache)
    assert rc == 0, out
    text = pdf_text(tmp_path / "2.pdf")
    assert "正文第一段" in text and "反文第二段" not in text
    assert (tmp_path / "2.pdf").read_bytes() == reference


def _set(spans, width=100.0, **kw):
    from typeset.text.paragraph import SpecMetrics, set_paragraph
    return set_paragraph(spans, width, SpecMetrics(10.0), **kw)


def test_lines_match_refuses_lines_that_are_not_the_paragraphs():
    from tests.test_parcache import _bad_variants
    from typeset.text.linebreak import Span
    from typeset.text.parcache import lines_match

    spans = [Span("正文第一段，"), Span("加粗", "bold"), Span("的文字 continues here 以及更多的文字。")]
    good = _set(spans)
    assert len(good) > 2 and lines_match(spans, good, 100.0)

    for why, lines in _bad_variants(spans, good).items():
        assert not lines_match(spans, lines, 100.0), why
    assert not lines_match(spans, good, 90.0)                   # not set on this measure
    assert not lines_match([Span("另一段文字")], good, 100.0)


def test_lines_match_accepts_every_fresh_break():
    """Property: whatever the text and measures, what the breaker sets passes the check
    (so a cache entry that fails it was not written by typeset)."""
    from hypothesis import given, settings, strategies as st

    from typeset.text.linebreak import Span
    from typeset.text.parcache import lines_match

    alphabet = st.sampled_from(list("政协委员会议，。、“”《》（）——……abc 123-/") + ["\u200b"])

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(st.text(alphabet, min_size=1, max_size=40),
                              st.sampled_from(["body", "bold"])), min_size=1, max_size=4),
           st.lists(st.sampled_from([60.0, 100.0, 155.0]), min_size=1, max_size=3),
           st.one_of(st.none(), st.just(80.0)))
    def check(parts, widths, last):
        spans = [Span(t, s) for t, s in parts]
        lines = _set(spans, widths, last_width=last)
        assert lines_match(spans, lines, widths, last)
    check()


def test_a_subset_whose_header_was_edited_is_rebuilt(tmp_path):
    from typeset.render.fontprogram import Subset, SubsetCache, subset_matches

    c = SubsetCache(tmp_path)
    sub = Subset(b"\x01" * 100, 4, (0, 3, 1, 2))
    c.put("ab" + "0" * 62, sub)
    assert c.get("ab" + "0" * 62, [5, 6, 7]) == sub
    path = Path(c._path("ab" + "0" * 62))
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"glyphs":4', b'"glyphs":9'))     # header, not program
    assert c.get("ab" + "0" * 62, [5, 6, 7]) is None
    # a well-formed entry that is not a subset of the glyphs asked for is not used either
    c.put("ab" + "0" * 62, sub)
    assert c.get("ab" + "0" * 62, [5, 6]) is None
    assert not subset_matches(Subset(b"x", 3, None), [1, 2, 3])
    assert subset_matches(Subset(b"x", 4, None), [1, 2, 3])
    assert not subset_matches(Subset(b"x", 3, (0, 1, 2, 5)), [1, 2, 3])


def test_a_cached_picture_must_answer_its_request(tmp_path, monkeypatch):
    """A checksummed cache entry of another size, colour space or ink is ignored: the
    picture is converted again and comes out as it should."""
    from tests.picturekit import photo
    from typeset.layout.page import Image as Placed, Page
    from typeset.render.pictures import cache as pcache
    from typeset.render.pictures.pipeline import Pictures
    from typeset.render.pictures.spec import Target
    from typeset.render.variants import RGB

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "p.png"
    photo(120, 80).save(path)
    target = Target("cmyk", total_ink=300.0)

    def prepare():
        pics = Pictures(target)
        pics.plan([Page(500, 700, items=[Placed(20, 20, 120, 80, str(path))])], lambda i, p: "")
        return pics, pics.get(str(path))

    pics, (key, good) = prepare()
    for planted in (replace(good, width=60, height=40), replace(good, space=RGB),
                    replace(good, ink=320.0)):
        pcache.put(key, planted)
        again, (_, p) = prepare()
        assert again.stats.converted == 1 and p == good, planted
    pcache.put(key, good)
    assert prepare()[0].stats.cached == 1


# =============================================================================================
# F6: a planted cache file never hangs a build nor fills the memory

def test_fifos_in_the_caches_are_ignored(tmp_path, warm):
    m, cache, reference = warm_copy(warm, tmp_path)
    planted = 0
    for folder in ("faces", "paragraphs", "subsets"):
        for f in (cache / folder).rglob("*"):
            if f.is_file():
                f.unlink()
                os.mkfifo(f)
                planted += 1
    assert planted >= 3
    rc, out, secs = child("build", m, "-o", tmp_path / "2.pdf", cwd=tmp_path, cache=cache,
                          timeout=20)
    no_bug(rc, out)
    assert rc == 0, out
    assert (tmp_path / "2.pdf").read_bytes() == reference


def test_cache_links_to_a_device_are_ignored(tmp_path, warm):
    m, cache, reference = warm_copy(warm, tmp_path)
    shutil.rmtree(cache / "paragraphs")
    for f in [*(cache / "subsets").glob("*/*.bin"), *(cache / "faces").glob("*")]:
        f.unlink()
        f.symlink_to("/dev/zero")
    rc, out, secs = child("build", m, "-o", tmp_path / "2.pdf", cwd=tmp_path, cache=cache,
                          timeout=20)
    no_bug(rc, out)
    assert rc == 0, out
    assert (tmp_path / "2.pdf").read_bytes() == reference


def test_read_cache_refuses_what_is_not_a_regular_file(tmp_path):
    good = tmp_path / "good"
    good.write_bytes(b"12345")
    assert cachefiles.read_cache(good, 5) == b"12345"
    assert cachefiles.read_cache(good, 4) is None                  # over the limit: unread
    (tmp_path / "link").symlink_to(good)
    assert cachefiles.read_cache(tmp_path / "link", 100) is None   # never through a link
    assert cachefiles.read_cache(tmp_path, 100) is None            # a folder
    assert cachefiles.read_cache(tmp_path / "missing", 100) is None
    with pytest.raises(fileread.NotRegularFile) as e:
        fileread.read_limited("/dev/null", 100)
    assert e.value.kind == "a character device"
    assert fileread.read_limited(tmp_path / "link", 100) == b"12345"   # follow=True: the file
    with pytest.raises(fileread.FileTooLarge):
        fileread.read_limited(good, 4)


def test_reading_a_fifo_never_waits(tmp_path):
    """In a child: if the open blocked, the child would hang (and be killed)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code = ("import sys; from typeset import cachefiles, fileread\n"
            "assert cachefiles.read_cache(sys.argv[1], 100) is None\n"
            "try:\n    fileread.read_limited(sys.argv[1], 100)\n"
            "except fileread.NotRegularFile as e:\n    print(e.kind)\n")
    p = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True,
                       timeout=10, cwd=ROOT)
    assert p.returncode == 0 and p.stdout.strip() == "a FIFO (named pipe)", p.stderr


# =============================================================================================
# F7: check --pdf on hostile files: a located violation or a message, exit 1, never 3

def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    out = b"%PDF-1.7\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, trailer, xref))
    return out


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>"
_PLAIN_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>"


def _bomb(mb: int) -> bytes:
    data = zlib.compress(b" " * (mb << 20), 9)
    return _pdf([_CATALOG, _PAGES, _PAGE,
                 b"<< /Type /Metadata /Subtype /XML /Length %d /Filter /FlateDecode >>\n"
                 b"stream\n" % len(data) + data + b"\nendstream"])


HOSTILE = {
    "aes256-encrypted": (_pdf([_PLAIN_CATALOG, _PAGES, _PAGE],
                              b"/Encrypt << /Filter /Standard /V 5 /R 6 /Length 256 /P -4 "
                              b"/O <" + b"00" * 48 + b"> /U <" + b"00" * 48 + b"> /OE <"
                              + b"00" * 32 + b"> /UE <" + b"00" * 32 + b"> /Perms <"
                              + b"00" * 16 + b"> /CF << /StdCF << /CFM /AESV3 /Length 32 >> "
                              b">> /StmF /StdCF /StrF /StdCF >> "), "encrypted"),
    "metadata-zip-bomb": (_bomb(300), "file:"),
    "5000-digit-number": (_pdf([_PLAIN_CATALOG, _PAGES,
                                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1" + b"0" * 5000
                                + b" 100] >>"]), "file:"),
    "200000-kids": (_pdf([_PLAIN_CATALOG,
                          b"<< /Type /Pages /Kids [" + b"3 0 R " * 200000 + b"] /Count 200000 >>",
                          _PAGE]), "file:"),
    "nested-arrays": (_pdf([_PLAIN_CATALOG, _PAGES,
                            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /X "
                            + b"[" * 5000 + b"]" * 5000 + b" >>"]), "file:"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_check_pdf_reports_hostile_files(tmp_path, name):
    data, words = HOSTILE[name]
    f = tmp_path / f"{name}.pdf"
    f.write_bytes(data)
    rc, out, _ = child("check", "--pdf", f, cwd=tmp_path, cache=tmp_path / "c", timeout=30)
    no_bug(rc, out)
    assert rc == 1 and words in out, out


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_check_pdf_refuses_non_regular_files(tmp_path, kind):
    f = tmp_path / "x.pdf"
    if kind == "fifo":
        os.mkfifo(f)
    else:
        f.symlink_to("/dev/zero")
    rc, out, _ = child("check", "--pdf", f, cwd=tmp_path, cache=tmp_path / "c", timeout=10)
    no_bug(rc, out)
    assert rc == 1 and "not a regular file" in out and "x.pdf" in out, out


def test_the_stream_limit_holds_without_pypdfs_own(tmp_path, monkeypatch):
    """typeset's own measure of what a Flate stream inflates to stops a bomb before pypdf
    decodes it, whatever pypdf's limits (older pypdf versions have none)."""
    import contextlib

    from typeset.render import pdfscan, preflight
    from typeset.render.variants import PDF_X4

    monkeypatch.setattr(pdfscan, "STREAM_LIMIT", 1 << 20)
    monkeypatch.setattr(preflight, "_pypdf_limits", contextlib.nullcontext)
    found = preflight.preflight(_bomb(4), PDF_X4)
    assert any("decompression bomb" in str(v) for v in found), found


def test_check_pdf_refuses_a_file_over_its_limit(tmp_path, monkeypatch, capsys):
    from typeset.render import preflight

    f = tmp_path / "big.pdf"
    f.write_bytes(b"%PDF-1.7\n" + b" " * 3000)
    monkeypatch.setattr(preflight, "PDF_LIMIT", 2048)
    code, text = run("check", "--pdf", f, capsys=capsys)
    assert code == 1 and "big.pdf" in text and "at most" in text, text


# =============================================================================================
# F8b, F8c: names too long are messages

def test_archive_with_a_long_issue_number_is_a_message(tmp_path, cache, capsys):
    # a 70-character journal name (210 bytes) and a 90-digit number (under the 100-digit cap
    # on whole numbers): the stored file's name would pass the 255-byte limit
    m = issue(tmp_path / "i", journal="刊" * 70, number="7" * 90)
    code, text = run("archive", m, "--to", tmp_path / "ar", capsys=capsys)
    # refused as a message at the manifest line, never an internal error: since issue numbers
    # have at most 3 digits, by the number's own check
    assert code == 1 and ("too long" in text or "at most 3" in text) and "issue.yaml" in text, \
        text
    assert not (tmp_path / "ar" / "catalogue.json").exists()


def test_output_path_longer_than_path_max_is_a_message(tmp_path, cache, capsys):
    m = issue(tmp_path)
    deep = "/".join(["a" * 200] * 30) + "/x.pdf"
    code, text = run("build", m, "-o", deep, capsys=capsys)
    assert code == 1 and "the path is too long" in text, text


# =============================================================================================
# F13: messages say what happened

def test_a_fifo_article_is_not_reported_missing(tmp_path):
    m = issue(tmp_path)
    os.mkfifo(tmp_path / "f.md")
    m.write_text(m.read_text(encoding="utf-8").replace("- a.md", "- f.md"), encoding="utf-8")
    rc, out, _ = child("build", m, "-o", tmp_path / "o.pdf", cwd=tmp_path,
                       cache=tmp_path / "c", timeout=15)
    no_bug(rc, out)
    assert rc == 1 and "issue.yaml:8" in out and "FIFO" in out and "not a regular file" in out
    assert "not found" not in out and "did you mean" not in out


def test_a_fifo_layout_is_not_an_unknown_layout(tmp_path):
    os.mkfifo(tmp_path / "lay.yaml")
    m = issue(tmp_path, layout="lay.yaml")
    rc, out, _ = child("build", m, "-o", tmp_path / "o.pdf", cwd=tmp_path,
                       cache=tmp_path / "c", timeout=15)
    no_bug(rc, out)
    assert rc == 1 and "issue.yaml:1" in out and "FIFO" in out and "unknown layout" not in out


def test_a_device_named_as_a_font_is_not_missing(tmp_path, cache, capsys):
    lay = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
    (tmp_path / "lay.yaml").write_text(lay.replace("song: [NotoSerifCJKsc-Regular.otf]",
                                                   "song: [/dev/null]"), encoding="utf-8")
    m = issue(tmp_path, layout="lay.yaml")
    code, text = run("build", m, "-o", tmp_path / "o.pdf", capsys=capsys)
    assert code == 1 and "/dev/null" in text and "character device" in text, text
    assert "not found" not in text


def test_archive_refuses_an_unusable_journal_name_at_its_line(tmp_path, cache, capsys):
    m = issue(tmp_path / "i", journal='"甲/乙"')
    code, text = run("archive", m, "--to", tmp_path / "ar", capsys=capsys)
    assert code == 1 and "issue.yaml:2" in text and "cannot be used" in text, text


def test_journals_differing_by_a_compatibility_ideograph_never_share_a_folder(tmp_path, cache,
                                                                             capsys):
    """U+F900 is U+8C48 after NFC: an archive folder named by either could hold both. The
    compatibility form is refused at the journal's line; the unified one is stored."""
    compat = issue(tmp_path / "j1", journal='"\\uF900刊"')
    unified = issue(tmp_path / "j2", journal='"\\u8C48刊"')
    code, text = run("archive", compat, "--to", tmp_path / "ar", capsys=capsys)
    assert code == 1 and "issue.yaml:2" in text and "U+F900" in text and "U+8C48" in text
    assert "changed by hand" not in text
    code, text = run("archive", unified, "--to", tmp_path / "ar", capsys=capsys)
    assert code == 0, text
    code, text = run("archive", compat, "--to", tmp_path / "ar", capsys=capsys)
    assert code == 1 and "changed by hand" not in text
    assert run("archive", "--verify", tmp_path / "ar", capsys=capsys)[0] == 0


def test_a_journal_whose_folder_is_another_journals_is_named(tmp_path, cache, capsys):
    """On a file system that folds case or Unicode forms, another journal's file may already
    stand where this one would go: said as such, not as a folder changed by hand. (Simulated
    with a hard link: ext4 tells names apart.)"""
    first = issue(tmp_path / "j1", journal="甲刊")
    assert run("archive", first, "--to", tmp_path / "ar", capsys=capsys)[0] == 0
    (stored,) = (tmp_path / "ar").glob("甲刊/2024/*.pdf")
    (tmp_path / "ar" / "乙刊" / "2024").mkdir(parents=True)
    os.link(stored, tmp_path / "ar" / "乙刊" / "2024" / "乙刊-2024-1.pdf")
    second = issue(tmp_path / "j2", journal="乙刊")
    code, text = run("archive", second, "--to", tmp_path / "ar", capsys=capsys)
    assert code == 1 and "already the archive file of 甲刊 2024年第1期" in text, text
    assert "issue.yaml:2" in text and "changed by hand" not in text


# =============================================================================================
# F14: --verify never reads a file whose size is wrong, and reads the others in pieces

def test_verify_does_not_read_an_oversized_file_into_memory(tmp_path, stored):
    shutil.copytree(stored, tmp_path / "ar")
    cache = tmp_path / "c"
    (pdf,) = (tmp_path / "ar").glob("*/*/*.pdf")
    pdf.chmod(0o644)
    os.truncate(pdf, 3 << 30)                     # sparse: costs no disk
    rc, out, secs = child("archive", "--verify", tmp_path / "ar", cwd=tmp_path, cache=cache,
                          timeout=20)
    no_bug(rc, out)
    assert rc == 1 and "changed:" in out and "3221225472 bytes" in out, out
    assert secs < 10


def test_verify_finds_a_change_that_keeps_the_size(tmp_path, stored, capsys):
    shutil.copytree(stored, tmp_path / "ar")
    assert run("archive", "--verify", tmp_path / "ar", capsys=capsys)[0] == 0
    (pdf,) = (tmp_path / "ar").glob("*/*/*.pdf")
    pdf.chmod(0o644)
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))
    code, text = run("archive", "--verify", tmp_path / "ar", capsys=capsys)
    assert code == 1 and "changed:" in text and "with SHA-256" in text, text


def test_xmp_packets_are_found_across_read_boundaries():
    from typeset.archive.stored import _Packets, pdf_issue

    packet = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:'
              'meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:'
              'Description xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/" '
              'prism:publicationName="刊" prism:coverDate="2024-01-01" prism:number="3"/>'
              '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")
    data = b"%PDF-1.7\n" + b"x" * 50 + packet + b"\n%%EOF\n"
    whole = _Packets()
    whole.feed(data)
    assert whole.found == [packet]
    for cut in range(1, len(data)):
        p = _Packets()
        p.feed(data[:cut])
        p.feed(data[cut:])
        assert p.found == [packet], cut
    with pytest.raises(ValueError):
        pdf_issue(data)                 # attributes, not elements: "no prism:publicationName"


# =============================================================================================
# F17: a catalogue typeset could not have written is refused by --verify

@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """An archive holding one issue (copied by each test that changes it)."""
    root = tmp_path_factory.mktemp("stored")
    m = issue(root / "i")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TYPESET_CACHE", str(root / "cache"))
        assert main(["archive", str(m), "--to", str(root / "ar")]) == 0
    return root / "ar"


def _stored_catalogue(stored, tmp_path) -> tuple[Path, dict]:
    shutil.copytree(stored, tmp_path / "ar")
    path = tmp_path / "ar" / "catalogue.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("how, words", [
    ("revision-is-the-current-file", "revision 1 of"),
    ("impossible-date", "expected null or YYYY-MM-DD"),
    ("impossible-provenance-date", "expected an ISO date"),
    ("file-listed-twice", "is listed twice"),
    ("revision-out-of-order", "revision 1 of"),
    ("bag-beside-another-file", "the bag of"),
])
def test_verify_refuses_a_crafted_catalogue(tmp_path, stored, capsys, how, words):
    path, doc = _stored_catalogue(stored, tmp_path)
    e = doc["issues"][0]
    rev = {"revision": 1, "file": e["file"], "sha256": e["sha256"], "size": e["size"]}
    if how == "revision-is-the-current-file":
        e["revisions"] = [rev]
    elif how == "impossible-date":
        e["date"] = "2024-13-45"
    elif how == "impossible-provenance-date":
        e["provenance"]["date"] = "2024-02-30T00:00:00+00:00"
    elif how == "file-listed-twice":
        doc["issues"].append(dict(e, number=e["number"] + 1))
    elif how == "revision-out-of-order":
        e["revisions"] = [dict(rev, revision=2, file=e["file"][:-4] + "-r2.pdf")]
    else:
        e["sources"] = e["file"][:-4] + "-other.sources"
    path.chmod(0o644)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, text = run("archive", "--verify", tmp_path / "ar", capsys=capsys)
    assert code == 1 and words in text, text
