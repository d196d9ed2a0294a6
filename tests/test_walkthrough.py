"""The README's "A day at the desk", followed as a newcomer follows it, so that it cannot go
stale silently.

The walkthrough is read from the README itself, in order:
- a ```console block holds commands (`$ ` lines) each followed by what it prints; a line "…"
  stands for one or more lines left out. A console block that starts without a `$ ` line goes
  on with the `typeset watch` before it; its `^C` line is where Ctrl-C is pressed.
- a ```diff block is an edit the reader makes in an editor: `+++ PATH`, then context lines
  (" "), lines taken out ("-") and lines put in ("+"); the old lines must be in the file once.
  An edit right after a watch's first console block is made while the watch runs.

Every command runs in bash (one `bash -c` each, the `typeset` builtin switched off, stdout and
stderr together as a terminal shows them) from the repository's root, with HOME a fresh
temporary folder (so `~/desk` is scratch), an English locale, and the tested Python's `typeset`
first on the PATH; `source .venv/bin/activate` is not run (that is what the PATH does) and `cd`
moves the following commands. Every command must exit 0 (the watch: 130, stopped by SIGINT),
and what it prints must match the README line for line, except for these differences, each
normalised below: clock times (HH:MM:SS), durations in seconds, sizes in bytes, the archive's
SHA-256 prefix (it changes with every change of the PDF's bytes), the preview's port, and the
temporary HOME (an absolute path).

To update the README after a change of output: `TYPESET_WALKTHROUGH_OUT=/tmp/walk.txt
.venv/bin/python -m pytest -q tests/test_walkthrough.py` writes what every command printed.

The watch is followed in full (start, first build, one edit seen and rebuilt, Ctrl-C); what the
browser shows is tested by tests/test_watch_browser.py.
"""
from __future__ import annotations

import difflib
import functools
import os
import queue
import re
import runpy
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TITLE = "## A day at the desk"
DESK = ROOT / "issues" / "desk"


# --- the walkthrough, read from the README -----------------------------------------------------

@dataclass
class Command:
    text: str
    line: int                                  # README line of the `$ ` line
    expected: list[str] = field(default_factory=list)


@dataclass
class Continued:                               # more output of the running watch
    line: int
    expected: list[str] = field(default_factory=list)


@dataclass
class Edit:
    path: str
    old: list[str]
    new: list[str]
    line: int


def section() -> tuple[list[str], int]:
    """The section's lines and the README line number of its first line."""
    lines = README.read_text(encoding="utf-8").split("\n")
    start = lines.index(TITLE)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return lines[start:end], start + 1


def steps() -> list:
    lines, first = section()
    out: list = []
    i = 0
    while i < len(lines):
        fence = lines[i].strip()
        if fence in ("```console", "```diff"):
            j = next(k for k in range(i + 1, len(lines)) if lines[k].strip() == "```")
            body = [(first + k, lines[k]) for k in range(i + 1, j)]
            out.extend(_console(body) if fence == "```console" else [_diff(body)])
            i = j
        i += 1
    return out


def _console(body: list[tuple[int, str]]) -> list:
    out: list = []
    for n, text in body:
        if text.startswith("$ "):
            out.append(Command(text[2:].strip(), n))
        elif not out:
            out.append(Continued(n, [text]))
        else:
            out[-1].expected.append(text)
    return out


def _diff(body: list[tuple[int, str]]) -> Edit:
    path, old, new = None, [], []
    for n, text in body:
        if text.startswith("--- "):
            continue
        if text.startswith("+++ "):
            path = text[4:].strip()
        elif text.startswith("-"):
            old.append(text[1:])
        elif text.startswith("+"):
            new.append(text[1:])
        elif text.startswith(" ") or text == "":
            old.append(text[1:])
            new.append(text[1:])
        else:
            raise AssertionError(f"README.md:{n}: not a diff line: {text!r}")
    assert path, f"README.md:{body[0][0]}: a diff block names its file with '+++ PATH'"
    return Edit(path, old, new, body[0][0])


# --- comparing what was printed with what the README shows -------------------------------------

