"""The message templates of typeset's source, found with `ast` (never imported by a command).

A template is the English text of a message as the source writes it, with each f-string
expression as a placeholder named by its source text: `f"{what} not found"` is the template
`{what} not found`; literal braces are doubled as in `str.format`. The catalogue
(`zh_CN.po`) is keyed by these templates, and the translator (`typeset.i18n`) matches printed
English against them, so no raise site carries anything but its English.

What counts as a message:
- the message and `hint=` of every `TypesetError(...)`, and of every helper that passes its
  own parameters to one (`self.error(message, hint)`, `fail(...)`, found to a fixed point);
- the `doc` of every manifest, article and layout field (shown in hints);
- what the commands print: arguments of `print`, `say`, `_say`, `on_wait`, argparse help,
  usage problems, `ArgumentTypeError`, and the text returned by report formatters
  (functions named in `_SPEAKING_FUNCTIONS`);
- the strings of tables of words (`_WORDS_TABLES`).
A bare name is followed to what the enclosing function assigns to it; a conditional gives
both branches; `a + b` joins. A placeholder whose expression picks between words
(`'s' if n > 1 else ''`) gives those words as *fragments*: translated where they fill a
placeholder, never required on their own when they are mere English endings.

`python -m typeset.i18n.extract` prints the templates the catalogue lacks, as .po entries
to fill in.
"""
from __future__ import annotations

import ast
import re
import sys
from typeset.records import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]

#: callables whose first positional argument (and the keywords named) are messages
_BASE_SPEAKERS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "TypesetError": ((0,), ("hint",)),
    "print": ((0,), ()),
    "say": ((0,), ()),
    "_say": ((0,), ()),
    "on_wait": ((0,), ()),
    "on_recover": ((0,), ()),
    "ArgumentTypeError": ((0,), ()),
    "add_argument": ((), ("help",)),
    "add_parser": ((), ("help", "description")),
    "ArgumentParser": ((), ("description", "epilog")),
    "_terminal_progress": ((0,), ()),
    "_Failure": ((0,), ("hint",)),
    "_BatchInterrupted": ((0,), ()),
    "Finding": ((2,), ("detail",)),
    "Problem": ((2,), ("message", "hint")),
    "add": ((1,), ()),                 # preflight findings: findings.add(where, message)
    "Violation": ((1,), ("message",)),
    "Guess": ((0, 1, 2), ("why",)),    # what typeset import guessed, and why
    "tr_format": ((0,), ()),           # a line the CLI composes from translated parts
    "tr": ((0,), ()),                  # translated where it is made (argparse's type errors)
    "step": ((0,), ()),                # typeset.progress: what a progress line names
    # exceptions whose words reach the user inside a message (ValueError: a command line
    # value argparse reports, a proof's page list, a catalogue's shape)
    "ValueError": ((0,), ()),
    "_Shape": ((0,), ()),
    "Outside": ((0,), ()),
    "_Limit": ((0,), ()),
    "_TooDeep": ((0,), ()),
    "PictureError": ((0,), ()),
    "StreamTooLarge": ((0,), ()),
    "Unsupported": ((0,), ()),
    "VariantViolation": ((0,), ("hint",)),
}
#: functions whose returned text is printed as it is (report lines, summaries)
_SPEAKING_FUNCTIONS = {
    "summary", "format", "lines", "line", "__str__", "_usage_problem", "_batch_usage",
    "failure_report", "_line", "_issue_words", "stats_table",
}
#: module-level tables whose string values are printed
_WORDS_TABLES = {"_INTERRUPTED", "_WHAT", "_KIND", "_KINDS", "_ROLES", "_WORDS"}
#: local names a message is built up in, step by step
_MESSAGE_NAMES = {"hint", "message", "msg", "text", "detail", "reason", "problem", "why", "row",
                  "want", "how", "size",
                  "said", "shown", "note", "where", "tail"}
#: lists of messages, each printed as a line (`problems.append(f"…")`)
_MESSAGE_LISTS = {"problems", "detail", "findings", "notes", "warnings"}
#: scripts that make package data (never run by a user)
_NOT_SHIPPED = {"render/icc/make_srgb.py"}
#: field constructors whose first argument (or metadata "doc") documents a field
_DOC_CALLS = {"doc", "printed_doc", "check_doc", "checked_doc"}


