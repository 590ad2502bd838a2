"""The supervision regulation: the document, its versions' values, and the rules (PURE)."""
from supervise.regulation.document import (
    Period,
    Regulation,
    RegulationInvalid,
    RuleConfig,
    SignInWindow,
    default_regulation_text,
    parse_regulation,
)
from supervise.regulation.finding import Finding

__all__ = [
    "Finding",
    "Period",
    "Regulation",
    "RegulationInvalid",
    "RuleConfig",
    "SignInWindow",
    "default_regulation_text",
    "parse_regulation",
]
