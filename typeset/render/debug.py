"""Pages as text: every run and rule on its own line, with its position.

Layout tests compare these dumps, so a regression reads as a diff of lines, not pixels.
"""
from __future__ import annotations

from pathlib import Path

from typeset.layout.page import Box, Image, Page, PlacedPage, Rule


def dump_page(page: Page, index: int) -> str:
    head = f"== page {index + 1} [{page.kind}] label={page.label!r} folio={page.folio!r}"
    rows = [head]
    for a in page.anchors:
        rows.append(f"   anchor {a.kind} y={a.y:.1f} {a.title}")
    boxed = (Image, Box, PlacedPage)
    items = sorted(page.items, key=lambda it: (-round(it.y1 if isinstance(it, Rule) else
                                                      it.y + it.height if isinstance(it, boxed)
                                                      else it.y, 1),
                                               it.x1 if isinstance(it, Rule) else it.x))
    for it in items:
        if isinstance(it, Box):
            rows.append(f"   box   y={it.y:.2f}..{it.y + it.height:.2f} "
                        f"x={it.x:.2f}..{it.x + it.width:.2f} gray={it.gray:g} {it.role}")
        elif isinstance(it, PlacedPage):
            rows.append(f"   page  y={it.y:.1f}..{it.y + it.height:.1f} x={it.x:.1f}..{it.x + it.width:.1f} "
                        f"{it.role} {Path(it.source).name} page {it.index + 1}")
        elif isinstance(it, Image):
            rows.append(f"   image y={it.y:.1f}..{it.y + it.height:.1f} x={it.x:.1f}..{it.x + it.width:.1f} "
                        f"{it.role} {Path(it.source).name}")
        elif isinstance(it, Rule):
            rows.append(f"   rule  y={it.y1:.1f} x={it.x1:.1f}..{it.x2:.1f} w={it.width:g} {it.role}")
        else:
            rows.append(f"   y={it.y:7.2f} x={it.x:7.2f} {it.size:4.1f} {Path(it.font).stem[:14]:14} "
                        f"{it.role:16} {it.text}"
                        + (f"  [scaled {it.hscale:.3f}]" if it.hscale != 1.0 else ""))
    return "\n".join(rows)


def dump_pages(pages: list[Page]) -> str:
    return "\n".join(dump_page(p, i) for i, p in enumerate(pages)) + "\n"
