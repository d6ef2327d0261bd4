"""``python -m bench``: start the servers, run every scenario, write the results and the report.

Options: ``--quick`` (short runs, to try the harness), ``--only 1,4`` (some scenarios),
``--no-report`` (results JSON only). The whole run is bounded (``--limit`` seconds, 25 minutes by
default); every process it started is stopped on the way out, whatever happened.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import orjson

from bench import fixtures, report
from bench.measure import OtherLoad, wait_for_quiet
from bench.procs import REPO, Procs
from bench.scenarios import Outcome, Scenarios, Servers, Settings

ORDER = (1, 2, 7, 5, 8, 6, 4, 3)  # the cheap setups first; 3 and 4 need the seeded Verdaccio
DISTURBED = 0.15  # other processes' share of the cores above which a scenario runs again


class OutOfTime(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="short runs, to try the harness")
    parser.add_argument("--only", default="", help="comma-separated scenario numbers")
    parser.add_argument("--limit", type=float, default=25 * 60, help="seconds the run may take")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the tmp folder (logs)")
    parser.add_argument(
        "--render", type=Path, metavar="RESULTS_JSON", help="only write the report of a past run"
    )
    args = parser.parse_args(argv)
    if args.render is not None:
        results = orjson.loads(args.render.read_bytes())
        print(report.table(results))
        report.write(results, args.report, args.render)
        return 0
    settings = Settings()
    if args.quick:
        settings = Settings(
            rounds=2,
            seconds=2,
            install_rounds=1,
            publish_rounds=1,
            publish_sizes_mb=(1, 20),
            collision_rounds=5,
            download_rounds=2,
            tree_size=320,
        )
    wanted = {int(n) for n in args.only.split(",") if n} or set(ORDER)

    def out_of_time(signum: int, frame: FrameType | None) -> None:
        raise OutOfTime(f"the run took longer than {args.limit:g} s")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, out_of_time)
    signal.alarm(int(args.limit))
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="publish-guard-bench-"))
    procs = Procs(workdir)
    outcomes: list[Outcome] = []
    try:
        servers, facts = _start(procs, workdir, settings)
        scenarios = Scenarios(servers, settings, workdir, _log)
        run = {
            1: scenarios.document_get,
            2: scenarios.rewriting,
            3: scenarios.install,
            4: scenarios.publish,
            5: scenarios.collision,
            6: scenarios.download,
            7: scenarios.workers,
            8: scenarios.shared_lock,
        }
        for number in ORDER:
            if number not in wanted:
                continue
            busy = wait_for_quiet(_log)
            _log(f"scenario {number} … (other processes: {busy:.0%} of the cores)")
            begun = time.monotonic()
            outcome, share = _run_one(number, run[number])
            spent = time.monotonic() - begun
            left = args.limit - (time.monotonic() - started)
            if share > DISTURBED and left > spent + 150:
                # once more, when the machine is quiet again, if there is time for it
                _log(f"scenario {number}: other processes took {share:.0%}; running it again")
                busy = wait_for_quiet(_log, patience=120)
                outcome, share = _run_one(number, run[number])
                outcome.notes.append("run a second time: other processes disturbed the first")
            outcome.other_load = round(max(busy, share), 3)
            _log(f"scenario {number}: {time.monotonic() - begun:.0f} s")
            for check in outcome.checks:
                _log("  " + report.check_line(check))
            outcomes.append(outcome)
    finally:
        signal.alarm(0)
        procs.stop_all()
        if args.keep:
            _log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    outcomes.sort(key=lambda o: o.number)
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--", "src")),
        "quick": args.quick,
        "seconds": round(time.monotonic() - started, 1),
        "machine": _machine(),
        "settings": {k: v for k, v in vars(settings).items()},
        "fixtures": facts,
        "scenarios": [report.outcome_dict(o) for o in outcomes],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    path = args.results / f"{stamp}.json"
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    _log(f"results: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    print(report.table(results))
    if not args.no_report:
        report.write(results, args.report, path)
        _log(f"report: {args.report}")
    return 0


def _run_one(number: int, scenario: Callable[[], Outcome]) -> tuple[Outcome, float]:
    """The scenario's outcome, and the share of the cores other processes took meanwhile."""
    try:
        with OtherLoad() as during:
            outcome = scenario()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        # the other scenarios still run; this one is reported as failed
        _log(f"scenario {number} failed: {exc!r}")
        outcome = Outcome(number, report.TITLES[number], notes=[f"failed: {exc!r}"])
    if during.share > 0.1:
        _log(f"scenario {number}: other processes took {during.share:.0%} of the cores")
    return outcome, during.share


def _start(procs: Procs, workdir: Path, settings: Settings) -> tuple[Servers, dict[str, Any]]:
    root = workdir / "static"
    root.mkdir()
    static = procs.nginx_static(root)
    facts = fixtures.write_static_root(root, static, settings.download_mb * 1024 * 1024)
    workdir.chmod(0o755)  # nginx's workers (another user) read the files
    nginx_proxy = procs.nginx_proxy(static)
    floor = procs.floor(static)
    uplinked = procs.verdaccio(
        "uplink",
        {
            "uplinks": {"static": {"url": static}},
            "packages": {"**": {"access": "$all", "publish": "$authenticated", "proxy": "static"}},
        },
    )
    holding = procs.verdaccio("registry", {"max_body_size": "300mb"})
    token = holding.add_user("bench", "bench-password")
    guard = procs.guard("plain", static)
    guard_fast_verdaccio = procs.guard("fast-verdaccio", holding.url, "--flavor", "verdaccio")
    servers = Servers(
        static=static,
        nginx_proxy=nginx_proxy,
        floor=floor,
        verdaccio_uplink=uplinked.url,
        verdaccio=holding.url,
        verdaccio_token=token,
        guard=guard,
        fast_path=procs.fast_path("static", static, guard.url),
        fast_path_verdaccio=procs.fast_path(
            "verdaccio", holding.url, guard_fast_verdaccio.url, "--flavor", "verdaccio"
        ),
        guard_public=procs.guard("public-url", static, public=True),
        guard_workers=procs.guard("workers-2", static, "--workers", "2"),
        guard_verdaccio=procs.guard("verdaccio", holding.url, public=True),
        guard_shared=procs.guard("shared", static, "--shared-state", procs.redis()),
    )
    return servers, facts


def _machine() -> dict[str, Any]:
    def version(argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
        except OSError:
            return "?"
        return (
            (done.stdout or done.stderr).strip().splitlines()[0]
            if (done.stdout or done.stderr)
            else "?"
        )

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 1024**3, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "nginx": version(["nginx", "-v"]).removeprefix("nginx version: "),
        "wrk": " ".join(version(["wrk", "-v"]).split()[:2]),
        "node": version(["node", "--version"]),
        "npm": version(["npm", "--version"]),
        "verdaccio": _verdaccio_version(),
    }


def _verdaccio_version() -> str:
    package = REPO / "tools" / "node_modules" / "verdaccio" / "package.json"
    try:
        return str(orjson.loads(package.read_bytes())["version"])
    except (OSError, KeyError, orjson.JSONDecodeError):
        return "?"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
