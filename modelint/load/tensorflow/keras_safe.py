"""Refuse Keras files that carry code, before Keras ever parses them.

A Keras model file can carry Python: a ``Lambda`` layer's function (marshalled bytecode) or a
reference to a class in an arbitrary module. modelint never runs it. This scan reads the model
config as plain JSON — from ``config.json`` in a ``.keras`` zip, or the ``model_config``
attribute of a legacy ``.h5`` — and refuses such models with a clear reason; Keras then loads
the rest with ``safe_mode=True`` as a second line of defence.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from modelint.errors import ModelLoadError

__all__ = ["check_keras_file"]

_CODE_LAYERS = frozenset({"Lambda", "TFOpLambda", "SlicingOpLambda"})


def _objects(node: Any, owner: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Every serialized object ({"class_name": ...}) in a Keras config, depth first, with the
    name of the nearest named object around it (the layer an activation belongs to)."""
    if isinstance(node, dict):
        if "class_name" in node:
            yield node, owner
            owner = _name(node) or owner
        for value in node.values():
            yield from _objects(value, owner)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value, owner)


def _name(obj: dict[str, Any]) -> str:
    config = obj.get("config")
    name = config.get("name") if isinstance(config, dict) else None
    return str(name) if name else ""


def _problem(obj: dict[str, Any], owner: str) -> str | None:
    """Why ``obj`` needs code, or None. A nameless object (an activation, an initializer)
    is reported through the layer that uses it."""
    class_name, module, own = str(obj.get("class_name")), obj.get("module"), _name(obj)
    layer = f"layer '{own or owner}'" if own or owner else "a layer"
    relation = "is" if own or not owner else "uses"
    if class_name in _CODE_LAYERS:
        return f"{class_name} {layer} carries Python code"
    if module == "builtins" and class_name == "function":  # Activation(my_function)
        function = obj.get("config")
        return f"{layer} uses the Python function '{function}', whose code is not in the file"
    if isinstance(module, str) and not (module == "keras" or module.startswith("keras.")):
        custom = f"{module}.{class_name}"
        return f"{layer} {relation} the custom class {custom}, whose code is not in the file"
    registered = obj.get("registered_name")
    for name in (registered, class_name):  # .keras: registered_name; legacy .h5: class_name
        if isinstance(name, str) and ">" in name:
            return f"{layer} {relation} the registered custom object {name}"
    if isinstance(registered, str) and module is None:  # saved without being registered
        return f"{layer} {relation} the custom class {class_name}, whose code is not in the file"
    return None


def _keras_v3_config(path: Path) -> Any:
    try:
        with zipfile.ZipFile(path) as archive:
            if "config.json" not in archive.namelist():
                raise ModelLoadError(
                    "not a Keras 3 archive (no config.json inside)", path=str(path)
                )
            return json.loads(archive.read("config.json"))
    except zipfile.BadZipFile as exc:
        raise ModelLoadError(f"corrupt .keras file (broken zip: {exc})", path=str(path)) from exc
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"corrupt .keras file ({exc})", path=str(path)) from exc


def _h5_config(path: Path) -> Any:
    import h5py  # installed with Keras; imported only for .h5 files

    try:
        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
    except OSError as exc:
        raise ModelLoadError(f"corrupt HDF5 file ({exc})", path=str(path)) from exc
    if raw is None:
        raise ModelLoadError("HDF5 file holds no Keras model (weights only?)", path=str(path))
    text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ModelLoadError(f"unreadable Keras model config ({exc})", path=str(path)) from exc


def check_keras_file(path: Path, model_format: str) -> None:
    """Raise ModelLoadError if the Keras file is corrupt or would need code to load."""
    config = _keras_v3_config(path) if model_format == "keras" else _h5_config(path)
    for obj, owner in _objects(config):
        problem = _problem(obj, owner)
        if problem is not None:
            raise ModelLoadError(
                f"refused: {problem}; modelint never runs code from a model file", path=str(path)
            )
