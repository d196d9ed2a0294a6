"""The YAML fast path (model/yamlparse.py `_load_fast`: libyaml composes, our builder builds)
gives exactly what the pure-Python path gives: equal data of equal types, equal marks of every
mapping, key, value, value end and list item, equal raw text; and it never succeeds where the
pure-Python path fails (any error goes to the pure-Python path, so messages stay as they are).
Checked over every YAML document of the repository (layouts, issues, fonts, front matter of
every article, the test data and the documents the trust cases write) and over generated
documents (hypothesis: `TYPESET_FUZZ_EXAMPLES=N` for a longer run)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

from typeset.errors import TypesetError
from typeset.model import yamlparse, yamlsrc
from typeset.model.yamlsrc import YamlList, YamlMap, load_yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parents[1] / "shared" / "corpus"
EXAMPLES = int(os.environ.get("TYPESET_FUZZ_EXAMPLES", "300"))

pytestmark = pytest.mark.skipif(yamlparse._c_loader() is None,
                                reason="PyYAML without libyaml 0.2.6 or later: no fast path")


@pytest.fixture(autouse=True)
def _no_document_cache(monkeypatch):
    """Both paths parse here: no document comes from the cache (model/doccache.py)."""
    from typeset.model import doccache
    monkeypatch.setattr(doccache, "use_document_cache", False)


def snapshot(value):
    """Everything `load_yaml` returns, as plain comparable data: types, values (floats by
    repr: NaN), every side table in order."""
    if isinstance(value, YamlMap):
        return ("map", value.mark, [
            (k, value.key_marks.get(k), value.value_marks.get(k), value.value_ends.get(k),
             value.raw.get(k, "<none>"), snapshot(v)) for k, v in value.items()],
            sorted(value.key_marks) == sorted(value), sorted(value.raw))
    if isinstance(value, YamlList):
        return ("list", value.mark, list(value.item_marks), list(value.raw),
                [snapshot(v) for v in value])
    assert not isinstance(value, (dict, list)), type(value)
    return (type(value).__name__, repr(value))


def slow(text: str, offset: int = 0):
    """The pure-Python path: its result, or its error's every word and place."""
    saved = yamlparse._CLoader
    yamlparse._CLoader = None
    try:
        return ("ok", snapshot(load_yaml(Path("t.yaml"), text, line_offset=offset)))
    except TypesetError as err:
        return ("error", str(err), err.line, err.column, err.hint)
    finally:
        yamlparse._CLoader = saved


def fast(text: str, offset: int = 0):
    """What load_yaml returns through the fast path; None when the fast path was not taken
    (the checks before it refused the text, the gate closed, or libyaml declined)."""
    answered = []
    real = yamlparse._load_fast

    def spy(*args):
        data = real(*args)
        answered.append(data is not yamlparse._Slow)
        return data

    yamlparse._load_fast = spy
    try:
        data = load_yaml(Path("t.yaml"), text, line_offset=offset)
    except TypesetError:
        assert not any(answered)
        return None
    finally:
        yamlparse._load_fast = real
    return ("ok", snapshot(data)) if any(answered) else None


def agree(text: str, offset: int = 0) -> bool:
    """The fast path, where it answers, answers as the pure-Python path; True if it did."""
    got = fast(text, offset)
    if got is None:
        return False
    assert got == slow(text, offset), text
    return True


# --- every YAML document of the repository ----------------------------------------------------

def _front_matter(text: str) -> tuple[str, int] | None:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for n in range(1, len(lines)):
        if lines[n].rstrip() in ("---", "..."):
            return "\n".join(lines[1:n]), 1
    return None


def _expand(text: str) -> str:
    text = re.sub(r"\{x (\d+):([^}]*)\}", lambda m: m.group(2) * int(m.group(1)), text)
    return re.sub(r"\{U\+([0-9A-Fa-f]{4,6})\}", lambda m: chr(int(m.group(1), 16)), text)


def repository_documents() -> list[tuple[str, str, int]]:
    """(name, text, line offset) of every YAML document the repository holds or writes."""
    docs = []
    roots = [ROOT / "layouts", ROOT / "issues", ROOT / "fonts", ROOT / "tests" / "data",
             ROOT / "typeset"]
    if CORPUS.is_dir():
        roots.append(CORPUS)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".yaml", ".yml", ".md") or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(ROOT if root != CORPUS else CORPUS.parent))
            if path.suffix == ".md":
                front = _front_matter(text)
                if front is not None:
                    docs.append((name, *front))
            elif len(text) <= yamlsrc.MAX_YAML_CHARS:
                docs.append((name, text, 0))
    # what the trust cases write: manifests, articles' front matter, edited layouts
    cases = yaml.safe_load((ROOT / "tests" / "data" / "trust" / "inputs.yaml")
                           .read_text(encoding="utf-8"))
    guangxi = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
    for case in cases:
        for name, text in (case.get("files") or {}).items():
            if not isinstance(text, str) or text == "@house":
                continue
            text = _expand(text)
            if name.endswith(".md"):
                front = _front_matter(text)
                if front is not None:
                    docs.append((f"{case['name']}: {name}", *front))
            elif name.endswith(".yaml"):
                docs.append((f"{case['name']}: {name}", text, 0))
        if "layout" in case:
            house = guangxi
            for old, new in case["layout"]:
                house = house.replace(old, _expand(new), 1)
            docs.append((f"{case['name']}: house.yaml", house, 0))
    return docs


