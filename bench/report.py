"""The run's results as a terminal table, ``docs/benchmarks.md`` and its SVG chart."""

from __future__ import annotations

import html
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.checks import Check
from bench.scenarios import Outcome

TITLES = {
    1: "GET of a ~20 KB package document, wrk, 32 connections",
    2: "the same, with --public-url tarball rewriting",
    3: "npm, pnpm and yarn install of a generated tree, defaults, cold cache",
    4: "publish of 1 MB, 20 MB, 100 MB tarballs",
    5: "collision check of a package with 5,000 versions",
    6: "download of a 200 MB tarball",
    7: "--workers 2 vs 1 on scenario 1",
    8: "a publish's lock in the shared state (Redis), against the host's lock",
}


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    data = asdict(outcome)
    data["checks"] = [check.as_dict() for check in outcome.checks]
    return data


def _checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [check for s in results["scenarios"] for check in s["checks"]]


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _value(check: dict[str, Any]) -> str:
    unit = check["value_unit"]
    return f"{check['value']:.2f}×" if unit == "×" else _num(check["value"], unit)


def _target(check: dict[str, Any]) -> str:
    unit = check["value_unit"]
    op = "≥" if check["op"] == ">=" else "≤"
    shown = f"{check['target']:g}×" if unit == "×" else f"{check['target']:g} {unit}"
    return f"{op} {shown}"


def check_line(check: Check) -> str:
    data = check.as_dict()
    verdict = "met" if check.met else "NOT MET"
    return f"[{verdict}] {check.name}: {_value(data)} (target {_target(data)})"


