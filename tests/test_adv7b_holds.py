"""Adversarial wave 7, second tester: attacks on the parsed-articles and parsed-YAML caches
(typeset/model/artcache.py, doccache.py) that held. Each pins a promise: with the caches
off, cold, warm, damaged or moved, what is loaded (field for field, type for type, mark for
mark) and what a command prints, says (English and Chinese) and exits with are the same.
Small inputs written here, hypothesis with few examples; the whole file runs in well under
40 s."""
from __future__ import annotations

import contextlib
import datetime
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typeset.errors import TypesetError
from typeset.model import artcache, article, doccache, yamlsrc

_FEW = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@contextlib.contextmanager
def _off():
    artcache.use_article_cache = doccache.use_document_cache = False
    try:
        yield
    finally:
        artcache.use_article_cache = doccache.use_document_cache = True


def _article(path: Path) -> str:
    """What load_article gives (its repr) or says (the error as printed)."""
    try:
        return repr(article.load_article(path))
    except TypesetError as err:
        return "error: " + str(err)


def _tree(v):
    """A YAML tree with every type, mark and raw text spelled out (nan compared as text)."""
    t = type(v)
    if t is yamlsrc.YamlMap:
        return ("M", v.mark, [(k, _tree(x)) for k, x in v.items()], list(v.key_marks.items()),
                list(v.value_marks.items()), list(v.value_ends.items()), list(v.raw.items()))
    if t is yamlsrc.YamlList:
        return ("L", v.mark, [_tree(x) for x in v], list(v.item_marks), list(v.raw))
    if t is datetime.datetime:
        return (t.__name__, repr(v), repr(v.tzinfo), v.utcoffset())
    return (t.__name__, repr(v))


def _document(path: Path, *, keep: bool = True):
    try:
        text = yamlsrc.read_source(path)
        return _tree(yamlsrc.load_yaml(path, text, keep=keep))
    except TypesetError as err:
        return "error: " + str(err)


# -- articles: cache off, cold, warm give the same article or the same message ----------------

_PIECES = ["江水东流。", "**桥。**石", "*斜体*", "甲\n乙", "## 小标题", "### 三级标题", "注[^1]",
           "注[^x]", "- 一\n- 二", "> 引", "| 甲 | 乙 |\n|---|--:|\n| 1 | 2 |\n\n: 表1 数",
           "![图](p.png){width=half credit=\"摄\"}", "软\u00ad连\u200d字", "全角\u3000空格",
           "制\t表", "e\u0301", "&amp; &#x4e2d;", "<span>x</span>", "`码`", "    缩进",
           "1. 一\n2. 二", "***", "[链](http://x.cn)", "\\*转义", "𠀀字", "行尾  \n硬换行"]
_FRONT = ["title: 山城", "title: [甲, 乙]", "title: |\n  一行\n  二行", "authors: 江小舟",
          "authors: [江, 林一苇]", "byline: 记者 林", "lead: 导语\u200b文字", "note: 作者系某某。",
          "subtitle: ——以某县为例", "subtitle: ''", "lead: \"a\\tb\"", "note: 1.5",
          "title: 2026-11-30", "authors: 江 林"]


@_FEW
@given(front=st.lists(st.sampled_from(_FRONT), min_size=1, max_size=3, unique=True),
       body=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4),
       note=st.booleans(), blank=st.sampled_from(["", "\n", "\n\n"]),
       crlf=st.booleans(), bom=st.booleans())
def test_an_article_loads_the_same_with_the_cache_off_cold_and_warm(tmp_path_factory, front,
                                                                      body, note, blank, crlf,
                                                                      bom):
    """Generated articles (front matter, Markdown, notes, tables, figures whose picture is
    missing, pasted tabs and full-width spaces, invisible characters, errors of every kind,
    CRLF, a BOM): the article or its message, file, line and column, is the same without
    the cache, on the build that writes the entry and on the build that reads it."""
    folder = tmp_path_factory.mktemp("art")
    text = (blank + "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(body)
            + ("\n\n[^1]: 见县志。" if note else "") + "\n")
    data = text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8")
    path = folder / "a.md"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    os.environ["TYPESET_CACHE"] = str(folder / "cache")
    try:
        with _off():
            want = _article(path)
        assert _article(path) == want           # cold: parsed, entry written if it loaded
        try:                                    # an entry iff the text parses (a
            article._parse(path, yamlsrc.read_source(path))    # missing picture is found
            parses = True                                       # after the entry)
        except TypesetError:
            parses = False
        assert len(list((folder / "cache").glob("articles/*/*.art"))) == int(parses)
        assert _article(path) == want           # warm: from the entry
    finally:
        del os.environ["TYPESET_CACHE"]


