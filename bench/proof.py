"""Benchmark: `typeset proof` — pages per second at 110 dpi (or --dpi).

For each issue (the sample issue and the chongqing corpus, if present):
- the whole command in a fresh process (`python -m typeset proof ISSUE --to TMP`, caches
  warm, a first proof: every page rendered, written and put on the contact sheet), median of
  --runs: wall time and CPU time, and pages per second of each;
- the same steps in this process, each timed (median of --runs): laying out the issue,
  writing the print PDF, rendering the pages with PDFium, encoding them as PNG, the contact
  sheet, and writing the folder.
Wall times on a shared 2-core machine depend on the others' load (printed); the CPU time of
the process depends much less on it.

Run from the repository root:  python bench/proof.py [--runs 5] [--dpi 110]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ISSUES = [ROOT / "issues" / "sample" / "issue.yaml",
          ROOT.parent / "shared" / "corpus" / "chongqing-sample" / "issue.yaml"]


def whole_command(manifest: Path, dpi: int, env: dict[str, str], tmp: Path,
                  k: int) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one `typeset proof` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "typeset", "proof", str(manifest), "--to",
                    str(tmp / f"run{k}"), "--dpi", str(dpi)], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def steps(manifest: Path, dpi: int, tmp: Path, k: int) -> tuple[dict[str, float], int]:
    from typeset import proof
    from typeset.build import compose, render
    from typeset.contact import contact_sheet
    from typeset.outfolder import NewFolder

    t: dict[str, float] = {}
    start = time.perf_counter()
    comp = compose(manifest)
    t["lay out"] = time.perf_counter() - start
    start = time.perf_counter()
    pdf = render(comp, "print")
    t["print PDF"] = time.perf_counter() - start
    n = len(comp.pages)
    images, pngs = {}, {}
    t["render"] = t["PNG"] = 0.0
    start = time.perf_counter()
    for r in proof.render_pages(pdf, list(range(n)), dpi):
        mid = time.perf_counter()
        t["render"] += mid - start
        images[r.index] = r.image
        pngs[r.index] = proof.png_bytes(r.image)
        start = time.perf_counter()
        t["PNG"] += start - mid
    start = time.perf_counter()
    contact_sheet(n, images, proof.page_names(comp.pages))
    t["contact sheet"] = time.perf_counter() - start
    start = time.perf_counter()
    with NewFolder(tmp / f"steps{k}") as out:
        for i, data in pngs.items():
            out.write(f"p{i:03d}.png", data)
        out.commit()
    t["write folder"] = time.perf_counter() - start
    return t, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dpi", type=int, default=110)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env = dict(os.environ, TYPESET_CACHE=str(tmp / "cache"), PYTHONPATH=str(ROOT))
        os.environ["TYPESET_CACHE"] = env["TYPESET_CACHE"]
        for manifest in ISSUES:
            if not manifest.is_file():
                continue
            whole_command(manifest, args.dpi, env, tmp, -1)          # warm the caches
            timed = [whole_command(manifest, args.dpi, env, tmp, k) for k in range(args.runs)]
            runs = [steps(manifest, args.dpi, tmp, k) for k in range(args.runs)]
            n = runs[0][1]
            wall = statistics.median(t[0] for t in timed)
            cpu = statistics.median(t[1] for t in timed)
            print(f"{manifest.parent.name}: {n} pages at {args.dpi} dpi "
                  f"(load average {os.getloadavg()[0]:.1f})")
            print(f"  typeset proof (fresh process, warm caches): {wall:.2f} s wall, "
                  f"{n / wall:.1f} pages/s; {cpu:.2f} s CPU, {n / cpu:.1f} pages per CPU second")
            med = {key: statistics.median(r[0][key] for r in runs) for key in runs[0][0]}
            for key, value in med.items():
                print(f"    {key:14s} {value:6.3f} s")
            pages_only = med["render"] + med["PNG"]
            print(f"  rendering + PNG alone: {n / pages_only:.1f} pages/s "
                  f"({1000 * pages_only / n:.1f} ms a page)")


if __name__ == "__main__":
    main()
