"""Benchmark: font loading and subset embedding for a realistic issue-sized glyph set.

Builds a PDF that sets ~2,500 distinct common Chinese characters (the first N of GB 2312
level 1, the 3,755 most common hanzi) plus punctuation, digits and Latin, in each of three
faces (宋 Noto Serif CJK SC, 黑 Noto Sans CJK SC Bold, 楷 LXGW WenKai), 32 characters a line,
28 lines a page, and reports:

* face load: parsing cmap + advances with fontTools (no cache) and from the disk cache;
* subset + embed at save: with an empty subset cache (cold) and again with it filled (warm);
* whether cold and warm output are byte-identical.

Run from the repository root:  python bench/embed.py [--chars 2500]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FACES = ["NotoSerifCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf", "LXGWWenKai-Regular.ttf"]
EXTRA = "，。、；：？！“”‘’（）《》——……0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def common_hanzi(n: int) -> str:
    """The first `n` characters of GB 2312 level 1 (rows 16-55)."""
    out = []
    for row in range(0xB0, 0xD8):
        for col in range(0xA1, 0xFF):
            try:
                out.append(bytes([row, col]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
            if len(out) == n:
                return "".join(out)
    return "".join(out)


def pages_for(chars: str, library):
    from typeset.layout.page import Page, TextRun
    W, H = 524.41, 737.01          # 185 x 260 mm
    pages = []
    for key in FACES:
        face = library.face(key)
        text = "".join(c for c in chars if face.has(c))
        lines = [text[i:i + 32] for i in range(0, len(text), 32)]
        for p in range(0, len(lines), 28):
            page = Page(W, H, label=str(len(pages) + 1))
            for k, line in enumerate(lines[p:p + 28]):
                xs = tuple(12.0 * i for i in range(len(line)))     # grid: 12 pt a character
                page.items.append(TextRun(70.0, H - 80 - 22 * k, key, 12.0, line, xs=xs))
            pages.append(page)
    return pages


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chars", type=int, default=2500, help="distinct hanzi (default 2500)")
    args = ap.parse_args(argv)
    chars = common_hanzi(args.chars) + EXTRA

    with tempfile.TemporaryDirectory(prefix="typeset-bench-") as tmp:
        os.environ["TYPESET_CACHE"] = str(Path(tmp) / "cache")
        from typeset.render.writer import DocumentInfo, render_pdf
        from typeset.text.fonts import FontLibrary

        print(f"{len(set(chars))} distinct characters x {len(FACES)} faces")
        t = time.perf_counter()
        FontLibrary(use_cache=False).face(FACES[0])     # imports fontTools
        t_import = time.perf_counter() - t
        for key in FACES:
            t = time.perf_counter()
            FontLibrary(use_cache=False).face(key)
            cold = time.perf_counter() - t
            FontLibrary().face(key)                      # fills the disk cache
            t = time.perf_counter()
            FontLibrary().face(key)
            warm = time.perf_counter() - t
            print(f"load {key:28s} parse {cold * 1000:7.1f} ms   cached {warm * 1000:6.1f} ms")
        print(f"(first load incl. fontTools import: {t_import * 1000:.0f} ms)")

        library = FontLibrary()
        pages = pages_for(chars, library)
        info = DocumentInfo(title="embed benchmark")
        face = library.face(FACES[0])
        t = time.perf_counter()
        n = 0
        for _ in range(100_000 // len(chars) + 1):
            for c in chars:
                face.advance(c)
                n += 1
        adv = time.perf_counter() - t
        print(f"advance(): {n} lookups in {adv * 1000:.1f} ms")

        results = []
        for label in ("cold (empty subset cache)", "warm (subset cache filled)"):
            t = time.perf_counter()
            data = render_pdf(pages, library, info)
            dt = time.perf_counter() - t
            results.append(data)
            print(f"render {len(pages)} pages, {label}: {dt:.2f} s, {len(data) / 1024:.0f} KiB")
        print("cold and warm output identical:", results[0] == results[1])

        from typeset.render import fontprogram
        for key in FACES:
            f = library.face(key)
            gids = sorted({f.glyph_id(c) for c in chars if f.has(c)})
            t = time.perf_counter()
            sub = fontprogram.build_subset(f, gids)
            dt = time.perf_counter() - t
            print(f"subset {key:28s} {len(gids)} glyphs: {dt:.2f} s, "
                  f"program {len(sub.program) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
