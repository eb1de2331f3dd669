"""Screens of the KCC reviewer."""