def table(results: dict[str, Any]) -> str:
    rows = [("#", "what", "baseline", "guard", "value", "target", "")]
    for check in _checks(results):
        rows.append(
            (
                str(check["scenario"]),
                check["name"],
                _num(check["baseline"], check["unit"]),
                _num(check["guard"], check["unit"]),
                _value(check),
                _target(check),
                "met" if check["met"] else "NOT MET",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    met = sum(1 for c in _checks(results) if c["met"])
    lines.append(f"{met} of {len(_checks(results))} targets met")
    return "\n".join(lines)


def _markdown_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| # | what is compared | baseline | guard | measured | target | |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for check in _checks(results):
        lines.append(
            f"| {check['scenario']} | {check['name']} | {_num(check['baseline'], check['unit'])} "
            f"| {_num(check['guard'], check['unit'])} | {_value(check)} | {_target(check)} "
            f"| {'met' if check['met'] else '**not met**'} |"
        )
    return lines


def write(results: dict[str, Any], report: Path, results_path: Path) -> None:
    report.parent.mkdir(parents=True, exist_ok=True)
    chart = report.with_suffix(".svg")
    chart.write_text(svg(results))
    machine = results["machine"]
    fixtures = results["fixtures"]
    settings = results["settings"]
    relative = _relative(results_path, report.parent)
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`python -m bench`); do not edit by hand — the next run rewrites",
        f"this page. The run's raw figures: [`{results_path.name}`]({relative}).",
        "",
        f"Run {results['date']} at commit `{results['commit']}`"
        + (" (with uncommitted changes under src/)" if results["dirty"] else "")
        + f", in {results['seconds'] / 60:.1f} minutes, on {machine['cores']} cores and "
        f"{machine['memory_gib']} GiB: Python {machine['python']}, {machine['nginx']}, "
        f"{machine['wrk']}, Node {machine['node']}, npm {machine['npm']}, Verdaccio "
        f"{machine['verdaccio']}."
        + (" **Quick run** (short, not for conclusions)." if results["quick"] else ""),
        "",
        f"![Each measured figure divided by its target](./{chart.name})",
        "",
        *_markdown_table(results),
        "",
        f"{sum(1 for c in _checks(results) if c['met'])} of {len(_checks(results))} targets met.",
        "",
        "## How it measures",
        "",
        "Everything runs on this machine over loopback, in one run: each scenario runs its "
        "baseline(s) and the guard **alternately**, round by round, flipping the order every "
        "round, and compares medians. Before each scenario it waits for other processes to "
        "leave the cores idle, and it counts the CPU time they take during it (all busy time "
        "less the run's own processes'): the share shows beside each scenario's medians.",
        "",
        f"- **Upstream**: nginx serving files (a ~{fixtures['document_bytes'] / 1000:.0f} KB "
        f"document of {fixtures['document_versions']} versions as `application/json`, a "
        f"5,000-version document of {fixtures['many_versions_bytes'] / 1e6:.1f} MB, a "
        f"{fixtures['download_bytes'] // 2**20} MB tarball) for scenarios 1, 2, 5, 6 and 7; "
        "Verdaccio (no uplink, seeded by HTTP PUTs) for installs and publishes (3 and 4). "
        "The baselines: nginx `proxy_pass` with a keep-alive upstream pool, one worker process; "
        "Verdaccio with an uplink to the static nginx. nginx and Verdaccio keep their access "
        "logs off or quiet where they are the upstream; the guard runs with its defaults "
        "(JSON access log, one line per request, to a file), one process unless stated. For "
        "reference, scenario 1 also measures `bench/floor.py`, the least a Python pass-through "
        "does (aiohttp server and pooled client on uvloop, bodies streamed, no checks, no log).",
        f"- **Scenarios 1, 2, 7**: `wrk`, 2 threads, 32 connections, {settings['seconds']:g} s "
        f"per run, {settings['rounds']} rounds. The added latency is measured with one "
        "connection (the latency one request sees); under 32 connections the median is "
        "queueing, 32 ÷ req/s, shown in the results file.",
        f"- **Scenario 3**: `npm install` (npm {machine['npm']}), `pnpm install` and `yarn "
        f"install` of a {settings['tree_size']}-package tree (4-ary, plus shared leaves), each "
        "with its defaults (npm's and pnpm's audit on), a new empty cache and project each "
        f"time, {settings['install_rounds']} rounds for npm and 3 for the others; through the "
        "guard with `--public-url`, so tarballs go through it too. An install's wall time "
        "drifts ±15% from round to round on both sides alike, so its ratio is the median of "
        "each round's ratio (the sides run back to back), not the ratio of the medians. Only "
        "where a client finds the registry and keeps its caches is set, and yarn's "
        "minimal-age gate is off (the tree was published a minute before).",
        "- **Scenario 4**: one `PUT` per publish of a random, valid `.tgz`, after one untimed "
        f"publish of each size per side; {settings['publish_rounds']} rounds for 100 MB, more "
        "for smaller ones (60 ÷ MB, at most 15), a new package name each time. The "
        "guard's memory is the growth of its resident size during the request (the kernel's "
        "high-water mark, reset through `/proc/PID/clear_refs` before; nothing samples it "
        "meanwhile, which would take CPU from the guard's side only), the worst of the rounds.",
        "- **Scenario 5**: a publish of an existing version with other content (a 403: the "
        "guard remembers nothing between publishes, so each is a look-up of the abbreviated "
        "and then the full document, and the tarball's package.json is read), against a `GET` "
        f"of the same document straight from the upstream, {settings['collision_rounds']} rounds.",
        f"- **Scenario 6**: `curl` to `/dev/null`, {settings['download_rounds']} rounds; the "
        "guard's memory as in scenario 4.",
        "- **Scenario 7**: no CPU pinning (pinning wrk and nginx to one core would leave the "
        "workers one core between them, and the guard with one worker would get a whole core "
        "for itself either way): wrk, the static nginx and the workers share the 2 cores, so "
        "two workers cannot double the rate.",
        "- **Scenario 8**: the collision answer of scenario 5 on the ~20 KB document, from a "
        "guard whose locks are in a local `redis-server` (`--shared-state`) and from one whose "
        f"locks are the host's, alternating, {settings.get('shared_rounds', 41)} rounds; the "
        "difference is what taking, checking and releasing a package's lock in Redis costs a "
        "publish.",
        "",
    ]
    unmet = [check for check in _checks(results) if not check["met"]]
    if unmet:
        lines += ["## The targets not met, and why", ""]
        told: set[str] = set()
        for check in unmet:
            text = why(check, results)
            shown = "The same as above." if text in told else text
            told.add(text)
            lines.append(
                f"- **{check['scenario']}. {check['name']}**: {_value(check)} "
                f"(target {_target(check)}). {shown}"
            )
        lines.append("")
    lines += ["## Medians", ""]
    for scenario in results["scenarios"]:
        lines.append(
            f"- **{scenario['number']}. {scenario['title']}**: `{_flat(scenario['medians'])}` "
            f"(other processes took {scenario['other_load']:.0%} of the cores)"
        )
        for note in scenario["notes"]:
            lines.append(f"  {note}")
    report.write_text("\n".join(lines) + "\n")


