"""Soak: mixed installs and publishes against a guard process for SOAK_SECONDS (default 60):
zero unexplained errors, and RSS and open file descriptors stable. The figures go to
build/soak.json (and the test output) for the notes.

Each of the eight clients pauses SOAK_PAUSE seconds (default 0.05) between its requests: about
7,000 requests a minute, eight at once at times, instead of the 20,000 the guard answers flat
out, which took both cores of a 2-core machine for the whole minute beside the rest of the suite.
SOAK_PAUSE=0 soaks flat out (the bench measures throughput)."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import orjson

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.http import http_request
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
PAUSE = float(os.environ.get("SOAK_PAUSE", "0.05"))
CLIENTS = 8
REPO = Path(__file__).resolve().parents[2]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _fds(pid: int) -> int:
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def test_soak(tmp_path: Path) -> None:
    registry = Registry(RegistryConfig(flavor="artifactory"))
    token = registry.add_user("soak").token
    for i in range(20):
        registry.seed(f"dep{i}", "1.0.0", files={"index.js": "x" * (1000 * (i + 1))})
    upstream = ServerThread(partial(create_registry_app, registry)).start()
    argv = ("--access-log", "false", "--lock-dir", str(tmp_path))
    stack = ExitStack()
    stack.callback(upstream.stop)
    url, guard = stack.enter_context(guard_process(registry.npm_url(upstream.url), *argv))
    results: Counter[str] = Counter()
    unexplained: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS
    try:

        def work(worker: int) -> None:
            rng = random.Random(worker)
            n = 0
            while time.monotonic() < stop:
                time.sleep(rng.uniform(0, 2 * PAUSE))
                n += 1
                kind = rng.choices(["doc", "tarball", "publish", "collide"], [50, 35, 10, 5])[0]
                dep = f"dep{rng.randrange(20)}"
                try:
                    if kind == "doc":
                        answer = http_request("GET", url + dep, timeout=30)
                        ok = answer.status == 200
                    elif kind == "tarball":
                        answer = http_request("GET", url + f"{dep}/-/{dep}-1.0.0.tgz", timeout=30)
                        ok = answer.status == 200 and answer.body[:2] == b"\x1f\x8b"
                    else:
                        name = f"soak{worker}" if kind == "publish" else "dep0"
                        version = f"1.0.{n}" if kind == "publish" else "1.0.0"
                        body = orjson.dumps(
                            make_publish_body(name, version, files={"i.js": str(n)})
                        )
                        answer = http_request(
                            "PUT",
                            url + name,
                            data=body,
                            token=token,
                            headers={"content-type": "application/json"},
                            timeout=30,
                        )
                        ok = (
                            answer.status in (200, 201)
                            if kind == "publish"
                            else (answer.status == 403 and b"VERSION_EXISTS" in answer.body)
                        )
                except OSError as exc:
                    ok, answer = False, None
                    with lock:
                        unexplained.append(f"{kind}: {exc}")
                with lock:
                    results[f"{kind} {'ok' if ok else 'unexpected'}"] += 1
                    if not ok and answer is not None:
                        unexplained.append(f"{kind}: {answer.status} {answer.body[:200]!r}")

        threads = [threading.Thread(target=work, args=(w,)) for w in range(CLIENTS)]
        time.sleep(0.5)
        start_rss, start_fds = _rss_kib(guard.pid), _fds(guard.pid)
        for thread in threads:
            thread.start()
        samples = []
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            samples.append((_rss_kib(guard.pid), _fds(guard.pid)))
        for thread in threads:
            thread.join()
        end_rss, end_fds = _rss_kib(guard.pid), _fds(guard.pid)
    finally:
        stack.close()

    requests = sum(results.values())
    figures = {
        "seconds": SECONDS,
        "clients": CLIENTS,
        "pause": PAUSE,
        "requests": requests,
        "results": dict(results),
        "rss_kib": {"start": start_rss, "end": end_rss, "max": max(s[0] for s in samples)},
        "open_fds": {"start": start_fds, "end": end_fds, "max": max(s[1] for s in samples)},
    }
    (REPO / "build").mkdir(exist_ok=True)
    (REPO / "build" / "soak.json").write_text(
        orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode()
    )
    print(orjson.dumps(figures).decode())
    assert unexplained == []
    assert requests > 1000 * SECONDS / 60
    # warm-up allocations settle in the first seconds; after that memory and fds stay flat
    assert end_rss - samples[0][0] < 20 * 1024, figures
    assert end_fds - start_fds < 20, figures
