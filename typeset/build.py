"""The build pipeline: load -> compose -> paginate the issue -> render -> write.

Each stage lives in its own module; this one only calls them in order and reports what they
did. Nothing is written until every page is laid out and every character has a glyph.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typeset.issueinfo import issue_metadata
from typeset.layout.compose import Composer, compose_issue
from typeset.layout.issue import Composition, paginate_issue
from typeset.layout.preflight import check_glyphs, check_sources  # noqa: F401 (check_glyphs: API)
from typeset.layout.styles import StyleBook
from typeset.model.layout import Layout, load_layout
from typeset.model.manifest import Issue, load_issue
from typeset.text.fonts import FontLibrary
from typeset.text.parcache import ParagraphCache

__all__ = ["Composition", "compose", "render", "write", "build", "archive", "default_output"]


def default_output(manifest: Path) -> Path:
    """out/<issue directory name>.pdf, relative to the working directory."""
    from typeset.errors import TypesetError

    try:
        folder = manifest.resolve().parent
    except (OSError, RuntimeError):             # a symbolic link that leads to itself
        raise TypesetError("cannot read issue manifest: a loop of symbolic links",
                           file=manifest, hint="point the link at the manifest file") from None
    return Path("out") / f"{folder.name}.pdf"


def load(manifest: Path, layout_override: str | None = None) -> tuple[Issue, Layout]:
    """The issue and the layout it is set in (the manifest's, unless overridden)."""
    issue = load_issue(manifest, layout=layout_override)
    if layout_override:
        layout = load_layout(layout_override)
    else:
        layout = load_layout(issue.layout, relative_to=issue.path.parent,
                             referenced_from=str(issue.path), line=issue.layout_line)
    check_issue_against_layout(issue, layout)
    return issue, layout


def check_issue_against_layout(issue: Issue, layout: Layout) -> None:
    """What the manifest may say only if the layout allows it: a supplement number (the
    layout's `numbers.supplement` word), covers and cover pages (a `cover` block)."""
    from typeset.errors import TypesetError
    from typeset.model.numbers import NUMBER_HINT, check_supplement

    problem = check_supplement(issue.number, layout.numbers.supplement)
    if problem:
        raise TypesetError(f"number: {problem}", file=issue.path, line=issue.number_line,
                           hint=NUMBER_HINT)


def compose(manifest: Path, *, layout_override: str | None = None,
            library: FontLibrary | None = None, use_cache: bool = True,
            loaded: tuple[Issue, Layout] | None = None) -> Composition:
    """Every page of the issue, laid out (nothing written). `loaded`: the issue and layout
    already loaded (`load`), not read again."""
    issue, layout = loaded or load(manifest, layout_override)
    book = StyleBook(layout, library or FontLibrary())
    check_sources(issue, layout, book)
    cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint) if use_cache else None
    composer = Composer(layout, book, cache)
    pdfs = {}
    if issue.pages.pdfs():            # whole pages given as PDFs: pypdf reads their boxes
        from typeset.render.pdfimport import probe_all
        pdfs = probe_all(issue)
    comp = paginate_issue(issue, composer, compose_issue(issue, composer),
                          composer.colophon(issue), pdfs=pdfs)
    if cache is not None:
        cache.save()
    return comp


@dataclass
class BuildReport:
    output: Path | None
    contents_pages: int
    body_pages: int
    padding: int
    variant: str
    sha256: str = ""
    typography: object = None      # typeset.report.Report
    pictures: object = None        # typeset.report.PictureReport
    front_blanks: int = 0          # blank versos after the contents (folio 1 is a recto)
    covers: int = 0                # 封一 … 封四 (in the text file when self-covers)
    inserts: int = 0               # inserted pages (with blank backs)
    cover_output: Path | None = None   # OUT-cover.pdf, when the covers are separate stock
    file_pages: int = 0            # pages of the (text) file written

    @property
    def pages(self) -> int:
        return self.file_pages or (self.contents_pages + self.front_blanks + self.body_pages)


