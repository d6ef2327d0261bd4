"""Publishes: recognised, validated, checked against the upstream, forwarded, and explained.

The walk of one publish (``pipeline.publish``)::

    read body (≤ max_publish_size, else 413); from 64 KiB on, the package's look-up starts
      when the headers arrive, and a tarball text of 1 MiB or more is decoded and hashed as
      it arrives (``npm.body_scan``)
    → parse and validate (400 on anything broken; nothing is forwarded)
    → per-package lock (concurrent publishes through one guard are serialised)
    → look the version up upstream with the caller's own credentials (abbreviated document
      first, the full one only when ``time`` matters); the early look-up is used only if no
      publish of the package ended since it began
    → judge: free → forward the original bytes (the pieces as read); exists → 403 collision
      (or, for identical content, success without forwarding); reserved → 400
    → forward, then verify: a 4xx is re-checked and explained; a 5xx, reset or timeout after the
      body was sent is resolved by looking the version up again (landed / not landed)
"""
