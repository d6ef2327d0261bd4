# The two commands of the README:
#   make demo   runs publish-guard in front of its embedded registry emulator
#               (FLAVOR=nexus|verdaccio|npmjs|github|gitlab|azure|codeartifact|gitea: another one)
#   make test   installs everything and runs all checks and tests
#   make bench  runs the benchmarks against nginx, Verdaccio and the direct path (docs/benchmarks.md)
.PHONY: demo test lint bench

demo:
	@scripts/bootstrap python
	@.venv/bin/publish-guard demo $(if $(FLAVOR),--flavor $(FLAVOR))

test:
	@scripts/test

bench:
	@bench/bootstrap
	@.venv/bin/python -m bench

lint:
	@scripts/bootstrap dev
	@.venv/bin/ruff check src tests bench && .venv/bin/ruff format --check src tests bench \
	  && MYPY_CACHE_DIR="$${MYPY_CACHE_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/publish-guard/mypy}" .venv/bin/mypy