def test_the_same_text_at_two_paths_names_its_own_file_and_pictures(tmp_path, cache):
    """One entry serves the same text in another folder: the second article's missing
    picture is its own error (its file, line, column), its present picture its own file —
    as without the cache; and an error, fixed, then made again, says the same each time."""
    from PIL import Image
    text = "---\ntitle: 题\n---\n\n前文。\n\n![图注](pics/p.png){width=half}\n"
    a, b = tmp_path / "a", tmp_path / "b" / "deeper"
    for folder in (a, b):
        folder.mkdir(parents=True)
        (folder / "x.md").write_text(text, encoding="utf-8")
    (a / "pics").mkdir()
    Image.new("RGB", (600, 400), "white").save(a / "pics" / "p.png")
    with _off():
        want_a, want_b = _article(a / "x.md"), _article(b / "x.md")
    assert want_b.startswith("error: ") and str(b / "x.md") in want_b and ":7:" in want_b
    for _ in range(2):
        assert (_article(a / "x.md"), _article(b / "x.md")) == (want_a, want_b)
    loaded = article.load_article(a / "x.md")
    assert loaded.pictures == (str(a / "pics" / "p.png"),) or \
        [Path(p).resolve() for p in loaded.pictures] == [(a / "pics" / "p.png").resolve()]

    bad = text.replace("前文。", "前文[^9]。")            # a note never defined: an error
    for step in (bad, text, bad, text):
        (b / "x.md").write_text(step.replace("pics/p.png", "../../a/pics/p.png"),
                                encoding="utf-8")
        with _off():
            want = _article(b / "x.md")
        assert _article(b / "x.md") == want and _article(b / "x.md") == want


# -- YAML documents: odd scalars, marks, CRLF and BOM, merges ----------------------------------

_SCALARS = ["1", "-0", "+12", "012", "0o17", "0x1F", "0b101", "1_000", "1:30", "190:20:30.15",
            "1.5", "-0.0", ".5", "1e3", "1.0e+3", ".nan", ".NaN", "-.inf", "+.Inf", "~", "null",
            "", "yes", "No", "on", "true", "2026-11-30", "2026-11-30 10:00:00",
            "2026-11-30T10:00:00.123456789Z", "2026-11-30t10:00:00+08:00",
            "2026-11-30 10:00:00 -5:30", "0001-01-01", "2026-02-30", "'引号'", '"\\u00e9\\x41"',
            "中文", "𠀀字", "a b  c", "'a''b'", "12345678901234567890123456789",
            "0x" + "F" * 40, "1e400", "[1, 2.5, x]", "{a: 1, b: [2]}", "{<<: {m: 1}, n: 2}",
            "|\n  多行\n  文本", ">-\n  折叠\n  文本", "|+\n  留\n"]


@_FEW
@given(values=st.lists(st.sampled_from(_SCALARS), min_size=1, max_size=6),
       nested=st.booleans(), crlf=st.booleans(), bom=st.booleans(),
       end=st.sampled_from(["", "\n", "\n\n", "\n# 注释", "\n..."]))
