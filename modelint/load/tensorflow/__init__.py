"""The TensorFlow front-end: Keras, SavedModel, TFLite and frozen GraphDef via tf2onnx.

TensorFlow is imported only here, only when a conversion is not already cached.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import onnx
from google.protobuf.message import DecodeError

from modelint.errors import ConversionError, ModelintError
from modelint.load.cache import ConversionCache, cache_key, default_cache_dir
from modelint.load.formats import check_tflite
from modelint.load.model import LoadedModel, LoadOptions, SourceParams
from modelint.load.subgraphs import walk_graphs
from modelint.load.tensorflow import convert, keras_model
from modelint.load.tensorflow.layers import fill_from_neighbours, layer_map, scope_map
from modelint.load.tensorflow.names import renumber_generated_constants, reset_generated_names
from modelint.load.tensorflow.runtime import TensorFlowModules, captured_stderr, modules
from modelint.load.weights import drop_weight_data

__all__ = ["load_keras_object", "load_tensorflow"]


class _Converted(NamedTuple):
    proto: onnx.ModelProto
    layers: dict[str, str]  # node name -> source layer
    params: SourceParams | None  # the framework's own parameter count
    notes: tuple[str, ...] = ()  # what the conversion assumed


_FORMAT_NAMES = {
    "keras": "Keras model",
    "h5": "Keras .h5 model",
    "saved-model": "SavedModel",
    "tflite": "TFLite model",
    "graphdef": "GraphDef",
}

_T = TypeVar("_T")


def _nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    for subgraph in walk_graphs(graph):
        yield from subgraph.node


def _convert_keras(
    tf: TensorFlowModules, path: Path, model_format: str, options: LoadOptions
) -> _Converted:
    model = keras_model.load_keras(tf, path, model_format)
    shapes = keras_model.input_shapes(model, path, options.input_shapes, options.batch)
    proto = _tidied(convert.from_keras_model(tf, model, shapes, options.opset))
    notes = keras_model.batch_notes(model, options.input_shapes, options.batch)
    return _Converted(proto, _keras_layers(proto, model), keras_model.source_params(model), notes)


def _convert_other(
    tf: TensorFlowModules, path: Path, model_format: str, options: LoadOptions
) -> _Converted:
    if model_format == "saved-model":
        directory = path if path.is_dir() else path.parent
        proto = convert.from_saved_model(tf, directory, options)
    elif model_format == "tflite":
        proto = convert.from_tflite(tf, path, options)
    else:
        proto = convert.from_graphdef(tf, path, options)
    proto = _tidied(proto)
    layers = fill_from_neighbours(proto.graph, scope_map(_nodes(proto.graph)))
    return _Converted(proto, layers, None)


def _tidied(proto: onnx.ModelProto) -> onnx.ModelProto:
    """A fresh conversion as it is analysed and cached: folded constants renumbered in
    reading order, large initializers without their data."""
    renumber_generated_constants(proto)
    drop_weight_data(proto)
    return proto


def _keras_layers(proto: onnx.ModelProto, model: Any) -> dict[str, str]:
    """Node name -> Keras layer, for the nodes whose names or neighbours tell."""
    named = layer_map(_nodes(proto.graph), keras_model.layer_names(model))
    return fill_from_neighbours(proto.graph, named)


@contextlib.contextmanager
def _converting(*, lean: bool) -> Iterator[None]:
    """Each conversion starts tf2onnx's name counter afresh and runs its passes lean."""
    reset_generated_names()
    with convert.no_optimizer_copies() if lean else contextlib.nullcontext():
        yield


def _convert(path: Path, model_format: str, options: LoadOptions) -> _Converted:
    """TensorFlow is imported first (quietly, or with the install hint), then tf2onnx's
    optimizer passes are made lean for the conversion; where a lean pass fails, the
    conversion runs again with tf2onnx's own (which skips a failing pass)."""
    tf = modules(str(path), model_format)
    convert_format = _convert_keras if model_format in ("keras", "h5") else _convert_other
    return _lean_first(lambda: convert_format(tf, path, model_format, options))


def _lean_first(conversion: Callable[[], _T]) -> _T:
    """``conversion`` with lean optimizer passes; again with tf2onnx's own where one fails."""
    try:
        with _converting(lean=True):
            return conversion()
    except convert.LeanPassFailed:
        pass
    with _converting(lean=False):
        return conversion()


