"""The whole issue as the printer binds it (issue 11): covers, inserts, recto and verso, the
fold, two print files for cover stock, the archive in reading order, page labels, combined
issue numbers everywhere they are printed or recorded, the proof booklet."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from typeset.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUANGXI = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
CHONGQING = (ROOT / "layouts" / "chongqing.yaml").read_text(encoding="utf-8")
MM = 72 / 25.4
W, H, B = 185 * MM, 260 * MM, 3 * MM           # guangxi's trim and bleed

BODY = "正文第一段，" + "委员们围绕议题提出意见建议。" * 30 + "\n\n"


def article(root: Path, name: str, title: str, paragraphs: int = 3) -> str:
    (root / name).write_text(f"---\ntitle: {title}\n---\n\n" + BODY * paragraphs,
                             encoding="utf-8")
    return name


def make_issue(root: Path, extra: str = "", *, layout: str = "guangxi", number: str = "2",
               articles: int = 3, paragraphs: int = 3) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    names = [article(root, f"a{i}.md", f"第{i}篇文章", paragraphs) for i in range(1, articles + 1)]
    listing = "".join(f"      - {n}\n" for n in names)
    m = root / "issue.yaml"
    m.write_text(f"layout: {layout}\njournal: 测试政协\nyear: 2024\nnumber: {number}\n"
                 f"sections:\n  - title: 栏目\n    articles:\n{listing}{extra}",
                 encoding="utf-8")
    return m


def picture(path: Path, size=(560, 780), colour=(120, 140, 90)) -> str:
    from PIL import Image
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path.name


def page_pdf(path: Path, *, width: float = W, height: float = H, bleed: float = B,
             pages: int = 1, text: str | None = "广告页") -> Path:
    """A PDF of whole pages as a desk would get it: TrimBox at `width` × `height`, a BleedBox
    `bleed` larger, a grey background to the bleed and a line of text (fonts embedded):
    written by typeset's own page writer as PDF/X-4."""
    from typeset.issueinfo import DocumentInfo
    from typeset.layout.page import Box, Page, TextRun
    from typeset.render.variants import PDF_X4
    from typeset.render.writer import render_pdf
    from typeset.text.fonts import FontLibrary

    lib = FontLibrary()
    font = str(ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf")
    out = []
    for k in range(pages):
        items = [Box(-bleed, -bleed, width + 2 * bleed, height + 2 * bleed, gray=0.85,
                     role="ground")]
        if text:
            items.append(TextRun(40, height / 2, font, 24, f"{text}{k + 1}", role="ad"))
        out.append(Page(width, height, items=items))
    path.write_bytes(render_pdf(out, lib, DocumentInfo(title="ad"), variant=PDF_X4,
                                bleed=bleed))
    return path


def build(manifest: Path, out: Path, *args: str, capsys=None) -> tuple[int, str, str]:
    code = main(["build", str(manifest), "-o", str(out), *args])
    if capsys is not None:
        cap = capsys.readouterr()
        return code, cap.out, cap.err
    return code, "", ""


def labels(pdf: Path) -> list[str]:
    from pypdf import PdfReader
    return list(PdfReader(pdf).page_labels)


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pypdf, which reads the forms placed pages are drawn as)."""
    from pypdf import PdfReader
    return [p.extract_text() or "" for p in PdfReader(pdf).pages]


def folio_pages(comp) -> dict[int, int]:
    """folio -> PDF page number (1-based) in reading order, for pages that print a folio."""
    return {int(p.label): n for n, p in enumerate(comp.pages, start=1) if p.folio}


# -- page order and parity ---------------------------------------------------------------------

def test_self_covers_wrap_the_text_and_the_issue_folds(tmp_path):
    from typeset.build import compose
    m = make_issue(tmp_path, "cover: {}\n")
    comp = compose(m)
    names = [p.label for p in comp.pages]
    assert names[:2] == ["封一", "封二"] and names[-2:] == ["封三", "封四"]
    assert names[2].startswith("目录")
    assert len(comp.pages) % 4 == 0                       # whole sheets, covers counted
    for folio, n in folio_pages(comp).items():
        assert n % 2 == folio % 2                         # odd folios on rectos (odd pages)


def test_without_covers_nothing_changes(tmp_path):
    from typeset.build import compose
    comp = compose(make_issue(tmp_path))
    assert comp.covers == [] and comp.pages[0].kind == "contents"
    assert all(n % 2 == f % 2 for f, n in folio_pages(comp).items())


def test_an_insert_is_a_leaf_between_leaves(tmp_path):
    from typeset.build import compose
    picture(tmp_path / "ad.jpg")
    m = make_issue(tmp_path, "cover: {}\npages:\n  inserts:\n    - after: 2\n"
                             "      file: ad.jpg\n", articles=3)
    comp = compose(m)
    names = [p.label for p in comp.pages]
    at = names.index("插页1")
    assert names[at - 1] == "2" and names[at + 1] == "插页2" and names[at + 2] == "3"
    assert comp.pages[at + 1].kind == "blank"             # a one-page insert's blank back
    assert at % 2 == 0                                    # PDF page at+1 is odd: a recto
    assert len(comp.pages) % 4 == 0
    assert all(n % 2 == f % 2 for f, n in folio_pages(comp).items())
    # the contents and the running heads ignore it: folio 3 follows folio 2
    assert [p.label for p in comp.body][:3] == ["1", "2", "3"]


def test_a_counted_insert_takes_folios(tmp_path, capsys):
    from typeset.build import compose
    pdf = page_pdf(tmp_path / "ad.pdf", pages=2)
    m = make_issue(tmp_path, "pages:\n  inserts:\n    - after: 2\n      file: ad.pdf\n"
                             "      folio: true\n", articles=3)
    comp = compose(m)
    names = [p.label for p in comp.pages]
    at = names.index("2")
    assert names[at + 1:at + 4] == ["3", "4", "5"]        # the insert is 3 and 4
    assert comp.pages[at + 1].kind == "insert" and not comp.pages[at + 1].folio
    assert comp.pages[at + 3].folio == "5"
    # the contents give the folios as printed after it
    starts = sorted(comp.start_pages.values())
    assert all(s not in (3, 4) for s in starts)
    code, out, err = build(m, tmp_path / "o.pdf", capsys=capsys)
    assert code == 0, err
    assert labels(tmp_path / "o.pdf")[at + 1:at + 4] == ["3", "4", "5"]
    assert "2 inserted" in out
    assert pdf.exists()


@pytest.mark.parametrize("after, words", [
    ("3", ["folio 3 is a right-hand page", "2 or 4"]),
    ("40", ["after folio 40", "from 1 to"]),
])
def test_an_insert_after_the_wrong_folio_is_refused(tmp_path, capsys, after, words):
    picture(tmp_path / "ad.jpg")
    m = make_issue(tmp_path, f"pages:\n  inserts:\n    - after: {after}\n      file: ad.jpg\n")
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 1 and "issue.yaml:13" in err and not out.exists(), err
    for w in words:
        assert w in err


def test_covers_need_a_cover_design(tmp_path, capsys):
    (tmp_path / "plain.yaml").write_text(GUANGXI[:GUANGXI.index("\ncover:")],
                                         encoding="utf-8")
    m = make_issue(tmp_path, "cover: {}\n", layout="plain.yaml")
    code, _, err = build(m, tmp_path / "o.pdf", capsys=capsys)
    assert code == 1 and "issue.yaml:11" in err and "no cover design" in err, err


def test_an_artwork_masthead_keeps_the_name_as_text(tmp_path, capsys):
    picture(tmp_path / "masthead.png", (1200, 240), (200, 30, 30))
    lay = GUANGXI.replace("  photo: {x: 0mm, top: 62mm",
                          "  artwork: {file: masthead.png, box: {x: 30mm, top: 14mm, "
                          "width: 125mm, height: 25mm}}\n  photo: {x: 0mm, top: 62mm")
    lay = lay.replace("style: cover-masthead, x: 92.5mm, top: 36mm",
                      "style: cover-small, x: 92.5mm, top: 50.5mm")   # under the pinyin
    (tmp_path / "art.yaml").write_text(lay, encoding="utf-8")
    m = make_issue(tmp_path, "cover: {}\n", layout="art.yaml")
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 0, err
    front = re.sub(r"\s+", "", page_texts(out)[0])
    assert "测试政协" in front and "2024年第2期" in front
    from typeset.provenance import issue_sources
    src = issue_sources(m)
    assert [i.name for i in src.inputs if i.name.startswith("layout/")] == [
        "layout/art.yaml", "layout/masthead.png"]


# -- whole pages from PDFs ---------------------------------------------------------------------

def test_pdf_pages_are_placed_with_their_bleed(tmp_path, capsys):
    page_pdf(tmp_path / "f2.pdf", text="封二广告")
    page_pdf(tmp_path / "ad.pdf", pages=3, text="插页广告")
    m = make_issue(tmp_path, "cover: {}\npages:\n  inside_front: f2.pdf\n  inserts:\n"
                             "    - after: 2\n      file: ad.pdf\n")
    out = tmp_path / "o.pdf"
    code, stdout, err = build(m, out, capsys=capsys)
    assert code == 0, err
    names = labels(out)
    texts = page_texts(out)
    assert "封二广告1" in texts[names.index("封二")]
    at = names.index("插页1")
    assert [texts[at + k] for k in range(3)] == ["插页广告1", "插页广告2", "插页广告3"]
    assert names[at + 3] == "插页4" and texts[at + 3] == ""      # a blank back
    # the placed page keeps its bleed: its ground reaches the bleed box, not further
    from pypdf import PdfReader
    page = PdfReader(out).pages[at]
    data = page.get_contents().get_data().decode("latin-1")
    clip = re.search(r"q (-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re W n [\d.]+ 0 0 [\d.]+ "
                     r"(-?[\d.]+) (-?[\d.]+) cm /Fm\d+ Do Q", data)
    assert clip, data[:300]
    x, y, w, h = map(float, clip.groups()[:4])
    assert (w, h) == pytest.approx((W + 2 * B, H + 2 * B), abs=0.01)
    assert main(["check", "--pdf", str(out)]) == 0


def test_a_page_of_the_wrong_size_is_refused(tmp_path, capsys):
    page_pdf(tmp_path / "a4.pdf", width=210 * MM, height=297 * MM)
    m = make_issue(tmp_path, "pages:\n  inserts:\n    - after: 2\n      file: a4.pdf\n")
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 1 and not out.exists()
    assert "issue.yaml:14" in err and "a4.pdf" in err and "page 1" in err
    assert "210.0 × 297.0 mm" in err and "185.0 × 260.0 mm" in err


def test_an_rgb_page_is_refused_for_print_and_taken_by_the_archive(tmp_path, capsys):
    from typeset.issueinfo import DocumentInfo
    from typeset.layout.page import Image, Page
    from typeset.render.variants import PROOF
    from typeset.render.writer import render_pdf
    from typeset.text.fonts import FontLibrary
    photo = tmp_path / "pic" / "red.png"
    picture(photo, (300, 400), (230, 50, 20))
    pdf = tmp_path / "rgb.pdf"           # a picture in DeviceRGB, as an office tool exports
    pdf.write_bytes(render_pdf([Page(W, H, items=[Image(0, 0, W, H, str(photo))])],
                               FontLibrary(), DocumentInfo(title="rgb"), variant=PROOF))
    m = make_issue(tmp_path, "pages:\n  inserts:\n    - after: 2\n      file: rgb.pdf\n")
    code, _, err = build(m, tmp_path / "o.pdf", capsys=capsys)
    assert code == 1 and "rgb.pdf page 1" in err and "RGB colour" in err
    assert "issue.yaml:14" in err and "PDF/X-4" in err
    code, _, err = build(m, tmp_path / "a.pdf", "--variant", "archive", capsys=capsys)
    assert code == 0, err
    assert main(["check", "--pdf", str(tmp_path / "a.pdf")]) == 0


def test_an_unembedded_font_is_refused(tmp_path, capsys):
    from reportlab.pdfgen.canvas import Canvas
    pdf = tmp_path / "helv.pdf"
    c = Canvas(str(pdf), pagesize=(W, H))
    c.setFont("Helvetica", 20)
    c.drawString(50, 300, "Advertisement")
    c.showPage()
    c.save()
    m = make_issue(tmp_path, "pages:\n  inserts:\n    - after: 2\n      file: helv.pdf\n")
    code, _, err = build(m, tmp_path / "o.pdf", capsys=capsys)
    assert code == 1 and "helv.pdf page 1" in err and "Helvetica" in err and "not embedded" in err


def test_cmyk_pages_get_a_default_cmyk_in_the_archive(tmp_path, capsys):
    page_pdf(tmp_path / "ad.pdf")
    m = make_issue(tmp_path, "pages:\n  inserts:\n    - after: 2\n      file: ad.pdf\n")
    out = tmp_path / "a.pdf"
    code, _, err = build(m, out, "--variant", "archive", capsys=capsys)
    assert code == 0, err
    assert main(["check", "--pdf", str(out)]) == 0
    assert b"/DefaultCMYK" in out.read_bytes()


@pytest.mark.parametrize("damage", ["encrypted", "truncated", "not a pdf"])
def test_unusable_pdfs_are_refused_at_their_line(tmp_path, capsys, damage):
    pdf = page_pdf(tmp_path / "ad.pdf")
    if damage == "encrypted":
        from pypdf import PdfReader, PdfWriter
        w = PdfWriter()
        w.append(PdfReader(pdf))
        w.encrypt("secret", algorithm="RC4-128")
        with open(pdf, "wb") as f:
            w.write(f)
        words = ["encrypted", "without a password"]
    elif damage == "truncated":
        pdf.write_bytes(pdf.read_bytes()[:400])
        words = ["damaged"]
    else:
        pdf.write_bytes(b"%PDF-1.4\nthis is no pdf at all\n")
        words = ["damaged"]
    m = make_issue(tmp_path, "pages:\n  inserts:\n    - after: 2\n      file: ad.pdf\n")
    out = tmp_path / "o.pdf"
    out.write_bytes(b"earlier")
    code, _, err = build(m, out, capsys=capsys)
    assert code == 1 and "issue.yaml:14" in err and "Traceback" not in err, err
    assert out.read_bytes() == b"earlier"
    for w in words:
        assert w in err


# -- two files for cover stock, perfect binding, the archive -----------------------------------

def separate_layout(root: Path, binding: str = "saddle") -> str:
    text = GUANGXI.replace("  stock: self\n  binding: saddle\n",
                           f"  stock: separate\n  binding: {binding}\n"
                           + ("  spine: 4mm\n" if binding == "perfect" else ""))
    (root / "sep.yaml").write_text(text, encoding="utf-8")
    return "sep.yaml"


def test_cover_stock_writes_two_files(tmp_path, capsys):
    tmp_path.mkdir(exist_ok=True)
    picture(tmp_path / "photo.jpg")
    m = make_issue(tmp_path, "issn: 1234-5679\ncover:\n  image: photo.jpg\n",
                   layout=separate_layout(tmp_path))
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    code, stdout, err = build(m, out, capsys=capsys)
    assert code == 0, err
    text, cover = out.parent / "issue-text.pdf", out.parent / "issue-cover.pdf"
    assert not out.exists() and text.exists() and cover.exists()
    assert str(text) in stdout and str(cover) in stdout
    assert labels(cover) == ["封一", "封二", "封三", "封四"]
    assert labels(text)[0] == "目录" and "封一" not in labels(text)
    assert len(labels(text)) % 4 == 0                    # the text folds by itself
    from pypdf import PdfReader
    p = PdfReader(cover).pages[0]
    trim, bleed = p.trimbox, p.bleedbox
    assert float(trim.width) == pytest.approx(W, abs=0.01)
    assert float(bleed.width) == pytest.approx(W + 2 * B, abs=0.01)
    for f in (text, cover):
        assert main(["check", "--pdf", str(f)]) == 0
    # the archive: one file, every page in reading order
    code, _, err = build(m, tmp_path / "a.pdf", "--variant", "archive", capsys=capsys)
    assert code == 0, err
    names = labels(tmp_path / "a.pdf")
    assert names[:3] == ["封一", "封二", "目录"] and names[-2:] == ["封三", "封四"]
    assert main(["check", "--pdf", str(tmp_path / "a.pdf")]) == 0


def test_perfect_binding_writes_a_cover_spread(tmp_path, capsys):
    picture(tmp_path / "photo.jpg")
    m = make_issue(tmp_path, "cover:\n  image: photo.jpg\n",
                   layout=separate_layout(tmp_path, "perfect"))
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 0, err
    from pypdf import PdfReader
    r = PdfReader(tmp_path / "o-cover.pdf")
    assert len(r.pages) == 2
    assert float(r.pages[0].trimbox.width) == pytest.approx(2 * W + 4 * MM, abs=0.01)
    assert list(r.page_labels) == ["封四封一", "封二封三"]
    assert main(["check", "--pdf", str(tmp_path / "o-cover.pdf")]) == 0


def test_the_sample_has_its_cover(sample_composition, sample_pdf):
    comp = sample_composition
    names = labels(sample_pdf)
    assert names[:2] == ["封一", "封二"] and names[-2:] == ["封三", "封四"]
    assert len(names) % 4 == 0
    texts = page_texts(sample_pdf)
    front = re.sub(r"\s+", "", texts[0])
    for word in ("广西政协工作", "2024年第2期", "ISSN1234-5679", "CN45-1234/D",
                 "自治区政协召开主席会议"):
        assert word in front, front
    assert "9771234567003" in re.sub(r"\s+", "", texts[-1])
    photo = [it for it in comp.covers[0].items if getattr(it, "role", "") == "cover"]
    assert photo and photo[0].bleed == pytest.approx(B)
    assert photo[0].x == pytest.approx(-B) and photo[0].width == pytest.approx(W + 2 * B)


def test_the_cover_caption_is_printed_in_the_contents(tmp_path, capsys):
    m = make_issue(tmp_path, "cover:\n  caption: 封面：晨光中的峰林（本刊记者　摄）\n")
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 0, err
    names, texts = labels(out), page_texts(out)
    contents = re.sub(r"\s+", "", texts[names.index("目录")])
    assert contents.endswith("封面：晨光中的峰林（本刊记者摄）")     # after the last entry


# -- combined issues: the number everywhere ----------------------------------------------------

def test_a_combined_issue_everywhere(tmp_path, capsys):
    lay = GUANGXI.replace('verso_right: "{running_title}"', 'verso_right: "{issue}"')
    (tmp_path / "lay.yaml").write_text(lay, encoding="utf-8")
    m = make_issue(tmp_path, "issn: 1234-5679\ncover: {}\n", layout="lay.yaml", number="5-6")
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 0, err
    texts = [re.sub(r"\s+", "", t) for t in page_texts(out)]
    names = labels(out)
    assert "2024年第5-6期" in texts[0]                           # the cover
    assert "2024年第5-6期" in texts[names.index("目录")]         # the contents
    assert "2024年第5-6期" in texts[names.index("2")]            # a verso's running head
    assert "9771234567003" in texts[-1] and texts[-1].endswith("05")   # add-on: first number
    from pypdf import PdfReader
    r = PdfReader(out)
    xmp = r.xmp_metadata
    assert r.metadata["/Title"] == "测试政协 2024年第5-6期"
    raw = out.read_bytes()
    assert b"<prism:number>5-6</prism:number>" in raw
    assert xmp is not None
    # the archive: one PDF for the combined issue, named and catalogued with 5-6
    arch = tmp_path / "arch"
    arch.mkdir()
    assert main(["archive", str(m), "--to", str(arch)]) == 0, capsys.readouterr().err
    stored = arch / "测试政协" / "2024" / "测试政协-2024-5-6.pdf"
    assert stored.exists()
    cat = json.loads((arch / "catalogue.json").read_text(encoding="utf-8"))
    assert [e["number"] for e in cat["issues"]] == ["5-6"]
    assert main(["archive", "--verify", str(arch)]) == 0
    from typeset.archive.stored import pdf_issue
    assert pdf_issue(stored.read_bytes()) == ("测试政协", 2024, "5-6")


def test_pages_and_photos_go_into_the_sources_and_rebuild(tmp_path, capsys):
    picture(tmp_path / "photo.jpg")
    (tmp_path / "extras").mkdir()
    page_pdf(tmp_path / "extras" / "ad.pdf")
    m = make_issue(tmp_path, "cover:\n  image: photo.jpg\npages:\n  inserts:\n"
                             "    - after: 2\n      file: extras/ad.pdf\n")
    from typeset.provenance import issue_sources
    roles = {i.name: i.role for i in issue_sources(m).inputs}
    assert roles["issue/photo.jpg"] == "picture" and roles["issue/extras/ad.pdf"] == "page"
    arch = tmp_path / "arch"
    arch.mkdir()
    assert main(["archive", str(m), "--to", str(arch), "--sources"]) == 0
    cat = json.loads((arch / "catalogue.json").read_text(encoding="utf-8"))
    stored = arch / cat["issues"][0]["file"]
    # pypdf read the placed page: its version is part of what made the file
    assert "pypdf" in cat["issues"][0]["provenance"]["libraries"]
    assert (stored.with_suffix(".sources") / "data" / "issue" / "extras" / "ad.pdf").exists()
    capsys.readouterr()
    assert main(["archive", "--rebuild", str(stored)]) == 0
    assert "identical" in capsys.readouterr().out
    assert main(["archive", "--verify", str(arch)]) == 0


def test_supplement_numbers_follow_the_layout(tmp_path, capsys):
    m = make_issue(tmp_path, "cover: {}\n", number="增刊")
    out = tmp_path / "o.pdf"
    code, _, err = build(m, out, capsys=capsys)
    assert code == 0, err
    texts = [re.sub(r"\s+", "", t) for t in page_texts(out)]
    assert "2024年增刊" in texts[0] and "第增刊期" not in "".join(texts)


# -- proofs ------------------------------------------------------------------------------------

def test_the_proof_names_covers_and_inserts(tmp_path):
    from typeset.build import compose
    from typeset.proof import file_names
    picture(tmp_path / "ad.jpg")
    m = make_issue(tmp_path, "cover: {}\npages:\n  inserts:\n    - after: 2\n"
                             "      file: ad.jpg\n")
    names = file_names(compose(m).pages)
    assert names[0].endswith("-封一.png") and names[-1].endswith("-封四.png")
    assert any(n.endswith("-插页1.png") for n in names)


def test_booklet_order_is_saddle_stitch():
    from typeset.impose import booklet_order
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]
    assert booklet_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]
    sides = booklet_order(44)
    assert sides[0] == (43, 0) and len(sides) == 22
    seen = sorted(i for side in sides for i in side if i is not None)
    assert seen == list(range(44))


def test_the_booklet_is_a_proof_on_a3(tmp_path, capsys):
    m = make_issue(tmp_path, "cover: {}\n")
    out = tmp_path / "b.pdf"
    code, stdout, err = build(m, out, "--imposed", capsys=capsys)
    assert code == 0, err
    from pypdf import PdfReader
    r = PdfReader(out)
    box = r.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((420 * MM, 297 * MM),
                                                                    abs=0.01)
    assert b"GTS_PDFX" not in out.read_bytes() and b"pdfaid" not in out.read_bytes()
    texts = page_texts(out)
    assert "测试政协" in texts[0]                     # 封四 | 封一 on sheet 1's front
    assert "A3" in stdout
    with pytest.raises(SystemExit) as stop:          # a usage error: never a PDF/A booklet
        main(["build", str(m), "-o", str(out), "--imposed", "--variant", "archive"])
    assert stop.value.code == 2 and "--imposed" in capsys.readouterr().err