DOCUMENTS = repository_documents()


def test_the_documents_are_many_and_mostly_fast():
    assert len(DOCUMENTS) > 150
    taken = sum(fast(text, offset) is not None for _, text, offset in DOCUMENTS)
    assert taken > len(DOCUMENTS) // 2, taken


@pytest.mark.parametrize("name, text, offset", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_every_document_of_the_repository_loads_the_same(name, text, offset):
    agree(text, offset)


def test_the_sample_issue_takes_the_fast_path():
    sample = ROOT / "issues" / "sample"
    texts = [(p.read_text(encoding="utf-8"), 0) for p in
             [sample / "issue.yaml", ROOT / "layouts" / "guangxi.yaml"]]
    texts += [_front_matter(p.read_text(encoding="utf-8"))
              for p in sorted((sample / "articles").glob("*.md"))]
    assert all(agree(text, offset) for text, offset in texts)


# --- places where libyaml and PyYAML are known to differ, and the gate ------------------------

@pytest.mark.parametrize("text", [
    "a: |\n  x\n\n\nb: 1\n",                      # a block scalar's end (after its breaks)
    "a: |+\n  x\n\n\n",
    "a: >-\n  x\n  y\n\n  z\nb: 2\n",
    "a: |2\n    x\n  y\n",
    "a:\n  - x\n  - y\nb:\n  c: 1\n",                # containers' ends
    "a:\n- x\n- y\nb: 1",                            # an indentless list, no final newline
    "a: x\n  y\n\n  z\n",                           # a plain scalar over lines
    "a: 'it''s'\nb: \"\\x41\\u00e9\\N\\_\\L\\P\\/\\\n  c\"\n",
    "a: [b:c, {d: e}, f:g]\n",                      # colons in flow plain scalars
    "{a: 1, b: [x, y], c: {d: }}\n",
    "? a\n: 1\n",                                   # an explicit key
    "a: 1\n...\n",
    "--- \na: 1\n",
    "a: 2024-03-15\nb: 0o17\nc: 0x1F\nd: 1_000\ne: .inf\nf: -.nan\ng: ~\nh: yes\ni: 1:30\n",
    "title: 𠀀𪚥😀 中文　全角\n",                     # astral characters, U+3000
    "k" * 1100 + ": v\n",                         # a key longer than 1024 characters
    "中" * 1100 + ": v\n",
    "a: 1\na: 2\n",                               # a duplicate key: the builder's error
    "".join(" " * i + "k:\n" for i in range(70)),  # deeper than MAX_DEPTH
    "".join(" " * i + "k:\n" for i in range(63)) + " " * 63 + "k: v\n",
    "- " * 63 + "x\n",
    "- " * 64 + "x\n",
    "a: b: c\n",                                  # errors of all kinds
    "a:\n  - x\n   - y\n",
    "a: 'x\n",
    "a: [x\n",
    "- x\ny: 1\n",
    "a: `x`\n",
    "a: @x\n",
    "--- 1\n--- 2\n",
    "",
    "# only a comment\n",
    "a:\n",
    "<<: {a: 1}\nb: 2\n",
])
def test_edge_documents(text):
    agree(text)
    agree(text, 7)


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "%YAML 1.1\n---\na: 1\n", "a:\tb\n", "a: b\r\nc: d\n",
    "a: b\u2028c\n", "a: b\x85c\n", "\ufeffa: 1\n", "a: \"\x07\"\n",
])
def test_the_gate_sends_these_to_the_pure_python_path(text):
    assert fast(text) is None


def test_load_yaml_uses_the_fast_path(monkeypatch):
    calls = []
    real = yamlparse._load_fast
    monkeypatch.setattr(yamlparse, "_load_fast", lambda *a: calls.append(a) or real(*a))
    assert load_yaml(Path("x.yaml"), "a: [1, 2]\n") == {"a": [1, 2]}
    assert len(calls) == 1
    with pytest.raises(TypesetError, match="key 'a' is given twice") as info:
        load_yaml(Path("x.yaml"), "a: 1\na: 2\n")
    assert (info.value.line, info.value.column) == (2, 1)
    assert len(calls) == 2


