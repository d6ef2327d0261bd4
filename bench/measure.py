"""Measuring: wrk runs, timed HTTP requests, a process's memory."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

_WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d,\\"non2xx\\":%d," ..
    "\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"bytes\\":%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), summary.bytes))
end
"""


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    non2xx: int
    bytes_per_request: float

    def as_dict(self) -> dict[str, float]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "errors": self.errors,
            "non2xx": self.non2xx,
            "bytes_per_request": round(self.bytes_per_request),
        }


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    threads: int = 2,
    script_dir: Path,
) -> WrkResult:
    script = script_dir / "report.lua"
    if not script.exists():
        script.write_text(_WRK_REPORT)
    argv = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",  # whole seconds only
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(
        (row for row in out.stdout.splitlines() if row.startswith("WRKJSON ")),
        None,
    )
    if line is None:
        raise RuntimeError(f"wrk printed no report:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    requests = max(int(data["requests"]), 1)
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=int(data["errors"]),
        non2xx=int(data["non2xx"]),
        bytes_per_request=data["bytes"] / requests,
    )


@dataclass(frozen=True)
class Timed:
    status: int
    seconds: float
    size: int  # bytes of the answer's body


def timed_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 300,
) -> Timed:
    """One request on a new connection; the time from sending to the answer's last byte."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    all_headers = {"accept": "application/json", **(headers or {})}
    if body is not None:
        all_headers.setdefault("content-type", "application/json")
    try:
        connection.connect()
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
        elapsed = time.perf_counter() - started
        return Timed(response.status, elapsed, size)
    finally:
        connection.close()


# -- memory of a process (Linux /proc) ------------------------------------------------------


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def rss_bytes(pid: int) -> int:
    return _status_kib(pid, "VmRSS") * 1024


class PeakRss:
    """The peak resident size of ``pid`` over a ``with`` block, as growth over its start.

    The kernel's high-water mark (``VmHWM``, reset at the start through
    ``/proc/PID/clear_refs``); where that cannot be reset, ``VmRSS`` sampled every 2 ms, by a
    thread whose reads would otherwise cost the measured side CPU that the other side has.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._hwm_reset = False

    def __enter__(self) -> PeakRss:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self._hwm_reset = True
        except OSError:
            self._hwm_reset = False
        self.before = rss_bytes(self.pid)
        self.peak = self.before
        if not self._hwm_reset:  # else the kernel's mark is exact, and sampling costs CPU
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._hwm_reset:
            self.peak = max(self.peak, _status_kib(self.pid, "VmHWM") * 1024)

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.before)


def median(values: list[float]) -> float:
    return statistics.median(values)


def busy_share(seconds: float = 1.0) -> float:
    """The share of all cores busy over ``seconds`` (``/proc/stat``): between scenarios, when
    the run's own servers idle, it is what other processes take from the measures."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle

    total_0, idle_0 = sample()
    time.sleep(seconds)
    total_1, idle_1 = sample()
    spent = total_1 - total_0
    return 0.0 if spent <= 0 else 1 - (idle_1 - idle_0) / spent


def wait_for_quiet(log: Callable[[str], None], limit: float = 0.2, patience: float = 90) -> float:
    """Wait (up to ``patience`` seconds) until other processes leave the cores nearly idle;
    returns the busy share last seen."""
    deadline = time.monotonic() + patience
    share = busy_share()
    while share > limit and time.monotonic() < deadline:
        log(f"the machine is {share:.0%} busy with other processes; waiting for it to calm")
        time.sleep(4)
        share = busy_share()
    return share


def _cpu_jiffies(stat_line: str) -> tuple[int, int]:
    """(parent pid, user + system time of the process and of its waited-for children)."""
    fields = stat_line.rsplit(")", 1)[1].split()
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def _tree_jiffies(root: int) -> int:
    parents: dict[int, int] = {}
    spent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, jiffies = _cpu_jiffies((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
        parents[int(entry.name)] = parent
        spent[int(entry.name)] = jiffies
    total = 0
    for pid, jiffies in spent.items():
        seen, current = 0, pid
        while current not in (0, 1, root) and seen < 64:
            current, seen = parents.get(current, 0), seen + 1
        if current == root:
            total += jiffies
    return total


def _busy_jiffies() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), sum(fields) - fields[3] - fields[4]


class OtherLoad:
    """The share of the cores that processes outside this run took during a ``with`` block
    (all busy time, less this process's and its descendants')."""

    def __init__(self) -> None:
        self.share = 0.0
        self._start = (0, 0, 0)

    def __enter__(self) -> OtherLoad:
        total, busy = _busy_jiffies()
        self._start = (total, busy, _tree_jiffies(os.getpid()))
        return self

    def __exit__(self, *exc: object) -> None:
        total, busy = _busy_jiffies()
        ours = _tree_jiffies(os.getpid())
        spent = total - self._start[0]
        others = (busy - self._start[1]) - (ours - self._start[2])
        self.share = max(0.0, others / spent) if spent > 0 else 0.0
