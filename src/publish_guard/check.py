"""``publish-guard check name@version --registry URL``: can this version be published?

Exit 0: free; 1: taken or reserved (the explanation is printed); 2: could not tell. Meant for a
CI step before a long build. Against a guard it asks ``/-/guard/check``; against a plain registry
it reads the package document itself and judges it the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDict
from yarl import URL

from publish_guard.config import ConfigError, load_settings, parse_base_url
from publish_guard.explain import GuardError
from publish_guard.flavors import FLAVORS, GENERIC, flavor_from_url
from publish_guard.npm.documents import is_valid_version, version_identity
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.publish.availability import availability_now
from publish_guard.upstream import GUARD_AGENT, Upstream

FREE, TAKEN, UNKNOWN = 0, 1, 2
MAX_GUARD_ANSWER = 1024**2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="publish-guard check", description=__doc__.split("\n")[0])
    parser.add_argument("spec", metavar="name@version")
    parser.add_argument("--registry", required=True, help="the guard's URL (or any npm registry)")
    parser.add_argument("--token", help="auth token (default: $NPM_TOKEN or $NODE_AUTH_TOKEN)")
    parser.add_argument("--flavor", choices=sorted(FLAVORS), help="for a plain registry")
    parser.add_argument("--json", action="store_true", help="print the JSON answer")
    return parser


def split_spec(spec: str) -> tuple[PackageName, str]:
    at = spec.rfind("@")
    if at <= 0:
        raise ValueError(f"{spec!r} is not name@version")
    name, version = spec[:at], spec[at + 1 :]
    if not is_valid_version(version_identity(version)):
        raise ValueError(f"{version!r} is not a valid version")
    return parse_name(name, strict=False), version


async def ask(
    registry: URL, name: PackageName, version: str, token: str | None, flavor_key: str | None
) -> dict[str, Any]:
    settings = load_settings(["--upstream", str(registry), "--lock-dir", "off"], {})
    upstream = Upstream(settings)
    headers: CIMultiDict[str] = CIMultiDict(
        {"user-agent": GUARD_AGENT, "accept-encoding": "identity"}
    )
    if token:
        headers["authorization"] = f"Bearer {token}"
    await upstream.start()
    try:
        asking = CIMultiDict(headers, accept="application/json")
        target = f"-/guard/check/{name.escaped}/{version}"
        async with upstream.request("GET", target, headers=asking) as response:
            if response.status == 200 and "json" in response.content_type:
                answer = orjson.loads(await upstream.read_body(response, MAX_GUARD_ANSWER))
                if isinstance(answer, dict) and "publishable" in answer:
                    return answer
        # not a guard: judge the registry's own document as the guard would
        flavor = FLAVORS[flavor_key] if flavor_key else flavor_from_url(registry) or GENERIC
        return await availability_now(upstream, name, headers, version, flavor)
    finally:
        await upstream.close()


def _network(cause: BaseException | None) -> bool:
    return isinstance(cause, aiohttp.ClientError | TimeoutError | OSError)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        name, version = split_spec(args.spec)
        registry = parse_base_url(args.registry)
    except (ValueError, InvalidPackageName, ConfigError) as exc:
        print(f"publish-guard check: {exc}", file=sys.stderr)
        return UNKNOWN
    token = args.token or os.environ.get("NPM_TOKEN") or os.environ.get("NODE_AUTH_TOKEN")
    try:
        answer = asyncio.run(ask(registry, name, version, token, args.flavor))
    except GuardError as exc:
        # the gateway's words blame the guard's hop to its registry; here the URL given (the
        # guard itself, often) is what failed: its own cause, as the connection reported it
        cause = exc.__cause__
        shown = (str(cause) or type(cause).__name__) if _network(cause) else exc.error
        print(f"publish-guard check: could not ask {registry}: {shown}", file=sys.stderr)
        return UNKNOWN
    except (TimeoutError, OSError, ValueError) as exc:
        print(
            f"publish-guard check: could not ask {registry}: {exc or type(exc).__name__}",
            file=sys.stderr,
        )
        return UNKNOWN
    if args.json:
        print(orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode())
    publishable = answer.get("publishable")
    if publishable is True:
        if not args.json:
            print(f"{name.full}@{version} is free to publish")
        return FREE
    if publishable is False:
        if not args.json:
            print(answer.get("error", f"{name.full}@{version} is taken"))
            if answer.get("hint"):
                print(answer["hint"])
        return TAKEN
    if not args.json:
        print(
            answer.get("error", f"cannot tell whether {name.full}@{version} is free"),
            file=sys.stderr,
        )
    return UNKNOWN