def normalise(line: str, home: Path) -> str:
    line = line.replace(str(home), "~")                                   # absolute paths
    line = re.sub(r"\b\d\d:\d\d:\d\d\b", "HH:MM:SS", line)                # clock times
    line = re.sub(r"\b\d+(?:\.\d+)? s\b", "T s", line)                    # durations
    line = re.sub(r"\b\d+ bytes\b", "N bytes", line)                      # sizes
    line = re.sub(r"\bsha256 [0-9a-f]{16}…", "sha256 H…", line)           # the PDF's checksum
    line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)            # the preview's port
    return line.rstrip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line for line; an expected "…" stands for one or more lines."""
    @functools.cache
    def at(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(actual)
        if expected[i] == "…":
            return any(at(i + 1, k) for k in range(j + 1, len(actual) + 1))
        return j < len(actual) and expected[i] == actual[j] and at(i + 1, j + 1)
    return at(0, 0)


def compare(what: str, line: int, expected: list[str], actual: list[str], home: Path) -> str:
    """"" when the output matches, else what differs."""
    exp = [normalise(x, home) for x in expected]
    act = [normalise(x, home) for x in actual]
    if matches(exp, act):
        return ""
    diff = "\n".join(difflib.unified_diff(exp, act, "README", "printed", lineterm=""))
    return (f"README.md:{line}: `{what}` printed something else than the README shows "
            f"(after normalising):\n{diff}")


# --- running it --------------------------------------------------------------------------------

class Desk:
    """The reader's shell: HOME, PATH, locale, the working folder."""

    def __init__(self, tmp: Path):
        self.home = tmp / "home"
        self.home.mkdir()
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        shim = bin_dir / "typeset"        # the Python under test, as `typeset`
        shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m typeset "$@"\n')
        shim.chmod(0o755)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LC_", "TYPESET_DEBUG")) and k not in ("LANG", "LANGUAGE")}
        env.setdefault("TYPESET_CACHE", str(Path.home() / ".cache" / "typeset"))   # warm
        env.update(HOME=str(self.home), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                   LC_ALL="C.UTF-8", PYTHONUNBUFFERED="1")
        self.env = env
        self.cwd = ROOT
        self.printed: list[str] = []        # for TYPESET_WALKTHROUGH_OUT
        self.differences: list[str] = []

    def check(self, what: str, line: int, expected: list[str], actual: list[str]):
        self.differences.append(compare(what, line, expected, actual, self.home))

    def bash(self, command: str) -> list:
        return ["bash", "-c", f"enable -n typeset\n{command}"]

    def run(self, cmd: Command):
        if cmd.text.startswith("source ") and cmd.text.split()[1:2] == [".venv/bin/activate"]:
            assert not cmd.expected
            return                          # the PATH has the tested typeset first
        if cmd.text.startswith("cd "):
            r = subprocess.run(self.bash(f"{cmd.text} && pwd"), cwd=self.cwd, env=self.env,
                               capture_output=True, text=True, timeout=10)
            assert r.returncode == 0, f"README.md:{cmd.line}: {cmd.text}: {r.stderr}"
            self.cwd = Path(r.stdout.strip())
            assert not cmd.expected
            return
        r = subprocess.run(self.bash(cmd.text), cwd=self.cwd, env=self.env, timeout=300,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        actual = r.stdout.splitlines()
        self.record(cmd.text, actual)
        assert r.returncode == 0, (f"README.md:{cmd.line}: `{cmd.text}` exited "
                                   f"{r.returncode}:\n{r.stdout}")
        self.check(cmd.text, cmd.line, cmd.expected, actual)

    def edit(self, edit: Edit):
        path = self.cwd / edit.path
        lines = path.read_text(encoding="utf-8").split("\n")
        n = len(edit.old)
        at = [i for i in range(len(lines) - n + 1) if lines[i:i + n] == edit.old]
        assert len(at) == 1, (f"README.md:{edit.line}: the edit's old lines are in "
                              f"{edit.path} {len(at)} times, not once")
        lines[at[0]:at[0] + n] = edit.new
        tmp = path.with_name(f".{path.name}.swp")   # saved as an editor saves: a new file renamed
        tmp.write_text("\n".join(lines), encoding="utf-8")
        os.replace(tmp, path)

    def record(self, command: str, lines: list[str]):
        self.printed += [f"$ {command}", *lines]


class Watch:
    """`typeset watch` running, its output read line by line."""

    def __init__(self, desk: Desk, cmd: Command):
        self.cmd = cmd
        self.proc = subprocess.Popen(desk.bash(f"exec {cmd.text}"), cwd=desk.cwd, env=desk.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def take(self, n: int, timeout: float = 120) -> list[str]:
        out: list[str] = []
        end = time.monotonic() + timeout
        while len(out) < n:
            try:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"README.md:{self.cmd.line}: the watch printed {out} and then "
                            f"nothing for {timeout} s", pytrace=False)
            if line is None:
                pytest.fail(f"README.md:{self.cmd.line}: the watch ended early after {out}",
                            pytrace=False)
            out.append(line)
        return out

    def stop(self) -> list[str]:
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(timeout=60)
        rest = []
        while (line := self.lines.get(timeout=10)) is not None:
            rest.append(line)
        assert rc == 130, f"README.md:{self.cmd.line}: the watch exited {rc} after Ctrl-C"
        return rest

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def clone() -> list[str]:
    """What the walkthrough could write into by mistake: the clone's top level and issues/."""
    return sorted([p.name for p in ROOT.iterdir()] + [str(p.relative_to(ROOT)) for p in
                   (ROOT / "issues").rglob("*") if "__pycache__" not in p.parts])


def test_the_walkthrough_prints_what_the_readme_shows(tmp_path):
    desk = Desk(tmp_path)
    before = clone()
    watch: Watch | None = None
    todo = steps()
    try:
        for step in todo:
            if isinstance(step, Edit):
                desk.edit(step)
            elif isinstance(step, Continued):
                assert watch, f"README.md:{step.line}: output with no command before it"
                if "^C" in step.expected:
                    cut = step.expected.index("^C")
                    shown, after = step.expected[:cut], step.expected[cut + 1:]
                else:
                    shown, after = step.expected, None
                got = watch.take(len(shown))
                desk.record("(the watch goes on)", got)
                desk.check(watch.cmd.text, step.line, shown, got)
                if after is not None:
                    rest = watch.stop()
                    desk.record("^C", rest)
                    desk.check(watch.cmd.text + " (Ctrl-C)", step.line, after, rest)
                    watch = None
            elif step.text.startswith("typeset watch"):
                assert "…" not in step.expected, "the watch's lines are shown in full"
                watch = Watch(desk, step)
                got = watch.take(len(step.expected))
                desk.record(step.text, got)
                desk.check(step.text, step.line, step.expected, got)
            else:
                assert watch is None, f"README.md:{step.line}: a command while the watch runs"
                desk.run(step)
        assert watch is None, "the watch is never stopped (a `^C` line)"
    finally:
        if watch:
            watch.kill()
        out = os.environ.get("TYPESET_WALKTHROUGH_OUT")
        if out:
            Path(out).write_text("\n".join(desk.printed) + "\n", encoding="utf-8")
    assert clone() == before, "the walkthrough wrote into the clone"
    differences = [d for d in desk.differences if d]
    if differences:
        pytest.fail("\n\n".join(differences), pytrace=False)


def test_the_walkthrough_goes_through_the_desks_day_in_order():
    """import → build → proof → watch → stats → archive, each with its output shown, and a
    second proof after a correction that names only the changed pages."""
    todo = steps()
    commands = [s.text for s in todo if isinstance(s, Command)]
    verbs = [c.split()[1] for c in commands if c.startswith("typeset ")]
    firsts = sorted({v: verbs.index(v) for v in verbs}.items(), key=lambda kv: kv[1])
    assert [v for v, _ in firsts] == ["import", "build", "proof", "watch", "stats", "archive"]
    assert all(s.expected for s in todo if isinstance(s, Command) and s.text.startswith("typeset"))
    proofs = [i for i, s in enumerate(todo) if isinstance(s, Command)
              and s.text.startswith("typeset proof")]
    assert len(proofs) == 2 and any(isinstance(s, Edit) for s in todo[proofs[0]:proofs[1]])
    changes = next(s for s in todo[proofs[1]:] if isinstance(s, Command)
                   and s.text.startswith("cat ") and s.text.endswith("changes.txt"))
    listed = [x for x in changes.expected if not x.startswith("#")]
    assert listed and all(x.startswith("changed\t") for x in listed)
    # the first command that writes anything works on the scratch copy, not the clone
    assert any(re.fullmatch(r"cp -r issues/sample ~/\S+", c) for c in commands)


def test_the_walkthroughs_links_lead_to_headings():
    lines, first = section()
    text = README.read_text(encoding="utf-8")
    slugs = {_slug(m) for m in re.findall(r"^#{2,4} (.+)$", text, re.M)}
    for n, line in enumerate(lines, first):
        for anchor in re.findall(r"\]\(#([^)]+)\)", line):
            assert anchor in slugs, f"README.md:{n}: no heading has the anchor #{anchor}"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_word_document_is_what_its_script_writes(tmp_path):
    """issues/desk/make_docx.py, run again, writes a document with the same paragraphs, styles,
    alignment, bold runs and table as the committed one."""
    docx = pytest.importorskip("docx")
    make_docx = SimpleNamespace(**runpy.run_path(str(DESK / "make_docx.py")))  # no .pyc left
    made = make_docx.build(tmp_path / "again.docx")

    def content(path: Path) -> list:
        doc = docx.Document(str(path))
        out = []
        for el in doc.element.body.iterchildren():
            tag = el.tag.rsplit("}", 1)[1]
            if tag == "p":
                p = docx.text.paragraph.Paragraph(el, doc)
                out.append(("p", p.style.name, p.alignment,
                            [(r.text, bool(r.bold)) for r in p.runs]))
            elif tag == "tbl":
                t = docx.table.Table(el, doc)
                out.append(("table", [[(c.text, c.paragraphs[0].alignment) for c in row.cells]
                                      for row in t.rows]))
        return out

    committed = content(make_docx.DOCX)
    assert content(made) == committed
    texts = [x for b in committed if b[0] == "p" for x, _ in b[3]]
    assert texts[0] == make_docx.TITLE and committed[0][1] == "Title"
    assert texts[-1].startswith("（作者系") and any(b[0] == "table" for b in committed)
