"""Adversarial round 9 (main at 2830061): shapes that held, kept as tests where the suite had no
case of that shape — the build a stretch at a time against the whole build with faults in the
middle of the issue, inserts and other layouts, a cache file renamed over between its passes,
an interruption in pass 2; records used from many threads and pickled; the bounded line
search against the whole search on long mixed paragraphs. Text written fresh."""
from __future__ import annotations

import pickle
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from typeset import build as B
from typeset import stream
from typeset.cli import main
from typeset.layout import issue as I

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"
_POOL = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"


def _sample_copy(tmp: Path) -> Path:
    dest = tmp / "issue"
    shutil.copytree(SAMPLE.parent, dest)
    return dest / "issue.yaml"


def _words(r: random.Random, n: int) -> str:
    return "".join(r.choice(_POOL) for _ in range(n))


def _append(man: Path, article: str, text: str) -> None:
    p = man.parent / "articles" / article
    p.write_text(p.read_text(encoding="utf-8") + "\n\n" + text + "\n", encoding="utf-8")


def _both(man: Path, tmp: Path, monkeypatch, capsys, *args) -> list[tuple[int, str, bytes]]:
    """(exit status, what was said with the output's name taken out, the PDF's bytes or b"")
    of the whole build and of the build a stretch at a time."""
    monkeypatch.setattr(stream, "STREAM_CACHE_BYTES", 0)
    got = []
    for name, threshold in (("whole", 10 ** 9), ("stream", 1)):
        monkeypatch.setattr(stream, "STREAM_STRETCHES", threshold)
        out = tmp / f"{name}.pdf"
        code = main(["build", str(man), "-o", str(out), *args])
        said = capsys.readouterr()
        text = (said.out + said.err).replace(str(out), "OUT")
        got.append((code, text, out.read_bytes() if out.exists() else b""))
    return got


_FAULTS = {
    # a footnote of 3,000 characters (runs on over pages) in article 07
    "a long footnote": lambda m, r: _append(m, "07-lanjiang-chaye.md",
                                            f"这是一句话[^zz]。\n\n[^zz]: {_words(r, 3000)}。"),
    # a table of 200 rows (continues over pages, header repeated) in article 06
    "a long table": lambda m, r: _append(m, "06-shuzi-xiangcun.md", "| 年份 | 数 |\n|---|---:|\n"
                                         + "".join(f"| {_words(r, 3)} | {i} |\n"
                                                   for i in range(200)) + "\n: 表9 很长的表"),
    # sixty notes referred to in one paragraph of article 05
    "sixty notes": lambda m, r: _append(m, "05-shizheng-yiliu.md",
                                        "".join(f"字[^n{i}]" for i in range(60)) + "\n\n"
                                        + "".join(f"[^n{i}]: 注。\n" for i in range(60))),
    # errors in article 07 or 09, in the middle of the issue
    "a missing picture": lambda m, r: _append(m, "07-lanjiang-chaye.md",
                                              "![图](../images/nothere.jpg)"),
    "a caption taller than a page": lambda m, r: _append(
        m, "07-lanjiang-chaye.md", f"![{_words(r, 1500)}](../images/chaye.jpg)"),
    "a figure wider than the text block": lambda m, r: _append(
        m, "07-lanjiang-chaye.md", "![图](../images/chaye.jpg){width=900mm}"),
    "a character no font has": lambda m, r: _append(m, "09-guichuan-yanglao.md",
                                                    "这里有一个字𪚥。"),
}


@pytest.mark.parametrize("fault", list(_FAULTS))
def test_a_fault_in_the_middle_of_the_issue_streamed_is_the_whole_builds(tmp_path, monkeypatch,
                                                                          capsys, fault):
    """The same exit status, words and bytes (or none) as the whole build."""
    man = _sample_copy(tmp_path)
    _FAULTS[fault](man, random.Random(7))
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    whole, streamed = _both(man, tmp_path, monkeypatch, capsys)
    assert whole == streamed
    assert "Traceback" not in whole[1]
    assert (whole[0] == 0) == (fault in ("a long footnote", "a long table", "sixty notes"))


