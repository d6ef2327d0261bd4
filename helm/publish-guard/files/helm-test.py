"""`helm test` of publish-guard, run in the guard's image: the guard answers its health checks
and, given a token that may publish TEST_PACKAGE, a throwaway prerelease is published and
published again with other content: the second must be refused with the guard's explanation.
The token is never printed."""

import json
import os
import sys
import time
import urllib.error
import urllib.request

from publish_guard.registry import make_publish_body

GUARD = os.environ["GUARD_URL"].rstrip("/") + "/"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(GUARD + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with OPENER.open(request, timeout=120) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main():
    for probe in ("-/guard/healthz", "-/guard/readyz"):
        status, text = call("GET", probe)
        print(f"GET /{probe}: {status} {text[:300].decode(errors='replace')}")
        if status != 200:
            return 1
    token, name = os.environ.get("NPM_TOKEN", ""), os.environ.get("TEST_PACKAGE", "")
    if not token or not name:
        print("no tests.publishToken / tests.package: the publish check is skipped")
        return 0
    version = f"0.0.0-helm-test.{int(time.time())}"
    path = name.replace("/", "%2f")
    first = make_publish_body(name, version, files={"index.js": "// first\n"}, tag="helm-test")
    status, text = call("PUT", path, first, token)
    print(f"publish {name}@{version}: {status}")
    if status >= 300:
        print(text[:500].decode(errors="replace"))
        return 1
    second = make_publish_body(name, version, files={"index.js": "// second\n"}, tag="helm-test")
    status, text = call("PUT", path, second, token)
    answer = json.loads(text or b"{}")
    print(f"publish again with other content: {status} {answer.get('error', '')}")
    if status < 400 or status >= 500 or answer.get("code") != "VERSION_EXISTS":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
