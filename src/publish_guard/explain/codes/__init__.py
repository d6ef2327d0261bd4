"""The codes of the guard's answers, each with its typed facts, grouped by what went wrong."""