def test_inserts_and_whole_pages_streamed_are_the_whole_builds(tmp_path, monkeypatch, capsys):
    """A picture as 封二, a picture insert after folio 6 and a PDF insert counted in the
    folios after 20: print and archive (where the PDF's page is refused, the same way)."""
    man = _sample_copy(tmp_path)
    shutil.copy(_any_pdf(tmp_path), man.parent / "images" / "ins.pdf")
    man.write_text(man.read_text(encoding="utf-8").replace(
        "sections:", "pages:\n  inside_front: images/chaye.jpg\n  inserts:\n    - after: 6\n"
        "      file: images/chaye.jpg\n    - after: 20\n      file: images/ins.pdf\n"
        "      folio: true\nsections:"), encoding="utf-8")
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    for variant in ("print", "archive"):
        whole, streamed = _both(man, tmp_path, monkeypatch, capsys, "--variant", variant)
        assert whole == streamed
    assert whole[0] in (0, 1) and streamed[0] in (0, 1)


def _any_pdf(tmp: Path) -> Path:
    """A one-page PDF made by typeset itself (an issue of one short article)."""
    from tests.issuekit import one_article_issue
    m = one_article_issue(tmp / "one", "一段文字。")
    out = tmp / "one.pdf"
    B.build(m, out)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The sample's articles three times (bench/build.py's generator): 30 stretches."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("typeset_bench_build_adv9",
                                                  ROOT / "bench" / "build.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.make_issue(3, tmp_path_factory.mktemp("x3") / "x3")