def metadata(comp: Composition):
    return issue_metadata(comp.issue, comp.layout)


def file_pages(comp: Composition, variant: str = "print", part: str | None = None) -> list:
    """The pages of one finished file: `part` None is the file the variant writes (archive:
    every page in reading order; print: the text, with the covers when they are self-covers);
    "cover" the printer's cover file (封一, 封二, 封三, 封四, or the two spreads of a
    perfect-bound cover); "all" every page in reading order (proofs)."""
    if part == "cover":
        from typeset.layout.cover import spreads
        if comp.layout.cover is not None and comp.layout.cover.binding == "perfect":
            return spreads(comp.covers, comp.layout)
        return list(comp.covers)
    if part == "all" or variant == "archive":
        return comp.pages
    return comp.print_text_pages


def render(comp: Composition, variant: str = "print", pdfx: str = "x4",
           part: str | None = None) -> bytes:
    """The finished PDF of a composed issue, written once: print (PDF/X-4 or X-1a, with bleed
    and crop marks) or archive (PDF/A-2u); `part` as `file_pages` says. A page with anything
    drawn outside the trim box or over another item is an error naming the page and the item
    (`pagecheck`): no PDF."""
    from typeset.issueinfo import document_info
    from typeset.render.variants import variant_for
    from typeset.render.writer import CropMarks, PicturePolicy, render_pdf

    from typeset.pagecheck import placement_error

    library = comp.book.library
    failure = placement_error(comp.pages, lambda font, ch: library.face(font).advance(ch))
    if failure is not None:               # nothing off the page, nothing drawn over anything
        raise failure
    meta = metadata(comp)
    pg = comp.layout.page
    marks = CropMarks(pg.crop_mark_length, pg.crop_mark_gap, pg.crop_mark_width)
    min_ppi = comp.layout.figure.min_ppi if comp.layout.figure is not None else 300.0
    pictures = PicturePolicy(comp.layout.images, min_ppi)
    return render_pdf(file_pages(comp, variant, part), comp.book.library, document_info(meta),
                      variant=variant_for(variant, pdfx), issue=meta, bleed=pg.bleed,
                      crop_marks=marks, pictures=pictures)


def inputs_of(comp_or_loaded, library: FontLibrary | None = None) -> list[tuple[str, str]]:
    """The files a build of this issue reads (typeset.provenance.input_files): an output
    path may never be one of them."""
    from typeset.provenance import input_files

    if isinstance(comp_or_loaded, Composition):
        return input_files(comp_or_loaded.issue, comp_or_loaded.layout,
                           comp_or_loaded.book.library)
    issue, layout = comp_or_loaded
    return input_files(issue, layout, library)


def check_pdf_name(out: Path) -> None:
    """A PDF is written only to a name ending in .pdf: `-o issue.yaml` typed by mistake is
    refused (and never replaces the file), whatever the file is."""
    if Path(out).suffix.lower() != ".pdf":
        from typeset.errors import TypesetError
        shown = str(out).replace("\0", "\\0")
        raise TypesetError("the output file name must end in .pdf (typeset writes a PDF "
                           "here)", file=shown,
                           hint=f"e.g. -o {Path(out).with_suffix('.pdf').name}"
                           if Path(out).name not in ("", ".", "..") else "give a file name "
                           "ending in .pdf")


def two_files(out: Path) -> tuple[Path, Path]:
    """OUT-text.pdf and OUT-cover.pdf beside OUT.pdf: the print files of an issue whose covers
    are printed on separate stock."""
    stem = out.name[:-4] if out.name.lower().endswith(".pdf") else out.name
    return out.with_name(f"{stem}-text.pdf"), out.with_name(f"{stem}-cover.pdf")


def outputs(comp: Composition, out: Path, variant: str = "print") -> list[Path]:
    """The files a build writes for `-o out`: out itself, or, for the print variant of an
    issue with covers on separate stock, OUT-text.pdf and OUT-cover.pdf beside it."""
    if variant == "print" and comp.separate_cover:
        return list(two_files(out))
    return [out]