@dataclass(frozen=True)
class Template:
    text: str                 # the template (placeholders as {source expression})
    file: str                 # path relative to the package's parent
    line: int
    kind: str                 # "message", "hint", "doc", "output", "fragment"


@dataclass
class _Module:
    path: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _placeholder(node: ast.AST) -> str:
    return "{" + ast.unparse(node) + "}"


def _enclosing_function(mod: _Module, node: ast.AST) -> ast.AST | None:
    while node in mod.parents:
        node = mod.parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node
    return None


def _assigned(mod: _Module, scope: ast.AST | None, name: str) -> list[ast.AST]:
    """Expressions the scope (a function, else the module) assigns to `name`."""
    body = scope if scope is not None else mod.tree
    found: list[ast.AST] = []
    for node in ast.walk(body):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found.append(node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            if isinstance(node.target, ast.Name) and node.target.id == name:
                found.append(node.value)
    return found


class _Extractor:
    def __init__(self, mod: _Module, rel: str, out: list[Template]):
        self.mod, self.rel, self.out = mod, rel, out

    def add(self, text: str, node: ast.AST, kind: str, joining: bool = False) -> None:
        if kind == "fragment" and re.search(r"\b([a-z]{2,} [a-z]{2,} [a-z]{2,})\b.*\b\1\b",
                                            text, re.S):
            return        # a name followed through `hint = … + hint` twice: not a message
        if _is_message(text) or joining and _joining_word(text):
            self.out.append(Template(text, self.rel, getattr(node, "lineno", 0), kind))

    # -- the texts an expression can have --------------------------------------------------
    def texts(self, node: ast.AST | None, scope, depth: int = 0) -> list[str]:
        """Every template the expression `node` can produce (empty: not text we know)."""
        if node is None or depth > 6:
            return []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [_escape(node.value)]
        if isinstance(node, ast.JoinedStr):
            parts = [""]
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts = [p + _escape(value.value) for p in parts]
                else:
                    parts = [p + _placeholder(value.value) for p in parts]
                    self.fragments(value.value, scope, depth)
            return parts
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.texts(node.left, scope, depth + 1)
            right = self.texts(node.right, scope, depth + 1)
            if not left and not right:
                return []
            if not left:
                left = [_placeholder(node.left)]
                self.fragments(node.left, scope, depth)
            if not right:
                right = [_placeholder(node.right)]
                self.fragments(node.right, scope, depth)
            return [a + b for a in left for b in right][:64]
        if isinstance(node, ast.IfExp):
            return self.texts(node.body, scope, depth + 1) + \
                self.texts(node.orelse, scope, depth + 1)
        if isinstance(node, ast.BoolOp):
            return [t for v in node.values for t in self.texts(v, scope, depth + 1)]
        if isinstance(node, ast.Name) and depth < 4:
            return [t for value in _assigned(self.mod, scope, node.id)
                    for t in self.texts(value, scope, depth + 1)]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [t for e in node.elts for t in self.texts(e, scope, depth + 1)]
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            return self.texts(node.elt, scope, depth + 1)
        return []

    def fragments(self, node: ast.AST, scope, depth: int) -> None:
        """Words a placeholder may hold (a conditional's branches, a name assigned text)."""
        if isinstance(node, ast.IfExp) or (isinstance(node, ast.Name) and depth < 4) or \
                isinstance(node, (ast.BinOp, ast.JoinedStr, ast.BoolOp)):
            for t in self.texts(node, scope, depth + 1):
                self.add(t, node, "fragment")

    # -- the walk ---------------------------------------------------------------------------
    def run(self, speakers: dict[str, tuple[tuple[int, ...], tuple[str, ...]]]) -> None:
        for node in ast.walk(self.mod.tree):
            if isinstance(node, ast.Call):
                self.call(node, speakers)
            elif isinstance(node, ast.Lambda):
                self.returned(node.body, node)          # a check: value -> its problem
            elif isinstance(node, ast.Return) and node.value is not None:
                # a function that returns words (a problem, a reason and its hint) for its
                # caller to put in a message
                self.returned(node.value, _enclosing_function(self.mod, node))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                    and self.mod.parents.get(node) is self.mod.tree:
                # a module's constants: hints and words shared by several messages
                self.returned(node.value, None)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and \
                    node.value is not None and any(
                        isinstance(t, ast.Name) and t.id in _MESSAGE_NAMES
                        for target in (node.targets if isinstance(node, ast.Assign)
                                       else [node.target])
                        for t in (target.elts if isinstance(target, ast.Tuple)
                                  else [target])):
                # a message made in steps (`hint = …`, `message += …`): each step's words
                self.returned(node.value, _enclosing_function(self.mod, node), strict=False)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    node.name in _SPEAKING_FUNCTIONS:
                self.speaking(node)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in _WORDS_TABLES for t in node.targets) \
                    and isinstance(node.value, ast.Dict):
                for v in node.value.values:
                    for t in self.texts(v, None):
                        self.add(t, v, "fragment")

    def returned(self, node: ast.AST, scope, strict: bool = True) -> None:
        """Sentences among a returned value or a module constant (in tuples, lists, dicts):
        fragments, translated where they fill a message's placeholder."""
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            for e in node.elts:
                self.returned(e, scope, strict)
            return
        if isinstance(node, ast.Dict):
            for v in list(node.values) + list(node.keys):   # (keys may be printed words)
                if v is not None:
                    self.returned(v, scope, strict)
            return
        if isinstance(node, ast.Subscript):          # `{kind: words, …}[kind]`
            self.returned(node.value, scope, strict)
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Dict):  # `{kind: words, …}.get(kind, …)`
            self.returned(node.func.value, scope, strict)
            for a in node.args:
                self.returned(a, scope, strict)
            return
        if isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp, ast.Name)):
            for t in self.texts(node, scope):
                # (a name that holds a message — `row`, `hint` — may join messages with a
                # single word: `{row} at {where}`)
                if strict and not _reads_as_words(t) and not _joining_word(t) and \
                        not _counted(t):
                    continue
                if not strict and (not _is_message(t) and not _joining_word(t) or
                                   _code_like(t)):
                    continue
                self.add(t, node, "fragment", joining=True)

    def speaking(self, fn: ast.AST) -> None:
        """Every text a report formatter writes: its outermost string expressions."""
        taken: set[int] = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                taken.add(id(node.value))            # a docstring
            if id(node) in taken:
                continue
            if isinstance(node, (ast.JoinedStr, ast.Constant, ast.BinOp, ast.IfExp)):
                texts = self.texts(node, fn)
                if not texts:
                    continue
                for sub in ast.walk(node):
                    taken.add(id(sub))
                for t in texts:
                    self.add(t, node, "output")

    def call(self, node: ast.Call, speakers) -> None:
        name = _callee(node)
        scope = _enclosing_function(self.mod, node)
        if name in _DOC_CALLS and node.args:
            for t in self.texts(node.args[0], scope):
                self.add(t, node, "doc")
            return
        if name == "field":
            for kw in node.keywords:
                if kw.arg == "metadata" and isinstance(kw.value, ast.Dict):
                    for k, v in zip(kw.value.keys, kw.value.values):
                        if isinstance(k, ast.Constant) and k.value == "doc":
                            for t in self.texts(v, scope):
                                self.add(t, v, "doc")
            return
        if name == "append" and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and \
                node.func.value.id in _MESSAGE_LISTS and node.args:
            # a list of problems or report lines, printed one a line
            for t in self.texts(node.args[0], scope):
                if not _code_like(t):
                    self.add(t, node, "message")
            return
        if name not in speakers:
            return
        positions, keywords = speakers[name]
        kind = "message" if name not in ("print", "say", "_say", "add_argument", "add_parser",
                                         "ArgumentParser") else "output"
        for i in positions:
            if i < len(node.args):
                for t in self.texts(node.args[i], scope):
                    self.add(t, node, kind)
        for kw in node.keywords:
            if kw.arg in keywords:
                for t in self.texts(kw.value, scope):
                    self.add(t, kw.value, "hint" if kw.arg == "hint" else kind)