def test_a_yaml_document_loads_the_same_with_the_cache_off_cold_and_warm(tmp_path_factory,
                                                                        values, nested, crlf,
                                                                        bom, end):
    """Every scalar YAML 1.1 resolves (ints in every base, sexagesimal, floats with NaN, -0.0
    and infinities, dates and timestamps with and without a zone, a date that is none, huge
    ints, escapes, non-BMP text), flow collections, inline merge keys, block scalars with
    every chomping, CRLF line ends and a BOM (made LF and dropped before the key), a last line
    without a line break: the tree, its types, every mark and raw text are the same without
    the cache, cold and warm."""
    folder = tmp_path_factory.mktemp("doc")
    lines = []
    for i, v in enumerate(values):
        pad = "  " if nested else ""
        v = v.replace("\n", "\n" + pad)
        lines.append(f"{pad}k{i}: {v}".rstrip())
    text = ("outer:\n" if nested else "") + "\n".join(lines) + end
    path = folder / "d.yaml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"")
                     + text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    os.environ["TYPESET_CACHE"] = str(folder / "cache")
    try:
        want = _document(path, keep=False)
        assert _document(path) == want
        if not isinstance(want, str) and "!" not in text and "\\" not in text:
            assert list((folder / "cache").glob("documents/*/*.doc"))   # (the fast path's)
        assert _document(path) == want
    finally:
        del os.environ["TYPESET_CACHE"]


def test_scalars_keep_their_types_through_the_document_cache(tmp_path, cache):
    """The values themselves, not only their reprs: NaN stays a float NaN, -0.0 keeps its
    sign, a timestamp its zone, a huge int its digits."""
    path = tmp_path / "d.yaml"
    path.write_text("a: .nan\nb: -0.0\nc: 2026-11-30 10:00:00 +08:00\nd: 123456789012345678901"
                    "234567890\ne: 2026-11-30\nf: 0x" + "F" * 40 + "\n", encoding="utf-8")
    yamlsrc.load_yaml(path)
    assert list(cache.glob("documents/*/*.doc"))
    got = yamlsrc.load_yaml(path)
    assert math.isnan(got["a"]) and math.copysign(1, got["b"]) == -1
    assert got["c"].utcoffset() == datetime.timedelta(hours=8)
    assert got["d"] == 123456789012345678901234567890 and type(got["e"]) is datetime.date
    assert got["f"] == int("F" * 40, 16)


# -- the cache folder in odd states ------------------------------------------------------------

def _plant(entry: Path, how: str, other: Path | None) -> None:
    if how == "folder":
        entry.unlink()
        entry.mkdir()
        (entry / "x").write_bytes(b"x")
    elif how == "link to another entry":
        entry.unlink()
        entry.symlink_to(other)
    elif how == "truncated":
        entry.write_bytes(entry.read_bytes()[:-40])
    elif how == "empty":
        entry.write_bytes(b"")
    elif how == "copied from another entry":
        entry.write_bytes(other.read_bytes())


@pytest.mark.parametrize("how", ["folder", "link to another entry", "truncated", "empty",
                                 "copied from another entry"])
def test_a_damaged_or_moved_entry_loads_as_without_the_cache(tmp_path, cache, how):
    """An article or document entry replaced by a folder, a link or a copy of another entry
    (sealed, but under another key), truncated or emptied: the load is what it is without
    the cache, no error."""
    one, two = tmp_path / "one.md", tmp_path / "two.md"
    one.write_text("---\ntitle: 甲\n---\n\n一。\n", encoding="utf-8")
    two.write_text("---\ntitle: 乙\nauthors: [丙]\n---\n\n二[^1]。\n\n[^1]: 注。\n",
                   encoding="utf-8")
    d1, d2 = tmp_path / "one.yaml", tmp_path / "two.yaml"
    d1.write_text("a: 1\nb: [x, y]\n", encoding="utf-8")
    d2.write_text("c: 2026-11-30\n", encoding="utf-8")
    with _off():
        want = [_article(one), _article(two), _document(d1), _document(d2)]
    assert [_article(one), _article(two), _document(d1), _document(d2)] == want
    for kind, ext, first, second in (("articles", "art", one, two),
                                     ("documents", "doc", d1, d2)):
        e1 = cache / kind / (artcache.entry_key(yamlsrc.read_source(first))
                             if kind == "articles" else
                             doccache.entry_key(yamlsrc.read_source(first), 0))[:2]
        entry = next(e1.glob(f"*.{ext}"))
        other = next(p for p in cache.glob(f"{kind}/*/*.{ext}") if p != entry)
        _plant(entry, how, other)
    for _ in range(2):
        assert [_article(one), _article(two), _document(d1), _document(d2)] == want


