"""The report tests share one small repository of models (report_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_support import write_repository


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_repository(tmp_path_factory.mktemp("repository"))
