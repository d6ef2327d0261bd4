"""What the guard did, for people and for Prometheus: events, counters, metrics, the page."""
