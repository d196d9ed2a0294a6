"""Draw the sample issue's pictures: fictional places of the fictional 岚江县 and 桂川市.

Run from the repository root:  python issues/sample/images/make_pictures.py
Every picture is drawn here with Pillow from shapes, gradients and seeded noise — nothing is
copied from a photograph — so they are the project's own (same licence as typeset). The
output is deterministic for a given Pillow and libjpeg.

* chaye.jpg       tea hills in morning haze (RGB JPEG with an embedded sRGB profile,
                  1680 x 1120: 315 ppi across the 135.5 mm text width of guangxi)
* huiyi.jpg       a meeting room: a long table, chairs, a banner, windows (greyscale JPEG)
* hongshuihe.png  the 红水河 between karst peaks, a boat (RGB PNG)
* cover.jpg       the cover photo: karst peaks at dawn over the river (full bleed of
                  guangxi, 191 x 266 mm at 300 ppi: 2260 x 3150, quality 85)
"""
from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

HERE = Path(__file__).resolve().parent
ICC = HERE.parents[2] / "typeset" / "render" / "icc" / "sRGB-v2-typeset.icc"


# -- tools ---------------------------------------------------------------------------------------

def ridge(rng: random.Random, width: int, base: float, amp: float, waves: int = 6,
          smooth: float = 1.0) -> list[float]:
    """A skyline: y of each x, a sum of sines of random phase (1/f amplitudes)."""
    parts = [(rng.uniform(0.6, 1.4) * (k + 1) * smooth, rng.uniform(0, 2 * math.pi),
              amp / (k + 1) ** 1.2) for k in range(waves)]
    return [base + sum(a * math.sin(f * 2 * math.pi * x / width + p) for f, p, a in parts)
            for x in range(width)]


def peaks(rng: random.Random, width: int, base: float, n: int, hmin: float, hmax: float,
          wmin: float, wmax: float) -> list[float]:
    """Karst towers: steep flanks, rounded and uneven tops (top y for each x)."""
    ys = [base] * width
    rough = ridge(rng, width, 0.0, 1.0, waves=9, smooth=6.0)
    for _ in range(n):
        cx = rng.uniform(-0.05, 1.05) * width
        h = rng.uniform(hmin, hmax)
        half = rng.uniform(wmin, wmax) / 2
        lean = rng.uniform(-0.25, 0.25)
        for x in range(max(0, int(cx - half * 1.8)), min(width, int(cx + half * 1.8))):
            t = (x - cx) / half
            t = abs(t - lean * (1 - min(1.0, abs(t))))
            top = base - h * math.exp(-t ** 2.8) * (1 + 0.05 * rough[x])
            ys[x] = min(ys[x], top)
    return ys


def fill_below(size, ys, colour, mode="RGB") -> tuple[Image.Image, Image.Image]:
    """(a layer of `colour`, its mask) for everything below the line ys."""
    w, h = size
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon([(0, h)] + [(x, y) for x, y in enumerate(ys)] + [(w - 1, h)],
                                 fill=255)
    return Image.new(mode, size, colour), mask


def vertical(size, top, bottom, mode="RGB") -> Image.Image:
    g = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return g.point(lambda v: top + (bottom - top) * v / 255)
    return ImageOps.colorize(g, top, bottom)


def grain(size, sigma: float, blur: float = 0.0) -> Image.Image:
    n = Image.effect_noise(size, sigma)
    return n.filter(ImageFilter.GaussianBlur(blur)) if blur else n


