"""``python -m bench.profile WHAT``: the guard under one scenario's load, sampled by py-spy.

``WHAT`` is ``get`` (scenario 1: wrk, 32 connections, on a ~20 KB document), ``rewrite`` (the
same with ``--public-url``), ``collision`` (scenario 5) or ``download`` (scenario 6). Writes a
flame graph (SVG) and the functions by their own and their inclusive share of the samples to
``bench/results/profile-WHAT.{svg,txt}``. Publishes are profiled the same way by hand:
``py-spy record -p <guard pid>`` during a ``PUT``.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

import orjson

from bench import fixtures
from bench.measure import timed_request, wrk
from bench.procs import REPO, Procs
from publish_guard.registry.tarballs import make_publish_body

RESULTS = REPO / "bench" / "results"
SECONDS = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("what", choices=["get", "rewrite", "collision", "download"])
    args = parser.parse_args(argv)
    py_spy = REPO / ".venv" / "bin" / "py-spy"
    if not py_spy.exists():
        raise SystemExit("py-spy is missing: run bench/bootstrap (the bench extra)")
    workdir = Path(tempfile.mkdtemp(prefix="publish-guard-profile-"))
    procs = Procs(workdir)
    try:
        root = workdir / "static"
        root.mkdir()
        static = procs.nginx_static(root)
        fixtures.write_static_root(root, static, 200 * 1024 * 1024)
        workdir.chmod(0o755)
        guard = procs.guard(args.what, static, public=args.what == "rewrite")
        load = threading.Thread(target=_load, args=(args.what, guard.url, workdir), daemon=True)
        load.start()
        RESULTS.mkdir(parents=True, exist_ok=True)
        raw = workdir / "profile.txt"
        svg = RESULTS / f"profile-{args.what}.svg"
        for fmt, out in (("raw", raw), ("flamegraph", svg)):
            subprocess.run(
                [str(py_spy), "record", "-p", str(guard.pid), "-d", str(SECONDS // 2), "-r",
                 "250", "-f", fmt, "-o", str(out), "--nonblocking"],
                check=True, capture_output=True, timeout=SECONDS * 3,
            )  # fmt: skip
        load.join()
        table = RESULTS / f"profile-{args.what}.txt"
        table.write_text(summary(raw.read_text()))
        print(table.read_text())
        print(f"flame graph: {svg}")
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _load(what: str, url: str, workdir: Path) -> None:
    if what in ("get", "rewrite"):
        wrk(url + fixtures.DOC_NAME, connections=32, seconds=SECONDS + 2, script_dir=workdir)
        return
    if what == "collision":
        body = orjson.dumps(make_publish_body(fixtures.MANY_NAME, "1.0.0"))
        for _ in range(SECONDS * 20):
            auth = {"authorization": f"Bearer bench-{secrets.token_hex(8)}"}
            timed_request("PUT", url + fixtures.MANY_NAME, body, auth)
        return
    path = f"{fixtures.DOWNLOAD_NAME}/-/{fixtures.DOWNLOAD_NAME}-1.0.0.tgz"
    for _ in range(SECONDS * 5):
        timed_request("GET", url + path)


def summary(raw: str, top: int = 40) -> str:
    """py-spy's collapsed stacks as two tables: share of samples per function, inclusive and own."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_name(frame) for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "own:"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


def _name(frame: str) -> str:
    function, _, where = frame.partition(" (")
    return f"{function} ({where.split(':')[0]})" if where else function


if __name__ == "__main__":
    raise SystemExit(main())