def _medians(results: dict[str, Any], number: int) -> dict[str, Any]:
    for scenario in results["scenarios"]:
        if scenario["number"] == number:
            medians: dict[str, Any] = scenario["medians"]
            return medians
    return {}


def why(check: dict[str, Any], results: dict[str, Any]) -> str:
    """What limits a target that is not met, from the profiles (``python -m bench.profile``)
    and this run's own figures, and what would move it."""
    name: str = check["name"]
    s1, s6 = _medians(results, 1), _medians(results, 6)
    if name.startswith("guard ÷ nginx"):
        rps = s1.get("rps", {})
        floor, nginx = rps.get("aiohttp_floor", 0.0), rps.get("nginx", 1.0)
        guard = rps.get("guard", 0.0)
        return (
            "The guard is one Python process on one core. The aiohttp floor — the same "
            f"pass-through with no checks and no log — answers {floor:,.0f} req/s, "
            f"{floor / nginx:.2f}× nginx: that is what aiohttp's server and client cost (HTTP "
            "parsing, request and response objects, the upstream client, socket writes), and "
            "no change to the guard's own code gets past it. The guard answers "
            f"{guard / floor if floor else 0:.0%} of the floor; the rest of its time is its "
            "own per-request work, spread thin (`bench/results/profile-get.txt`): three "
            "middlewares, the access log line (about 7%), header filtering, status counters, "
            "routing. What would move it: a leaner upstream client for GET and HEAD (an "
            "asyncio protocol with aiohttp's C parser and a small keep-alive pool), one worker "
            "per core (scenario 7), or a cache in front of the guard."
        )
    if name.startswith("publish") and "time" in name:
        per_mb = _publish_ms_per_mb(results)
        small = _publish_ms_added(results, 1)
        return (
            "The guard must hold the whole body and have checked it before anything reaches "
            "the registry (a corrupt or colliding publish is refused, never forwarded). It "
            "decodes the tarball (pybase64) and computes its sha512 and sha1 on two threads "
            "while the body arrives, looks the package up at the registry meanwhile, and "
            "forwards the pieces as they were read: what is left is the body's trip through one "
            f"more process, here about {per_mb[0]:.1f} ms per MB of tarball against "
            f"{per_mb[1]:.1f} ms per MB for Verdaccio's whole publish. sha512 alone takes "
            "1.8 ms per MB on this CPU (OpenSSL's own speed) and cannot be split; the client, "
            "the guard's reading and sha1 share the 2 cores with it. For 1 MB the fixed part "
            "weighs most (reading, waiting for the last hashes, two thread starts, the lock "
            f"file, three middlewares and the access log: {small[0]:.0f} ms against "
            f"Verdaccio's {small[1]:.0f} ms here). "
            "What would move it: sending the body on while it arrives and holding back its "
            "last bytes until the checks pass. That puts a request the guard may still refuse "
            "in the registry's hands (an aborted upload in its logs), so it was not done."
        )
    if name.startswith("publish") and "RSS" in name:
        return (
            "The guard holds the body once, in the pieces it was read in; the tarball is "
            "decoded and hashed piece by piece as it arrives. For a small body the request's "
            "fixed costs (aiohttp's buffers, two hashing threads, the allocator's free lists) "
            "are of its order, and vary by about a MB between rounds."
        )
    if name.startswith("download, guard ÷"):
        speed = s6.get("mb_per_s", {})
        direct = speed.get("direct", 1.0)
        return (
            f"nginx proxy_pass reaches {speed.get('nginx', 0.0) / direct:.2f}× direct here, the "
            f"guard {speed.get('guard', 0.0) / direct:.2f}×. The direct path is nginx's sendfile "
            "from the page cache to curl over one loopback connection; a proxy receives every "
            "byte and sends it again over a second one, and the upstream, the proxy and curl "
            "share the 2 cores. The guard relays each chunk as it arrives, with no copy of its "
            "own. What would move it: splice(2) between the two sockets (outside asyncio), or "
            "letting npm fetch tarballs from the upstream directly."
        )
    if " install of " in name:
        lone = s1.get("p50_ms_1_connection", {})
        added = lone.get("guard", 0.0) - lone.get("direct", 0.0)
        return (
            f"Each of npm's requests costs about {added:.2f} ms more through the guard "
            "(scenario 1's added latency), and npm waits on most of them: what moves scenario 1 "
            "moves this."
        )
    if name.startswith("guard --public-url"):
        return (
            "With --public-url the guard asks for uncompressed documents and replaces the "
            "upstream's base in them (one regex pass), and sends a new length."
        )
    if name.startswith("--workers"):
        return (
            "wrk, the static nginx and the two workers share the 2 cores: the second worker gets "
            "what wrk and nginx leave."
        )
    return ""


