"""``python -m modelint``."""

from __future__ import annotations

import sys

from modelint.cli import main

sys.exit(main())