def write(comp: Composition, out: Path, variant: str = "print", pdfx: str = "x4", *,
          create_parent: bool = False) -> str:
    """Write the finished PDF atomically (a failure leaves `out` as it was); returns its
    SHA-256. Only a regular file is replaced, never one of the issue's inputs
    (typeset.fsutil.write_output). With covers on separate stock the print variant writes two
    files (`outputs`), both rendered before either is written; the SHA-256 returned is the
    text file's."""
    import hashlib

    from typeset.fsutil import check_output, write_output

    inputs = inputs_of(comp)
    files = outputs(comp, out, variant)
    if len(files) == 1:
        data = render(comp, variant, pdfx)
        write_output(out, data, create_parent=create_parent, inputs=inputs)
        return hashlib.sha256(data).hexdigest()
    text, cover = render(comp, variant, pdfx), render(comp, variant, pdfx, part="cover")
    for f in files:
        check_output(f, create_parent=create_parent, inputs=inputs)
    write_output(files[0], text, create_parent=create_parent, inputs=inputs)
    write_output(files[1], cover, create_parent=create_parent, inputs=inputs)
    return hashlib.sha256(text).hexdigest()


def build(manifest: Path, output: Path | None = None, *, layout_override: str | None = None,
          variant: str = "print", pdfx: str = "x4") -> BuildReport:
    from typeset.fsutil import check_output
    from typeset.render.variants import variant_for
    from typeset.report import check_composition, picture_report

    standard = variant_for(variant, pdfx).standard       # an unknown variant fails here, early
    out = check_output(output or default_output(manifest), create_parent=output is None)
    check_pdf_name(out)
    loaded = load(manifest, layout_override)
    library = FontLibrary()
    check_output(out, create_parent=output is None, inputs=inputs_of(loaded, library))
    comp = compose(manifest, layout_override=layout_override, library=library, loaded=loaded)
    pictures = picture_report(comp.pages, comp.layout, str(comp.issue.path.parent),
                              print_variant=variant == "print")
    failure = pictures.failure()          # under-resolution, when the layout makes it an error
    if failure is not None:
        raise failure
    digest = write(comp, out, variant, pdfx, create_parent=output is None)
    files = outputs(comp, out, variant)
    return BuildReport(files[0], len(comp.contents), len(comp.body), comp.padding, standard,
                       digest, check_composition(comp), pictures,
                       front_blanks=len(comp.front) - len(comp.contents),
                       covers=len(comp.covers),
                       inserts=sum(len(p) for _, p in comp.inserts),
                       cover_output=files[1] if len(files) > 1 else None,
                       file_pages=len(file_pages(comp, variant)))


def booklet(manifest: Path, output: Path | None = None, *,
            layout_override: str | None = None) -> tuple[Path, int, int]:
    """`typeset build --imposed`: the proof booklet (typeset/impose.py) written to `output`
    (default out/<issue directory>-booklet.pdf); returns the path, pages and sheets."""
    from typeset.fsutil import check_output, write_output
    from typeset.impose import impose

    default = default_output(manifest)
    out = check_output(output or default.with_name(default.stem + "-booklet.pdf"),
                       create_parent=output is None)
    comp = compose(manifest, layout_override=layout_override)
    data, sheets = impose(comp)
    write_output(out, data, create_parent=output is None)
    return out, len(comp.pages), sheets


def archive(manifest: Path, to: Path, *, layout_override: str | None = None,
            revise: bool = False, sources: bool = False, **options):
    """Build the archive variant and store it with its provenance, and with `sources` its
    sources bag (options: see typeset.archive.archive_issue). The same path as each issue of
    `typeset batch --archive`, so the two store the same bytes and the same record."""
    from typeset.archive import archive_issue, places_where
    from typeset.batch import Job, build_job

    res = build_job(Job(str(manifest), "archive", None, layout_override, archive=True))
    return archive_issue(res.pdf, res.meta, to, revise=revise, provenance=res.provenance,
                         sources=res.sources if sources else None, inputs=res.inputs,
                         where=places_where(res.places), **options)
