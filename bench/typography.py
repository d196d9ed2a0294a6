"""Pictures for docs/typography/: pages typeset changed, before and after, beside Typst's.

    python bench/typography.py [--before CHECKOUT] [--out docs/typography] [--only NAME ...]

For each page listed in PAGES it builds the issue with this checkout ("after") and, with
--before, with another checkout of typeset (its `typeset` package found on PYTHONPATH),
renders the page to PNG (pypdfium2, 60 dpi) and sets the same article in Typst (the `typst`
package from PyPI, as bench/build.py does: same page, fonts, sizes, indent), or for the
contents page a Typst outline of the same entries with `repeat` leaders. Typst is optional.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"
CORPUS = next((d / "shared" / "corpus" / "chongqing-sample" / "issue.yaml"
               for d in (ROOT.parent, ROOT.parent.parent)
               if (d / "shared" / "corpus").is_dir()), ROOT / "missing")
# (name, manifest, page index in typeset's PDF, text that finds the page in Typst's PDF or
#  "contents")
PAGES = [("sample-contents", SAMPLE, 0, "contents"),
         ("sample-p4", SAMPLE, 4, "推动县域特色产业提质增效”专题协商会"),
         ("sample-p31", SAMPLE, 31, "红水河沿岸乡村旅游提质升级的建议"),
         ("chongqing-contents", CORPUS, 0, "contents"),
         # the page make-up pass (issue 9 part 1): folio 5 ended a line short (孤行), filled
         # by a paragraph set a line longer; folio 20 ended two lines short (a paragraph of
         # three lines and the end note kept with it), filled by two set a line shorter
         ("sample-p5-makeup", SAMPLE, 6, "会前，自治区政协经济委员会牵头组成调研组"),
         ("sample-p20-makeup", SAMPLE, 21, "三是加强数字技能培训")]


def build(manifest: Path, out: Path, checkout: Path, cache: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(checkout), TYPESET_CACHE=str(cache))
    subprocess.run([sys.executable, "-m", "typeset", "build", str(manifest), "-o", str(out),
                    "--variant", "archive"], check=True, env=env, cwd=checkout,
                   stdout=subprocess.DEVNULL)


def png(pdf: Path, index: int, out: Path) -> None:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    doc[index].render(scale=60 / 72).to_pil().convert("L").save(out, optimize=True)


def typst_contents(manifest: Path) -> str:
    """The issue's contents as Typst sets it: entries with a `repeat` leader to the author."""
    from typeset.build import compose
    comp = compose(manifest)
    lay, tb, page = comp.layout, comp.layout.textblock, comp.layout.page
    entry = lay.styles[lay.contents.entry_style]
    margin_x = (page.width - lay.measure) / 2

    def esc(text: str) -> str:
        return "".join("\\" + c if c in "\\#*_`$<>@[]=-+/~\"'" else c for c in text)
    out = [f'#set page(width: {page.width:.2f}pt, height: {page.height:.2f}pt, '
           f'margin: (x: {margin_x:.2f}pt, top: {tb.top:.2f}pt, bottom: {tb.top:.2f}pt))',
           f'#set text(font: ("Noto Serif CJK SC",), size: {entry.size}pt, lang: "zh")',
           f'#set par(leading: {tb.line_pitch - entry.size:.2f}pt, spacing: '
           f'{tb.line_pitch - entry.size:.2f}pt, justify: true)',
           '#align(center, text(font: ("Noto Sans CJK SC",), weight: "bold", size: 22pt)[目　录])']
    for si, section in enumerate(comp.issue.sections):
        out.append(f'#text(font: ("Noto Sans CJK SC",), weight: "bold", size: 14pt)'
                   f'[{esc(section.title)}]')
        for ai, art in enumerate(section.articles):
            fm = art.front
            text = esc(" ".join(fm.title)) + (" \\\n" + esc(fm.subtitle) if fm.subtitle else "")
            who = esc(" ".join(fm.authors) or fm.byline or "")
            folio = comp.start_pages[f"article-{si + 1}-{ai + 1}"]
            out.append(f'{text} #box(width: 1fr, repeat[…]) {who} ({folio})')
    return "\n\n".join(out)


def typst_pdf(source: str, out: Path) -> bool:
    try:
        import typst
    except ImportError:
        return False
    src = out.with_suffix(".typ")
    src.write_text(source, encoding="utf-8")
    typst.compile(str(src), output=str(out), font_paths=[str(ROOT / "fonts")],
                  ignore_system_fonts=True)
    return True


def find_page(pdf: Path, needle: str) -> int:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    for i in range(len(doc)):
        if needle in "".join(doc[i].get_textpage().get_text_range().split()):
            return i
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, help="another checkout of typeset (the old code)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "typography")
    ap.add_argument("--only", nargs="*", help="the names of the pages to make (default: all)")
    args = ap.parse_args()
    from bench.build import typst_source
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, manifest, index, needle in PAGES:
            if not manifest.exists() or (args.only and name not in args.only):
                continue
            sides = [("after-typeset", ROOT)] + ([("before-typeset", args.before)]
                                                 if args.before else [])
            for side, checkout in sides:
                pdf = tmp / f"{side}-{manifest.parent.name}.pdf"
                if not pdf.exists():
                    build(manifest, pdf, checkout, tmp / f"cache-{side}")
                png(pdf, index, args.out / f"{name}-{side}.png")
            peer = tmp / f"typst-{name}.pdf"
            source = typst_contents(manifest) if needle == "contents" else typst_source(manifest)
            if typst_pdf(source, peer):
                page = 0 if needle == "contents" else find_page(peer, needle)
                png(peer, page, args.out / f"{name}-typst.png")
            print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
