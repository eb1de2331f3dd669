"""Package data: one safe-response policy per category."""
