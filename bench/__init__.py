"""The performance harness of issue 10: every scenario against its baseline(s), alternating, in
one run (``make bench``). Loopback only; every process it starts is stopped at the end."""