def _overlay(im: Image.Image, noise: Image.Image) -> Image.Image:
    # im + (noise - 128): brighten or darken each pixel a little
    up = noise.point(lambda v: max(0, v - 128) * 2)
    down = noise.point(lambda v: max(0, 128 - v) * 2)
    return ImageChops.subtract(ImageChops.add(im, up.point(lambda v: v // 2)),
                               down.point(lambda v: v // 2))


def haze(im: Image.Image, colour, amount: float) -> Image.Image:
    return Image.blend(im, Image.new(im.mode, im.size, colour), amount)


def finish(im: Image.Image, size) -> Image.Image:
    return im.resize(size, Image.Resampling.LANCZOS)


# -- chaye.jpg: tea hills ---------------------------------------------------------------------------

def tea_hills(size=(1680, 1120), seed=7) -> Image.Image:
    rng = random.Random(seed)
    W, H = size[0] * 2, size[1] * 2                     # drawn at twice the size, then reduced
    im = vertical((W, H), (150, 184, 214), (236, 236, 226))
    sky_haze = (222, 228, 226)
    # far mountains: three ranges, each hazier
    for k, (base, amp, col, hz) in enumerate([(0.40, 0.07, (92, 118, 120), 0.62),
                                              (0.47, 0.06, (70, 104, 92), 0.45),
                                              (0.55, 0.05, (58, 96, 70), 0.30)]):
        ys = ridge(rng, W, base * H, amp * H, waves=7)
        layer, mask = fill_below((W, H), ys, haze(Image.new("RGB", (1, 1), col), sky_haze,
                                                  hz).getpixel((0, 0)))
        im.paste(layer, (0, 0), mask.filter(ImageFilter.GaussianBlur(2 + 2 * (2 - k))))
    # the tea hill: hedges of tea following its contour, narrow dark gaps between them
    hill = ridge(rng, W, 0.60 * H, 0.06 * H, waves=4, smooth=0.6)
    rows = Image.new("RGB", (W, H), (30, 44, 26))       # shadow between the hedges
    d = ImageDraw.Draw(rows)
    y0, r = 0.0, 0
    while y0 < H * 1.1:
        depth = max(0.0, min(1.0, y0 / (H * 0.45)))     # 0 far, 1 near
        width = 7 + depth * 70
        green = (52 + r % 3 * 6, 112 + r % 5 * 5, 44)
        top = (118, 170 + r % 4 * 5, 74)
        bend = 0.9 + 0.25 * math.sin(r * 0.7)
        pts = [(x, hill[x] + y0 * bend + 0.05 * y0 * math.sin(x / W * 5 + r * 0.3))
               for x in range(0, W, 8)]
        d.line(pts, fill=green, width=int(width), joint="curve")
        d.line([(x, y - width * 0.22) for x, y in pts], fill=top,
               width=max(2, int(width * 0.35)), joint="curve")
        y0 += width * 1.03
        r += 1
    leaves = grain((W, H), 70, 3.0)                     # clumps of leaves
    rows = _overlay(rows, Image.merge("RGB", [leaves] * 3))
    rows = _overlay(rows, Image.merge("RGB", [grain((W, H), 50, 0.8)] * 3))
    light = Image.linear_gradient("L").rotate(90).resize((W, H)).point(lambda v: 150 + v // 3)
    rows = ImageChops.multiply(rows, Image.merge("RGB", [light] * 3)).point(
        lambda v: min(255, int(v * 1.22)))              # morning sun from the left
    _, mask = fill_below((W, H), hill, 0)
    im.paste(rows, (0, 0), mask.filter(ImageFilter.GaussianBlur(1.5)))
    # a path of red earth down the hill, widening toward the eye
    td = ImageDraw.Draw(im)
    cx = W * 0.62
    for t in range(80):
        y = hill[int(cx)] + t * (H - hill[int(cx)]) / 79
        k = t / 79
        x = cx + 160 * math.sin(t / 12) * k
        td.ellipse((x - 6 - 40 * k, y - 6, x + 6 + 40 * k, y + 6 + 20 * k), fill=(156, 108, 72))
    # trees on the crest: canopies of several greens
    for _ in range(14):
        x = rng.uniform(0.05, 0.95) * W
        y = hill[int(x)]
        s = rng.uniform(24, 60)
        td.rectangle((x - 4, y - 0.5 * s, x + 4, y + 6), fill=(60, 50, 40))
        for _ in range(7):
            dx, dy = rng.uniform(-0.6, 0.6) * s, rng.uniform(-2.2, -0.8) * s
            rr = rng.uniform(0.45, 0.8) * s
            g = rng.randrange(60, 96)
            td.ellipse((x + dx - rr, y + dy - rr, x + dx + rr, y + dy + rr),
                       fill=(g // 2, g, g // 2 + 6))
    # tea pickers among the hedges: blue jackets, straw hats, baskets
    for fx, fy in ((0.30, 0.17), (0.36, 0.20), (0.22, 0.26)):
        x, y = W * fx, hill[int(W * fx)] + fy * H
        td.rounded_rectangle((x - 18, y - 66, x + 18, y), radius=8, fill=(52, 74, 140))
        td.ellipse((x - 10, y - 84, x + 10, y - 62), fill=(150, 110, 80))
        td.polygon([(x - 46, y - 74), (x + 46, y - 74), (x, y - 112)], fill=(214, 190, 120))
        td.rounded_rectangle((x + 14, y - 40, x + 44, y - 8), radius=6, fill=(176, 140, 90))
    im = haze(im, sky_haze, 0.06)
    im = _overlay(im, Image.merge("RGB", [grain((W, H), 10, 0.6)] * 3))
    return finish(im, size)


# -- huiyi.jpg: a meeting room (grey) ------------------------------------------------------------

def meeting_room(size=(1600, 1068), seed=11) -> Image.Image:
    rng = random.Random(seed)
    W, H = size[0] * 2, size[1] * 2
    vx, vy = W * 0.52, H * 0.40                  # vanishing point (eye height)
    half = W * 0.95                              # half the room's width at the near plane

    def sc(z):                                   # perspective scale at depth z (0 near, 1 far)
        return 1.0 / (1.0 + 3.0 * z)

    def pt(u, z, h=0.0):                         # floor point (u across, z deep), h above it
        return (vx + u * half * sc(z), vy + (H - vy) * sc(z) - h * half * sc(z))

    im = Image.new("L", (W, H), 190)
    d = ImageDraw.Draw(im)
    ceil = 0.8                                   # the ceiling's height (room half-widths;
    #                                              the eye is at 0.43)
    # floor (carpet), ceiling, side walls, back wall
    d.polygon([pt(-1, 0), pt(1, 0), pt(1, 1), pt(-1, 1)], fill=104)
    d.polygon([pt(-1, 0, ceil), pt(1, 0, ceil), pt(1, 1, ceil), pt(-1, 1, ceil)], fill=232)
    d.polygon([pt(-1, 0), pt(-1, 1), pt(-1, 1, ceil), pt(-1, 0, ceil)], fill=176)
    d.polygon([pt(1, 0), pt(1, 1), pt(1, 1, ceil), pt(1, 0, ceil)], fill=150)
    d.polygon([pt(-1, 1), pt(1, 1), pt(1, 1, ceil), pt(-1, 1, ceil)], fill=212)
    # wood panels on the right wall
    for k in range(12):
        z = k / 11
        d.line([pt(1, z), pt(1, z, ceil * 0.55)], fill=128, width=max(2, int(10 * sc(z))))
    d.line([pt(1, 0, ceil * 0.55), pt(1, 1, ceil * 0.55)], fill=120, width=6)
    # windows with curtains on the left wall, the light they let in on the carpet
    for k in range(4):
        z0, z1 = 0.05 + k * 0.22, 0.05 + k * 0.22 + 0.13
        d.polygon([pt(-1, z0, 0.18), pt(-1, z1, 0.18), pt(-1, z1, 0.62), pt(-1, z0, 0.62)],
                  fill=252)
        d.polygon([pt(-1, z0 - 0.03, 0.12), pt(-1, z0, 0.12), pt(-1, z0, 0.66),
                   pt(-1, z0 - 0.03, 0.66)], fill=150)
        d.polygon([pt(-0.95, z0 + 0.02), pt(-0.45, z0 + 0.08), pt(-0.45, z1 + 0.06),
                   pt(-0.95, z1 + 0.02)], fill=126)
    # ceiling lights in two rows
    for u in (-0.35, 0.35):
        for k in range(7):
            z = 0.06 + k * 0.14
            d.polygon([pt(u - 0.08, z, ceil), pt(u + 0.08, z, ceil), pt(u + 0.08, z + 0.05, ceil),
                       pt(u - 0.08, z + 0.05, ceil)], fill=254)
    # the banner over the rostrum: a dark band with rows of pale, character-like strokes
    (bx0, by0), (bx1, by1) = pt(-0.8, 1, 0.62), pt(0.8, 1, 0.5)
    d.rectangle((bx0, by0, bx1, by1), fill=58)
    n = 13
    cell = (bx1 - bx0) / (n + 1)
    for k in range(n):
        x = bx0 + cell * (k + 0.6)
        y0, y1 = by0 + (by1 - by0) * 0.2, by1 - (by1 - by0) * 0.2
        for _ in range(5):
            if rng.random() < 0.5:
                yy = rng.uniform(y0, y1)
                d.line((x + rng.uniform(0, 0.2) * cell, yy, x + rng.uniform(0.5, 0.8) * cell, yy),
                       fill=230, width=3)
            else:
                xx = x + rng.uniform(0.1, 0.7) * cell
                d.line((xx, rng.uniform(y0, (y0 + y1) / 2), xx, rng.uniform((y0 + y1) / 2, y1)),
                       fill=230, width=3)
    # the rostrum table at the back, a row of flowers before it
    d.polygon([pt(-0.5, 0.97, 0.2), pt(0.5, 0.97, 0.2), pt(0.5, 0.97), pt(-0.5, 0.97)], fill=70)
    for k in range(16):
        x, y = pt(-0.48 + k * 0.064, 0.95, 0.02)
        d.ellipse((x - 9, y - 12, x + 9, y + 4), fill=96 + (k % 3) * 20)

    def chair(u, z, person: bool):
        w, back = 0.055, 0.26
        x0, yb = pt(u - w, z)
        x1, _ = pt(u + w, z)
        _, ytop = pt(u, z, back)
        d.rounded_rectangle((x0, ytop, x1, yb), radius=max(2, int(20 * sc(z))), fill=46)
        if person:
            hx, hy = pt(u, z, back + 0.06)
            r = 0.042 * half * sc(z)
            d.rounded_rectangle((x0 - r * 0.2, hy + r * 0.6, x1 + r * 0.2, ytop + 2 * r),
                                radius=int(r * 0.8), fill=36 + rng.randrange(26))
            d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=52 + rng.randrange(40))

    depths = [0.3 + 0.075 * k for k in range(9)]
    # the table: far to near, chairs along both sides, cards, cups and microphones on it
    top = [pt(-0.24, 0.26, 0.19), pt(0.24, 0.26, 0.19), pt(0.24, 0.9, 0.19), pt(-0.24, 0.9, 0.19)]
    for z in reversed(depths):
        for u in (-0.33, 0.33):
            chair(u, z, rng.random() < 0.7)
    d.polygon([pt(-0.24, 0.26), pt(0.24, 0.26), pt(0.24, 0.26, 0.19), pt(-0.24, 0.26, 0.19)],
              fill=60)
    d.polygon(top, fill=226)                                  # a white tablecloth
    d.polygon([pt(-0.05, 0.26, 0.19), pt(0.05, 0.26, 0.19), pt(0.05, 0.9, 0.19),
               pt(-0.05, 0.9, 0.19)], fill=150)              # a runner of green cloth
    for z in depths:
        for u in (-0.19, 0.19):
            x, y = pt(u, z, 0.19)
            s = sc(z)
            d.rectangle((x - 26 * s, y - 22 * s, x + 26 * s, y), fill=250)      # name card
            d.line((x - 18 * s, y - 12 * s, x + 18 * s, y - 12 * s), fill=60, width=max(1, int(4 * s)))
            cx = x + (40 if u > 0 else -40) * s
            d.ellipse((cx - 8 * s, y - 24 * s, cx + 8 * s, y - 2 * s), fill=200)  # cup
            mx = x - (30 if u > 0 else -30) * s
            d.line((mx, y, mx + (-30 if u > 0 else 30) * s, y - 60 * s), fill=30,
                   width=max(1, int(5 * s)))                                      # microphone
    # light and air: soft focus, a falloff from the windows, grain
    im = im.filter(ImageFilter.GaussianBlur(1.6))
    falloff = Image.linear_gradient("L").rotate(90).resize((W, H)).point(lambda v: 215 + v // 7)
    im = ImageChops.multiply(im, falloff).point(lambda v: min(255, int(v * 1.1)))
    im = _overlay(im, grain((W, H), 22, 0.7))
    return finish(im, size)


# -- hongshuihe.png and cover.jpg: the river between karst peaks ------------------------------------

def river(size, seed, *, dawn: bool) -> Image.Image:
    rng = random.Random(seed)
    W, H = size[0] * 2, size[1] * 2
    horizon = H * (0.62 if not dawn else 0.60)
    if dawn:
        top, low, far = (64, 78, 136), (244, 192, 150), (196, 172, 190)
        ranges = [(0.30, (150, 132, 170), 0.50, 7), (0.24, (96, 90, 130), 0.30, 8),
                  (0.18, (42, 48, 74), 0.08, 6)]
    else:
        top, low, far = (140, 176, 210), (226, 230, 222), (214, 222, 220)
        ranges = [(0.30, (120, 140, 150), 0.55, 6), (0.22, (86, 112, 110), 0.35, 7),
                  (0.14, (50, 80, 66), 0.10, 5)]
    im = vertical((W, H), top, low)
    for hmax, col, hz, n in ranges:
        ys = peaks(rng, W, horizon, n, H * hmax * 0.45, H * hmax, W * 0.07, W * 0.18)
        c = haze(Image.new("RGB", (1, 1), col), far, hz).getpixel((0, 0))
        layer, mask = fill_below((W, H), ys, c)
        shade = Image.linear_gradient("L").resize((W, H)).point(lambda v: 200 + v // 5)
        layer = ImageChops.multiply(layer, Image.merge("RGB", [shade] * 3)).point(
            lambda v: min(255, int(v * 1.12)))          # the tops catch more light
        layer = _overlay(layer, Image.merge("RGB", [grain((W, H), 60, 2.5)] * 3))
        im.paste(layer, (0, 0), mask.filter(ImageFilter.GaussianBlur(1.2)))
    # the river: the sky and the peaks mirrored, darker, broken by ripples
    water_h = H - int(horizon)
    mirrored = im.crop((0, int(horizon) - water_h, W, int(horizon))).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM)
    tint = (52, 84, 84) if not dawn else (54, 52, 86)
    mirrored = Image.blend(mirrored, Image.new("RGB", mirrored.size, tint), 0.4)
    broken = mirrored.copy()
    for y in range(0, water_h, 6):                     # rows shifted sideways: ripples
        shift = int(rng.gauss(0, 3 + 14 * y / water_h))
        broken.paste(mirrored.crop((0, y, W, y + 6)), (shift, y))
    mirrored = broken.filter(ImageFilter.GaussianBlur(2.5))
    ripples = Image.new("L", (W, water_h), 0)
    rd = ImageDraw.Draw(ripples)
    for _ in range(1400):
        y = rng.uniform(0, water_h)
        x = rng.uniform(0, W)
        length = rng.uniform(30, 260) * (0.3 + y / water_h)
        rd.line((x, y, x + length, y), fill=rng.randrange(10, 70), width=max(1, int(y / 150)))
    ripples = ripples.filter(ImageFilter.GaussianBlur(1.5))
    glint = (255, 226, 190) if dawn else (236, 242, 240)
    mirrored.paste(Image.new("RGB", mirrored.size, glint), (0, 0), ripples)
    im.paste(mirrored, (0, int(horizon)))
    d = ImageDraw.Draw(im)
    d.line((0, horizon, W, horizon), fill=(40, 60, 50) if not dawn else (40, 40, 66), width=3)
    # a long boat with a canopy, a boatman's pole
    bx, by = W * (0.58 if not dawn else 0.35), horizon + water_h * (0.35 if not dawn else 0.3)
    s = W / 3000
    d.polygon([(bx - 260 * s, by), (bx + 300 * s, by), (bx + 240 * s, by + 40 * s),
               (bx - 220 * s, by + 40 * s)], fill=(40, 34, 30))
    d.rounded_rectangle((bx - 120 * s, by - 70 * s, bx + 110 * s, by), radius=int(30 * s),
                        fill=(112, 90, 62) if not dawn else (70, 56, 52))
    d.line((bx + 200 * s, by - 150 * s, bx + 240 * s, by + 30 * s), fill=(36, 30, 28),
           width=max(2, int(8 * s)))
    # the near bank: dark shrubs and bamboo in a corner
    bank = Image.new("L", (W, H), 0)
    bd = ImageDraw.Draw(bank)
    for _ in range(220):
        x = rng.uniform(-0.05, 0.30) * W
        y = H - rng.uniform(0, 0.16) * H * (1 - x / (0.3 * W))
        r = rng.uniform(0.01, 0.035) * W
        bd.ellipse((x - r, y - r, x + r, y + r), fill=255)
    for _ in range(9):
        x = rng.uniform(0.0, 0.2) * W
        tx, ty = x + rng.uniform(-40, 60) * s, H * rng.uniform(0.55, 0.75)
        bd.line((x, H, tx, ty), fill=255, width=max(3, int(14 * s)))
        for _ in range(14):                              # leaves: narrow blades off the top
            k = rng.uniform(0.0, 0.35)
            px, py = tx + (x - tx) * k, ty + (H - ty) * k
            a = rng.uniform(-2.8, -0.3) if rng.random() < 0.5 else rng.uniform(0.3, 2.8)
            L, wd = rng.uniform(60, 130) * s, rng.uniform(7, 12) * s
            ex, ey = px + L * math.cos(a), py + L * abs(math.sin(a)) * 0.6
            nx, ny = -(ey - py) / L * wd, (ex - px) / L * wd
            bd.polygon([(px, py), ((px + ex) / 2 + nx, (py + ey) / 2 + ny), (ex, ey),
                        ((px + ex) / 2 - nx, (py + ey) / 2 - ny)], fill=255)
    shrubs = Image.new("RGB", (W, H), (28, 46, 32) if not dawn else (24, 26, 42))
    shrubs = _overlay(shrubs, Image.merge("RGB", [grain((W, H), 60, 1.5)] * 3))
    im.paste(shrubs, (0, 0), bank.filter(ImageFilter.GaussianBlur(2)))
    if dawn:                                             # the sun over the far peaks
        sun = Image.new("L", (W, H), 0)
        ImageDraw.Draw(sun).ellipse((W * 0.62, H * 0.26, W * 0.70, H * 0.26 + W * 0.08), fill=255)
        im.paste(Image.new("RGB", (W, H), (255, 236, 200)), (0, 0),
                 sun.filter(ImageFilter.GaussianBlur(W * 0.02)))
    im = _overlay(im, Image.merge("RGB", [grain((W, H), 12, 0.6)] * 3))
    return finish(im, size)


def main(only: str = "") -> None:
    profile = ICC.read_bytes()
    if only == "chaye":
        tea_hills().save(HERE / "chaye.jpg", quality=90, icc_profile=profile, optimize=True)
        return
    if only == "river":
        river((1400, 900), 23, dawn=False).save(HERE / "hongshuihe.png", optimize=True)
        river((2260, 3150), 5, dawn=True).save(HERE / "cover.jpg", quality=85, optimize=True,
                                              icc_profile=profile)
        return
    if only == "huiyi":
        meeting_room().save(HERE / "huiyi.jpg", quality=90, optimize=True)
        return
    tea_hills().save(HERE / "chaye.jpg", quality=90, icc_profile=profile, optimize=True)
    meeting_room().save(HERE / "huiyi.jpg", quality=90, optimize=True)
    river((1400, 900), 23, dawn=False).save(HERE / "hongshuihe.png", optimize=True)
    river((2260, 3150), 5, dawn=True).save(HERE / "cover.jpg", quality=85, optimize=True,
                                          icc_profile=profile)
    for name in ("chaye.jpg", "huiyi.jpg", "hongshuihe.png", "cover.jpg"):
        p = HERE / name
        with Image.open(p) as im:
            print(f"{name}: {im.size[0]} x {im.size[1]} {im.mode}, {p.stat().st_size:,} bytes")


if __name__ == "__main__":
    import sys
    main(*sys.argv[1:])
