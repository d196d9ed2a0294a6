"""A laid-out page: positioned items only.

This is the contract between layout and rendering. The renderer never sees a paragraph, a
line breaker or a layout file: it draws text runs, rules and images where these say, and records
anchors (for bookmarks and links). Coordinates are PDF points measured from the bottom-left
corner of the *trimmed* page; the renderer adds the bleed offset for print output.
"""
from __future__ import annotations

from typeset.records import dataclass, field


@dataclass(frozen=True, slots=True)
class TextRun:
    """Characters in one font at one size on one baseline."""
    x: float                 # origin of the first glyph (pt from the left trim edge)
    y: float                 # baseline (pt from the bottom trim edge)
    font: str                # font file path: the key of typeset.text.fonts.FontLibrary
    size: float              # pt
    text: str
    # Origin of each character relative to x, in pt (len == len(text)). None = each glyph
    # follows the previous one at its natural advance.
    xs: tuple[float, ...] | None = None
    role: str = "body"       # what this is (body, title, running-head, folio, ...): for dumps
    hscale: float = 1.0      # horizontal scaling of the glyphs (advances scale with them)


@dataclass(frozen=True, slots=True)
class Rule:
    """A straight line (rules under running heads, above the colophon, crop marks)."""
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.5
    role: str = "rule"


@dataclass(frozen=True, slots=True)
class Image:
    """A picture placed on the page: the file `source` (a probed picture, see
    typeset.model.picture) scaled to fill the box whose bottom-left corner is (x, y).
    Filling means covering: the picture is scaled by one factor (never distorted), centred,
    and whatever overflows a box of another shape is clipped to it; a box of the picture's
    own aspect (PictureInfo.aspect, as seen after its EXIF orientation) shows all of it.
    The renderer converts its colours as the output variant asks (issue 10); the layout only
    decides where it stands and how large it is."""
    x: float                 # left edge, pt from the left trim edge
    y: float                 # bottom edge, pt from the bottom trim edge
    width: float             # pt
    height: float            # pt
    source: str              # absolute path of the picture file
    role: str = "figure"     # figure, cover, insert, ...: for dumps and reports
    # How far the box may reach past the trim box (a picture placed to the bleed: a cover
    # photo, a whole page); 0: inside the trim box like everything else.
    bleed: float = 0.0
    # A backdrop: other items may be drawn over it (a whole page under the barcode).
    backdrop: bool = False


@dataclass(frozen=True, slots=True)
class Box:
    """A filled rectangle in DeviceGray (0 = black, pure K; 1 = white, paper): the bars of a
    barcode, the white ground under it."""
    x: float                 # left edge, pt from the left trim edge
    y: float                 # bottom edge
    width: float
    height: float
    gray: float = 0.0
    role: str = "box"
    backdrop: bool = False   # other items may be drawn over it (the barcode's white ground)


@dataclass(frozen=True, slots=True)
class PlacedPage:
    """A page of another PDF placed whole (a cover page, an insert): its TrimBox is put on the
    box (x, y, width, height: the trim box of this page, so x = y = 0), and what it has
    beyond its trim, up to `bleed`, stays (its bleed). The renderer reads the file
    (render/pdfimport.py), checks it against the output variant and draws it as a form."""
    x: float
    y: float
    width: float
    height: float
    source: str              # absolute path of the PDF
    index: int               # 0-based page of that PDF
    bleed: float = 0.0       # how far past the trim box its content is kept
    role: str = "page"
    where: tuple = ()        # (file, line) of the manifest entry naming it, for messages
    backdrop: bool = True    # a whole page lies under anything added over it
    # What of it is shown, (x0, y0, x1, y1) on this page; None: its box grown by `bleed`
    # (on a cover spread the spine side stops at the spine)
    clip: tuple | None = None
    scale: float = 1.0       # the page drawn at this scale (a proof booklet's sheets); the
    #                          box is then its trim box times the scale


@dataclass(frozen=True, slots=True)
class Anchor:
    """A destination on the page: a bookmark target and a link target for the contents."""
    kind: str                # "contents" | "section" | "article"
    title: str
    y: float                 # top of the thing, pt from the bottom trim edge
    key: str = ""            # stable identifier (article source path) for links
    level: int = 0           # outline depth


@dataclass(frozen=True, slots=True)
class Link:
    """A clickable rectangle pointing at an Anchor key (contents entries -> articles)."""
    x1: float
    y1: float
    x2: float
    y2: float
    key: str


@dataclass(slots=True)
class Page:
    width: float             # trim width, pt
    height: float            # trim height, pt
    kind: str = "body"       # "contents" | "body" | "blank" | "colophon" | "cover" | "insert"
    folio: str | None = None  # the printed page number as shown on the page (None: not shown)
    label: str = ""          # the page label viewers show ("目录", "1", ...)
    items: list[TextRun | Rule | Image | Box | PlacedPage] = field(default_factory=list)
    anchors: list[Anchor] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    # what pagecheck found on this page and what it looked at (pagecheck.check_pages): a
    # warm process keeps unchanged pages from one build to the next and checks them once
    checked: tuple | None = field(default=None, init=False, repr=False, compare=False)
