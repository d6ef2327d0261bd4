"""The comparison itself: yarn's two renderings of one failed request print as one form, and
nothing else is folded into it."""

from __future__ import annotations

from pathlib import Path

from tests.harness.clients import Result
from tests.transparency.compare import output_of
from tests.transparency.world import World

# `yarn npm audit` when the report request fails before the deprecation reads end (captured from
# yarn 4.18 on Node 20; the minified source line shortened)
UNHANDLED = """/work/tools/node_modules/@yarnpkg/cli-dist/bin/yarn.js:148
`)}`}}};ai.RequestError=Ls;var aN=class
                                                                    ^

Zt [Error]: The remote server failed to provide the requested resource
    at yN (/work/tools/node_modules/@yarnpkg/cli-dist/bin/yarn.js:148:31746)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
    at async Object.yq (/work/tools/node_modules/@yarnpkg/cli-dist/bin/yarn.js:148:33827) {
  reportExtra: [Function (anonymous)],
  reportCode: 35,
  originalError: cN [HTTPError]: Response code 404 (Not Found)
      at AN.<anonymous> (/work/tools/node_modules/@yarnpkg/cli-dist/bin/yarn.js:148:24077) {
    code: undefined,
    timings: {
      start: 1796040284105,
      phases: {
        total: 42
      }
    }
  }
}

Node.js v20.20.2
"""
# the same failure when it comes after them
REPORTED = """➤ YN0035: The remote server failed to provide the requested resource
➤ YN0035:   Response Code: 404 (Not Found)
➤ YN0035:   Request Method: POST
➤ YN0035:   Request URL: http://127.0.0.1:35389/-/npm/v1/security/advisories/bulk

➤ Errors happened when preparing the environment required to run this command.
➤ This might be caused by packages being missing from the lockfile, in which case running \
"yarn install" might help.
"""


def _printed(text: str, tmp_path: Path) -> str:
    world = World("direct", "", "", None, None, "token", tmp_path)  # type: ignore[arg-type]
    return output_of(world, Result(1, "", text, ["yarn", "npm", "audit"]))[1]


def test_yarns_two_renderings_of_one_failed_request_print_alike(tmp_path: Path) -> None:
    assert _printed(UNHANDLED, tmp_path) == _printed(REPORTED, tmp_path)


def test_another_status_or_message_still_differs(tmp_path: Path) -> None:
    unhandled = _printed(UNHANDLED, tmp_path)
    assert _printed(REPORTED.replace("404 (Not Found)", "403 (Forbidden)"), tmp_path) != unhandled
    assert _printed(UNHANDLED.replace("remote server", "registry"), tmp_path) != unhandled
    assert _printed(UNHANDLED.replace("reportCode: 35", "reportCode: 1"), tmp_path) != unhandled


def test_other_output_around_it_is_not_folded(tmp_path: Path) -> None:
    before = "➤ YN0000: something else\n"
    assert _printed(before + REPORTED, tmp_path) != _printed(REPORTED, tmp_path)
    assert _printed(UNHANDLED + "extra line\n", tmp_path) != _printed(UNHANDLED, tmp_path)
