"""Finished files kept whole (render/finished.py, issue 13 part 1): a one-shot build whose
writer would be given exactly what a previous build's was takes that file from the cache; any
change of what the writer is given is a miss and the file is drawn; a broken, planted, moved
or foreign entry is a miss; the bytes, the report, the messages and the exit status are a full
build's."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE
from typeset import build as build_mod
from typeset.layout.page import Box, Image, Page, Rule, TextRun
from typeset.render import finished, writer


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory):
    """A cache of the module's own, warmed once by a build of the sample (fonts, subsets,
    pictures): each test's copy of the issue is then a warm build but for its paragraphs."""
    with pytest.MonkeyPatch.context() as mp:
        cache = tmp_path_factory.mktemp("cache")
        mp.setenv("TYPESET_CACHE", str(cache))
        build_mod.build(SAMPLE, tmp_path_factory.mktemp("warm") / "s.pdf")
        yield cache


@pytest.fixture
def issue(tmp_path, module_cache) -> Path:
    shutil.copytree(SAMPLE.parent, tmp_path / "sample")
    return tmp_path / "sample" / "issue.yaml"


@pytest.fixture
def drawn(monkeypatch) -> list:
    """Each call of the writer (a file drawn, not taken from the cache) appends 1."""
    calls: list = []
    real = writer.render_pdf

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(writer, "render_pdf", counting)
    return calls


def _build(manifest: Path, out: Path, variant: str = "print"):
    rep = build_mod.build(manifest, out, variant=variant)
    data = out.read_bytes()
    assert rep.sha256 == hashlib.sha256(data).hexdigest()     # the digest is the file's
    return rep, data


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "finished").glob("*.pdfc"))


# -- a hit --------------------------------------------------------------------------------------

def test_an_unchanged_issue_is_taken_whole_and_is_the_same_bytes(issue, tmp_path, drawn,
                                                                 module_cache):
    out = tmp_path / "out.pdf"
    first, pdf = _build(issue, out)
    assert len(drawn) == 1
    second, again = _build(issue, out)
    assert len(drawn) == 1                                  # taken, not drawn
    assert again == pdf
    assert second.typography == first.typography            # the report: computed, the same
    assert (second.pages, second.padding, second.covers) == (first.pages, first.padding,
                                                              first.covers)
    shutil.rmtree(module_cache / "finished")                # deleted: drawn, the same bytes
    _, third = _build(issue, out)
    assert len(drawn) == 2 and third == pdf
    _, archive = _build(issue, tmp_path / "a.pdf", "archive")     # another variant: its own
    _, archive2 = _build(issue, tmp_path / "a.pdf", "archive")
    assert len(drawn) == 3 and archive2 == archive != pdf


