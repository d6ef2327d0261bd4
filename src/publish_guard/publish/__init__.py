"""Writes: understood, checked against the upstream, forwarded as sent, and explained.

The walk of one publish, top to bottom:

``route``       every request is classified (``writes``): reads stream through; a publish or
                a document update is read (``body``: JSON in UTF-8, within the size limit, the
                memory budget and the pace), other writes to a package are serialised with its
                publishes, unknown writes get a 405
``publish_json`` the body is parsed once; a big tarball's text is located in the body, never
                copied out (``npm.publish_json``), then validated (``npm.publish_body``)
``pipeline``    the tarball is read within its limits (off the event loop); under the
                package's lock the registry is looked up, fresh (``lookup``), and
``policies``    decide, in order, each a pure function of the publish and that look-up:
                the manifest is the tarball's → dev mode → npmjs reservations → collision or
                identical republish
``forwarding``  what they let through is sent (a dev publish rewritten, off the loop), and the
                registry's answer verified: a 4xx is looked into again, a lost answer resolved
                by a look-up (landed / not landed), a dev version taken meanwhile chosen again
``updates``     a document update (deprecate, owner, unpublish of a version) may change
                metadata only
"""
