"""Parsed articles kept in the cache: what `article.load_article` made of an article's text,
so that a warm build neither imports markdown-it nor parses again (sample ~25 ms of CPU, a
ten-times issue ~0.13 s).

An entry is everything `load_article` returns except the pictures (front matter, blocks,
note definitions, the lines of the front-matter keys), as it was before any picture was
probed: the pictures are probed again on every load (`model/picture.py`, its own cache), so
a missing or changed picture is found as on a cold build. Only an article that parsed
without error is kept; an article with an error is parsed again each time, and its message
is the parser's.

The key is the SHA-256 of the article's text (as `read_source` gives it: every check of the
file's bytes and characters runs before the cache is asked), of the parser's code (every
module of `typeset/model/`: the article, Markdown, YAML, schema and character rules, and
`typeset/records.py`, which makes the records' methods; the version files of
markdown-it-py, mdit-py-plugins, mdurl and PyYAML; Python's and the Unicode database's
versions) and of this format. Nothing else goes into a parsed article:
the path is only used in messages, and `Article.path` is set by the reader.

The file (`articles/<xx>/<key>.art`) is data, never code: the magic `typeset-article/1`
and a line break, the entry as UTF-8 JSON (lists of strings, integers, booleans and nulls in
a fixed shape), and the seal of the user's cache key (`cacheseal.sealed`) over both, bound
to the key. Every value is checked for its type and shape when read (`_decode`); a file
without the seal, of another shape or of another version is a miss: the article is parsed
and the entry written again, and the build's bytes are those of a cold build (tested).

Why a seal is enough here when no cheap check can prove that an entry is what its text
says (README, "A cache never changes what is printed"): the same holds for the paragraph
cache's breaks, the page streams and the prepared pictures, which are trusted under the
seal since wave 6. A planted entry needs the user's key; with the key, a cache is the
user's own, like any program's.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from typeset.model.entryshape import Bad as _Bad, bool_ as _bool, int_ as _int, list_ as _list
from typeset.model.entryshape import opt_int as _opt_int, opt_str as _opt_str, str_ as _str

FORMAT = 1
_MAGIC = b"typeset-article/1\n"
#: False: `load_article` neither reads nor writes this cache (`build.compose(use_cache=False)`)
use_article_cache = True
_KINDS = ("paragraph", "heading", "figure", "table")
_LIMIT = 64 << 20                      # an entry of a 4 MB article is well below this
_code: bytes | None = None             # the parser's code digest (`code_digest`), once


def code_digest() -> bytes | None:
    """What the parse depends on besides the text (see the module docstring); None if a
    library's version file cannot be found or a module read (then nothing is cached)."""
    global _code
    if _code is None:
        import importlib.util
        import unicodedata

        from typeset.cacheseal import code_files
        h = hashlib.sha256(_MAGIC)
        try:
            for path in code_files(Path(__file__).resolve().parent):
                h.update(path.name.encode() + b"\0")
                h.update(path.read_bytes())
            records = Path(__file__).resolve().parent.parent / "records.py"
            h.update(b"records.py\0" + records.read_bytes())
            for lib in ("markdown_it", "mdit_py_plugins", "mdurl", "yaml"):
                spec = importlib.util.find_spec(lib)
                if spec is None or not spec.origin or not os.path.isfile(spec.origin):
                    return None
                h.update(lib.encode() + b"\0" + Path(spec.origin).read_bytes())
        except OSError:
            return None
        h.update(f"{sys.version}\0{unicodedata.unidata_version}".encode())
        _code = h.digest()
    return _code


def entry_key(text: str) -> str | None:
    """The cache key of an article of this text (None: no cache)."""
    code = code_digest()
    if code is None:
        return None
    return hashlib.sha256(code + text.encode("utf-8", "surrogatepass")).hexdigest()


def _path(key: str) -> Path:
    from typeset.cachefiles import cache_dir
    return cache_dir() / "articles" / key[:2] / f"{key}.art"


# --- encoding ---------------------------------------------------------------------------------

def _inlines(runs) -> list:
    """Runs: a plain run (not bold, not italic, no note) as its text, others as a list."""
    return [r.text if not (r.bold or r.italic or r.note is not None) and type(r.text) is str
            else [r.text, r.bold, r.italic, r.note] for r in runs]


def _block(b) -> list:
    fig = b.figure
    tab = b.table
    return [b.kind, b.level, _inlines(b.inlines), b.line, b.last_line,
            None if fig is None else [fig.src, fig.width, fig.credit, fig.column,
                                      fig.width_column],
            None if tab is None else [list(tab.aligns), [_inlines(c) for c in tab.header],
                                      [[_inlines(c) for c in row] for row in tab.rows],
                                      list(tab.row_lines), tab.caption_line]]


