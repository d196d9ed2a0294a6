"""Pictures in the report (typeset/report/, issue 10 part 3): each placed picture's effective
resolution at its printed size, against the layout's figure.min_ppi."""
from __future__ import annotations

from typeset.records import dataclass, field


@dataclass(frozen=True)
class PlacedPicture:
    """A picture as placed on a page, with its effective resolution."""
    source: str      # the picture's path as shown (relative to the folder when inside)
    page: str        # folio as printed (else the page label, else the page's number)
    ppi: float       # pixels over the placed size, per axis, the lower
    role: str = "figure"

    def __str__(self) -> str:
        return f"{self.source} on page {self.page}: {self.ppi:.0f} ppi"


@dataclass
class PictureReport:
    placed: list[PlacedPicture] = field(default_factory=list)
    min_ppi: float = 300.0
    error: bool = False        # under-resolution is an error (figure.min_ppi_error)

    @property
    def low(self) -> list[PlacedPicture]:
        return [p for p in self.placed if p.ppi < self.min_ppi - 0.05]

    @property
    def clean(self) -> bool:
        return not (self.error and self.low)

    def lines(self) -> list[str]:
        """One line per picture under the minimum (empty: nothing to say)."""
        kind = "error" if self.error else "warning"
        return [f"{kind}: picture {p}, under the {self.min_ppi:g} ppi the layout asks for "
                f"(figure.min_ppi)" for p in self.low]

    def format(self) -> str:
        rows = [f"pictures placed:          {len(self.placed)}",
                f"under {self.min_ppi:g} ppi:            {len(self.low)}"]
        rows += [f"  {p}" for p in self.low]
        return "\n".join(rows)

    def failure(self):
        """The TypesetError a build raises when under-resolution is an error, else None."""
        if self.clean:
            return None
        from typeset.errors import TypesetError
        n = len(self.low)
        return TypesetError(
            f"{n} picture{'s are' if n != 1 else ' is'} under the layout's minimum of "
            f"{self.min_ppi:g} ppi at the printed size (figure.min_ppi); nothing was written:\n"
            + "\n".join(f"  {p}" for p in self.low),
            hint="use a picture with more pixels or print it smaller; or set "
                 "figure.min_ppi_error: false in the layout to be warned only")


def picture_report(pages, layout, base: str | None = None, *, print_variant: bool = True
                   ) -> PictureReport:
    """The effective resolution of every picture placed on `pages` (layout.page.Image), at
    its placed size, against the layout's figure.min_ppi (an error only for print, when
    figure.min_ppi_error says so). `base`: the issue's folder (paths are shown relative to
    it). Reads each picture's header once (model/picture.py)."""
    import os

    from typeset.layout.page import Image
    from typeset.model.picture import probe

    fig = layout.figure          # None: the layout places no figures (covers, inserts may)
    rep = PictureReport(min_ppi=float(fig.min_ppi) if fig is not None else 300.0,
                        error=bool(fig is not None and fig.min_ppi_error) and print_variant)
    infos: dict[str, object] = {}
    for i, page in enumerate(pages):
        for item in page.items:
            if not isinstance(item, Image):
                continue
            info = infos.get(item.source)
            if info is None:
                info = infos[item.source] = probe(item.source)
            try:
                rel = os.path.relpath(item.source, base)
                shown = item.source if rel.startswith("..") else rel
            except ValueError:
                shown = item.source
            rep.placed.append(PlacedPicture(shown, page.folio or page.label or str(i + 1),
                                            info.effective_ppi(item.width, item.height),
                                            item.role))
    return rep
