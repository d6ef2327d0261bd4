"""The npm protocol, as pure functions over bytes, strings and dicts (no I/O, no aiohttp)."""
