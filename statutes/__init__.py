"""Korean statute, institution and procedure registry (package data, snapshot 2026-06-05) and the parser
that finds statute citations and hotline mentions in free-form answers."""

from statutes.citations import Citation, extract_citations
from statutes.institutions import (
    InstitutionFinding,
    assess_mentions,
    find_mentions,
    find_procedures,
    institution_registry,
)
from statutes.registry import Registry, Resolution, registry
from statutes.verify import CitationCheck, check_citation

__all__ = [
    "Citation", "CitationCheck", "InstitutionFinding", "Registry", "Resolution", "assess_mentions", "check_citation",
    "extract_citations", "find_mentions", "find_procedures", "institution_registry", "registry",
]
