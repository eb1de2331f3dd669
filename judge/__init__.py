"""KCC judge."""
