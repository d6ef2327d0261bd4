"""The real-client test harness: Node tools, servers in threads, Verdaccio and npm-compatible CLIs.

Every end-to-end test drives real clients (npm, pnpm, yarn berry) against real servers on
loopback; this package starts them, isolates them from the machine's own configuration, and
stops them again.
"""
