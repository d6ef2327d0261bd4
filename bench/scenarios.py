"""The seven scenarios of issue 10. Each alternates baseline(s) and guard round by round (the
order flips every round, so drift in the machine's speed hits both sides alike) and returns its
raw rounds and its checks."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from tests.harness.http import http_request
from tests.harness.tools import node_tool

from bench import fixtures
from bench.checks import Check, ratio
from bench.measure import PeakRss, Timed, WrkResult, median, timed_request, wrk
from bench.procs import Guard
from publish_guard.registry.tarballs import make_publish_body

T = TypeVar("T")
MB = 1024 * 1024
INSTALLERS = ("npm", "pnpm", "yarn")
INSTALL_ROUNDS_OTHERS = 3


@dataclass
class Settings:
    rounds: int = 7  # wrk scenarios
    seconds: float = 5.0  # per wrk run
    install_rounds: int = 7
    publish_rounds: int = 5
    publish_sizes_mb: tuple[int, ...] = (1, 20, 100)
    tree_size: int = 320
    collision_rounds: int = 15
    shared_rounds: int = 41
    download_rounds: int = 5
    download_mb: int = 200


@dataclass
class Servers:
    static: str  # nginx serving files
    nginx_proxy: str
    floor: str  # bench/floor.py: the least a Python (aiohttp) pass-through does
    verdaccio_uplink: str  # Verdaccio with an uplink to ``static``
    verdaccio: str  # Verdaccio holding packages (installs, publishes)
    verdaccio_token: str
    guard: Guard  # -> static
    guard_public: Guard  # -> static, --public-url
    guard_workers: Guard  # -> static, --workers 2
    guard_verdaccio: Guard  # -> verdaccio, --public-url (installs and publishes)
    guard_shared: Guard  # -> static, --shared-state (a local redis-server)
    fast_path: str  # nginx-config's nginx -> static, the plain guard behind it
    fast_path_verdaccio: str  # nginx-config's nginx -> verdaccio (installs), a guard behind it


@dataclass
class Outcome:
    number: int
    title: str
    rounds: list[dict[str, Any]] = field(default_factory=list)
    medians: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    other_load: float = 0.0  # share of the cores other processes took, before or during


def alternate(rounds: int, sides: Sequence[str], run: Callable[[str], T]) -> dict[str, list[T]]:
    """Run every side once per round, in an order that flips every round."""
    results: dict[str, list[T]] = {side: [] for side in sides}
    for index in range(rounds):
        order = list(sides) if index % 2 == 0 else list(reversed(sides))
        for side in order:
            results[side].append(run(side))
    return results


class Scenarios:
    def __init__(
        self, servers: Servers, settings: Settings, workdir: Path, log: Callable[[str], None]
    ):
        self.s = servers
        self.settings = settings
        self.workdir = workdir
        self.log = log

    def _wrk(self, url: str, connections: int = 32, seconds: float | None = None) -> WrkResult:
        result = wrk(
            url,
            connections=connections,
            seconds=seconds or self.settings.seconds,
            script_dir=self.workdir,
        )
        if result.errors or result.non2xx:
            raise RuntimeError(
                f"wrk against {url}: {result.errors} errors, {result.non2xx} non-2xx"
            )
        return result

    def _warm(self, *urls: str) -> None:
        for url in urls:
            self._wrk(url, seconds=1)

    # -- 1 ------------------------------------------------------------------------------

    def document_get(self) -> Outcome:
        out = Outcome(1, "GET of a ~20 KB package document, wrk, 32 connections")
        doc = fixtures.DOC_NAME
        urls = {
            "direct": self.s.static + doc,
            "nginx": self.s.nginx_proxy + doc,
            "verdaccio": self.s.verdaccio_uplink + doc,
            "aiohttp_floor": self.s.floor + doc,
            "guard": self.s.guard.url + doc,
            "fast_path": self.s.fast_path + doc,
        }
        self._warm(*urls.values())
        runs = alternate(self.settings.rounds, list(urls), lambda side: self._wrk(urls[side]))
        rps = {side: median([r.rps for r in rs]) for side, rs in runs.items()}
        p50 = {side: median([r.p50_ms for r in rs]) for side, rs in runs.items()}
        # Latency a single request sees: one connection, no queueing in front of the guard.
        lone = {"direct": urls["direct"], "guard": urls["guard"]}
        single = alternate(
            self.settings.rounds,
            list(lone),
            lambda side: self._wrk(lone[side], connections=1, seconds=self.settings.seconds / 2),
        )
        lone_p50 = {side: median([r.p50_ms for r in rs]) for side, rs in single.items()}
        out.rounds = [
            {"side": side, "connections": 32, **r.as_dict()}
            for side, rs in runs.items()
            for r in rs
        ] + [
            {"side": side, "connections": 1, **r.as_dict()}
            for side, rs in single.items()
            for r in rs
        ]
        out.medians = {
            "rps": _rounded(rps),
            "p50_ms_32_connections": _rounded(p50, 3),
            "p50_ms_1_connection": _rounded(lone_p50, 3),
            "bytes_per_answer": round(runs["guard"][0].bytes_per_request),
        }
        out.notes.append(
            f"the aiohttp floor (bench/floor.py, no checks, no log): {rps['aiohttp_floor']:.0f} "
            f"req/s; the guard answers {ratio(rps['guard'], rps['aiohttp_floor']):.0%} of that"
        )
        out.notes.append(
            f"against nginx proxy_pass ({rps['nginx']:.0f} req/s): the fast path "
            f"{ratio(rps['fast_path'], rps['nginx']):.2f}x, the guard alone "
            f"{ratio(rps['guard'], rps['nginx']):.2f}x (no Python server reaches nginx)"
        )
        out.checks = [
            Check(
                1,
                "guard ÷ Verdaccio (uplink), req/s",
                rps["verdaccio"],
                rps["guard"],
                "req/s",
                ratio(rps["guard"], rps["verdaccio"]),
                ">=",
                2.0,
            ),
            Check(
                1,
                "fast path (nginx-config) ÷ nginx proxy_pass, req/s",
                rps["nginx"],
                rps["fast_path"],
                "req/s",
                ratio(rps["fast_path"], rps["nginx"]),
                ">=",
                0.8,
            ),
            Check(
                1,
                "guard alone ÷ the aiohttp floor, req/s",
                rps["aiohttp_floor"],
                rps["guard"],
                "req/s",
                ratio(rps["guard"], rps["aiohttp_floor"]),
                ">=",
                0.75,
            ),
            Check(
                1,
                "added median latency vs direct (1 connection)",
                lone_p50["direct"],
                lone_p50["guard"],
                "ms",
                lone_p50["guard"] - lone_p50["direct"],
                "<=",
                1.0,
                "ms",
                "at 32 connections the median is queueing (32 ÷ req/s); see medians",
            ),
        ]
        return out

    # -- 2 ------------------------------------------------------------------------------

    def rewriting(self) -> Outcome:
        out = Outcome(2, "scenario 1 with --public-url tarball rewriting")
        doc = fixtures.DOC_NAME
        urls = {"guard": self.s.guard.url + doc, "guard_public_url": self.s.guard_public.url + doc}
        self._warm(*urls.values())
        runs = alternate(self.settings.rounds, list(urls), lambda side: self._wrk(urls[side]))
        rps = {side: median([r.rps for r in rs]) for side, rs in runs.items()}
        out.rounds = [{"side": side, **r.as_dict()} for side, rs in runs.items() for r in rs]
        out.medians = {"rps": _rounded(rps)}
        body = http_request("GET", urls["guard_public_url"]).body
        if self.s.guard_public.url.encode() not in body or self.s.static.encode() in body:
            raise RuntimeError("the guard with --public-url did not rewrite the tarball URLs")
        out.checks = [
            Check(
                2,
                "guard --public-url ÷ guard, req/s",
                rps["guard"],
                rps["guard_public_url"],
                "req/s",
                ratio(rps["guard_public_url"], rps["guard"]),
                ">=",
                0.8,
            ),
        ]
        return out

    # -- 7 ------------------------------------------------------------------------------

    def workers(self) -> Outcome:
        out = Outcome(7, "--workers 2 vs 1 on scenario 1")
        doc = fixtures.DOC_NAME
        urls = {"workers_1": self.s.guard.url + doc, "workers_2": self.s.guard_workers.url + doc}
        self._warm(*urls.values())
        runs = alternate(self.settings.rounds, list(urls), lambda side: self._wrk(urls[side]))
        rps = {side: median([r.rps for r in rs]) for side, rs in runs.items()}
        out.rounds = [{"side": side, **r.as_dict()} for side, rs in runs.items() for r in rs]
        out.medians = {"rps": _rounded(rps)}
        out.checks = [
            Check(
                7,
                "--workers 2 ÷ --workers 1, req/s",
                rps["workers_1"],
                rps["workers_2"],
                "req/s",
                ratio(rps["workers_2"], rps["workers_1"]),
                ">=",
                1.6,
            ),
        ]
        return out

    # -- 3 ------------------------------------------------------------------------------

    def seed_tree(self) -> int:
        deps = fixtures.tree(self.settings.tree_size)
        url, token = self.s.verdaccio, self.s.verdaccio_token

        def put(name: str) -> None:
            body = fixtures.tree_publish_body(name, deps[name], url)
            answer = http_request(
                "PUT",
                url + name,
                data=body,
                token=token,
                headers={"content-type": "application/json"},
            )
            if answer.status not in (200, 201):
                raise RuntimeError(f"seeding {name}: {answer.status} {answer.text}")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(put, deps))
        return len(deps)

    def install(self) -> Outcome:
        out = Outcome(3, "npm, pnpm and yarn install of a generated tree, defaults, cold cache")
        started = time.perf_counter()
        count = self.seed_tree()
        out.notes.append(
            f"seeded {count} packages into Verdaccio by HTTP PUT in "
            f"{time.perf_counter() - started:.1f} s"
        )
        registries = {
            "direct": self.s.verdaccio,
            "guard": self.s.guard_verdaccio.url,
            "fast_path": self.s.fast_path_verdaccio,
        }
        for tool in INSTALLERS:
            installed: list[int] = []

            def run(side: str, tool: str = tool, installed: list[int] = installed) -> float:
                seconds, packages = self._install(tool, registries[side])
                installed.append(packages)
                return seconds

            self._install(tool, registries["guard"])  # warm Verdaccio's caches, both sides alike
            rounds = self.settings.install_rounds if tool == "npm" else INSTALL_ROUNDS_OTHERS
            runs = alternate(rounds, list(registries), run)
            if min(installed) < count:
                raise RuntimeError(f"{tool} installed {min(installed)} packages, expected {count}")
            times = {side: median(values) for side, values in runs.items()}
            # an install's wall time drifts ±15% from round to round (npm's cold cache, the
            # registry's), both sides alike: each round's ratio, side by side, cancels the drift
            paired = {
                side: median([ratio(v, d) for v, d in zip(vs, runs["direct"], strict=True)])
                for side, vs in runs.items()
            }
            out.rounds += [
                {"tool": tool, "side": s, "seconds": round(v, 3)}
                for s, vs in runs.items()
                for v in vs
            ]
            out.medians[tool] = {
                "seconds": _rounded(times, 3),
                "paired_ratio": _rounded(paired, 3),
                "packages": count,
            }
            for side, target in (("fast_path", 1.03 if tool == "npm" else 1.05), ("guard", 1.10)):
                out.checks.append(
                    Check(
                        3,
                        f"{tool} install of {count} packages (defaults: audit on), "
                        f"{side.replace('_', ' ')} ÷ direct, wall time",
                        times["direct"],
                        times[side],
                        "s",
                        paired[side],
                        "<=",
                        target,
                    )
                )
        return out

    def _install(self, tool: str, registry: str) -> tuple[float, int]:
        """``tool install`` with its defaults (audit on for npm and pnpm) into a new project
        with an empty cache; only where it finds the registry and keeps its caches is set."""
        project = Path(self.workdir / f"install-{tool}-{secrets.token_hex(4)}")
        project.mkdir()
        (project / "package.json").write_text(
            '{"name":"bench-app","version":"1.0.0","private":true,'
            '"dependencies":{"bench-tree-000":"^1.0.0"}}'
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.lower().startswith(("npm_config_", "yarn_", "pnpm_"))
        }
        env.update(HOME=str(project / "home"), XDG_CACHE_HOME=str(project / "home" / ".cache"))
        (project / ".npmrc").write_text(f"registry={registry}\ncache={project / 'cache'}\n")
        env["npm_config_userconfig"] = str(project / ".npmrc")
        argv = [*node_tool(tool), "install"]
        if tool == "pnpm":
            argv += ["--store-dir", str(project / "store")]
        if tool == "yarn":
            (project / "yarn.lock").touch()
            host = registry.split("//", 1)[1].split(":", 1)[0]
            (project / ".yarnrc.yml").write_text(
                f'npmRegistryServer: "{registry.rstrip("/")}"\n'
                f'unsafeHttpWhitelist: ["{host}"]\n'
                f'cacheFolder: "{project / "yarn-cache"}"\n'
                "enableGlobalCache: false\n"
                "enableTelemetry: false\n"
                # the tree was published a minute ago; yarn >= 4.10 hides younger versions
                "npmMinimalAgeGate: 0\n"
            )
        started = time.perf_counter()
        subprocess.run(argv, cwd=project, env=env, check=True, capture_output=True, timeout=300)
        elapsed = time.perf_counter() - started
        packages = _installed(project, tool)
        shutil.rmtree(project)
        return elapsed, packages

    # -- 4 ------------------------------------------------------------------------------

    def publish(self) -> Outcome:
        out = Outcome(4, "publish of 1 MB, 20 MB, 100 MB tarballs (incompressible)")
        biggest = max(self.settings.publish_sizes_mb) * MB
        blob = fixtures.random_blob(biggest)
        targets = {"direct": self.s.verdaccio, "guard": self.s.guard_verdaccio.url}
        auth = {"authorization": f"Bearer {self.s.verdaccio_token}"}
        for size_mb in self.settings.publish_sizes_mb:
            counter = iter(range(1000))
            peaks: list[int] = []
            bodies: list[int] = []

            def run(
                side: str,
                size_mb: int = size_mb,
                counter: Iterator[int] = counter,
                peaks: list[int] = peaks,
                bodies: list[int] = bodies,
            ) -> float:
                name = f"bench-pub-{size_mb}mb-{side}-{next(counter)}"
                body = fixtures.big_publish_body(name, "1.0.0", size_mb * MB, blob, targets[side])
                bodies.append(len(body))
                if side == "guard":
                    with PeakRss(self.s.guard_verdaccio.pid) as peak:
                        answer = timed_request("PUT", targets[side] + name, body, auth)
                    peaks.append(peak.growth)
                else:
                    answer = timed_request("PUT", targets[side] + name, body, auth)
                _expect(answer, (200, 201), f"publish of {name}")
                return answer.seconds

            for side in targets:  # one publish of this size each, untimed: steady state
                run(side)
            peaks.clear()
            bodies.clear()
            rounds = max(self.settings.publish_rounds, 60 // size_mb)  # small ones are noisy
            runs = alternate(min(rounds, 15), list(targets), run)
            times = {side: median(values) for side, values in runs.items()}
            body_size = median([float(b) for b in bodies])
            peak = median([float(p) for p in peaks])
            worst = max(peaks)
            out.rounds += [
                {"size_mb": size_mb, "side": s, "seconds": round(v, 4)}
                for s, vs in runs.items()
                for v in vs
            ]
            out.rounds += [{"size_mb": size_mb, "guard_rss_growth_bytes": p} for p in peaks]
            out.medians[f"{size_mb}mb"] = {
                "seconds": _rounded(times, 4),
                "body_bytes": int(body_size),
                "guard_rss_growth_mb_median": round(peak / MB, 1),
                "guard_rss_growth_mb_max": round(worst / MB, 1),
            }
            out.checks += [
                Check(
                    4,
                    f"publish {size_mb} MB, guard ÷ direct, time",
                    times["direct"],
                    times["guard"],
                    "s",
                    ratio(times["guard"], times["direct"]),
                    "<=",
                    1.25,
                ),
                Check(
                    4,
                    f"publish {size_mb} MB, guard peak RSS growth ÷ body ({body_size / MB:.1f} MB)",
                    None,
                    round(worst / MB, 1),
                    "MB",
                    worst / body_size,
                    "<=",
                    3.0,
                ),
            ]
        return out

    # -- 5 ------------------------------------------------------------------------------

    def collision(self) -> Outcome:
        out = Outcome(5, "collision check of a package with 5,000 versions")
        name = fixtures.MANY_NAME
        body = orjson.dumps(make_publish_body(name, "1.0.0", registry_url=self.s.guard.url))
        accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"

        def run(side: str) -> float:
            if side == "upstream_document":
                answer = timed_request("GET", self.s.static + name, headers={"accept": accept})
                _expect(answer, (200,), "the document")
            else:
                # the guard remembers nothing between publishes: every collision is a look-up
                auth = {"authorization": f"Bearer bench-{secrets.token_hex(8)}"}
                answer = timed_request("PUT", self.s.guard.url + name, body, auth)
                _expect(answer, (403,), "the collision")
            return answer.seconds * 1000

        run("guard")
        runs = alternate(self.settings.collision_rounds, ["upstream_document", "guard"], run)
        ms = {side: median(values) for side, values in runs.items()}
        out.rounds = [{"side": s, "ms": round(v, 2)} for s, vs in runs.items() for v in vs]
        out.medians = {"ms": _rounded(ms, 2)}
        out.checks = [
            Check(
                5,
                "collision answer − upstream's answer for the document",
                ms["upstream_document"],
                ms["guard"],
                "ms",
                ms["guard"] - ms["upstream_document"],
                "<=",
                50.0,
                "ms",
            ),
        ]
        return out

    # -- 8 ------------------------------------------------------------------------------

    def shared_lock(self) -> Outcome:
        out = Outcome(8, "a publish's lock in the shared state (Redis) against a lock of the host")
        name = fixtures.DOC_NAME
        body = orjson.dumps(make_publish_body(name, "1.0.0", registry_url=self.s.guard.url))
        guards = {"host_lock": self.s.guard.url, "shared_lock": self.s.guard_shared.url}

        def run(side: str) -> float:
            auth = {"authorization": f"Bearer bench-{secrets.token_hex(8)}"}
            answer = timed_request("PUT", guards[side] + name, body, auth)
            _expect(answer, (403,), "the collision")
            return answer.seconds * 1000

        for side in guards:
            run(side)
        runs = alternate(self.settings.shared_rounds, list(guards), run)
        ms = {side: median(values) for side, values in runs.items()}
        out.rounds = [{"side": s, "ms": round(v, 2)} for s, vs in runs.items() for v in vs]
        out.medians = {"ms": _rounded(ms, 2)}
        out.checks = [
            Check(
                8,
                "a publish (its collision answer) with the lock in Redis − with the host's lock",
                ms["host_lock"],
                ms["shared_lock"],
                "ms",
                ms["shared_lock"] - ms["host_lock"],
                "<=",
                2.0,
                "ms",
            ),
        ]
        return out

    # -- 6 ------------------------------------------------------------------------------

    def download(self) -> Outcome:
        out = Outcome(6, f"download of a {self.settings.download_mb} MB tarball")
        path = f"{fixtures.DOWNLOAD_NAME}/-/{fixtures.DOWNLOAD_NAME}-1.0.0.tgz"
        urls = {
            "direct": self.s.static + path,
            "nginx": self.s.nginx_proxy + path,
            "guard": self.s.guard.url + path,
        }
        peaks: list[int] = []

        def run(side: str) -> float:
            if side == "guard":
                with PeakRss(self.s.guard.pid) as peak:
                    seconds, size = _curl(urls[side])
                peaks.append(peak.growth)
            else:
                seconds, size = _curl(urls[side])
            if size != self.settings.download_mb * MB:
                raise RuntimeError(f"download through {side}: {size} bytes")
            return size / MB / seconds

        run("guard")
        peaks.clear()
        runs = alternate(self.settings.download_rounds, list(urls), run)
        speed = {side: median(values) for side, values in runs.items()}
        out.rounds = [{"side": s, "mb_per_s": round(v, 1)} for s, vs in runs.items() for v in vs]
        out.rounds += [{"guard_rss_growth_bytes": p} for p in peaks]
        out.medians = {
            "mb_per_s": _rounded(speed),
            "guard_rss_growth_mb_max": round(max(peaks) / MB, 1),
        }
        out.notes.append(
            f"nginx proxy_pass for comparison: {speed['nginx']:.0f} MB/s "
            f"({ratio(speed['nginx'], speed['direct']):.2f}× direct)"
        )
        out.checks = [
            Check(
                6,
                "download, guard ÷ direct, throughput",
                speed["direct"],
                speed["guard"],
                "MB/s",
                ratio(speed["guard"], speed["direct"]),
                ">=",
                0.8,
            ),
            Check(
                6,
                "download, guard RSS growth",
                None,
                round(max(peaks) / MB, 1),
                "MB",
                max(peaks) / MB,
                "<=",
                32.0,
                "MB",
            ),
        ]
        return out


def _installed(project: Path, tool: str) -> int:
    """How many packages of the tree the install put in place."""
    if tool == "yarn" and not (project / "node_modules").exists():
        lockfile = (project / "yarn.lock").read_text()  # Plug'n'Play: no node_modules
        return lockfile.count('"bench-tree-')
    if tool == "pnpm":
        store = project / "node_modules" / ".pnpm"
        return sum(1 for p in store.iterdir() if p.name.startswith("bench-tree-"))
    return sum(1 for p in (project / "node_modules").iterdir() if p.name.startswith("bench-"))


def _curl(url: str) -> tuple[float, int]:
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "--noproxy",
            "*",
            "-o",
            "/dev/null",
            "-w",
            "%{time_total} %{size_download}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    seconds, size = done.stdout.split()
    return float(seconds), int(size)


def _expect(answer: Timed, statuses: tuple[int, ...], what: str) -> None:
    if answer.status not in statuses:
        raise RuntimeError(f"{what}: HTTP {answer.status}, expected {statuses}")


def _rounded(values: dict[str, float], digits: int = 1) -> dict[str, float]:
    return {key: round(value, digits) for key, value in values.items()}
