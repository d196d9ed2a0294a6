"""The desk's language (issue 12 part 5): everything typeset prints is in Chinese in a Chinese
locale and in English otherwise, from one catalogue (typeset/i18n/zh_CN.po).

What is proved here:
* the locale is read as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG);
* every message template of the source (found with `ast`, typeset.i18n.extract) has its
  Chinese, which keeps every placeholder, and the catalogue holds nothing the source lost;
* every bad input of the trust tables (tests/data/trust/inputs.yaml) and every fault of
  tests/data/faults.yaml that fails, run in Chinese: the same exit status, the same
  location, Chinese words and no English sentence left (`_reads_english`);
* `--help` of every command, the build's result lines, usage errors, progress lines.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from typeset import i18n
from typeset.cli import main
from typeset.i18n import extract, printed, templates

ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def chinese(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    yield


@pytest.fixture()
def english(monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield


#: what a line may hold in English: a command as typed (`typeset build`), options and their
#: values, argparse's usage synopsis
_AS_TYPED = re.compile(r"\x1b\[K|\bpip install\b|\btypeset(?: [a-z]+)?\b|--?[a-z][\w-]*(?: [A-Z_.]+)?|\[[^\]]*\]|"
                       r"\{[^}]*\}")


#: quoted text, paths and file names, and what a library says of a damaged file after its
#: exception's name (`PdfStreamError: Stream has ended …`): i18n's own measure
_NOT_WORDS = templates._QUOTED


def english_left(text: str) -> list[str]:
    """Lines of printed text that still read as English: two lower-case words in a row
    outside quotes, paths, file names, commands as typed and a library's words about an
    error (what the catalogue must have translated). Words in a list of values (`full,
    half`) are values, not a sentence."""
    return [ln for ln in text.splitlines()
            if re.search(r"(?<![A-Za-z])(?:[a-z]{2,}|a) [a-z]{2,}(?![A-Za-z])",
                         _NOT_WORDS.sub(" ", _AS_TYPED.sub(" ", ln)))]


# -- which language -----------------------------------------------------------------------------

@pytest.mark.parametrize("env, lang", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),       # LC_ALL comes first
    ({"LC_ALL": "zh_CN.GB18030"}, "zh"),
    ({"LANGUAGE": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),          # LANGUAGE comes first
    ({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}, "zh"),      # a list: the first known
    ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh"),              # empty: not set
    ({"LANG": "fr_FR.UTF-8"}, "en"),
])
def test_the_language_is_read_as_gettext_reads_it(env, lang):
    assert i18n.language(env) == lang


# -- the catalogue ------------------------------------------------------------------------------

#: argparse's own messages, in the catalogue though not in typeset's source
ARGPARSE = {"usage: ", "positional arguments", "options", "show this help message and exit",
            "%(prog)s: error: %(message)s\n", "the following arguments are required: %s",
            "unrecognized arguments: %s", "expected one argument",
            "argument %(argument_name)s: %(message)s", "invalid %(type)s value: %(value)r",
            "invalid choice: %(value)r (choose from %(choices)s)",
            "show program's version number and exit", "not allowed with argument %s",
            "ambiguous option: %(option)s could match %(matches)s",
            "expected at most one argument", "expected at least one argument",
            "ignored explicit argument %r", "one of the arguments %s is required",
            "unknown parser %(parser_name)r (choices: %(choices)s)",
            "unexpected option string: %s"}


#: text printed as a sample of type, not words to read (the specimen's Latin line)
SAMPLE_TEXT = {"The quick brown fox jumps over the lazy dog. 0123456789"}


def test_every_message_of_the_source_has_its_chinese():
    table = i18n.catalogue()
    found = extract.unique(extract.templates())
    assert len(found) > 1000                       # the extractor finds the messages
    missing = [f"{t.file}:{t.line}: {t.text!r}" for t in found.values()
               if t.text not in table and not (t.kind == "fragment" and t.text.strip()
                                                in ("s", "es", "an", "a", "ies", "y"))]
    assert missing == [], "run `python -m typeset.i18n.extract` and translate:\n" + \
        "\n".join(missing[:40])


def test_the_chinese_keeps_every_placeholder_and_the_catalogue_nothing_stale():
    table = i18n.catalogue()
    found = extract.unique(extract.templates())
    problems = []
    for msgid, msgstr in table.items():
        need, got = templates.placeholders(msgid), templates.placeholders(msgstr)
        if not set(got) <= set(need) or len(set(got)) != len(got):
            problems.append((msgid, msgstr))
        # a placeholder may only be left out when it carries an English ending
        for name in set(need) - set(got):
            if not re.search(r"'s'|'es'|plural|\bs\b", name):
                problems.append((msgid, msgstr))
        if not HAN.search(msgstr) and re.search(r"[a-z]{3,} [a-z]{3,}",
                                                re.sub(r"\{[^}]*\}|`[^`]*`", "", msgstr)) \
                and msgid not in SAMPLE_TEXT:
            problems.append((msgid, msgstr))               # left in English
    assert problems == []
    stale = [k for k in table if k not in found and k not in ARGPARSE
             and k not in i18n.EXTRA]
    assert stale == [], "templates no longer in the source: " + repr(stale[:20])
    assert ARGPARSE <= set(table)


def test_a_printed_message_is_matched_to_its_template():
    t = i18n.translator()
    out = printed.translate_line("typeset: error: issue.yaml:3:7: malformed YAML: this line is not "
                              "'key: value'")
    assert out.startswith("typeset: 错误：issue.yaml:3:7: ") and HAN.search(out[30:])
    assert "'key: value'" in out, out
    assert printed.translate_line("  hint: give a file name, e.g. -o issue.pdf").startswith(
        "  提示：")
    assert "-o issue.pdf" in printed.translate_line("  hint: give a file name, e.g. -o issue.pdf")
    # what the user wrote stays as written
    assert t.translate("a line of text") == "a line of text" or HAN.search(
        t.translate("a line of text"))
    assert printed.translate_line("正文第一段。") == "正文第一段。"


# -- the trust tables in Chinese ----------------------------------------------------------------

from tests.test_trust_inputs import CASES, EARLIER, make_issue  # noqa: E402

FAILING = [c for c in CASES if c["exit"] != 0]


@pytest.mark.parametrize("case", FAILING, ids=[c["name"] for c in FAILING])
def test_every_bad_input_is_told_in_chinese(case, tmp_path, capsys, monkeypatch):
    root = tmp_path / "issue"
    manifest = make_issue(case, root)
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(EARLIER)
    monkeypatch.setenv("LANGUAGE", "en")
    code_en = main(["build", str(manifest), "-o", str(pdf)])
    english_err = capsys.readouterr().err
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    code = main(["build", str(manifest), "-o", str(pdf)])
    err = capsys.readouterr().err
    assert code == code_en == case["exit"]
    assert err.startswith("typeset: 错误："), err
    assert "Traceback" not in err and pdf.read_bytes() == EARLIER
    where = re.match(r"typeset: error: ((?:[^\s:]|:(?!\s))+?:\d+(?::\d+)?): ", english_err)
    if where:                                  # the same file:line:column, for the editor
        assert err.startswith(f"typeset: 错误：{where.group(1)}: "), (english_err, err)
    assert HAN.search(err.split(":", 1)[1])
    assert english_left(err) == [], err
    # the location and the code points named in English are named in Chinese too
    for token in re.findall(r"U\+[0-9A-F]{4,6}", english_err):
        assert token in err, (token, err)


from tests.test_trust_faults import CASES as FAULTS  # noqa: E402
from tests.test_trust_faults import make_warm_cache, run_fault  # noqa: E402

FAILING_FAULTS = [c for c in FAULTS if c["exit"] != 0]


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """A cache warmed by one clean build of the fixture, and that build's PDF."""
    return make_warm_cache(tmp_path_factory)


