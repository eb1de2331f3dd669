"""Widgets of the KCC reviewer."""
