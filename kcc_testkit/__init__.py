"""Test kits for a checkout: the local OpenAI/Anthropic-compatible fake server and the synthetic TUI store.

Used by tests/ and bench/, never by the product packages, and not shipped in the wheel (pyproject.toml
lists the packages it builds). pytest finds it through `pythonpath = ["."]`; bench scripts put the
repository root on sys.path.
"""