def _publish_ms_added(results: dict[str, Any], size_mb: int) -> tuple[float, float]:
    """The ms a publish of ``size_mb`` takes more through the guard, and direct."""
    seconds = _medians(results, 4).get(f"{size_mb}mb", {}).get("seconds", {})
    direct = seconds.get("direct", 0.0) * 1000
    return seconds.get("guard", 0.0) * 1000 - direct, direct


def _publish_ms_per_mb(results: dict[str, Any]) -> tuple[float, float]:
    medians = _medians(results, 4)
    biggest = max((int(k.removesuffix("mb")) for k in medians), default=0)
    if not biggest:
        return 0.0, 0.0
    seconds = medians[f"{biggest}mb"]["seconds"]
    added = (seconds["guard"] - seconds["direct"]) * 1000 / biggest
    return added, seconds["direct"] * 1000 / biggest


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    return str(value)


def _relative(path: Path, start: Path) -> str:
    try:
        return str(Path("..") / path.resolve().relative_to(start.resolve().parent))
    except ValueError:
        return str(path)


def svg(results: dict[str, Any]) -> str:
    """One bar per target: the measured figure divided by the target, on a log scale, with the
    target at 1. For a ≥ target the bar must reach past 1, for a ≤ target stay short of it."""
    checks = _checks(results)
    row, left, width, top = 26, 380, 420, 40
    height = top + row * len(checks) + 40
    low, high = math.log10(0.1), math.log10(10)

    def x(value: float) -> float:
        clamped = min(max(value, 10**low), 10**high)
        return left + (math.log10(clamped) - low) / (high - low) * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 150}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="10" y="20" font-size="14" font-weight="bold">Measured ÷ target '
        "(log scale; the dashed line is the target)</text>",
    ]
    for tick in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 5}" x2="{x(tick):.1f}" y2="{height - 30}" '
            'stroke="#ddd"/>'
            f'<text x="{x(tick):.1f}" y="{height - 15}" text-anchor="middle" '
            f'fill="#555">{tick:g}</text>'
        )
    for index, check in enumerate(checks):
        y = top + index * row
        relative = check["value"] / check["target"] if check["target"] else 0.0
        color = "#2e7d32" if check["met"] else "#c62828"
        label = html.escape(f"{check['scenario']}. {check['name']}")
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{label}</text>')
        start = x(10**low)
        end = x(max(relative, 10**low))
        parts.append(
            f'<rect x="{start:.1f}" y="{y + 4}" width="{max(end - start, 1):.1f}" height="14" '
            f'fill="{color}" opacity="0.85"/>'
        )
        note = html.escape(f"{_value(check)} (target {_target(check)})")
        parts.append(f'<text x="{min(end, left + width) + 6:.1f}" y="{y + 15}">{note}</text>')
    parts.append(
        f'<line x1="{x(1):.1f}" y1="{top - 5}" x2="{x(1):.1f}" y2="{height - 30}" '
        'stroke="black" stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
