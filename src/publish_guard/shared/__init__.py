"""State shared by every replica of a deployment, through Redis (``--shared-state``).

What is kept there, under ``publish-guard:<scope>:`` (the scope: a hash of the upstream URL, so
guards of several registries may share one Redis):

- ``lock:<package>`` — a package's publish lock (redis-py's ``Lock``): a random token, with a
  TTL of ``LOCK_TTL`` seconds renewed every third of it while the publish runs; released on
  every path; gone by itself if a replica dies holding it.
- ``ended:<package>`` — how many publishes of the package ended (an integer; TTL one day):
  a look-up made before the lock is used only if it did not move since.
- ``dev:<package>:<base>`` — the last dev number handed out for ``<base>`` (an integer; TTL 30
  days), so that one N is never handed out twice, whatever the registry shows.
- ``events`` — the last ``MAX_EVENTS`` events of every replica (a list of JSON objects, each
  naming its replica), ``counters`` (a hash of counters) and ``minute:<epoch minute>`` (hashes
  of outcome counts, TTL two hours) for the status page's hour.

Altogether a few hundred KiB whatever the traffic. Prometheus metrics stay per process.
"""
