"""`typeset proof`: pages as PNG clipped to the trim box, the contact sheet of spreads, the
pages that changed (by their pixels, named as printed), --pages, and a proof folder that an
interrupted run leaves as it was.

The changed pages are predicted independently of the pixels: from the laid-out pages
(`render.debug.dump_page`, every item with its position, font and size) before and after an
edit — a page whose items are the same must have the same pixels, and one whose items differ
must not."""
from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from typeset import fsutil, outfolder, proof
from typeset.build import compose
from typeset.cli import main
from typeset.contact import BACKGROUND, Geometry, page_width, spreads
from typeset.render.debug import dump_page

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample"
FAST = ["--dpi", "50"]          # the comparisons do not need the default 110 dpi


def run(*args: str) -> int:
    return main(["proof", *map(str, args)])


def read_changes(folder: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    lines = (folder / "changes.txt").read_text(encoding="utf-8").splitlines()
    return ([x for x in lines if x.startswith("#")],
            [tuple(x.split("\t")) for x in lines if not x.startswith("#")])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def page_dumps(manifest: Path) -> dict[str, str]:
    """Page name (as printed) -> its laid-out items."""
    pages = compose(manifest).pages
    return {name: dump_page(p, i).split("\n", 1)[-1]
            for i, (p, name) in enumerate(zip(pages, proof.page_names(pages)))}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """The sample issue (a copy) and its first proof at the default 110 dpi."""
    base = tmp_path_factory.mktemp("proof")
    shutil.copytree(SAMPLE, base / "sample")
    folder = base / "first"
    assert run(base / "sample" / "issue.yaml", "--to", folder) == 0
    return base / "sample" / "issue.yaml", folder


@pytest.fixture(scope="module")
def baseline(first):
    """A proof of the sample at 50 dpi (the comparisons do not need more)."""
    manifest, folder = first
    fast = folder.parent / "fast"
    assert run(manifest, "--to", fast, *FAST) == 0
    return manifest, fast


@pytest.fixture()
def copy(baseline, tmp_path):
    """A private copy of the sample issue and of its proof at 50 dpi."""
    manifest, folder = baseline
    shutil.copytree(manifest.parent, tmp_path / "sample")
    shutil.copytree(folder, tmp_path / "proof")
    return tmp_path / "sample" / "issue.yaml", tmp_path / "proof"


def test_first_proof_renders_every_page_named_as_printed(first, sample_composition):
    _, folder = first
    n = len(sample_composition.pages)
    files = sorted(p.name for p in folder.glob("*.png") if p.name != "contact.png")
    assert len(files) == n
    # the sample has covers (封一 … 封四), and a blank verso after its one contents page
    assert files[:5] == ["p001-封一.png", "p002-封二.png", "p003-目录.png", "p004-blank.png",
                         "p005-folio-1.png"]
    assert files[-2:] == [f"p{n - 1:03d}-封三.png", f"p{n:03d}-封四.png"]
    head, lines = read_changes(folder)
    assert "every page is new" in head[1]
    assert lines[:3] == [("new", "封一", "p001-封一.png"), ("new", "封二", "p002-封二.png"),
                         ("new", "目录", "p003-目录.png")]
    assert len(lines) == n and {x[0] for x in lines} == {"new"}
    doc = json.loads((folder / "proof.json").read_text(encoding="utf-8"))
    assert doc["format"] == proof.PROOF_FORMAT and doc["dpi"] == 110
    assert [p["file"] for p in doc["pages"]] == files
    assert set(os.listdir(folder)) == set(files) | {"contact.png", "changes.txt", "proof.json"}


def test_pages_are_the_trimmed_page_at_110_dpi(first):
    _, folder = first
    page = Image.open(folder / "p005-folio-1.png")
    # 185 × 260 mm at 110 dpi: the trim box, not the bleed (+3 mm) nor the crop marks
    w, h = (round(mm / 25.4 * 110) for mm in (185, 260))
    assert abs(page.size[0] - w) <= 1 and abs(page.size[1] - h) <= 1
    assert page.mode == "L"                          # neutral pages are stored grey
    g = page.load()
    corners = [g[x, y] for x in (0, 1, w - 3, w - 2) for y in (0, 1, h - 3, h - 2)]
    assert min(corners) == 255                       # no crop mark reaches into the page
    text = page.crop((60, 120, w - 60, h - 120))
    assert text.getextrema()[0] < 80                 # black type
    blank = Image.open(folder / "p002-封二.png")
    assert blank.getextrema() == (255, 255)          # an empty 封二 is blank


def test_contact_sheet_shows_the_spreads_as_they_face(first, sample_composition):
    _, folder = first
    n = len(sample_composition.pages)
    assert n % 2 == 0
    sheet = Image.open(folder / "contact.png").convert("RGB")
    page = Image.open(folder / "p005-folio-1.png")
    layout = spreads(n)
    assert len(layout) == n // 2 + 1 and layout[0] == (None, 0) and layout[1] == (1, 2)
    assert layout[-1] == (n - 1, None)               # an even last page alone on the left
    geo = Geometry(n // 2 + 1, page_width(page.size))
    assert sheet.size == geo.size and (geo.columns, geo.rows) == (4, -(-(n // 2 + 1) // 4))
    px = sheet.load()

    def shows_page(k: int, side: int) -> bool:
        x, y = geo.slot(k, side)
        return px[x + geo.page_w // 2, y + 3] == (255, 255, 255)   # the page's top margin

    def labelled(k: int, side: int) -> bool:
        x, y = geo.slot(k, side)
        band = sheet.crop((x, y + geo.page_h + 2, x + geo.page_w, y + geo.page_h + 20))
        return band.convert("L").getextrema()[0] < 120

    last = n // 2
    shown = [(shows_page(k, 0), shows_page(k, 1)) for k in range(last + 1)]
    assert shown[0] == (False, True)
    assert all(s == (True, True) for s in shown[1:last])
    assert shown[last] == (True, False)
    assert all(labelled(k, s) == shows_page(k, s) for k in range(last + 1) for s in (0, 1))
    x, y = geo.slot(last + 1, 0)                      # no spread after the last
    assert px[x + geo.page_w // 2, y + 3] == BACKGROUND


def test_second_proof_lists_exactly_the_changed_pages(copy):
    manifest, folder = copy
    article = manifest.parent / "articles" / "05-shizheng-yiliu.md"
    before = page_dumps(manifest)
    lines = article.read_text(encoding="utf-8").split("\n")
    # one Han character of one paragraph, for one found nowhere else in the issue: the same
    # width (nothing reflows), but every font subset changes, and with it every page's bytes
    k = next(i for i, x in enumerate(lines) if len(x) > 60 and not x.startswith(("#", "-")))
    j = next(j for j in range(10, len(lines[k])) if "\u4e00" <= lines[k][j] <= "\u9fff")
    lines[k] = lines[k][:j] + "奮" + lines[k][j + 1:]
    article.write_text("\n".join(lines), encoding="utf-8")
    after = page_dumps(manifest)
    expected = [n for n in after if before[n] != after[n]]
    assert len(expected) == 1                        # the edit reflows nothing
    assert run(manifest, "--to", folder, *FAST) == 0
    head, lines = read_changes(folder)
    assert lines == [("changed", expected[0], proof.file_names(compose(manifest).pages)[
        list(after).index(expected[0])])]
    assert f"1 changed, 0 new, 0 removed, {len(after) - 1} unchanged" in head[1]


def test_a_reflowing_edit_lists_the_pages_it_moves(copy):
    manifest, folder = copy
    article = manifest.parent / "articles" / "02-xianyu-chanye-xieshang.md"
    before = page_dumps(manifest)
    lines = article.read_text(encoding="utf-8").split("\n")
    k = next(i for i, x in enumerate(lines) if len(x) > 60 and not x.startswith(("#", "-")))
    lines[k] += "会议认为，做好这项工作，既要立足当前，也要着眼长远，久久为功。" * 3
    article.write_text("\n".join(lines), encoding="utf-8")
    after = page_dumps(manifest)
    changed = [n for n in after if n in before and before[n] != after[n]]
    new = [n for n in after if n not in before]
    removed = [n for n in before if n not in after]
    assert len(changed) >= 2
    assert run(manifest, "--to", folder, *FAST) == 0
    _, found = read_changes(folder)
    assert [x[1] for x in found if x[0] == "changed"] == changed
    assert [x[1] for x in found if x[0] == "new"] == new
    assert [x[1] for x in found if x[0] == "removed"] == removed


def test_pages_limits_the_work_and_keeps_the_rest(sample_composition, copy, monkeypatch):
    manifest, folder = copy
    rendered: list[int] = []
    real = proof.render_pages

    def counting(pdf, indices, dpi):
        rendered.extend(indices)
        return real(pdf, indices, dpi)
    monkeypatch.setattr(proof, "render_pages", counting)
    assert run(manifest, "--to", folder, "--pages", "3-5", *FAST) == 0
    assert rendered == [6, 7, 8]         # folios 3-5 are PDF pages 7-9 (after 封一, 封二, 目录)
    pngs = sorted(p.name for p in folder.glob("p*.png"))
    assert pngs == ["p007-folio-3.png", "p008-folio-4.png", "p009-folio-5.png"]
    head, lines = read_changes(folder)
    assert "--pages 3-5" in head[0] and "0 changed, 0 new, 0 removed, 3 unchanged" in head[1]
    assert lines == []
    doc = json.loads((folder / "proof.json").read_text(encoding="utf-8"))
    n = len(sample_composition.pages)
    assert len(doc["pages"]) == n                    # the others as the last proof saw them
    assert sum(p["file"] is not None for p in doc["pages"]) == 3
    sheet = Image.open(folder / "contact.png").convert("RGB")
    geo = Geometry(2, page_width(Image.open(folder / pngs[0]).size))
    assert sheet.size == geo.size                    # folio 2 | 3 (only 3 shown), 4 | 5
    (x, y), px = geo.slot(0, 0), sheet.load()
    assert px[x + geo.page_w // 2, y + 3] == BACKGROUND
    rendered.clear()
    assert run(manifest, "--to", folder, "--pages", "目录", *FAST) == 0
    assert rendered == [2, 3]                         # the contents and its blank verso
    rendered.clear()
    assert run(manifest, "--to", folder, "--pages", "封四", *FAST) == 0
    assert rendered == [n - 1]                        # a cover, by its label
    rendered.clear()
    assert run(manifest, "--to", folder, *FAST) == 0
    assert len(rendered) == n
    head, lines = read_changes(folder)
    assert lines == [] and f"{n} unchanged" in head[1]


def test_an_interrupted_proof_leaves_the_previous_one(copy, monkeypatch, capsys):
    manifest, folder = copy
    before = snapshot(folder)
    calls = []
    real = proof.png_bytes

    def stop_midway(image):
        calls.append(1)
        if len(calls) == 10:
            raise KeyboardInterrupt
        return real(image)
    monkeypatch.setattr(proof, "png_bytes", stop_midway)
    (manifest.parent / "articles" / "01-zhuxi-huiyi.md").write_text(
        (manifest.parent / "articles" / "01-zhuxi-huiyi.md").read_text(encoding="utf-8")
        .replace("会议", "会商", 1), encoding="utf-8")
    assert run(manifest, "--to", folder, *FAST) == 130
    assert "earlier proof in the folder is unchanged" in capsys.readouterr().err
    assert snapshot(folder) == before
    assert not list(folder.parent.glob(".typeset-*"))
    monkeypatch.setattr(proof, "png_bytes", real)

    def full(fd, data):                              # the disk fills up half-way
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(fsutil, "_write_fd", full)
    assert run(manifest, "--to", folder, *FAST) == 1
    assert "no space left" in capsys.readouterr().err
    assert snapshot(folder) == before
    assert not list(folder.parent.glob(".typeset-*"))


def test_a_run_killed_between_the_renames_is_undone_by_the_next(copy, capsys):
    manifest, folder = copy
    aside = outfolder._aside(folder)
    os.rename(folder, aside)                         # killed after moving the earlier proof
    assert run(manifest, "--to", folder, *FAST) == 0
    assert "the earlier folder was put back" in capsys.readouterr().err
    head, lines = read_changes(folder)
    assert "no page changed" in head[-1] and lines == []   # compared with the earlier proof
    assert not aside.exists()
    shutil.copytree(folder, aside)                   # killed after renaming the new one in
    assert run(manifest, "--to", folder, "--pages", "1", *FAST) == 0
    assert not aside.exists()


def test_progress_only_on_a_terminal(sample_composition, copy, monkeypatch, capsys):
    manifest, folder = copy
    assert run(manifest, "--to", folder, "--pages", "1-2", *FAST) == 0
    out = capsys.readouterr()
    assert "rendering" not in out.err and out.err == ""
    assert out.out.startswith("typeset: proof ") and f"2 of {len(sample_composition.pages)} pages" in out.out
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert run(manifest, "--to", folder, "--pages", "1-2", *FAST) == 0
    assert "rendering page: 2/2" in capsys.readouterr().err


@pytest.mark.parametrize("text,message", [
    ("5-3", "runs backwards"), ("0", "folios start at 1"), ("3,,5", "empty item"),
    ("3--5", "not a folio"),
])
def test_pages_usage_errors(text, message):
    with pytest.raises(ValueError, match=message):
        proof.parse_pages(text)


def test_pages_typed_with_a_chinese_input_method():
    assert proof.parse_pages("３－５，目录") == proof.parse_pages("3-5,目录")
    assert proof.parse_pages("3～5")[0].last == 5


def test_a_file_put_in_the_folder_during_the_run_is_never_lost(copy, monkeypatch, capsys):
    """The folder is checked again just before it is replaced: a file the desk saved there
    while the proof was being made stops the commit, and everything stays as it was."""
    manifest, folder = copy
    before = snapshot(folder)
    import typeset.contact
    real = typeset.contact.contact_sheet

    def meanwhile(*a, **k):
        (folder / "批注.txt").write_text("作者的意见", encoding="utf-8")
        return real(*a, **k)
    monkeypatch.setattr(typeset.contact, "contact_sheet", meanwhile)
    assert run(manifest, "--to", folder, *FAST) == 1
    assert "holds files a proof did not write (批注.txt)" in capsys.readouterr().err
    assert (folder / "批注.txt").read_text(encoding="utf-8") == "作者的意见"
    assert {k: v for k, v in snapshot(folder).items() if k != "批注.txt"} == before
    assert not list(folder.parent.glob(".typeset-*"))
