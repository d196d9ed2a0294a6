"""The archive: write-once storage, revisions, verification, interrupted runs."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typeset import archive as A
from typeset.archive import Problem, archive_issue, verify_archive
from typeset.errors import TypesetError
from typeset.issueinfo import Metadata, document_info

META = Metadata(title="广西政协工作 2024年第2期", journal="广西政协工作", year=2024, number=2,
                date=dt.date(2024, 3, 15))
REL = "广西政协工作/2024/广西政协工作-2024-2.pdf"


def _pdfa(text: str = "first") -> bytes:
    """A small PDF/A-2u as the page writer makes it: one page of text."""
    from typeset.layout.page import Page, TextRun
    from typeset.render.variants import PDF_A2U
    from typeset.render.writer import render_pdf
    from typeset.text.fonts import FontLibrary

    page = Page(300, 300, items=[TextRun(20, 150, "LXGWWenKai-Regular.ttf", 12, text)])
    return render_pdf([page], FontLibrary(), document_info(META), variant=PDF_A2U, issue=META)


@pytest.fixture(scope="module")
def first() -> bytes:
    return _pdfa("first")


@pytest.fixture(scope="module")
def second() -> bytes:
    return _pdfa("second")


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (lock file aside) with its SHA-256."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != A.LOCK}


def test_store_writes_file_and_catalogue(tmp_path, first):
    entry = archive_issue(first, META, tmp_path)
    assert entry.file == REL and (tmp_path / REL).read_bytes() == first
    assert entry.sha256 == hashlib.sha256(first).hexdigest() and entry.size == len(first)
    cat = json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8"))
    (item,) = cat["issues"]
    assert item["journal"] == "广西政协工作" and item["year"] == 2024 and item["number"] == 2
    assert item["title"] == META.title and item["date"] == "2024-03-15"
    assert item["sha256"] == entry.sha256 and item["revisions"] == []
    assert not os.access(tmp_path / REL, os.W_OK) or os.geteuid() == 0   # stored read-only
    assert (tmp_path / REL).stat().st_mode & 0o222 == 0
    assert verify_archive(tmp_path) == []
    assert not (tmp_path / A.PENDING).exists()


def test_second_store_is_refused_and_changes_nothing(tmp_path, first, second):
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(TypesetError, match="already archived") as e:
        archive_issue(second, META, tmp_path)
    assert "--revise" in str(e.value)
    with pytest.raises(TypesetError, match="same content"):
        archive_issue(first, META, tmp_path)
    assert snapshot(tmp_path) == before


def test_revise_keeps_numbered_revisions(tmp_path, first, second):
    archive_issue(first, META, tmp_path)
    entry = archive_issue(second, META, tmp_path, revise=True)
    r1 = REL[:-4] + "-r1.pdf"
    assert (tmp_path / REL).read_bytes() == second
    assert (tmp_path / r1).read_bytes() == first
    assert [(r.revision, r.file, r.sha256) for r in entry.revisions] == [
        (1, r1, hashlib.sha256(first).hexdigest())]
    third = _pdfa("third")
    entry = archive_issue(third, META, tmp_path, revise=True)
    assert [r.file for r in entry.revisions] == [r1, REL[:-4] + "-r2.pdf"]
    assert (tmp_path / (REL[:-4] + "-r2.pdf")).read_bytes() == second
    assert A.read_catalogue(tmp_path) == [entry]
    assert verify_archive(tmp_path) == []
    with pytest.raises(TypesetError, match="nothing to revise"):
        archive_issue(third, META, tmp_path, revise=True)


def test_verify_reports_changed_missing_and_unlisted(tmp_path, first, second):
    archive_issue(first, META, tmp_path)
    archive_issue(second, META, tmp_path, revise=True)
    current, r1 = tmp_path / REL, tmp_path / (REL[:-4] + "-r1.pdf")
    os.chmod(current, 0o644)
    current.write_bytes(current.read_bytes() + b"\n% tampered\n")
    r1.unlink()
    (tmp_path / "广西政协工作" / "stray.pdf").write_bytes(b"%PDF-1.4\n")
    problems = verify_archive(tmp_path)
    kinds = {(p.kind, p.path) for p in problems}
    assert kinds == {("changed", REL), ("missing", REL[:-4] + "-r1.pdf"),
                     ("unlisted", "广西政协工作/stray.pdf")}
    assert all(isinstance(p, Problem) and str(p).startswith(p.kind) for p in problems)


def test_verify_without_catalogue(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    kinds = sorted(p.kind for p in verify_archive(tmp_path))
    assert kinds == ["catalogue", "unlisted"]


@pytest.mark.parametrize("step", ["tmp", "note", "replace"])
def test_interrupted_first_store_leaves_archive_unchanged(tmp_path, first, step):
    archive_issue(_pdfa("other"), Metadata(**{**META.__dict__, "number": 1}), tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="simulated"):
        archive_issue(first, META, tmp_path, _fail_after=step)
    assert snapshot(tmp_path) == before
    assert verify_archive(tmp_path) == []
    archive_issue(first, META, tmp_path)          # and the next run works
    assert verify_archive(tmp_path) == []


@pytest.mark.parametrize("step", ["tmp", "note", "link", "replace"])
def test_interrupted_revise_leaves_archive_unchanged(tmp_path, first, second, step):
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError):
        archive_issue(second, META, tmp_path, revise=True, _fail_after=step)
    assert snapshot(tmp_path) == before
    assert verify_archive(tmp_path) == []


def test_interrupted_catalogue_write_keeps_old_catalogue(tmp_path, first, second, monkeypatch):
    """A failure while the catalogue itself is being replaced: the old one stays."""
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    real = A._write_atomic

    def failing(path, data, **kw):
        if path.name == A.CATALOGUE:
            raise OSError(28, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(A, "_write_atomic", failing)
    with pytest.raises(OSError):
        archive_issue(second, META, tmp_path, revise=True)
    assert snapshot(tmp_path) == before


def test_killed_run_is_undone_by_the_next_run(tmp_path, first, second):
    """A process killed between steps (no chance to clean up) leaves the pending note; the
    next run rolls the archive back to how it was before doing its own work."""
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    src = tmp_path.parent / "second.pdf"
    src.write_bytes(second)
    script = (
        "import os, sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from typeset import archive as A\n"
        "from typeset.issueinfo import Metadata\n"
        f"meta = Metadata(title={META.title!r}, journal={META.journal!r}, year=2024, number=2, "
        "date=dt.date(2024, 3, 15))\n"
        "real = os.replace\n"
        "def dying(a, b):\n"
        "    real(a, b)\n"
        "    if str(b).endswith('-2024-2.pdf'):\n"
        "        os._exit(9)\n"
        "A.os.replace = dying\n"
        "A.archive_issue(Path(sys.argv[1]).read_bytes(), meta, Path(sys.argv[2]), revise=True)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    res = subprocess.run([sys.executable, "-c", script, str(src), str(tmp_path)], env=env)
    assert res.returncode == 9
    assert (tmp_path / A.PENDING).exists()
    assert (tmp_path / REL).read_bytes() == second            # half done
    assert {p.kind for p in verify_archive(tmp_path)} >= {"pending", "changed"}
    entry = archive_issue(second, META, tmp_path, revise=True)    # recovers, then revises
    assert not (tmp_path / A.PENDING).exists()
    assert [r.sha256 for r in entry.revisions] == [before[REL]]
    assert verify_archive(tmp_path) == []


def test_refuses_non_pdfa_and_bad_journal_names(tmp_path, first):
    with pytest.raises(TypesetError, match="not a complete PDF"):
        archive_issue(b"hello", META, tmp_path)
    with pytest.raises(TypesetError, match="PDF/A"):
        archive_issue(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", META, tmp_path)
    for bad in ("../etc", "a/b", ".hidden"):
        with pytest.raises(TypesetError, match="archive folder name"):
            archive_issue(first, Metadata(**{**META.__dict__, "journal": bad}), tmp_path)
    assert not any(tmp_path.rglob("*.pdf"))


def test_hand_placed_file_is_not_overwritten(tmp_path, first):
    (tmp_path / REL).parent.mkdir(parents=True)
    (tmp_path / REL).write_bytes(b"someone else's")
    with pytest.raises(TypesetError, match="not in the catalogue"):
        archive_issue(first, META, tmp_path)
    assert (tmp_path / REL).read_bytes() == b"someone else's"