def test_a_cache_folder_that_is_a_file_or_has_files_for_folders_is_no_cache(tmp_path,
                                                                         monkeypatch):
    """$TYPESET_CACHE naming a file, or its `articles` and `documents` being files: every
    load is as without the cache."""
    a = tmp_path / "a.md"
    a.write_text("---\ntitle: 甲\n---\n\n一。\n", encoding="utf-8")
    d = tmp_path / "d.yaml"
    d.write_text("a: 1\n", encoding="utf-8")
    with _off():
        want = (_article(a), _document(d))
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "file"))
    assert (_article(a), _document(d)) == want
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "articles").write_text("x")
    (folder / "documents").write_text("x")
    monkeypatch.setenv("TYPESET_CACHE", str(folder))
    assert (_article(a), _document(d)) == want and (_article(a), _document(d)) == want


# -- the command line: the same output, messages and exit status, English and Chinese ---------

_ISSUE = {
    "issue.yaml": "layout: guangxi\nyear: 2026\nnumber: 11\ndate: 2026-11-30\nsections:\n"
                  "  - title: 要闻\n    articles: [a.md, sub/b.md]\n",
    "a.md": "---\ntitle: 山城秋晚\nauthors: [江小舟]\n---\n\n江水东流[^1]，两岸灯火渐次亮起。\n\n"
            "| 年 | 数 |\n|---|--:|\n| 2025 | 1 |\n\n: 表1 数\n\n[^1]: 见县志。\n",
    "sub/b.md": "---\ntitle: 山城秋晚\nauthors: [江小舟]\n---\n\n江水东流[^1]，两岸灯火渐次亮起。\n\n"
                "| 年 | 数 |\n|---|--:|\n| 2025 | 1 |\n\n: 表1 数\n\n[^1]: 见县志。\n",
}


