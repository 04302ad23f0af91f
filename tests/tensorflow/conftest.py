"""Fixtures for the TensorFlow front-end tests (skipped as a whole without the extra)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cnn_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small CNN of keras_models.small_cnn saved as .keras, .h5, SavedModel, .tflite, .pb."""
    pytest.importorskip("tensorflow", reason="needs the tensorflow extra")
    from keras_models import save_every_format, small_cnn

    return save_every_format(small_cnn(), tmp_path_factory.mktemp("formats"))
