"""Total ink of print pictures: C+M+Y+K of each pixel held to the layout's limit.

* `limit_ink(cmyk, limit)`: total area coverage held to the layout's limit: where a pixel is
  over, the excess is taken out of C, M and Y in proportion to each (their ratio, hence the
  hue, stays; K is kept, so the shadow stays black). Conversions through our FOGRA39 profile
  already stay within its 330 % (icc/README.md); a lower limit (300 % for coated web offset,
  260 % for uncoated) is reached this way. `Totals` finds the pixels that matter without
  adding up every pixel (below); `BlockMask` keeps a JPEG round's blocks over the limit as
  blocks (render/pictures/convert.py).

Moved out of colour.py (LittleCMS: profiles and conversions) in wave 9: one concern a room.
Pillow is imported here and in colour.py and convert.py only (tests/test_structure.py).
"""
from __future__ import annotations

import functools
import math

from PIL import Image, ImageChops, ImageFilter, ImageMath


# -- total ink -------------------------------------------------------------------------------
#
# The total ink of a pixel is C+M+Y+K of its 8-bit samples (8-bit units: 1020 = 400 %). Every
# answer here is what whole-picture arithmetic gives (the `_whole_*` functions: ImageMath in
# 32-bit integers and floats, a dozen passes over four bands), but a print picture has only a
# handful of pixels anywhere near a limit (the sample's photographs reach 300-311 % through
# FOGRA39, a handful of pixels out of millions; a limit is 260-300 %). So the totals are first bounded for every pixel with two 8-bit channel
# operations, and only the pixels that can be near the limit are added up, one by one
# (`Totals`); where too many are near (a dark picture, a flat tint), the whole picture is
# computed as before.

def ink_units(percent: float) -> int:
    """A total ink limit in % as the largest C+M+Y+K sum of 8-bit samples (255 = 100 %)."""
    return int(math.floor(percent * 255 / 100 + 1e-9))


SPARSE_SHARE = 64       # pixels added up one by one: at most one in this many,
SPARSE_MIN = 1024       # or this many