def _callee(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


#: a template is a message if it holds a word (two letters or a Han character) outside its
#: placeholders
_WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def _is_message(text: str) -> bool:
    """Words a reader reads: a word of two letters and, besides, a space (a lone token is
    a key, a PDF name or a mode, never a sentence)."""
    from typeset.i18n.templates import split_template
    try:
        parts = split_template(text)
    except ValueError:
        return False
    literal = "".join(v for k, v in parts if k == "text")
    if re.search(r"[A-Za-z]{2,}", literal) and " " in literal.strip():
        return True
    return _counted(text)


def _counted(text: str) -> bool:
    """A count and its noun (`{report.pages} pages`, ` + {report.inserts} inserted`, `folios
    {a}–{b}`)."""
    from typeset.i18n.templates import _NUMERIC, split_template
    try:
        parts = split_template(text)
    except ValueError:
        return False
    return bool(re.search(r"\} [a-z]{3,}|[a-z]{3,} \{", text)) and any(
        k == "name" and (_NUMERIC.search(v) or re.match(r"(?:min|max)\(", v))
        for k, v in parts)


def _joining_word(text: str) -> bool:
    """Two messages joined by one word: `{row} at {where}`."""
    from typeset.i18n.templates import split_template
    try:
        parts = split_template(text)
    except ValueError:
        return False
    return [k for k, _ in parts] == ["name", "text", "name"] and \
        re.fullmatch(r" [a-z]{2,} ", parts[1][1]) is not None


def _reads_as_words(text: str) -> bool:
    """A returned text or constant that is a phrase for a reader, not a code, a pattern or a
    path: two lower-case words in a row outside its placeholders."""
    from typeset.i18n.templates import split_template
    try:
        literal = " ".join(v for k, v in split_template(text) if k == "text")
    except ValueError:
        return False
    return not _code_like(literal) and bool(
        re.search(r"(?<![A-Za-z])(?:[a-z]{2,}|a) [a-z]{2,}(?![A-Za-z])",
                  literal.replace("(s)", "s")))


def _code_like(literal: str) -> bool:
    """A regular expression, code, YAML, a page of HTML or XML: not words for a reader."""
    return bool(re.search(r"\(\?[:=!P<]|\[\^|\\[dswbSWD.]|\.\*|\.\+|%[sdr]|\bdef\b|"
                          r"\n\s*\w+:", literal)) or literal.count("<") > 3 or \
        literal.count("\n") > 4


#: methods of Python's own containers and streams: `d.get(key)` or `sys.stderr.write(text)`
#: is never one of typeset's functions of the same name, whatever those say
_CONTAINER_METHODS = frozenset(("get", "setdefault", "pop", "append", "update", "extend",
                                "insert", "write", "join"))    # ("add": findings.add speaks)


def _container_call(call: ast.Call) -> bool:
    """A call of a container or stream method on something other than `self` or `cls`."""
    f = call.func
    return isinstance(f, ast.Attribute) and f.attr in _CONTAINER_METHODS and not (
        isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"))


def _helpers(mods: dict[str, _Module]) -> dict[str, tuple[tuple[int, ...], tuple[str, ...]]]:
    """TypesetError and the functions that hand their own parameters to it, to a fixed
    point: {name: (message positions, message keywords)}."""
    speakers = dict(_BASE_SPEAKERS)
    changed = True
    while changed:
        changed = False
        for mod in mods.values():
            for fn in ast.walk(mod.tree):
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                        fn.name in _BASE_SPEAKERS:
                    continue
                params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
                offset = 1 if params[:1] in (["self"], ["cls"]) else 0
                kwonly = [a.arg for a in fn.args.kwonlyargs]
                msg_params: set[str] = set()
                for call in ast.walk(fn):
                    if not isinstance(call, ast.Call) or _container_call(call):
                        continue
                    callee = _callee(call)
                    if callee not in ("TypesetError", "_Failure") and not (
                            callee in speakers and callee not in _BASE_SPEAKERS):
                        continue
                    positions, keywords = speakers[callee]
                    given = [call.args[i] for i in positions if i < len(call.args)] + \
                        [k.value for k in call.keywords if k.arg in keywords]
                    for g in given:
                        for n in ast.walk(g):
                            if isinstance(n, ast.Name) and n.id in params + kwonly:
                                msg_params.add(n.id)
                if not msg_params:
                    continue
                pos = {params.index(p) - offset for p in msg_params if p in params
                       and params.index(p) >= offset}
                # functions of one name in several modules (`error`, `fail`): a call may be
                # to any of them, so its messages are where any of them takes them
                old_pos, old_kw = speakers.get(fn.name, ((), ()))
                merged = (tuple(sorted(pos | set(old_pos))),
                          tuple(sorted(msg_params | set(old_kw))))
                if merged != speakers.get(fn.name):
                    speakers[fn.name] = merged
                    changed = True
    return speakers


def load_modules(package: Path = PACKAGE) -> dict[str, _Module]:
    mods: dict[str, _Module] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] in ("i18n", "_data") or str(rel) in _NOT_SHIPPED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        mod = _Module(path, tree)
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                mod.parents[child] = parent
        mods[str(path.relative_to(package.parent))] = mod
    return mods


def templates(package: Path = PACKAGE) -> list[Template]:
    """Every message template of the source, in file order (duplicates kept)."""
    mods = load_modules(package)
    speakers = _helpers(mods)
    out: list[Template] = []
    for rel, mod in mods.items():
        _Extractor(mod, rel, out).run(speakers)
    return out


def unique(found: list[Template]) -> dict[str, Template]:
    """The first place of each template; a template found as a message wins over a fragment."""
    rank = {"message": 0, "hint": 0, "output": 1, "doc": 2, "fragment": 3}
    seen: dict[str, Template] = {}
    for t in found:
        if t.text not in seen or rank[t.kind] < rank[seen[t.text].kind]:
            seen[t.text] = t
    return seen


_SOURCE_MARK = "# -- the source's messages"


def update(path: Path | None = None) -> tuple[int, int]:
    """Rewrite the catalogue's source section: every template of the source in file order,
    with its place (`#: file:line (kind)`) and its Chinese; a template the source no longer
    has is dropped, a new one is added with an empty msgstr (to be filled in). The head of
    the file (argparse's words, `EXTRA`) is kept as it is. Returns (dropped, added)."""
    from typeset.i18n import CATALOGUE_DIR
    from typeset.i18n.po import po_quote, read_po

    path = path or CATALOGUE_DIR / "zh_CN.po"
    text = path.read_text(encoding="utf-8")
    i = text.index(_SOURCE_MARK)
    j = text.index("\n", i)
    head, marker, rest = text[:i], text[i:j], text[j + 1:]
    table = read_po(rest)
    found = unique(templates())
    out = []
    for t in sorted(found.values(), key=lambda t: (t.file, t.line)):
        out.append(f"#: {t.file}:{t.line} ({t.kind})\nmsgid {po_quote(t.text)}\n"
                   f"msgstr {po_quote(table.get(t.text, ''))}")
    path.write_text(head + marker + "\n\n" + "\n\n".join(out) + "\n", encoding="utf-8")
    return sum(1 for k in table if k not in found), sum(1 for k in found if k not in table)


def main(argv: list[str] | None = None) -> int:
    """`python -m typeset.i18n.extract [--update]`: list the templates without Chinese (as
    .po entries); `--update` rewrites zh_CN.po's source section first (`update`)."""
    from typeset.i18n import catalogue
    from typeset.i18n.po import po_quote

    if "--update" in (sys.argv[1:] if argv is None else argv):
        dropped, added = update()
        catalogue.cache_clear()
        print(f"# zh_CN.po: {dropped} template(s) dropped, {added} added", file=sys.stderr)

    table = catalogue("zh_CN")
    missing = [t for t in unique(templates()).values() if t.text not in table]
    for t in missing:
        print(f"#: {t.file}:{t.line} ({t.kind})\nmsgid {po_quote(t.text)}\nmsgstr \"\"\n")
    print(f"# {len(missing)} template(s) without a translation", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
