"""The command line. The only place that prints errors and picks exit codes.

Exit codes: 0 nothing at or above the failure level; 1 findings at or above it; 2 usage,
config, rule or model-load errors (a bad file still lets the other files be reported).
"""

from __future__ import annotations

from modelint.cli.commands import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from modelint.cli.main import main, run

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "main", "run"]