class InkCap:
    """A total ink limit per pixel: `limit`, lowered by `by` wherever a mask (an L image of
    0 and 255) is set, once per JPEG round (convert._encode_jpeg)."""

    def __init__(self, limit: int, size: tuple[int, int]):
        self.limit, self.size = limit, size
        self._lowered: list[tuple[Image.Image, object, int]] = []

    def lower(self, mask: Image.Image | BlockMask, by: int) -> None:
        self._lowered.append((mask, mask.load(), by))

    @property
    def floor(self) -> int:
        """No pixel's limit is lower."""
        return self.limit - sum(by for _, _, by in self._lowered)

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        """The box holding every pixel whose limit was lowered (None: none was)."""
        boxes = [b for b in (mask.getbbox() for mask, _, _ in self._lowered) if b]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    def at(self, p: tuple[int, int]) -> int:
        return self.limit - sum(px[p] // 255 * by for _, px, by in self._lowered)

    def image(self) -> Image.Image:
        """The limit of every pixel, an "I" image (for whole-picture arithmetic)."""
        cap = Image.new("I", self.size, self.limit)
        for mask, _, by in self._lowered:
            cap = _lowered(cap, mask.image() if isinstance(mask, BlockMask) else mask, by)
        return cap


def _lowered(cap: Image.Image, mask: Image.Image, by: int) -> Image.Image:
    return ImageMath.lambda_eval(lambda d: d["cap"] - d["int"](d["mask"]) / 255 * by,
                                 cap=cap, mask=mask)


class Totals:
    """The total ink of the pixels of a CMYK picture, found where it matters.

    Two 8-bit channel operations (ImageChops.add with scale 2: one pass each, no 32-bit
    image) give A = floor((C+M)/2) and B = floor((Y+K)/2) for every pixel, so its total
    T = C+M+Y+K lies in [2(A+B), 2(A+B)+2]. A pixel over a threshold t has
    A+B >= ceil((t-1)/2), and a pixel with A+B >= ceil((t-1)/2) has T >= t-1: `near(t)` is
    every pixel over t and at most those at t-1 and t besides. Only those are added up."""

    def __init__(self, cmyk: Image.Image, halves: tuple[Image.Image, Image.Image] | None = None):
        self.image = cmyk
        self._halves = halves                 # (A, B) images, made when first asked for
        self._px = cmyk.load()
        w, h = cmyk.size
        self._most = max(SPARSE_MIN, w * h // SPARSE_SHARE)
        self._near: dict[tuple, list | None] = {}

    @property
    def _cm(self) -> Image.Image:
        return self.halves()[0]

    @property
    def _yk(self) -> Image.Image:
        return self.halves()[1]

    def halves(self) -> tuple[Image.Image, Image.Image]:
        """(A, B): floor((C+M)/2) and floor((Y+K)/2) of every pixel, as L images."""
        if self._halves is None:
            c, m, y, k = self.image.split()
            self._halves = ImageChops.add(c, m, 2.0), ImageChops.add(y, k, 2.0)  # (int) of /2.0
        return self._halves

    def near(self, t: int, box: tuple[int, int, int, int] | None = None
             ) -> list[tuple[int, int]] | None:
        """Every pixel (in `box`, default all) whose total can be over `t` (see the class),
        row by row; None if they are more than one by one is worth (then whole-picture
        arithmetic is cheaper)."""
        h = max(0, -((1 - t) // 2))                   # ceil((t-1)/2)
        if (h, box) not in self._near:
            self._near[h, box] = self._find(h, box)
        return self._near[h, box]

    def _find(self, h: int, box) -> list[tuple[int, int]] | None:
        cm, yk, bx, by = self._cm, self._yk, 0, 0
        if box is not None:
            cm, yk, bx, by = cm.crop(box), yk.crop(box), box[0], box[1]
        # 256(A+B-h) + 255, clipped to 0..255: 255 where A+B >= h, else 0 (scale 1/256 and
        # the offset are exact in the float ImageChops computes with)
        q = ImageChops.add(cm, yk, 1 / 256, 255 - 256 * h)
        box = q.getbbox()
        if box is None:
            return []
        raw = q.crop(box).tobytes()
        if raw.count(255) > self._most:
            return None
        x0, y0, x1, _ = box
        x0, y0, x1 = x0 + bx, y0 + by, x1 + bx
        w = x1 - x0
        found = []
        i = raw.find(255)
        while i >= 0:
            dy, dx = divmod(i, w)
            found.append((x0 + dx, y0 + dy))
            i = raw.find(255, i + 1)
        return found

    def over(self, t: int) -> dict[tuple[int, int], int] | None:
        """{pixel: its total - t} for every pixel whose total is over `t`; None as `near`."""
        near = self.near(t)
        if near is None:
            return None
        px = self._px
        found = {}
        for p in near:
            s = sum(px[p])
            if s > t:
                found[p] = s - t
        return found

    def exceeds(self, t: int) -> bool:
        """Is any pixel's total over `t`?"""
        near = self.near(t)
        if near is None:
            return _whole_max_ink(self.image) > t
        px = self._px
        return any(sum(px[p]) > t for p in near)

    def maximum(self) -> int:
        """The largest total of any pixel."""
        # r = floor((A+B)/2): every total lies in [4r, 4r+4], so the largest is at least
        # 4 max(r) and its pixel is near(4 max(r) - 1)
        top = ImageChops.add(self._cm, self._yk, 2.0).getextrema()[1]
        near = self.near(4 * top - 1)
        if near is None:
            return _whole_max_ink(self.image)
        px = self._px
        return max(sum(px[p]) for p in near)

    def held(self, cap: int | InkCap) -> dict[tuple[int, int], tuple] | None:
        """{pixel: its (C, M, Y, K) held to `cap`} for every pixel over it (see `limit_ink`);
        None as `near`. The held values come from the whole-picture arithmetic itself, run
        on those pixels alone (it works pixel by pixel)."""
        fixed = isinstance(cap, int)
        near = self.near(cap if fixed else cap.limit)
        box = None if fixed else cap.box
        if near is not None and box is not None:       # a lower limit only in `box`
            lowered = self.near(cap.floor, box)
            near = None if lowered is None else list(dict.fromkeys(near + lowered))
        if near is None:
            return None
        px = self._px
        if fixed:
            over = [(p, cap) for p in near if sum(px[p]) > cap]
        else:               # (no pixel's limit is under the floor: its own looked up above)
            floor, at = cap.floor, cap.at
            over = [(p, lim) for p in near
                    if (s := sum(px[p])) > floor and s > (lim := at(p))]
        if not over:
            return {}
        pixels = Image.new("CMYK", (len(over), 1))
        pixels.putdata([px[p] for p, _ in over])
        caps = Image.new("I", (len(over), 1))
        caps.putdata([lim for _, lim in over])
        done = _whole_limit_ink(pixels, caps).load()
        return {p: done[i, 0] for i, (p, _) in enumerate(over)}

    def limited(self, cap: int | InkCap) -> Totals:
        """The totals of a copy of the picture held to `cap` (see `limit_ink`)."""
        held = self.held(cap)
        if held is None:
            return Totals(_whole_limit_ink(self.image,
                                           cap if isinstance(cap, int) else cap.image()))
        return self.changed(held)

    def changed(self, pixels: dict[tuple[int, int], tuple]) -> Totals:
        """The totals of a copy of the picture with these pixels changed to these values."""
        out, cm, yk = self.image.copy(), self._cm.copy(), self._yk.copy()
        px, pcm, pyk = out.load(), cm.load(), yk.load()
        for p, v in pixels.items():
            px[p] = v
            pcm[p] = (v[0] + v[1]) // 2                    # as ImageChops.add(…, 2.0)
            pyk[p] = (v[2] + v[3]) // 2
        return Totals(out, (cm, yk))

    def paste(self, part: Totals, xy: tuple[int, int],
              box: tuple[int, int, int, int] | None = None) -> None:
        """Put the picture of `part` (with its totals; only its crop `box` if given) into
        this one at `xy`, in place."""
        for dst, src in ((self.image, part.image), (self._cm, part._cm), (self._yk, part._yk)):
            dst.paste(src if box is None else src.crop(box), xy)
        self._px = self.image.load()
        self._near.clear()

    def worst_over(self, limit: int) -> tuple[int, Image.Image]:
        """As `ink_over`."""
        over = self.over(limit)
        if over is None:
            return _whole_ink_over(self.image, limit)
        return max(over.values(), default=0), ink_blocks(self.image.size, over)


def max_ink(cmyk: Image.Image) -> int:
    """The largest C+M+Y+K of any pixel (8-bit units: 1020 = 400 %)."""
    return Totals(cmyk).maximum()


def limit_ink(cmyk: Image.Image, limit: int | InkCap) -> Image.Image:
    """`cmyk` with every pixel's C+M+Y+K at most `limit` (8-bit units; a number, or a limit
    per pixel): the excess is taken out of C, M and Y in proportion to each, rounding down
    (so never over the limit); pixels within the limit are unchanged. A new image."""
    return Totals(cmyk).limited(limit).image


def ink_over(cmyk: Image.Image, limit: int) -> tuple[int, Image.Image]:
    """(the largest excess over `limit`, an L mask of the 8x8 blocks — and their neighbours —
    holding a pixel over it): where JPEG's rounding lifted the ink (JPEG codes 8x8 blocks)."""
    return Totals(cmyk).worst_over(limit)


def ink_blocks(size: tuple[int, int], pixels, canvas: Image.Image | None = None
               ) -> Image.Image:
    """The mask of `ink_over` for these pixels over the limit (`canvas`: an L image of
    `size` and 0s to draw them on, left as it was)."""
    hit = canvas if canvas is not None else Image.new("L", size, 0)
    px = hit.load()
    for p in pixels:
        px[p] = 255
    mask = _blocks(hit)
    if canvas is not None:
        for p in pixels:
            px[p] = 0
    return mask


def _blocks(hit: Image.Image) -> Image.Image:
    w, h = hit.size
    small = _small(hit.size)
    blocks = hit.resize(small, Image.Resampling.BOX).point(lambda v: 255 if v else 0)
    return blocks.filter(ImageFilter.MaxFilter(3)).resize((w, h), Image.Resampling.NEAREST)


def _small(size: tuple[int, int]) -> tuple[int, int]:
    """The size of `_blocks`' image of blocks (one pixel for each ~8 x 8 of the picture)."""
    return max(1, (size[0] + 7) // 8), max(1, (size[1] + 7) // 8)


class BlockMask:
    """The mask `ink_blocks` draws for `pixels`, without drawing it: `_blocks` resizes the
    whole picture twice (a BOX reduction to about one pixel per 8 x 8 block, the blocks
    marked and their neighbours added by MaxFilter(3), a NEAREST enlargement back), ~25 ms a
    round for a cover of 7 Mpx, where the JPEG rounds only ask for the mask's value at a
    few thousand pixels and for its bounding box. Here the same arithmetic is followed per
    axis, with the axes' maps found once per size by Pillow itself (`_axis`):

    * a pixel of the reduction is non-zero exactly when a pixel over the limit lies in its
      BOX support (all weights are positive, a support holds at most 9 pixels, so a single
      255 comes through both 8-bit passes as at least 3; nothing comes from 0);
    * MaxFilter(3) on an image of 0 and 255 (edges repeated) marks every block within one
      of a marked one;
    * the enlargement shows block (xmap[x], ymap[y]) at pixel (x, y).

    `mask[p]` is the image's value at p (0 or 255), `getbbox()` its bounding box, and
    `image()` the image itself, drawn as `_blocks` draws it (the whole-picture way);
    tests/test_pictures_ink.py compares the three with `_blocks` over generated sets."""

    def __init__(self, size: tuple[int, int], pixels):
        self.size = size
        sw, sh = self._small = _small(size)
        cols, self._xmap = _axis(size[0], sw)
        rows, self._ymap = _axis(size[1], sh)
        marked = {(i, j) for x, y in pixels for i in cols[x] for j in rows[y]}
        self.blocks = {(i + di, j + dj) for i, j in marked for di in (-1, 0, 1)
                       for dj in (-1, 0, 1) if 0 <= i + di < sw and 0 <= j + dj < sh}

    def __getitem__(self, p: tuple[int, int]) -> int:
        return 255 if (self._xmap[p[0]], self._ymap[p[1]]) in self.blocks else 0

    def load(self) -> "BlockMask":
        return self

    def getbbox(self) -> tuple[int, int, int, int] | None:
        if not self.blocks:
            return None
        from bisect import bisect_left
        xs = [i for i, _ in self.blocks]
        ys = [j for _, j in self.blocks]
        xmap, ymap = self._xmap, self._ymap
        return (bisect_left(xmap, min(xs)), bisect_left(ymap, min(ys)),
                bisect_left(xmap, max(xs) + 1), bisect_left(ymap, max(ys) + 1))

    def image(self) -> Image.Image:
        small = Image.new("L", self._small, 0)
        px = small.load()
        for p in self.blocks:
            px[p] = 255
        return small.resize(self.size, Image.Resampling.NEAREST)


_PROBE = 32         # > any BOX support of `_blocks` (at most 9 pixels): one probe per support


@functools.lru_cache(maxsize=16)
def _axis(n: int, small: int) -> tuple[list[tuple[int, ...]], list[int]]:
    """For one axis of `_blocks` (n pixels, `small` blocks): the blocks of the reduction
    whose BOX support holds each pixel, and the block the enlargement shows at each pixel.
    Both from Pillow's own resizing of probe images along that axis alone (the other axis
    keeps its size, so it is not resampled): pixel x of an image of _PROBE rows is 255 in
    row x % _PROBE only, so block i of row k of the reduction is non-zero exactly when the
    one pixel of its support in that row is; a row of "I" pixels holding their own column
    numbers, enlarged, gives each pixel's block."""
    probe = Image.new("L", (n, _PROBE), 0)
    px = probe.load()
    for x in range(n):
        px[x, x % _PROBE] = 255
    reduced = probe.resize((small, _PROBE), Image.Resampling.BOX).tobytes()
    cols: list[list[int]] = [[] for _ in range(n)]
    scale = n / small
    for k in range(_PROBE):
        row = reduced[k * small:(k + 1) * small]
        for i in range(small):
            if row[i]:
                c = int((i + 0.5) * scale)           # the support's middle: within +-5
                x = c - ((c - k) % _PROBE)
                if x + _PROBE // 2 <= c:
                    x += _PROBE
                cols[x].append(i)
    numbers = Image.new("I", (small, 1))
    numbers.putdata(range(small))
    return ([tuple(c) for c in cols],
            list(numbers.resize((n, 1), Image.Resampling.NEAREST).get_flattened_data()))


# whole-picture arithmetic: the definitions (tests/test_pictures_ink.py), and the way for
# pictures with many pixels near a limit

def _whole_max_ink(cmyk: Image.Image) -> int:
    c, m, y, k = cmyk.split()
    total = ImageMath.lambda_eval(lambda d: d["c"] + d["m"] + d["y"] + d["k"], c=c, m=m, y=y, k=k)
    return int(total.getextrema()[1])


def _whole_limit_ink(cmyk: Image.Image, limit: int | Image.Image) -> Image.Image:
    c, m, y, k = cmyk.split()
    cap = limit if isinstance(limit, Image.Image) else Image.new("I", cmyk.size, limit)

    def scaled(d):
        cmy = d["c"] + d["m"] + d["y"]
        excess = d["max"](cmy + d["k"] - d["cap"], 0)
        return d["float"](cmy - excess) / d["float"](d["max"](cmy, 1))     # kept, 0..1

    keep = ImageMath.lambda_eval(scaled, c=c, m=m, y=y, k=k, cap=cap)
    bands = [ImageMath.lambda_eval(lambda d: d["int"](d["float"](d["v"]) * d["keep"]),
                                   v=v, keep=keep).convert("L") for v in (c, m, y)]
    return Image.merge("CMYK", (*bands, k))


def _whole_ink_over(cmyk: Image.Image, limit: int) -> tuple[int, Image.Image]:
    c, m, y, k = cmyk.split()
    over = ImageMath.lambda_eval(
        lambda d: d["max"](d["c"] + d["m"] + d["y"] + d["k"] - limit, 0), c=c, m=m, y=y, k=k)
    worst = int(over.getextrema()[1])
    hit = over.point(lambda v: v * 255).convert("L")         # any excess: 255 (clipped)
    return worst, _blocks(hit)
