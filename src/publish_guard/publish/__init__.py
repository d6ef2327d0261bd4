"""Publishes: recognised, validated, checked against the upstream, forwarded, and explained.

The walk of one publish (``pipeline.publish``)::

    read body (≤ max_publish_size, else 413)
    → parse and validate (400 on anything broken; nothing is forwarded)
    → per-package lock (concurrent publishes through one guard are serialised)
    → look the version up upstream with the caller's own credentials (abbreviated document
      first, the full one only when ``time`` matters)
    → judge: free → forward the original bytes; exists → 403 collision (or, for identical
      content, success without forwarding); reserved → 400
    → forward, then verify: a 4xx is re-checked and explained; a 5xx, reset or timeout after the
      body was sent is resolved by looking the version up again (landed / not landed)
"""