def _run(
    path: Path,
    model_format: str,
    options: LoadOptions,
    progress: Callable[[str | None], None] | None,
) -> _Converted:
    if progress is not None:
        progress(f"converting {path} ({model_format} -> ONNX)")
    try:
        with captured_stderr(enabled=not options.debug) as captured:
            try:
                return _convert(path, model_format, options)
            except ModelintError:
                raise
            except Exception as exc:  # tf2onnx and TF raise anything; the run must go on
                if options.debug:
                    raise
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                detail = f" [{captured.tail()}]" if captured.tail() else ""
                raise ConversionError(
                    f"tf2onnx could not convert this {_FORMAT_NAMES[model_format]}: "
                    f"{type(exc).__name__}: {first}{detail}",
                    path=str(path),
                ) from exc
    finally:
        if progress is not None:
            progress(None)


def _key_options(model_format: str, options: LoadOptions) -> dict[str, Any]:
    return {
        "format": model_format,
        "opset": options.opset,
        "batch": options.batch,
        "input_shapes": sorted((k, list(v)) for k, v in options.input_shapes.items()),
        "graphdef_inputs": list(options.graphdef_inputs),
        "graphdef_outputs": list(options.graphdef_outputs),
    }


def _loaded(
    path: Path, model_format: str, proto: onnx.ModelProto, metadata: dict[str, Any]
) -> LoadedModel:
    params = metadata.get("source_params")
    return LoadedModel(
        path=str(path),
        format=model_format,
        proto=proto,
        layer_of=metadata.get("layer_of", {}),
        source_params=SourceParams(**params) if params else None,
        notes=tuple(metadata.get("notes", ())),
    )


def load_tensorflow(path: Path, model_format: str, options: LoadOptions) -> LoadedModel:
    """Convert (or fetch from the cache) a TensorFlow-family model as ONNX."""
    if model_format == "tflite":  # tf2onnx reads a truncated flatbuffer as garbage offsets
        check_tflite(path)
    cache = None
    if options.cache:
        directory = Path(options.cache_dir) if options.cache_dir else default_cache_dir(path)
        cache = ConversionCache(directory)
        key = cache_key(path, _key_options(model_format, options))
        hit = _cached(cache, key)
        if hit is not None:
            return _loaded(path, model_format, *hit)
    proto, layers, params, notes = _run(path, model_format, options, options.progress)
    metadata = _metadata(proto, layers, params, options.opset, notes)
    if cache is not None:
        cache.put(key, proto.SerializeToString(), metadata)
    return _loaded(path, model_format, proto, metadata)


def _cached(cache: ConversionCache, key: str) -> tuple[onnx.ModelProto, dict[str, Any]] | None:
    """The cached model and its metadata; None for a miss or a damaged entry (which is
    converted again, like an unreadable one)."""
    hit = cache.get(key)
    if hit is None:
        return None
    try:
        return onnx.load_from_string(hit.model_bytes), dict(hit.metadata)
    except DecodeError:
        return None


def _metadata(
    proto: onnx.ModelProto,
    layers: dict[str, str],
    params: SourceParams | None,
    opset: int,
    assumed: tuple[str, ...] = (),
) -> dict[str, Any]:
    foreign = convert.foreign_ops(proto, opset)
    listed = ", ".join(f"{op} x{count}" for op, count in sorted(foreign.items()))
    notes = [*assumed]
    if foreign:
        notes.append(f"tf2onnx left TensorFlow ops it could not convert: {listed}")
    source = None
    if params is not None:
        source = {
            "framework": params.framework,
            "trainable": params.trainable,
            "non_trainable": params.non_trainable,
        }
    return {"layer_of": layers, "notes": notes, "source_params": source}


def load_keras_object(model: Any, options: LoadOptions) -> LoadedModel:
    """Convert an in-memory Keras model (a notebook's ``model``); never cached."""
    tf = modules("<keras model>", "keras")
    label = Path(f"<keras model {getattr(model, 'name', '')}>")
    shapes = keras_model.input_shapes(model, label, options.input_shapes, options.batch)
    with captured_stderr(enabled=not options.debug):
        converted = _lean_first(lambda: convert.from_keras_model(tf, model, shapes, options.opset))
    proto = _tidied(converted)
    layers = _keras_layers(proto, model)
    notes = keras_model.batch_notes(model, options.input_shapes, options.batch)
    metadata = _metadata(proto, layers, keras_model.source_params(model), options.opset, notes)
    return _loaded(label, "keras", proto, metadata)
