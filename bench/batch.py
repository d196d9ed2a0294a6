"""Benchmark: `typeset batch` of N copies of the sample issue (different numbers), issues per
minute with `--jobs 1`, `--jobs 2` and a local Dask cluster of two worker processes, each with
the caches cold (an empty TYPESET_CACHE) and warm (the same cache again, the outputs
removed so every issue is built).

Each run is a fresh `python -m typeset batch … --out DIR` (print variant) in a new process;
the Dask cluster (`dask scheduler` + two `dask worker --nworkers 1 --nthreads 1` processes on
127.0.0.1) is started once, before the timed runs, as it would be on a real cluster; its
workers are restarted between the cold and the warm run so the cold run has cold processes
too. Wall time covers the whole command (start-up, building, storing).

Run from the repository root:  python bench/batch.py [--issues 20]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample"


def make_issues(folder: Path, n: int) -> list[str]:
    out = []
    for k in range(1, n + 1):
        d = folder / f"issue-{k:02d}"
        shutil.copytree(SAMPLE, d)
        m = d / "issue.yaml"
        m.write_text(m.read_text(encoding="utf-8").replace("number: 2", f"number: {k}"),
                     encoding="utf-8")
        out.append(str(m))
    return out


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def batch(issues: list[str], out: Path, env: dict, extra: list[str]) -> float:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "typeset", "batch", *issues, "--out", str(out),
                        *extra], env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if r.returncode != 0 or f"{len(issues)} built" not in r.stdout:
        raise SystemExit(f"batch failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return took


class Cluster:
    """A scheduler and two single-threaded worker processes on 127.0.0.1."""

    def __init__(self, env: dict):
        self.env = env
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []

    def start(self) -> None:
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", str(self.port), "--dashboard-address", ":0"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.start_workers()

    def start_workers(self) -> None:
        for w in self.workers:
            w.terminate()
            w.wait()
        self.workers = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nworkers",
             "1", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(2)]
        from distributed import Client
        with Client(self.address, timeout="60s") as c:
            c.wait_for_workers(2, timeout=60)

    def stop(self) -> None:
        for p in self.workers + self.procs:
            p.terminate()
        for p in self.workers + self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="typeset-bench-batch-") as tmp:
        tmp = Path(tmp)
        issues = make_issues(tmp / "issues", args.issues)
        rows = []
        for name, extra in (("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                            ("Dask, 2 workers", None)):
            cache = tmp / f"cache-{len(rows)}"
            env = {**os.environ, "TYPESET_CACHE": str(cache),
                   "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
            cluster = None
            if extra is None:
                cluster = Cluster(env)
                cluster.start()
                extra = ["--scheduler", cluster.address]
            try:
                cold = batch(issues, tmp / "out", env, extra)
                if cluster is not None:
                    cluster.start_workers()          # fresh processes, warm disk cache
                warm = batch(issues, tmp / "out", env, extra)
            finally:
                if cluster is not None:
                    cluster.stop()
            rows.append((name, cold, warm))
            print(f"{name:16s} cold {cold:6.1f} s ({args.issues / cold * 60:5.1f} issues/min)   "
                  f"warm {warm:6.1f} s ({args.issues / warm * 60:5.1f} issues/min)", flush=True)


if __name__ == "__main__":
    main()
