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
from yarl import URL

from publish_guard.config import ConfigError, parse_base_url
from publish_guard.explain.publish import availability
from publish_guard.flavors import FLAVORS, GENERIC, flavor_from_url
from publish_guard.npm.documents import ABBREVIATED_MEDIA_TYPE, is_valid_version, version_identity
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.publish.verdict import judge

FREE, TAKEN, UNKNOWN = 0, 1, 2


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
    headers = {"accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        url = URL(f"{registry}-/guard/check/{name.escaped}/{version}", encoded=True)
        async with session.get(url, headers=headers) as response:
            if response.status == 200 and "json" in response.content_type:
                answer: dict[str, Any] = await response.json(loads=orjson.loads)
                if "publishable" in answer:
                    return answer
        # not a guard: judge the registry's own document
        flavor = FLAVORS[flavor_key] if flavor_key else flavor_from_url(registry) or GENERIC
        document_url = URL(f"{registry}{name.escaped}", encoded=True)
        headers["accept"] = (
            "application/json"
            if flavor.reserves_unpublished
            else (f"{ABBREVIATED_MEDIA_TYPE}; q=1.0, application/json; q=0.8")
        )
        async with session.get(document_url, headers=headers) as response:
            if response.status == 404:
                document = None
            elif response.status == 200:
                document = await response.json(loads=orjson.loads, content_type=None)
            else:
                return {
                    "publishable": None,
                    "outcome": "unknown",
                    "error": f"{registry} answered HTTP {response.status} for {name.full}",
                }
    verdict = judge(document, version, reserves_unpublished=flavor.reserves_unpublished)
    return availability(verdict, name.full, flavor)


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
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
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
