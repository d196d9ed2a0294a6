"""Interruption tests: a run killed (SIGKILL) or interrupted (SIGINT) at every step of the
archive. Afterwards the next run recovers, the archive holds exactly what it held before (or,
after the commit point, the new issue too) and `--verify` passes: no stray temporary file,
no pending note, no uncatalogued file.

The archive calls a test-only hook between its steps (typeset.archive.pending.KILL_ENV names
the step at which the process sends itself the signal); each run is a forked child of the test
process, so a case costs milliseconds instead of a Python start-up.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_archive import META, REL, _killed, _pdfa, meta_no, snapshot, sources_of
from typeset.archive import catalogue as AC, folder as AF, pending as AP, store as AS
from typeset.archive.store import archive_issue
from typeset.archive.verify import verify_archive
from typeset.errors import TypesetError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="uses fork and signals")

FIRST_STEPS = [s for s in AP.STEPS if s not in ("link", "copy-temp", "bag-keep")
               and not s.startswith("undo")]
REVISE_STEPS = [s for s in AP.STEPS if not s.startswith("undo")]
COMMITTED = {"catalogue", "done"}           # at or after the commit point: the issue is stored


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {"first": _pdfa("first"), "second": _pdfa("second"),
            "other": _pdfa("other", meta_no(7)), "later": _pdfa("later", meta_no(8))}


def _case(tmp_path, pdfs, *, revise: bool, step: str, sig: str):
    """Every store here keeps its sources (a bag beside the PDF), so the bag's steps are
    interrupted too."""
    to = tmp_path / "arch"
    archive_issue(pdfs["other"], meta_no(7), to)
    if revise:
        prov, src = sources_of(tmp_path / "src1", "first")
        archive_issue(pdfs["first"], META, to, provenance=prov, sources=src)
    before = snapshot(to)
    new = pdfs["second"] if revise else pdfs["first"]
    prov, src = sources_of(tmp_path / "src2", "second")
    status = _killed(to, new, META, revise, step if sig == "KILL" else f"{step}:INT",
                     no_links=step == "copy-temp", provenance=prov, sources=src)
    if sig == "KILL":
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    else:                    # SIGINT: the run undoes itself (or finishes) and says which
        assert os.WIFEXITED(status), status
        assert os.WEXITSTATUS(status) == (30 if step in COMMITTED else 31), status
        if step not in COMMITTED:
            assert snapshot(to) == before               # undone at once
    # the next run recovers first, even one that is then refused (so what is checked here is
    # the recovery's own cleaning); then everything verifies
    with pytest.raises(TypesetError, match="already archived"):
        archive_issue(pdfs["other"], meta_no(7), to)
    assert verify_archive(to) == []
    archive_issue(pdfs["later"], meta_no(8), to)
    assert verify_archive(to) == []
    after = snapshot(to)
    stored = {e.key: e for e in AC.read_catalogue(to)}
    bag = to / (REL[:-4] + AF.SOURCES_SUFFIX)
    if step in COMMITTED:
        assert stored[(META.journal, 2024, 2)].sha256 == AF._sha256(new)
        assert (to / REL).read_bytes() == new
        assert (bag / "data" / "issue" / "articles" / "a.md").read_text() == "second"
        if revise:
            kept = to / (REL[:-4] + "-r1" + AF.SOURCES_SUFFIX)
            assert (kept / "data" / "issue" / "articles" / "a.md").read_text() == "first"
    else:
        kept = {k: v for k, v in after.items() if "2024-8" not in k and k != AF.CATALOGUE}
        assert kept == {k: v for k, v in before.items() if k != AF.CATALOGUE}
        if revise:
            assert (to / REL).read_bytes() == pdfs["first"]
            assert (bag / "data" / "issue" / "articles" / "a.md").read_text() == "first"
        else:
            assert (META.journal, 2024, 2) not in stored
            assert not bag.exists()
    assert not [p for p in to.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("sig", ["KILL", "INT"])
@pytest.mark.parametrize("step", FIRST_STEPS)
def test_first_store_interrupted_at_every_step(tmp_path, pdfs, step, sig):
    _case(tmp_path, pdfs, revise=False, step=step, sig=sig)


@pytest.mark.parametrize("sig", ["KILL", "INT"])
@pytest.mark.parametrize("step", REVISE_STEPS)
def test_revise_interrupted_at_every_step(tmp_path, pdfs, step, sig):
    _case(tmp_path, pdfs, revise=True, step=step, sig=sig)


@pytest.mark.parametrize("first_kill", ["tmp-partial", "link", "replace", "catalogue-temp"])
@pytest.mark.parametrize("undo_step", ["undo-file", "undo-clean"])
def test_recovery_killed_midway_is_finished_by_the_next_run(tmp_path, pdfs, first_kill,
                                                             undo_step):
    to = tmp_path / "arch"
    archive_issue(pdfs["first"], META, to)
    before = snapshot(to)
    assert os.WIFSIGNALED(_killed(to, pdfs["second"], META, True, first_kill))
    # a second run is killed while undoing the first (it stores nothing of its own)
    _killed(to, pdfs["other"], meta_no(7), False, undo_step)
    with pytest.raises(TypesetError, match="already archived"):
        archive_issue(pdfs["first"], META, to)            # recovers, then is refused
    assert verify_archive(to) == []
    archive_issue(pdfs["later"], meta_no(8), to)
    after = snapshot(to)
    assert {k: v for k, v in after.items() if "2024-8" not in k and "2024-7" not in k
            and k != AF.CATALOGUE} == {k: v for k, v in before.items() if k != AF.CATALOGUE}
    assert (to / REL).read_bytes() == pdfs["first"]


def test_the_kill_points_cover_every_step():
    """Every step the hook names is reached by a run (a renamed step would silently stop
    being tested)."""
    assert set(FIRST_STEPS) | set(REVISE_STEPS) | {"undo-file", "undo-clean"} == set(AP.STEPS)
    # named after the tuple in pending.py (the recovery's steps) or in store.py (a run's)
    src = (Path(AP.__file__).read_text(encoding="utf-8").split("STEPS = ", 1)[1].split(")", 1)[1]
           + Path(AS.__file__).read_text(encoding="utf-8"))
    for s in AP.STEPS:
        assert f'"{s}"' in src, s


FIXTURE = Path(__file__).parent / "data" / "model" / "issue"


@pytest.mark.parametrize("step, words", [
    ("replace", "interrupted: nothing was stored; the archive is as it was"),
    ("catalogue", "interrupted after storing:"),
])
def test_the_command_says_what_an_interrupted_run_did(tmp_path, step, words):
    """`typeset archive` interrupted by Ctrl-C (SIGINT) exits 130 with a line saying whether
    the issue was stored."""
    to = tmp_path / "arch"
    env = {**os.environ, AP.KILL_ENV: f"{step}:INT",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    res = subprocess.run([sys.executable, "-m", "typeset", "archive", str(FIXTURE / "issue.yaml"),
                          "--to", str(to)], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 130, res.stderr
    assert words in res.stderr and "Traceback" not in res.stderr
    assert verify_archive(to) == [] if step == "catalogue" else \
        not any(to.rglob("*.pdf")) and verify_archive(to)[0].kind == "catalogue"