@pytest.mark.parametrize("change", ["end notes numbered by article", "no saddle stitch"])
def test_other_layouts_streamed_are_the_whole_builds(tmp_path, monkeypatch, capsys, generated,
                                                     change):
    layout = yaml.safe_load((ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8"))
    if change == "end notes numbered by article":
        layout["notes"]["mode"] = "endnote"
        layout["notes"]["numbering"] = "article"
    else:
        layout["page"]["saddle_stitch"] = False
    path = tmp_path / "l.yaml"
    path.write_text(yaml.safe_dump(layout, allow_unicode=True), encoding="utf-8")
    whole, streamed = _both(generated, tmp_path, monkeypatch, capsys, "--layout", str(path))
    assert whole == streamed and whole[0] == 0


@pytest.mark.parametrize("when", [3, 14])       # pass 1; pass 2
def test_a_paragraph_cache_renamed_over_during_a_stretch_build(tmp_path, monkeypatch, capsys,
                                                                when):
    """Another build (or a copy) renames a different file over the cache file: the mapping
    still reads the file it checked; the same bytes."""
    man = _sample_copy(tmp_path)
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(stream, "STREAM_CACHE_BYTES", 0)
    monkeypatch.setattr(stream, "STREAM_STRETCHES", 10 ** 9)
    for _ in range(2):
        assert main(["build", str(man), "-o", str(tmp_path / "whole.pdf")]) == 0
    [path] = (tmp_path / "cache" / "paragraphs").iterdir()
    monkeypatch.setattr(stream, "STREAM_STRETCHES", 1)
    real, calls = I.Stretches.set, [0]

    def set_(self, k):
        calls[0] += 1
        if calls[0] == when:
            data = path.read_bytes()
            (path.parent / "new").write_bytes(data[:len(data) // 2])
            (path.parent / "new").replace(path)
        return real(self, k)
    monkeypatch.setattr(I.Stretches, "set", set_)
    assert main(["build", str(man), "-o", str(tmp_path / "s.pdf")]) == 0
    capsys.readouterr()
    assert (tmp_path / "s.pdf").read_bytes() == (tmp_path / "whole.pdf").read_bytes()


def test_an_interruption_in_pass_two_writes_nothing(tmp_path, monkeypatch, capsys):
    man = _sample_copy(tmp_path)
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(stream, "STREAM_CACHE_BYTES", 0)
    monkeypatch.setattr(stream, "STREAM_STRETCHES", 1)
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF earlier")
    real, calls = stream._unpacked, [0]

    def unpacked(one, page, where):
        calls[0] += 1
        if calls[0] == 5:                     # (pass 2 draws the pages pass 1 kept: its fifth)
            raise KeyboardInterrupt
        return real(one, page, where)
    monkeypatch.setattr(stream, "_unpacked", unpacked)
    code = main(["build", str(man), "-o", str(out)])
    said = capsys.readouterr()
    assert calls[0] == 5 and code == 130 and "interrupted" in said.err
    assert out.read_bytes() == b"%PDF earlier"
    assert sorted(p.name for p in out.parent.iterdir()) == ["issue.pdf"]


# -- records (typeset/records.py) --------------------------------------------------------------

def test_records_first_used_by_many_threads_at_once():
    """Eight threads make, hash, compare and print a record whose methods are not made yet,
    released together (a Dask worker's threads): no error, the same answers, 200 times."""
    from typeset.records import dataclass
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    errors: list = []
    try:
        for trial in range(200):
            @dataclass(frozen=True)
            class R:
                a: int
                b: str = "x"
            barrier = threading.Barrier(8)

            def work():
                barrier.wait()
                try:
                    assert R(1) == R(1) and R(1) != R(2)
                    assert hash(R(2)) == hash(R(2)) and repr(R(3)).endswith(".R(a=3, b='x')")
                except Exception as err:       # noqa: BLE001 (collected, asserted below)
                    errors.append(repr(err))
            threads = [threading.Thread(target=work) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []


def test_a_build_report_pickled_to_another_process(tmp_path, monkeypatch):
    """What `typeset batch` hands between processes: equal, and the same repr and report,
    in a fresh process that has made none of the records' methods."""
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    rep = B.build(SAMPLE, tmp_path / "s.pdf")
    (tmp_path / "rep.pkl").write_bytes(pickle.dumps(rep))
    code = ("import pickle, sys; r = pickle.load(open(sys.argv[1], 'rb')); "
            "s = pickle.load(open(sys.argv[1], 'rb')); "
            "print(r == s, r.typography == s.typography, repr(r) == repr(s)); "
            "print(r.typography.format())")
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path / "rep.pkl")],
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    first, rest = res.stdout.split("\n", 1)
    assert first == "True True True"
    assert rest.rstrip("\n") == rep.typography.format().rstrip("\n")


# -- the bounded line search (text/linebreak.py) -----------------------------------------------

def _long_mixed_paragraph(r: random.Random, n: int) -> str:
    out = ""
    while len(out) < n:
        k = r.random()
        if k < 0.7:
            out += _words(r, r.randint(3, 25)) + r.choice("，。、；：？！")
        elif k < 0.8:
            out += " " + " ".join("".join(r.choice("abcdefghijklmnop")
                                          for _ in range(r.randint(2, 14)))
                                  for _ in range(r.randint(1, 6))) + " "
        elif k < 0.85:
            out += "https://example.com/" + "".join(r.choice("abcdefgh/-_")
                                                    for _ in range(r.randint(20, 90)))
        elif k < 0.9:
            out += "“" + _words(r, r.randint(2, 9)) + "”"
        elif k < 0.95:
            out += f"{r.randint(1, 10 ** 8)}%"
        else:
            out += "（" + _words(r, r.randint(2, 12)) + "）"
    return out


def test_long_mixed_paragraphs_bounded_are_the_whole_search(tmp_path, monkeypatch):
    """Paragraphs of 1,500-3,500 characters of Han text, Latin words, URLs, numbers and
    brackets, with subheads: the bounded search (linebreak.BOUND_FROM) and the whole search
    give the same file, cold."""
    from tests.issuekit import issue
    from typeset.text import linebreak
    r = random.Random(2)
    bodies = []
    for _ in range(3):
        parts = [_long_mixed_paragraph(r, r.randint(1500, 3500)) for _ in range(2)]
        parts.insert(1, "## " + _words(r, 12))
        bodies.append("\n\n".join(parts + ["短段落。"]))
    man = issue(tmp_path / "i", bodies)
    got = []
    for bound in (linebreak.BOUND_FROM, 10 ** 9):
        monkeypatch.setattr(linebreak, "BOUND_FROM", bound)
        monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / f"cache{bound}"))
        B.build(man, tmp_path / f"b{bound}.pdf")
        got.append((tmp_path / f"b{bound}.pdf").read_bytes())
    assert got[0] == got[1]
