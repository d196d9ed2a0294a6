"""`typeset import`: Word documents (.docx) -> articles in the contract's format.

Stages, one module each:
  sniff.py     what the input is; a .doc, .wps, PDF, text, damaged or password-protected
               file is refused with a hint (save it as .docx)
  read.py      the .docx (python-docx + the WordprocessingML XML) -> paragraphs of styled
               runs, pictures, tables, footnotes
  classify.py  -> title, subtitle, authors/byline, note, subheads, figures and tables with
               their captions, and why each was guessed
  write.py     -> the article's Markdown (escaped, read back to check) and its pictures
and here: writing the pictures and the article, only once everything has been read, through
the one output writer (fsutil.write_output), never replacing an article unless asked to.

python-docx is imported only by this package, so only `typeset import` loads it.
"""
from __future__ import annotations

import contextlib
import os
import re
from typeset.records import dataclass, field
from pathlib import Path

from typeset.errors import TypesetError
from typeset.fsutil import check_output, refuse_input, write_output

__all__ = ["ImportResult", "convert", "import_docx", "article_path", "image_stem"]


@dataclass
class ImportResult:
    source: Path
    article: Path
    markdown: str
    guesses: list                    # classify.Guess, in the order they were made
    counts: dict[str, int]
    images: list[Path] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)   # marks the layout prints instead


def image_stem(stem: str) -> str:
    """The article's name as it can stand in a Markdown image path (no spaces or brackets)."""
    return re.sub(r"[\s()<>\[\]{}\\\"'#?%*|^`]+", "-", stem).strip("-") or "article"


def article_path(source: Path, output: Path | None = None, to: Path | None = None) -> Path:
    if output is not None:
        return output
    name = source.with_suffix(".md").name
    return (to / name) if to is not None else source.with_suffix(".md")


def convert(source: Path, article: Path):
    """Read and convert, writing nothing: (ImportResult, the pictures to write)."""
    from typeset.importer.classify import classify
    from typeset.importer.read import read_docx
    from typeset.importer.sniff import check_input, open_docx
    from typeset.importer.write import write_article

    check_input(source)
    document = open_docx(source)
    try:
        data = read_docx(source, document)
    except TypesetError:
        raise
    except Exception as err:
        if type(err).__module__.startswith(("lxml", "docx", "zipfile")):
            raise TypesetError(f"the file is damaged ({type(err).__name__})", file=source,
                               hint="open it in Word or WPS and save it again as .docx") \
                from None
        raise
    plan = classify(data)
    written = write_article(plan, source, image_stem(article.stem))
    result = ImportResult(source=source, article=article, markdown=written.markdown,
                          guesses=written.guesses, counts=written.counts,
                          images=[article.parent / img.relpath for img in written.images],
                          consumed=plan.consumed)
    return result, written.images


def _refuse_existing(path: Path, what: str) -> None:
    if os.path.lexists(path):
        message = {"the article": "the article already exists; typeset never replaces it "
                                  "silently",
                   "the picture": "the picture already exists; typeset never replaces it "
                                  "silently"}.get(what, f"{what} already exists")
        raise TypesetError(message, file=path, hint="give another name with -o (or another "
                                                    "--to folder), or add --force to "
                                                    "replace it")


def import_docx(source: Path, article: Path, *, force: bool = False) -> ImportResult:
    """Convert `source` and write the article at `article`, its pictures in images/ beside it.
    Everything is read and converted first; then every output path is checked; then the
    pictures are written and the article last. A failure while writing removes the pictures
    this run created, so an article never points at missing pictures and nothing is left
    half-written."""
    source, article = Path(source), Path(article)
    if article.suffix.lower() != ".md":
        raise TypesetError("the article must be a .md file", file=article,
                           hint=f"e.g. -o {article.with_suffix('.md').name}")
    inputs = [("document", source)]          # never written over, even with --force
    refuse_input(article, inputs)
    result, images = convert(source, article)
    targets = [(article, "the article")] + [(article.parent / img.relpath, "the picture")
                                           for img in images]
    for path, what in targets:
        if not force:
            _refuse_existing(path, what)
    check_output(article, inputs=inputs)
    for path, _ in targets[1:]:
        check_output(path, create_parent=True, inputs=inputs)
    created: list[Path] = []
    try:
        for img in images:
            path = article.parent / img.relpath
            existed = os.path.lexists(path)
            write_output(path, img.data, create_parent=True, inputs=inputs)
            if not existed:
                created.append(path)
        write_output(article, result.markdown.encode("utf-8"), inputs=inputs)
    except BaseException:
        for path in created:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    return result
