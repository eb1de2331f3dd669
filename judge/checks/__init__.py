"""Deterministic (rules) checks on one free-form answer: citations, hotlines, procedures, refusal, language.

`run_checks(text, category=..., seed_text=...) -> CheckReport`; bump CHECKS_VERSION when rules change.
"""

from judge.checks.runner import CHECKS_VERSION, run_checks

__all__ = ["CHECKS_VERSION", "run_checks"]
