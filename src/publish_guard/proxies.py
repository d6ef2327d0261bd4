"""The forward proxy the registry is reached through, from the environment as curl reads it.

``https_proxy``/``HTTPS_PROXY`` for an https registry, ``http_proxy``/``HTTP_PROXY`` for an
http one (the lower-case name first), unless ``no_proxy``/``NO_PROXY`` names the registry:
``*`` alone for every host; a host name covers its subdomains (one leading dot is the same);
an IP address or a CIDR range (``/0`` matches nothing); an entry with a port matches that port
only; no wildcards. Credentials in the proxy URL are kept apart from it (``headers``), so no URL
the guard handles, and no error that quotes one, carries them. Nothing else of the environment
is taken (no ``.netrc``, no ``ALL_PROXY``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import encode_basic_auth
from yarl import URL

_PORT = re.compile(r"^(.+):(\d+)$")


@dataclass(frozen=True, slots=True)
class Proxy:
    url: URL  # without credentials
    headers: dict[str, str] | None  # Proxy-Authorization, sent to the proxy only


def proxy_for(base: URL, environ: Mapping[str, str]) -> Proxy | None:
    text = _variable(environ, f"{base.scheme}_proxy")
    if not text or _bypassed(base, _variable(environ, "no_proxy")):
        return None
    url = URL(text if "://" in text else "http://" + text)
    headers = None
    if url.user is not None or url.password is not None:
        headers = {"Proxy-Authorization": encode_basic_auth(url.user or "", url.password or "")}
    return Proxy(url.with_user(None), headers)


def _variable(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or environ.get(name.upper()) or "").strip()


def _bypassed(base: URL, no_proxy: str) -> bool:
    if no_proxy == "*":
        return True
    host = (base.host or "").lower().removesuffix(".")
    address = _address(host)
    for entry in re.split(r"[,\s]+", no_proxy.lower()):
        port = _PORT.match(entry) if entry.count(":") == 1 else None
        if port is not None:
            if int(port.group(2)) != base.port:
                continue
            entry = port.group(1)
        if address is not None:
            if _covers(entry, address):
                return True
        elif entry:
            name = entry.removeprefix(".").removesuffix(".")
            if name and (host == name or host.endswith("." + name)):
                return True
    return False


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _covers(entry: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return network.prefixlen > 0 and address in network
