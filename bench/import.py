"""Benchmark: `typeset import` speed in pages of Word per second, and the two readers compared.

Builds real-looking articles with tests/docxfixture.py (Chinese text, Title/Heading/Caption
styles, bold run-in heads, footnotes, a captioned picture every 3 pages and a captioned table
every 4; the text split into runs with revision ids, fonts and spelling marks as Word saves
it) of several lengths, and times, per document (median of --repeat runs, after one
warm-up):

* import:       the whole `typeset import` (read, classify, write the Markdown with every
                block read back, write the article and its pictures to a temporary folder);
* python-docx:  the read stage alone (typeset/importer/read.py on python-docx: open the
                package, walk the body, styles resolved, footnotes, picture bytes);
* mammoth:      for the record (not a dependency; skipped when it is not installed):
                mammoth.docx.read (its document model: paragraphs, runs, notes, tables,
                images) and mammoth.convert_to_html (what its public API does).

A page of Word is PAGE_CHARS (1000) characters of body text: a manuscript page of 小四 at
1.5 line spacing holds about that many. Pictures and tables come on top.

Run from the repository root:  python bench/import.py [--pages 5 20 60] [--repeat 5]
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.docxfixture import PAGE_CHARS, article_blocks, build_docx  # noqa: E402


def _time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[5, 20, 60])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from typeset.importer import import_docx
    from typeset.importer.read import read_docx
    from typeset.importer.sniff import open_docx
    try:
        import mammoth
        from mammoth import docx as mammoth_docx
    except ImportError:
        mammoth = None

    print(f"{'pages':>6} {'chars':>7} {'KB':>6}  {'import':>14}  {'python-docx read':>18}"
          f"  {'mammoth model':>15}  {'mammoth html':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for pages in args.pages:
            src = build_docx(tmp / f"bench-{pages}.docx", article_blocks(pages), word_like=True)
            import docx as _docx
            d = _docx.Document(str(src))
            chars = sum(len(p.text) for p in d.paragraphs)
            real_pages = chars / PAGE_CHARS
            out = tmp / "out"
            out.mkdir(exist_ok=True)

            def whole():
                import_docx(src, out / "bench.md", force=True)

            def read():
                read_docx(src, open_docx(src))

            t_import = _time(whole, args.repeat)
            t_read = _time(read, args.repeat)
            cols = [f"{t_import * 1000:6.0f} ms {real_pages / t_import:4.0f}/s",
                    f"{t_read * 1000:8.0f} ms {real_pages / t_read:4.0f}/s"]
            if mammoth is not None:
                data = src.read_bytes()

                def m_model():
                    mammoth_docx.read(io.BytesIO(data))

                def m_html():
                    mammoth.convert_to_html(io.BytesIO(data))

                t_mm = _time(m_model, args.repeat)
                t_mh = _time(m_html, args.repeat)
                cols += [f"{t_mm * 1000:5.0f} ms {real_pages / t_mm:4.0f}/s",
                         f"{t_mh * 1000:4.0f} ms {real_pages / t_mh:4.0f}/s"]
            else:
                cols += ["(not installed)", ""]
            print(f"{real_pages:6.1f} {chars:7d} {src.stat().st_size // 1024:6d}  {cols[0]:>14}"
                  f"  {cols[1]:>18}  {cols[2]:>15}  {cols[3]:>14}")
    print("pages: body characters / 1000; times: median of", args.repeat, "runs after a warm-up")


if __name__ == "__main__":
    main()