def encode(front, blocks, lines: dict, last_lines: dict, notes) -> bytes:
    """An entry's data (unsealed): the parse of an article, pictures not yet probed."""
    doc = [FORMAT,
           [list(front.title), front.subtitle, list(front.authors), front.byline, front.lead,
            front.note],
           [_block(b) for b in blocks],
           [[k, v] for k, v in lines.items()],
           [[k, v] for k, v in last_lines.items()],
           [[n.label, [_inlines(p) for p in n.paragraphs], n.line, n.last_line]
            for n in notes]]
    return _MAGIC + json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                               allow_nan=False).encode("utf-8")


# --- decoding ---------------------------------------------------------------------------------

def _decode(data: bytes):
    """(front, blocks, lines, last_lines, notes) as `load_article` made them, pictures not
    probed; None if the data is not an entry `encode` writes."""
    from typeset.model.article import FrontMatter
    from typeset.model.body import Block, FigureSource, Inline, NoteDef, TableSource

    def inlines(v) -> tuple:
        out = []
        for r in _list(v):
            if type(r) is str:
                out.append(Inline(r))
                continue
            text, bold, italic, note = _list(r, 4)
            out.append(Inline(_str(text), _bool(bold), _bool(italic), _opt_str(note)))
        return tuple(out)

    def pairs(v) -> dict:
        out = {}
        for p in _list(v):
            k, line = _list(p, 2)
            out[_str(k)] = _int(line, 1)
        return out

    try:
        doc = json.loads(str(memoryview(data)[len(_MAGIC):], "utf-8"))
        fmt, front, blocks, lines, last_lines, notes = _list(doc, 6)
        if fmt != FORMAT or type(fmt) is not int:
            return None
        title, subtitle, authors, byline, lead, note = _list(front, 6)
        front = FrontMatter(tuple(_str(t) for t in _list(title)), _opt_str(subtitle),
                            tuple(_str(a) for a in _list(authors)), _opt_str(byline),
                            _opt_str(lead), _opt_str(note))
        out = []
        for b in _list(blocks):
            kind, level, runs, line, last_line, fig, tab = _list(b, 7)
            if kind not in _KINDS or type(kind) is not str:
                return None
            if fig is not None:
                src, width, credit, column, width_column = _list(fig, 5)
                fig = FigureSource(_str(src), _str(width), _opt_str(credit), _int(column, 1),
                                   _opt_int(width_column, 1))
            if tab is not None:
                aligns, header, rows, row_lines, caption_line = _list(tab, 5)
                tab = TableSource(tuple(_str(a) for a in _list(aligns)),
                                  tuple(inlines(c) for c in _list(header)),
                                  tuple(tuple(inlines(c) for c in _list(row))
                                        for row in _list(rows)),
                                  tuple(_int(n, 1) for n in _list(row_lines)),
                                  _opt_int(caption_line, 1))
            out.append(Block(kind, _int(level), inlines(runs), _int(line, 1), _int(last_line),
                             fig, tab))
        defs = []
        for n in _list(notes):
            label, paragraphs, line, last_line = _list(n, 4)
            defs.append(NoteDef(_str(label), tuple(inlines(p) for p in _list(paragraphs)),
                                _int(line, 1), _int(last_line)))
        return front, tuple(out), pairs(lines), pairs(last_lines), tuple(defs)
    except (_Bad, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        return None


def read(key: str):
    """The entry under `key` (see `_decode`), or None: missing, unsealed, of another shape."""
    if not use_article_cache:
        return None
    from typeset.cacheseal import unseal
    from typeset.cachefiles import read_cache
    data = read_cache(_path(key), _LIMIT)
    if data is None or not data.startswith(_MAGIC) or not unseal("articles", key, data):
        return None
    from typeset.cacheseal import SEAL_SIZE
    return _decode(memoryview(data)[:-SEAL_SIZE])


def write(key: str, front, blocks, lines: dict, last_lines: dict, notes) -> None:
    """Keep a parsed article (nothing if it cannot be kept exactly, or without a key of
    ours)."""
    if not use_article_cache:
        return
    from typeset.cacheseal import sealed
    from typeset.cachefiles import write_cache
    try:
        data = encode(front, blocks, lines, last_lines, notes)
    except (ValueError, TypeError, UnicodeEncodeError):
        return
    # only what reads back exactly is kept (types included: the reprs of these records go
    # into the paragraph cache's keys)
    if repr(_decode(data)) != repr((front, blocks, lines, last_lines, notes)):
        return
    blob = sealed("articles", key, data)
    if blob is not None:
        write_cache(_path(key), blob)
