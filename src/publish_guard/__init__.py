"""publish-guard: a reverse proxy for npm registries that explains failed publishes."""

__version__ = "0.1.0"
