"""Benchmark: whole-issue builds, against Typst as a peer measured in the same run.

For each issue (the sample issue and the chongqing corpus, if present) it times, in fresh
processes so nothing is shared between runs:
- `typeset build` (print variant: layout, subsetting, writing the PDF/X file), with the font cache
  cold (an empty TYPESET_CACHE) and warm;
- Typst (the `typst` package from PyPI, if installed) setting the same text — same page size,
  fonts, sizes, first-line indent, one article per page — from a generated .typ file.
It prints wall time (median of --runs), pages, and the ratio typeset / Typst. Absolute times
on a shared machine are noise; the ratio is the figure to compare.

Run from the repository root:  python bench/build.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ISSUES = [ROOT / "issues" / "sample" / "issue.yaml",
          ROOT.parent / "shared" / "corpus" / "chongqing-sample" / "issue.yaml"]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def typst_source(manifest: Path) -> str:
    """The issue as a Typst document with the layout's geometry and fonts (a peer of the same
    job: Chinese text justified on a page, titles, one article per page)."""
    from typeset.model.layout import load_layout
    from typeset.model.manifest import load_issue

    issue = load_issue(manifest)
    layout = load_layout(issue.layout, relative_to=manifest.parent)
    tb, page = layout.textblock, layout.page
    body = layout.styles["body"]
    margin_x = (page.width - layout.measure) / 2

    def esc(text: str) -> str:
        return "".join("\\" + c if c in "\\#*_`$<>@[]=-+/~\"'" else c for c in text)

    out = [f'#set page(width: {page.width:.2f}pt, height: {page.height:.2f}pt, '
           f'margin: (x: {margin_x:.2f}pt, top: {tb.top:.2f}pt, bottom: {tb.top:.2f}pt), '
           f'numbering: "1")',
           f'#set text(font: ("Noto Serif CJK SC",), size: {body.size}pt, lang: "zh", '
           f'top-edge: 0.88em, bottom-edge: -0.12em)',   # a 1 em line box: pitch = size + leading
           f'#set par(justify: true, first-line-indent: (amount: 2em, all: true), '
           f'leading: {tb.line_pitch - body.size:.2f}pt, spacing: {tb.line_pitch - body.size:.2f}pt)',
           '#show heading: set text(font: ("Noto Sans CJK SC",), weight: "bold")']
    for section in issue.sections:
        for art in section.articles:
            out.append("#pagebreak(weak: true)")
            out.append('#align(center, text(font: ("Noto Sans CJK SC",), weight: "bold", size: 22pt)['
                       + esc("".join(art.front.title)) + "])")
            for block in art.blocks:
                text = "".join(f"*{esc(i.text)}*" if i.bold else esc(i.text) for i in block.inlines)
                out.append(("== " if block.kind == "heading" else "") + text + "\n")
    return "\n\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    try:
        import typst  # noqa: F401
        have_typst = True
    except ImportError:
        have_typst = False
        print("(typst not installed: pip install typst, for the peer figures)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for manifest in ISSUES:
            if not manifest.exists():
                continue
            out = tmp / "out.pdf"
            cmd = [sys.executable, "-m", "typeset", "build", str(manifest), "-o", str(out)]
            cold, warm = [], []
            for i in range(args.runs):
                env = dict(os.environ, TYPESET_CACHE=str(tmp / f"cache{i}"))
                cold.append(timed(cmd, env))
                warm.append(timed(cmd, env))
            from pypdf import PdfReader
            pages = len(PdfReader(out).pages)
            line = (f"{manifest.parent.name:18} typeset {pages:3d} pages  "
                    f"cold {statistics.median(cold):6.2f} s  warm {statistics.median(warm):6.2f} s")
            if have_typst:
                typ = tmp / "peer.typ"
                typ.write_text(typst_source(manifest), encoding="utf-8")
                peer_cmd = [sys.executable, "-c",
                            "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], "
                            "font_paths=[sys.argv[3]], ignore_system_fonts=True)",
                            str(typ), str(tmp / "peer.pdf"), str(ROOT / "fonts")]
                peer = statistics.median(timed(peer_cmd, dict(os.environ)) for _ in range(args.runs))
                peer_pages = len(PdfReader(tmp / "peer.pdf").pages)
                line += (f" | typst {peer_pages:3d} pages {peer:6.2f} s"
                         f" | ratio warm {statistics.median(warm) / peer:4.2f}x")
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