def _cli(folder: Path, cache: str, args: list[str], lang: str | None) -> tuple:
    env = dict(os.environ, TYPESET_CACHE=cache)
    env.pop("LANGUAGE", None)
    if lang:
        env["LANG"] = env["LC_ALL"] = lang
    out = folder / "o.pdf"
    if out.exists():
        out.unlink()
    r = subprocess.run([sys.executable, "-m", "typeset", *args], cwd=folder, env=env,
                       capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr, out.read_bytes() if out.exists() else None


def test_build_and_check_say_and_print_the_same_with_no_cold_and_warm_caches(tmp_path):
    """The same article text at two paths (one entry), then the second broken in its body
    (a missing picture) and its manifest's section title given a character no font has:
    `build` and `check`, in English and Chinese, print the same bytes, the same lines (file,
    line, column) and exit the same with no cache, a cold one and a warm one."""
    for name, text in _ISSUE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    cache = str(tmp_path / "cache")
    none = str(tmp_path / "file-not-folder")
    Path(none).write_text("x")
    build = ["build", "issue.yaml", "-o", "o.pdf"]
    runs = [_cli(tmp_path, c, build, None) for c in (none, cache, cache)]
    assert runs[0][0] == 0 and runs[0][3] and runs[0] == runs[1] == runs[2]

    (tmp_path / "sub/b.md").write_text(_ISSUE["sub/b.md"].replace(
        "\n\n[^1]", "\n\n![图](no.png)\n\n[^1]"), encoding="utf-8")
    (tmp_path / "issue.yaml").write_text(_ISSUE["issue.yaml"].replace("要闻", "要闻\U0002B81D"),
                                         encoding="utf-8")
    for lang in (None, "zh_CN.UTF-8"):
        runs = [_cli(tmp_path, c, build, lang) for c in (none, cache, cache)]
        assert runs[0][0] == 1 and runs[0] == runs[1] == runs[2]
        assert ("sub/b.md:" in runs[0][2]) or ("b.md:" in runs[0][2])
    (tmp_path / "sub/b.md").write_text(_ISSUE["sub/b.md"], encoding="utf-8")
    runs = [_cli(tmp_path, c, ["check", "issue.yaml"], "zh_CN.UTF-8")
            for c in (none, cache, cache)]
    assert runs[0][0] == 1 and "issue.yaml:6:" in runs[0][2] and runs[0] == runs[1] == runs[2]


# -- the key's code: every module the parser runs is hashed ------------------------------------

def test_the_parsers_key_covers_every_module_the_parse_runs(tmp_path):
    """artcache.code_digest hashes typeset/model/*.py and the version files of markdown-it-py,
    mdit-py-plugins, mdurl and PyYAML. A fresh process that parses a rich article (front
    matter of every key, headings, bold, italic, notes, a table, a figure, invisible and
    pasted characters) and a manifest with the caches off runs no typeset module outside
    typeset/model except typeset/errors.py (whose only part is the messages of errors, which
    are never kept), and no third-party package but those four and the standard library."""
    (tmp_path / "a.md").write_text(
        "---\ntitle: [甲, 乙]\nsubtitle: ——副\nauthors: [江, 林]\nbyline: 记者\nlead: 导\u200b语\n"
        "note: 注\n---\n\n## 一、\u3000标题\n\n**粗。**体*斜*[^1]\t软\u00ad字\n\n"
        "| 甲 | 乙 |\n|---|:-:|\n| 1 | 2 |\n\n: 表1\n\n![图](p.png){width=half credit=\"摄\"}\n\n"
        "[^1]: 注。\n", encoding="utf-8")
    from PIL import Image
    Image.new("RGB", (300, 200), "white").save(tmp_path / "p.png")
    (tmp_path / "issue.yaml").write_text(_ISSUE["issue.yaml"], encoding="utf-8")
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from typeset.model import artcache, doccache\n"
        "artcache.use_article_cache = doccache.use_document_cache = False\n"
        "from typeset.model.article import _parse\n"
        "from typeset.model.yamlsrc import load_yaml, read_source\n"
        "from pathlib import Path\n"
        "p = Path('a.md')\n"
        "_parse(p, read_source(p))\n"
        "load_yaml(Path('issue.yaml'))\n"
        "import importlib.util\n"
        "print('\\n'.join(sorted(m for m in set(sys.modules) - before)))\n")
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    loaded = [m for m in r.stdout.split() if m]
    ours = [m for m in loaded if m.startswith("typeset")]
    assert all(m.startswith("typeset.model") or m in ("typeset", "typeset.errors",
                                                      "typeset.records")
               for m in ours), ours
    third = {m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names) - {
        "typeset", "cython_runtime"}
    third = {m for m in third if not m.startswith("_cython_")}   # (PyYAML's C module's)
    assert third <= {"markdown_it", "mdit_py_plugins", "mdurl", "yaml", "_yaml"}, third


# -- a warm process: a Session over a cold, then a warm cache, and one with none --------------

def test_a_session_says_and_writes_the_same_over_cold_warm_and_no_caches(tmp_path, cache):
    """The manifest edited so that only its marks move (a comment line above everything)
    while its section title holds a character no font has, the comment taken away again,
    the character taken away, an article broken (a note never defined), then mended: at
    every step a Session over a cold cache, a second one over the cache the first warmed
    and one without caches write the same bytes or give the same errors, each at its line."""
    from typeset.session import Session
    for name, text in _ISSUE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    manifest = _ISSUE["issue.yaml"]
    odd = manifest.replace("要闻", "要闻\U0002B81D")
    steps = [("issue.yaml", manifest), ("issue.yaml", "# 第十一期\n" + odd),
             ("issue.yaml", odd), ("issue.yaml", manifest),
             ("a.md", _ISSUE["a.md"].replace("江水东流[^1]", "江水东流[^9]")),
             ("a.md", _ISSUE["a.md"])]
    said = []
    for n, use_cache in enumerate((True, True, False)):
        got = []
        with Session(tmp_path / "issue.yaml", output=tmp_path / f"s{n}.pdf",
                     use_cache=use_cache) as s:
            for name, text in steps:
                (tmp_path / name).write_text(text, encoding="utf-8")
                r = s.rebuild()
                got.append((r.ok, r.errors, r.sha256))
        said.append(got)
    assert said[0] == said[1] == said[2]
    oks = [ok for ok, _, _ in said[0]]
    assert oks == [True, False, False, True, False, True]
    assert "issue.yaml:7:" in said[0][1][1][0] and "issue.yaml:6:" in said[0][2][1][0]
