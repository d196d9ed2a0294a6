"""Placeholder pictures for the sample issue, so the figures branch builds on its own.

The `images` branch commits the real pictures under the same names (chaye.jpg, huiyi.jpg,
hongshuihe.png); these are flat shapes drawn with Pillow, sized like photographs at about
300 ppi for their place in the sample layout. Run from anywhere:
    python issues/sample/images/make_placeholders.py
"""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent


def landscape(path: Path, size: tuple[int, int], sky, hill, ground) -> None:
    w, h = size
    im = Image.new("RGB", size, sky)
    d = ImageDraw.Draw(im)
    d.polygon([(0, h * 0.55), (w * 0.3, h * 0.3), (w * 0.6, h * 0.5), (w, h * 0.25), (w, h),
               (0, h)], fill=hill)
    d.rectangle([0, int(h * 0.75), w, h], fill=ground)
    im.save(path, quality=85) if path.suffix == ".jpg" else im.save(path)


def meeting(path: Path, size: tuple[int, int]) -> None:
    w, h = size
    im = Image.new("RGB", size, (214, 200, 176))
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, w, int(h * 0.35)], fill=(150, 32, 36))           # the stage curtain
    d.rectangle([int(w * 0.1), int(h * 0.55), int(w * 0.9), int(h * 0.7)], fill=(96, 64, 40))
    for i in range(9):                                                  # people at the table
        x = int(w * (0.14 + i * 0.09))
        d.ellipse([x, int(h * 0.42), x + int(w * 0.05), int(h * 0.52)], fill=(40, 36, 34))
    im.save(path, quality=85)


if __name__ == "__main__":
    landscape(HERE / "chaye.jpg", (2100, 1400), (196, 214, 226), (74, 118, 64), (108, 150, 82))
    meeting(HERE / "huiyi.jpg", (2200, 1240))
    landscape(HERE / "hongshuihe.png", (1000, 760), (206, 222, 234), (86, 120, 96),
              (70, 110, 150))
