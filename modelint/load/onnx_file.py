"""ONNX files (binary protobuf) and the ONNX text format, read without their weights:
external data is never opened, and large weights held in the file are dropped."""

from __future__ import annotations

import re
from pathlib import Path

import onnx
import onnx.defs
import onnx.parser
from google.protobuf.message import DecodeError

from modelint.errors import ModelLoadError
from modelint.load.weights import drop_weight_data, has_inline_weights

__all__ = [
    "load_onnx",
    "load_onnx_text",
    "parse_error_message",
    "read_onnx",
    "unknown_versions",
]


def load_onnx(path: Path) -> onnx.ModelProto:
    """Read the graph only: external data (weights) is never opened, so a missing or huge
    external-data file does not matter; parameters come from initializer dims and dtypes."""
    return read_onnx(path)[0]


def read_onnx(path: Path) -> tuple[onnx.ModelProto, bytes | None]:
    """``load_onnx``, plus the bytes the model was parsed from: shape inference takes them as
    they are instead of serializing the model again (a pass over the whole graph).

    Large weights held in the file (torch.onnx's default) are dropped after parsing, as
    for a converted model (``load.weights``): nothing reads their values, and shape
    inference would copy them to C++ and back (0.5 s and ~400 MB for a 118 MB model). The
    bytes, which still hold them, are then not returned."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise ModelLoadError("empty file", path=str(path))
        data = path.read_bytes()
        model = onnx.load_model_from_string(data)  # what onnx.load does with those bytes
    except DecodeError as exc:
        raise ModelLoadError(f"not a valid ONNX protobuf ({exc})", path=str(path)) from exc
    except OSError as exc:
        raise ModelLoadError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    _check_model_shape(model, path)
    if has_inline_weights(model.graph):
        drop_weight_data(model)
        return model, None
    return model, data


def parse_error_message(exc: onnx.parser.ParseError) -> str:
    """'line 4, column 1: Expected character ) not found (at '}')' from onnx's message, bytes
    whose str() is their repr: b'[ParseError at position (line: 4 column: 1)]\\nError
    context: }\\nExpected character ) not found.'."""
    detail = exc.args[0] if exc.args else str(exc)
    text = detail.decode("utf-8", errors="replace") if isinstance(detail, bytes) else str(detail)
    found = re.search(r"\(line: (\d+) column: (\d+)\)\]\s*Error context:(.*?)\n(.*)", text, re.S)
    if found is None:
        return " ".join(text.split())[:300]
    line, column, context, problem = found.groups()
    near = f" (at '{context.strip()[:60]}')" if context.strip() else ""
    return f"line {line}, column {column}: {' '.join(problem.split()).rstrip('.')}{near}"


def load_onnx_text(path: Path) -> onnx.ModelProto:
    """The ONNX text format (onnx.parser), used for tiny test and example models."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # an editor's byte order mark is no error
    except OSError as exc:
        raise ModelLoadError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start} cannot be decoded)"
        raise ModelLoadError(message, path=str(path)) from exc
    try:
        model = onnx.parser.parse_model(text)
    except onnx.parser.ParseError as exc:
        raise ModelLoadError(
            f"ONNX text does not parse: {parse_error_message(exc)}", path=str(path)
        ) from exc
    except (IndexError, ValueError) as exc:  # the parser's C++ std::stoll: a number too large
        raise ModelLoadError(
            f"ONNX text does not parse: a number is out of range ({exc})", path=str(path)
        ) from exc
    _check_model_shape(model, path)
    return model


def _check_model_shape(model: onnx.ModelProto, path: Path) -> None:
    if not model.HasField("graph") or model.ir_version <= 0:
        raise ModelLoadError("not an ONNX model (no graph or IR version)", path=str(path))
    if not model.opset_import:
        raise ModelLoadError("ONNX model declares no opset_import", path=str(path))
    versions: dict[str, int] = {}
    for entry in model.opset_import:
        domain = entry.domain or "ai.onnx"
        if versions.setdefault(domain, entry.version) != entry.version:  # which applies?
            raise ModelLoadError(
                f"opset_import gives domain '{domain}' two versions "
                f"({versions[domain]} and {entry.version})",
                path=str(path),
            )
    if versions.get("ai.onnx", 1) < 1:  # ai.onnx opsets start at 1; other domains' at 0
        message = f"opset_import gives ai.onnx version {versions['ai.onnx']}; its first is 1"
        raise ModelLoadError(message, path=str(path))


def unknown_versions(model: onnx.ModelProto) -> tuple[str, ...]:
    """Notes when the model's IR version, or the ai.onnx opset it imports, is newer than the
    installed onnx defines (a typo, or a newer exporter): ops then take the newest
    definitions known, and fields a newer IR adds are not read, silently."""
    notes = []
    if model.ir_version > onnx.IR_VERSION:
        notes.append(
            f"IR version {model.ir_version} is newer than onnx {onnx.__version__} knows "
            f"({onnx.IR_VERSION}): what it adds to the format is not read"
        )
    known = onnx.defs.onnx_opset_version()
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx") and entry.version > known:
            notes.append(
                f"opset {entry.version} of ai.onnx is newer than onnx {onnx.__version__} "
                f"defines ({known}): shapes and costs follow opset {known}'s definitions"
            )
    return tuple(notes)


def inline_functions(model: onnx.ModelProto, path: Path) -> tuple[onnx.ModelProto, tuple[str, ...]]:
    """The model with its model-local functions (torch.onnx's dynamo exporter writes one per
    module) replaced by their bodies, so that each node inside is costed by its own rule;
    a note names them. A function that calls itself is an invalid model."""
    if not model.functions:
        return model, ()
    import onnx.inliner

    try:
        inlined = onnx.inliner.inline_local_functions(model)
    except (onnx.checker.ValidationError, RuntimeError, ValueError) as exc:
        problem = str(exc).strip().splitlines()[0]
        raise ModelLoadError(f"its functions cannot be inlined: {problem}", path=str(path)) from exc
    names = sorted({f"{function.domain}::{function.name}" for function in model.functions})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return inlined, (f"model-local functions inlined (their nodes costed one by one): {shown}",)
