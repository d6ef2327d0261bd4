# The two commands of the README:
#   make demo   runs publish-guard in front of its embedded registry emulator
#   make test   installs everything and runs all checks and tests
.PHONY: demo test lint

demo:
	@scripts/bootstrap python
	@.venv/bin/publish-guard demo

test:
	@scripts/test

lint:
	@scripts/bootstrap python
	@.venv/bin/ruff check src tests && .venv/bin/ruff format --check src tests && .venv/bin/mypy
