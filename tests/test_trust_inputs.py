"""Bad inputs as data (tests/data/trust/inputs.yaml, issue 8 part 8): each case builds a small
issue through `typeset.cli.main` and checks the exit status, the words of the message, that
no traceback is printed and that an earlier PDF at the output path survives a failure; a
build that must succeed is checked against the text on its pages. Cases marked `subprocess`
run once more as `python -m typeset build` in a child process."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from typeset.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load((Path(__file__).parent / "data" / "trust" / "inputs.yaml")
                       .read_text(encoding="utf-8"))
GUANGXI = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
MANIFEST = ("layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
            "    articles: [a.md]\n")
ARTICLE = "---\ntitle: 标题\n---\n\n正文第一段。\n"
EARLIER = b"%PDF-1.4 an earlier good build\n"


def expand(text: str) -> str:
    """{U+XXXX} -> the character; {x N:TEXT} -> TEXT repeated N times."""
    text = re.sub(r"\{x (\d+):([^}]*)\}", lambda m: m.group(2) * int(m.group(1)), text)
    return re.sub(r"\{U\+([0-9A-Fa-f]{4,6})\}", lambda m: chr(int(m.group(1), 16)), text)


def make_issue(case: dict, root: Path) -> Path:
    files = {"issue.yaml": MANIFEST, "a.md": ARTICLE}
    house = None
    if "layout" in case:
        house = GUANGXI
        for old, new in case["layout"]:
            assert old in house, f"{old!r} not in guangxi.yaml"
            house = house.replace(old, expand(new), 1)
        files["house.yaml"] = house
        files["issue.yaml"] = MANIFEST.replace("layout: guangxi", "layout: house.yaml")
    files.update(case.get("files") or {})
    for name, (w, h, *mode) in (case.get("pictures") or {}).items():
        from PIL import Image

        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new(mode[0] if mode else "RGB", (w, h)).save(path)
    for name, (w, h, *more) in (case.get("pdfs") or {}).items():
        from pypdf import PdfWriter

        writer = PdfWriter()
        for _ in range(more[0] if more else 1):
            writer.add_blank_page(w * 72 / 25.4, h * 72 / 25.4)
        if "encrypted" in more:
            writer.encrypt("secret", algorithm="RC4-128")
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            writer.write(f)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = house if text == "@house" else expand(text)
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    return root / "issue.yaml"


def pdf_text(pdf: Path) -> str:
    from tests.pdfinspect import drawn_text, reader

    r = reader(pdf)
    return "".join(run.text for i in range(len(r.pages)) for run in drawn_text(r, i))


def check_result(case: dict, code: int, out: str, err: str, pdf: Path, before: bytes) -> None:
    assert "Traceback" not in err and "Traceback" not in out, err
    assert code == case["exit"], f"exit {code}: {err or out}"
    if case["exit"] != 0:
        assert err.startswith("typeset: error: "), err
        assert pdf.read_bytes() == before, "the earlier PDF was changed"
        assert [p.name for p in pdf.parent.iterdir() if p.name.startswith(".out.pdf")] == []
        message = err
    else:
        message = out
        shown = re.sub(r"\s+", "", pdf_text(pdf))
        for text in case.get("printed", []):
            assert re.sub(r"\s+", "", text) in shown, (text, shown[:400])
        for text in case.get("absent", []):
            assert text not in shown, (text, shown[:400])
    for word in case.get("words", []):
        assert word in message, f"{word!r} not in: {message}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case, tmp_path, capsys):
    root = tmp_path / "issue"
    manifest = make_issue(case, root)
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(EARLIER)
    code = main(["build", str(manifest), "-o", str(pdf)])
    captured = capsys.readouterr()
    check_result(case, code, captured.out, captured.err, pdf, EARLIER)


SUBPROCESS = [c for c in CASES if c.get("subprocess")]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c["name"] for c in SUBPROCESS])
def test_bad_input_in_a_child_process(case, tmp_path):
    root = tmp_path / "issue"
    manifest = make_issue(case, root)
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(EARLIER)
    proc = subprocess.run([sys.executable, "-m", "typeset", "build", str(manifest), "-o",
                           str(pdf)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    check_result(case, proc.returncode, proc.stdout, proc.stderr, pdf, EARLIER)


def test_the_table_covers_every_class():
    assert len(CASES) >= 35
    names = " ".join(c["name"] for c in CASES)
    for word in ("bell", "NUL", "override", "separator", "variation selector", "noncharacter",
                 "zero-width", "soft hyphen", "nested", "link", "laughs", "bomb", "tab",
                 "duplicate", "wrong type", "lines", "running head", "short title",
                 "colophon", "backslash", "folio", "bleed"):
        assert word in names, word


# --- the YAML caps are quick ---------------------------------------------------------------

BOMBS = {
    "aliases": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcde", "bcdef")),
    "wide aliases": "a: &a [" + ", ".join(["lol"] * 60) + "]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 60)}]\n" for p, n in zip("ab", "bc")),
    "merge keys": "a0: &a0 {k0: 1, k1: 2, k2: 3}\n" + "".join(
        f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 8)}], x{i}: 1}}\n" for i in range(1, 8)),
    "flow brackets": "sections: " + "[" * 3900,
    "block nesting": "".join(" " * i + "k:\n" for i in range(80)),
    "alias chain": "a0: &a0 x\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 130)),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_yaml_bomb_under_4kb_is_refused_quickly(name, tmp_path):
    from typeset.errors import TypesetError
    from typeset.model.manifest import load_issue

    text = BOMBS[name]
    assert len(text.encode()) < 4096, len(text.encode())
    path = tmp_path / "issue.yaml"
    path.write_text(text, encoding="utf-8")
    # CPU seconds, not wall time: on a shared machine the wall clock also counts other work;
    # an unguarded bomb takes minutes and gigabytes, a guarded one a few milliseconds
    start = time.process_time()
    with pytest.raises(TypesetError) as info:
        load_issue(path)
    elapsed = time.process_time() - start
    assert info.value.line is not None and info.value.hint
    assert "malformed YAML" in info.value.message
    assert elapsed < 1.0, f"{name}: {elapsed:.3f} s of CPU"