def _cli(manifest: Path, out: Path, cache: Path) -> tuple[int, str, str, bool]:
    """`typeset build` in a fresh process: (status, stdout, stderr, ReportLab imported)."""
    code = ("import sys\nfrom typeset.cli import main\n"
            "try:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n    rc = e.code\n"
            "print('REPORTLAB', 'reportlab' in sys.modules, file=sys.stderr)\n"
            "sys.exit(rc)\n")
    env = {**os.environ, "TYPESET_CACHE": str(cache), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    p = subprocess.run([sys.executable, "-c", code, "build", str(manifest), "-o", str(out)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    err, _, flag = p.stderr.rpartition("REPORTLAB ")
    return p.returncode, p.stdout, err, flag.strip() == "True"


def test_the_command_says_and_exits_the_same_and_imports_no_reportlab(issue, tmp_path,
                                                                      module_cache):
    out = tmp_path / "out.pdf"
    drawn = _cli(issue, out, module_cache)
    pdf = out.read_bytes()
    taken = _cli(issue, out, module_cache)
    assert drawn[0] == taken[0] == 0
    assert drawn[1:3] == taken[1:3] and "typography:" in taken[1] + taken[2]
    assert drawn[3] is True and taken[3] is False          # ReportLab only when drawing
    assert out.read_bytes() == pdf


# -- one thing changed: a miss, and the file drawn -----------------------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _paragraph(issue: Path) -> None:
    art = issue.parent / "articles" / "05-shizheng-yiliu.md"
    lines = art.read_text(encoding="utf-8").splitlines()
    i = next(i for i, s in enumerate(lines) if len(s) > 40 and not s.startswith(("#", "!", "|")))
    _edit(art, lines[i], lines[i][:10] + "改" + lines[i][11:])


def _picture(issue: Path) -> None:
    with open(issue.parent / "images" / "chaye.jpg", "ab") as f:
        f.write(b"\0" * 16)             # after the JPEG's end: the same picture, other bytes


def _metadata(issue: Path) -> None:
    _edit(issue, 'date: "2024-03-15"', 'date: "2024-03-16"')


def _layout(issue: Path) -> None:
    layout = issue.parent / "house.yaml"
    shutil.copy(ROOT / "layouts" / "guangxi.yaml", layout)
    _edit(layout, "bleed: 3mm", "bleed: 4mm")
    _edit(issue, "layout: guangxi", "layout: house.yaml")


@pytest.mark.parametrize("change", [_paragraph, _picture, _metadata, _layout])
def test_any_change_is_a_miss_and_the_file_is_drawn(issue, tmp_path, drawn, change):
    out = tmp_path / "out.pdf"
    _, before = _build(issue, out)
    change(issue)
    _, after = _build(issue, out)
    assert len(drawn) == 2                                  # drawn again
    if change is not _picture:
        assert after != before
    _, again = _build(issue, out)                           # and kept for the next build
    assert len(drawn) == 2 and again == after


# -- the key: each input of the writer, one at a time --------------------------------------------

def test_every_field_of_a_text_run_is_keyed():
    assert {f.name for f in dataclasses.fields(TextRun)} == set(finished.TEXT_RUN_FIELDS)


class _Face:
    def __init__(self, identity):
        self.identity = identity


class _Library:
    def __init__(self, identity="a" * 64):
        self.identity = identity

    def face(self, key):
        return _Face(self.identity)


def _key(pages, library=None, **changes):
    from typeset.issueinfo import DocumentInfo
    from typeset.render.variants import variant_for
    args = dict(variant=variant_for("print", "x4"), issue=None, bleed=8.5,
                crop_marks=writer.CropMarks(), pictures=None)
    info = changes.pop("info", DocumentInfo(title="刊"))
    args.update(changes)
    return finished.file_key(pages, library or _Library(), info, **args)


def _pages(**run_changes) -> list[Page]:
    run = TextRun(x=10.0, y=20.0, font="/f/song.otf", size=12.0, text="政协工作",
                  xs=(0.0, 12.0, 24.0, 36.0))
    run = dataclasses.replace(run, **run_changes)
    return [Page(width=500.0, height=700.0, label="1",
                 items=[run, Rule(x1=0.0, y1=0.0, x2=1.0, y2=1.0), Box(1.0, 2.0, 3.0, 4.0)])]


def test_the_key_changes_with_each_input_of_the_writer(monkeypatch):
    from typeset.issueinfo import DocumentInfo
    from typeset.layout.page import Anchor, Link
    from typeset.render.variants import variant_for
    import datetime as dt

    base = _key(_pages())
    assert base == _key(_pages())                           # the same input, the same key
    others = [
        _key(_pages(x=10.5)), _key(_pages(y=20.25)), _key(_pages(size=12.5)),
        _key(_pages(hscale=0.9)), _key(_pages(font="/f/kai.ttf")), _key(_pages(text="政协工做")),
        _key(_pages(xs=(0.0, 12.0, 24.0, 36.5))), _key(_pages(xs=None)),
        _key(_pages(role="title")),
        _key(_pages(), _Library("b" * 64)),                 # the font file's content
        _key(_pages(), variant=variant_for("print", "x1a")),
        _key(_pages(), variant=variant_for("archive", "x4")),
        _key(_pages(), info=DocumentInfo(title="刊", date=dt.datetime(2024, 3, 15))),
        _key(_pages(), info=DocumentInfo(title="另一刊")),
        _key(_pages(), bleed=9.0),
        _key(_pages(), crop_marks=writer.CropMarks(length=20.0)),
        _key(_pages(), pictures=writer.PicturePolicy(min_ppi=200.0)),
    ]
    p = _pages()
    p[0].label = "2"
    others.append(_key(p))
    p = _pages()
    p[0].anchors.append(Anchor("article", "题", 600.0, key="a"))
    others.append(_key(p))
    p = _pages()
    p[0].anchors.append(Anchor("article", "题", 600.0, key="a"))
    p[0].links.append(Link(1.0, 2.0, 3.0, 4.0, "a"))
    others.append(_key(p))
    p = _pages()
    p[0].items[1] = Rule(x1=0.0, y1=0.0, x2=1.0, y2=1.5)
    others.append(_key(p))
    p = _pages()
    p[0].items[2] = Box(1.0, 2.0, 3.0, 4.0, gray=0.5)
    others.append(_key(p))
    monkeypatch.setattr(finished, "_CODE", "another code")  # the code, the libraries
    others.append(_key(_pages()))
    assert None not in others
    assert len(set(others + [base])) == len(others) + 1


def test_the_code_digest_holds_the_libraries_and_the_profiles(monkeypatch):
    monkeypatch.setattr(finished, "_CODE", None)
    base = finished.code_digest()
    real = finished._package_init
    monkeypatch.setattr(finished, "_CODE", None)
    monkeypatch.setattr(finished, "_package_init",
                        lambda name: real(name) + (b"9" if name == "reportlab" else b""))
    assert finished.code_digest() != base
    monkeypatch.setattr(finished, "_package_init", real)
    monkeypatch.setattr(finished, "_CODE", None)
    assert finished.code_digest() == base


def test_a_value_the_key_cannot_write_makes_no_key():
    class Odd:
        pass
    p = _pages()
    p[0].items.append(Image(1.0, 2.0, 3.0, 4.0, source="/x.jpg"))
    p[0].items[-1] = Odd()
    assert _key(p) is None
    class Broken(_Library):
        def face(self, key):
            raise OSError("a font that cannot be read")
    assert _key(_pages(), Broken()) is None            # (drawn: the writer says what it is)
    s1, s2 = [], []
    finished._canon(frozenset({"a", "b", "c"}), s1)
    finished._canon(frozenset({"c", "b", "a"}), s2)
    assert s1 == s2                                    # (a set's order is not its value)


# -- broken, planted, moved, foreign entries: misses ---------------------------------------------

def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("spoil", ["body", "header", "truncated", "seal", "garbage"])
def test_a_broken_entry_is_a_miss(issue, tmp_path, drawn, module_cache, spoil):
    out = tmp_path / "out.pdf"
    _, pdf = _build(issue, out)
    entry = Path(finished.FinishedFile.for_slot(f"{issue.resolve()}\0print-x4\0", "").path)
    size = entry.stat().st_size
    if spoil == "body":
        _flip(entry, size // 2)
    elif spoil == "header":
        _flip(entry, 30)
    elif spoil == "truncated":
        entry.write_bytes(entry.read_bytes()[:-1000])
    elif spoil == "seal":
        _flip(entry, size - 1)
    else:
        entry.write_bytes(b"typeset-finished/1\n" + os.urandom(1000))
    _, again = _build(issue, out)
    assert len(drawn) == 2 and again == pdf                 # drawn, the same bytes
    _, third = _build(issue, out)                           # the entry written again
    assert len(drawn) == 2 and third == pdf


def test_an_entry_moved_to_another_slot_or_under_another_key_is_a_miss(issue, tmp_path, drawn,
                                                                       module_cache):
    out, arc = tmp_path / "out.pdf", tmp_path / "a.pdf"
    _, pdf = _build(issue, out)
    _, archive = _build(issue, arc, "archive")
    assert len(drawn) == 2
    entry = lambda v: finished.FinishedFile.for_slot(     # noqa: E731
        f"{issue.resolve()}\0{v}\0", "").path
    shutil.copy(entry("print-x4"), entry("archive"))       # the print file under archive's name
    _, got = _build(issue, arc, "archive")
    assert len(drawn) == 3 and got == archive
    from typeset import cacheseal
    (module_cache / "key").unlink()                        # another cache key: a foreign entry
    cacheseal._keys.clear()
    try:
        _, got = _build(issue, out)
        assert len(drawn) == 4 and got == pdf
    finally:
        cacheseal._keys.clear()


def test_no_entry_is_read_or_written_without_a_key_of_ours(issue, tmp_path, drawn, monkeypatch,
                                                           module_cache):
    out = tmp_path / "out.pdf"
    _build(issue, out)
    monkeypatch.setattr(finished, "cache_key", lambda: (b"k" * 32, False))
    before = [(e, e.stat().st_mtime_ns) for e in _entries(module_cache)]
    _build(issue, out)
    assert len(drawn) == 2
    assert [(e, e.stat().st_mtime_ns) for e in _entries(module_cache)] == before
