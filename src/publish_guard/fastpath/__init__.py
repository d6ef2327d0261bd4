"""The fast path: nginx in front of the guard, sending the reads it would pass untouched
straight to the registry (``routes``), written from the guard's own settings (``nginx``)."""