@pytest.mark.parametrize("case", FAILING_FAULTS, ids=[c["id"] for c in FAILING_FAULTS])
def test_every_fault_is_told_in_chinese(case, tmp_path, monkeypatch, capsys, warm_cache):
    text = run_fault(case, tmp_path, monkeypatch, capsys, warm_cache, chinese=True)
    assert HAN.search(text), text
    if "--debug" in case["args"]:            # Python's traceback is printed as it is
        text = "\n".join(ln for ln in text.splitlines() if ln.startswith("typeset"))
        assert text
    assert english_left(text) == [], text


# -- the commands' own words --------------------------------------------------------------------

COMMANDS = ["build", "check", "dump", "specimen", "archive", "batch", "import", "proof",
            "watch", "stats"]


@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_help_is_in_chinese(command, chinese, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"] if command is None else [command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：typeset"), out[:200]
    assert "选项" in out and HAN.search(out)
    assert english_left(out) == [], out


def test_help_is_in_english_otherwise(english, capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: typeset build") and not HAN.search(out)


def test_a_usage_error_is_in_chinese(chinese, capsys):
    with pytest.raises(SystemExit) as done:
        main(["proof", "issue.yaml", "--dpi", "many"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "错误" in err and "many" in err and english_left(err) == [], err
    with pytest.raises(SystemExit):
        main(["build"])
    err = capsys.readouterr().err
    assert "错误" in err and english_left(err) == [], err


def test_the_build_says_what_it_made_in_chinese(chinese, tmp_path, capsys):
    from tests.conftest import SAMPLE

    out = tmp_path / "s.pdf"
    assert main(["build", str(SAMPLE), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("typeset: ") and str(out) in said and HAN.search(said)
    assert english_left(said) == [], said
    assert main(["stats", str(SAMPLE)]) == 0
    said = capsys.readouterr().out
    assert HAN.search(said) and english_left(said) == [], said


def test_a_child_process_in_a_chinese_locale(tmp_path):
    """As the desk runs it: LANG=zh_CN.UTF-8 (the locale itself need not be installed)."""
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(LANG="zh_CN.UTF-8", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "typeset", "build", str(tmp_path / "no.yaml")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"typeset: 错误：{tmp_path / 'no.yaml'}"), proc.stderr
    assert english_left(proc.stderr) == [], proc.stderr
    env["LANG"] = "en_US.UTF-8"
    proc = subprocess.run([sys.executable, "-m", "typeset", "build", str(tmp_path / "no.yaml")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.stderr.startswith("typeset: error: ") and not HAN.search(proc.stderr)


# -- progress -----------------------------------------------------------------------------------

class Terminal:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_a_long_build_shows_progress_on_a_terminal_only(tmp_path, monkeypatch):
    from tests.conftest import SAMPLE
    from typeset.build import build
    from typeset.progress import reporting, terminal_line

    assert terminal_line(Terminal(False)) is None              # piped: quiet
    term = Terminal(True)
    with reporting(terminal_line(term, min_interval=0.0)):
        build(SAMPLE, tmp_path / "s.pdf")
    assert "setting article: 10/10…" in term.text and "writing page: 44/44…" in term.text
    assert term.text.endswith("\r\x1b[K")                        # cleared at the end
    # in Chinese, through the translating stream
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    term = Terminal(True)
    stream = printed.TranslatingStream(term)
    with reporting(terminal_line(stream, min_interval=0.0)):
        build(SAMPLE, tmp_path / "s.pdf")
    assert "44/44" in term.text and english_left(term.text.replace("\r", "\n")) == [], \
        term.text[-300:]


def test_the_cli_build_is_quiet_when_piped(tmp_path, capsys):
    from tests.conftest import SAMPLE

    assert main(["build", str(SAMPLE), "-o", str(tmp_path / "s.pdf")]) == 0
    err = capsys.readouterr().err
    assert "writing page" not in err and "\r" not in err


def test_a_day_at_the_desk_in_chinese(chinese, tmp_path, capsys):
    """Every command's result lines on the sample issue, in Chinese: import, build, check,
    proof, stats, archive, batch."""
    import shutil

    from tests.conftest import SAMPLE
    from tests.docxfixture import article_blocks, build_docx

    issue = tmp_path / "sample"
    shutil.copytree(SAMPLE.parent, issue)
    manifest = issue / "issue.yaml"
    said = []

    def run(*argv, code=0):
        assert main([str(a) for a in argv]) == code, argv
        cap = capsys.readouterr()
        said.append((argv[0], cap.out + cap.err))

    build_docx(tmp_path / "来稿.docx", article_blocks(2))
    run("import", tmp_path / "来稿.docx", "-o", issue / "articles" / "new.md")
    run("build", manifest, "-o", tmp_path / "s.pdf")
    run("check", manifest)
    run("check", "--pdf", tmp_path / "s.pdf")
    run("proof", manifest, "--to", tmp_path / "proof", "--pages", "1-2", "--dpi", "40")
    run("stats", manifest)
    run("archive", manifest, "--to", tmp_path / "arch")
    run("archive", "--verify", tmp_path / "arch")
    (tmp_path / "batch").mkdir()
    run("batch", manifest, "--out", tmp_path / "batch", "--jobs", "1")
    for command, text in said:
        assert HAN.search(text), (command, text)
        assert english_left(text) == [], (command, text)


def test_dump_prints_its_data_as_it_is(monkeypatch, capsys):
    """`typeset dump` is data for diffing: the same bytes in any locale."""
    from tests.conftest import SAMPLE

    monkeypatch.setenv("LANGUAGE", "zh_CN")
    assert main(["dump", str(SAMPLE)]) == 0
    zh = capsys.readouterr().out
    monkeypatch.setenv("LANGUAGE", "en")
    assert main(["dump", str(SAMPLE)]) == 0
    en = capsys.readouterr().out
    assert en == zh and len(en.splitlines()) > 1000


# -- what an adversarial test found (each a line that came out garbled or in English) -----------

@pytest.mark.parametrize("edit, shown", [
    ("file not found: 3\n", "'file not found'"),          # a key the user wrote: as written
    ("Permission denied: x\n", "'Permission denied'"),
])
def test_what_the_user_wrote_is_never_translated(chinese, tmp_path, capsys, edit, shown):
    from tests.test_trust_inputs import MANIFEST, make_issue

    manifest = make_issue({"files": {"issue.yaml": MANIFEST + edit}}, tmp_path / "i")
    assert main(["build", str(manifest), "-o", str(tmp_path / "o.pdf")]) == 1
    err = capsys.readouterr().err
    assert shown in err and english_left(err) == [], err


def test_a_did_you_mean_is_one_sentence(chinese, tmp_path, capsys):
    from tests.test_trust_inputs import make_issue

    manifest = make_issue({"files": {"a.md": "---\ntitel: 标题\n---\n\n正文。\n"}},
                          tmp_path / "i")
    assert main(["build", str(manifest), "-o", str(tmp_path / "o.pdf")]) == 1
    err = capsys.readouterr().err
    assert "a.md:2:1: 文章头信息中有未知字段 'titel'；是否要用 'title'？" in err, err


def test_a_number_the_user_wrote_in_words_stays_as_written(chinese, tmp_path, capsys):
    from tests.test_trust_inputs import MANIFEST, make_issue

    manifest = make_issue({"files": {"issue.yaml": MANIFEST.replace("number: 1",
                                                                   "number: one of many")}},
                          tmp_path / "i")
    assert main(["build", str(manifest), "-o", str(tmp_path / "o.pdf")]) == 1
    err = capsys.readouterr().err
    assert "'one of many'" in err and english_left(err) == [], err


@pytest.mark.parametrize("line, want", [
    ("typeset: 02:46:00 built out/x.pdf: 44 pages in 0.17 s, after a save of a/05-x.md; "
     "1 page(s) changed: 15",
     "typeset: 02:46:00 已生成 out/x.pdf：44 页，用时 0.17 秒（保存 a/05-x.md 之后）; 1 页有变化：15"),
    ("typeset: 3 issue(s): 0 built, 2 unchanged, 1 failed in 0.3 s",
     "typeset: 共 3 期：已生成 0 期，无变化 2 期，失败 1 期，用时 0.3 秒"),
    ("  table 1: 4 rows × 3 columns, “表1 某表” (caption: the paragraph starting with 表 "
     "before it)", "  table 1: 4 行 × 3 列，“表1 某表”（图注：其前的以“表”开头的段落）"),
])
def test_lines_made_of_several_messages(chinese, line, want):
    assert printed.translate_line(line) == want


def test_a_watch_error_keeps_every_line_and_its_hint():
    from typeset.watch.rebuild import Problem

    p = Problem.from_text("a.md:3:1: 2 pictures are under 300 ppi; nothing was written:\n"
                          "  images/a.jpg on page 5: 120 ppi\n  images/b.jpg on page 6: 90 ppi"
                          "\n  hint: replace them with larger pictures")
    assert (p.file, p.line, p.column) == ("a.md", 3, 1)
    assert "images/b.jpg on page 6" in p.message and p.hint == "replace them with larger pictures"


def test_forked_workers_of_a_watch_end_quietly_on_sigterm(tmp_path):
    """The watch's SIGTERM handler (Ctrl-C for `kill`) is inherited by forked workers; a pool
    ending them must not print a traceback."""
    script = tmp_path / "w.py"
    script.write_text(
        "import time\n"
        "from typeset.watch import _stop_on_sigterm\n"
        "from typeset import parallel\n"
        "_stop_on_sigterm()\n"
        "parallel._load = lambda: 0.0\n"
        "def slow(x):\n    time.sleep(0.05)\n    return x\n"
        "for _ in range(30):\n"
        "    parallel.map_forked(slow, list(range(6)), here=1)\n",
        encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env={**__import__("os").environ,
                                            "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr


def test_a_preflight_of_a_foreign_pdf_in_chinese(chinese, tmp_path, capsys):
    """`check --pdf` on a PDF made elsewhere (no boxes, RGB, fonts not embedded): every
    violation in Chinese, where it is found named as in English."""
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "plain.pdf"
    c = canvas.Canvas(str(pdf))
    c.setFillColorRGB(1, 0, 0)
    c.drawString(100, 100, "hello")
    c.save()
    assert main(["check", "--pdf", str(pdf)]) == 1
    said = capsys.readouterr()
    text = said.out + said.err
    assert "第 1 页: 没有 TrimBox" in text and "RGB 颜色（rg）" in text, text
    assert english_left(text) == [], text
