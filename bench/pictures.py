"""Benchmark: what pictures cost (issue 10, "Measured").

1. Conversion cost per megapixel, per step, on the sample issue's chaye.jpg (an sRGB-tagged
   RGB JPEG) scaled to 2 and 8 megapixels, in this process after one warm-up:
   - `prepare` for print (RGB -> FOGRA39 CMYK, ink limit, JPEG encoding), for the archive with a
     wide-gamut profile (RGB -> sRGB, JPEG encoding) and for the archive as it is (sRGB: the
     JPEG is decoded once to be checked, then passed through);
   - LittleCMS's transform alone (RGB -> CMYK, RGB -> sRGB).
2. Builds of the sample issue (36 pages, print PDF/X-4 and archive PDF/A-2u) without pictures
   and with pictures (two extra pages: the three figures and the cover over the bleed — the
   figure syntax is not on this branch, so the pages are added to the composition), each in a
   fresh process: fonts and paragraphs cached (warm), the picture cache cold (empty) and warm.
   Wall time of compose + picture report + render + write (median of --runs), output size.

Run from the repository root:  python bench/pictures.py [--runs 3]
Absolute times on a shared machine are noise; compare figures from one run.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"
IMAGES = ROOT / "issues" / "sample" / "images"


def _best(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def per_megapixel() -> list[tuple[str, float, float]]:
    """(step, megapixels, seconds per megapixel)."""
    from PIL import Image, ImageCms

    from tests.picturekit import wide_rgb_profile
    from typeset.model.picture import PictureInfo
    from typeset.render.pictures import colour
    from typeset.render.pictures.convert import prepare
    from typeset.render.pictures.spec import Target

    src = Image.open(IMAGES / "chaye.jpg").convert("RGB")
    rows = []
    for mp in (2, 8):
        scale = (mp * 1e6 / (src.width * src.height)) ** 0.5
        im = src.resize((round(src.width * scale), round(src.height * scale)),
                        Image.Resampling.LANCZOS)
        real = im.width * im.height / 1e6
        buf, wide = io.BytesIO(), io.BytesIO()
        im.save(buf, "JPEG", quality=90, icc_profile=colour.srgb_profile())
        im.save(wide, "JPEG", quality=90, icc_profile=wide_rgb_profile())
        for label, data, target in (
                ("print: RGB -> CMYK, ink limit, JPEG", buf.getvalue(), Target("cmyk", total_ink=300)),
                ("archive: wide RGB -> sRGB, JPEG", wide.getvalue(), Target("srgb")),
                ("archive: sRGB JPEG passed through", buf.getvalue(), Target("srgb"))):
            info = PictureInfo(path="x.jpg", format="JPEG", width_px=im.width,
                               height_px=im.height, mode="RGB", icc=True, sha256="",
                               size_bytes=len(data))
            prepare(data, info, target)                       # warm-up: transforms built
            rows.append((label, real, _best(lambda: prepare(data, info, target)) / real))
        for label, dst, mode in (("LittleCMS alone: RGB -> CMYK", colour.cmyk_profile(), "CMYK"),
                                 ("LittleCMS alone: RGB -> sRGB", colour.srgb_profile(), "RGB")):
            tr = colour.transform(wide_rgb_profile() if mode == "RGB" else colour.srgb_profile(),
                                  dst, "RGB", mode, "relative", True)
            rows.append((label, real, _best(lambda: ImageCms.applyTransform(im, tr)) / real))
    return rows


# -- builds in fresh processes ---------------------------------------------------------------------

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from typeset.build import compose, render
from typeset.layout.page import Image, Page
from typeset.report import picture_report
from typeset.fsutil import write_output
manifest, out, variant, pictures = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
comp = compose(Path(manifest))
if pictures:
    images = Path(manifest).parent / "images"
    W, H, b, m = comp.layout.page.width, comp.layout.page.height, comp.layout.page.bleed, comp.layout.measure
    x0 = (W - m) / 2
    comp.body += [
        Page(W, H, label="图", items=[
            Image(x0, H - 80 - m * 2 / 3, m, m * 2 / 3, str(images / "chaye.jpg")),
            Image(x0, 120, m / 2 - 6, (m / 2 - 6) * 1068 / 1600, str(images / "huiyi.jpg")),
            Image(x0 + m / 2 + 6, 120, m / 2 - 6, (m / 2 - 6) * 900 / 1400,
                  str(images / "hongshuihe.png"))]),
        Page(W, H, kind="cover", label="封一",
             items=[Image(-b, -b, W + 2 * b, H + 2 * b, str(images / "cover.jpg"), role="cover")])]
picture_report(comp.pages, comp.layout, str(Path(manifest).parent))
data = render(comp, variant)
write_output(Path(out), data)
print(json.dumps({"seconds": time.perf_counter() - t0, "bytes": len(data)}))
"""


def build(cache: Path, variant: str, pictures: bool, out: Path) -> dict:
    env = dict(os.environ, TYPESET_CACHE=str(cache), PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CHILD, str(SAMPLE), str(out), variant,
                        "1" if pictures else "0"], env=env, cwd=ROOT, capture_output=True,
                       text=True, check=True)
    got = json.loads(r.stdout.strip().splitlines()[-1])
    got["wall"] = time.perf_counter() - t
    return got


def builds(runs: int) -> list[tuple[str, str, float, int]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        out = Path(tmp) / "out.pdf"
        build(cache, "print", False, out)                  # fonts and paragraphs: warm
        build(cache, "archive", False, out)
        for variant in ("print", "archive"):
            for label, pictures, cold in (("without pictures", False, False),
                                          ("with pictures, picture cache cold", True, True),
                                          ("with pictures, picture cache warm", True, False)):
                times, size = [], 0
                for _ in range(runs):
                    if cold:
                        shutil.rmtree(cache / "pictures", ignore_errors=True)
                    else:
                        build(cache, variant, pictures, out)      # make sure it is warm
                    got = build(cache, variant, pictures, out)
                    times.append(got["wall"])
                    size = got["bytes"]
                rows.append((variant, label, statistics.median(times), size))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print("conversion cost (best of 3, after a warm-up):")
    for label, mp, s in per_megapixel():
        print(f"  {label:40} {mp:4.1f} MP  {s * 1000:7.0f} ms per megapixel")
    print(f"sample issue builds (fresh processes, median of {args.runs}):")
    for variant, label, s, size in builds(args.runs):
        print(f"  {variant:8} {label:36} {s:6.2f} s  {size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