# --- generated documents ----------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(
    list("abcxyz019 -_.:,#'\"\\/?[]{}|>%@`~") + ["中", "文", "，", "。", "：", "　", "𠀀", "😀",
                                              "é", "\n", " "]), max_size=12)


def _scalar(draw_text: str, style: int, indent: int) -> str:
    if style == 0:
        return draw_text
    if style == 1:
        return "'" + draw_text.replace("'", "''") + "'"
    if style == 2:
        return '"' + draw_text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    pad = " " * (indent + 2)
    head = ["|", ">", "|-", ">+", "|2", ">-"][style - 3]
    return head + "\n" + "\n".join(pad + line if line else "" for line in
                                   draw_text.split("\n"))


@st.composite
def documents(draw, depth: int = 0, indent: int = 0, flow: bool = False) -> str:
    """YAML-shaped text: mappings and lists, block and flow, every scalar style, with
    characters that mean something to YAML inside (so many are malformed on purpose)."""
    kind = draw(st.integers(0, 3 if depth < 4 else 0))
    pad = " " * indent
    if kind == 0 or (flow and kind >= 2):
        if flow:
            return draw(_TEXT).replace("\n", " ") or "x"
        return _scalar(draw(_TEXT), draw(st.integers(0, 8)), indent)
    if kind == 1:
        items = draw(st.lists(documents(depth + 1, indent + 2, True), max_size=4))
        keys = draw(st.lists(_TEXT, min_size=len(items), max_size=len(items)))
        if draw(st.booleans()):
            return "[" + ", ".join(items) + "]"
        return "{" + ", ".join(f"{k.strip() or 'k'}: {v}" for k, v in zip(keys, items)) + "}"
    n = draw(st.integers(1, 4))
    lines = []
    for _ in range(n):
        child = draw(documents(depth + 1, indent + 2))
        if kind == 2:
            key = draw(_TEXT).replace("\n", "") or "k"
            sep = "\n" + " " * (indent + 2) if not child.startswith(("|", ">", "[", "{")) \
                and draw(st.booleans()) and "\n" in child else " "
            lines.append(f"{pad}{key}:{sep}{child}")
        else:
            lines.append(f"{pad}- {child.lstrip()}")
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# note", pad + "# 注", "   "])))
    return "\n".join(lines)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents(), st.sampled_from(["", "\n", "\n\n", " \n"]), st.integers(0, 3))
@example("a: |\n  x\n", "", 0)
def test_generated_documents_load_the_same(doc, tail, offset):
    agree(doc + tail, offset)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},'\"|>#?&*! \n\\") + ["中", "　", "😀"]),
               max_size=40))
def test_arbitrary_text_loads_the_same(text):
    agree(text)


# --- the flow-depth pass ----------------------------------------------------------------------

def _flow_depth_reference(text: str) -> int | None:
    """The pass as it was first written, a character at a time: `_flow_depth` jumps from mark
    to mark and must find the same offset."""
    depth, quote, prev = 0, "", "\n"
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                if quote == "'" and i + 1 < n and text[i + 1] == "'":
                    i += 1
                else:
                    quote = ""
            elif c == "\\" and quote == '"':
                i += 1
        elif c == "#" and prev in " \t\n":
            j = text.find("\n", i)
            i = n if j < 0 else j
            prev = "\n"
            continue
        elif c in "'\"" and prev in " \t\n[{,:-":
            quote = c
        elif c in "[{":
            depth += 1
            if depth > yamlsrc.MAX_DEPTH:
                return i
        elif c in "]}":
            depth = max(0, depth - 1)
        prev = c
        i += 1
    return None


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(st.lists(st.sampled_from(["[", "{", "[", "{", "]", "}", "'", "''", '"', "\\", '\\"', "#",
                                 " #", " ", "\t", "\n", ",", ":", "-", "a", "中"]), max_size=300),
       st.integers(0, 70))
def test_flow_depth_finds_what_the_character_scan_found(parts, opened):
    text = "{" * opened + "".join(parts)         # often near the cap, often past it
    assert yamlsrc._flow_depth(text) == _flow_depth_reference(text)


def test_flow_depth_on_the_repository_and_deep_brackets():
    for _, text, _ in DOCUMENTS:
        assert yamlsrc._flow_depth(text) == _flow_depth_reference(text)
    for text in ["[" * 70, "a: '" + "[" * 70 + "'\n" + "[" * 65, "# " + "{" * 80 + "\n[]",
                 'x: "\\"' + "[" * 70 + '"', "a:" + "[" * 70]:
        assert yamlsrc._flow_depth(text) == _flow_depth_reference(text)
