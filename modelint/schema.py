"""JSON-Schema validation of YAML documents, with errors a person can act on.

Every data file modelint reads (cost rules, lint rules, config, profiles) is validated here
before it is used. Each problem becomes one line: file, key path, what was expected, and for
an unknown key the valid choices or a did-you-mean.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelint.documents import document_cache
from modelint.errors import KeyedFileError
from modelint.templates import plural

if TYPE_CHECKING:
    import jsonschema
from modelint.expr import did_you_mean

__all__ = ["Problem", "load_schema", "read_yaml", "schema_problems", "validate_document"]

Problem = tuple[str, str]  # (key path, message)
# jsonschema says "'x' is too short" and stops: the limit is what the user needs to know.
_LIMITS = {
    "minLength": ("at least", "character"),
    "maxLength": ("at most", "character"),
    "minItems": ("at least", "item"),
    "maxItems": ("at most", "item"),
}


@cache
def schema_text(name: str) -> str:
    """The text of ``modelint/schemas/<name>.schema.json`` shipped in the package."""
    return (
        resources.files("modelint")
        .joinpath("schemas")
        .joinpath(f"{name}.schema.json")
        .read_text(encoding="utf-8")
    )


@cache
def load_schema(name: str) -> Mapping[str, Any]:
    """Load ``modelint/schemas/<name>.schema.json`` shipped in the package."""
    schema: Mapping[str, Any] = json.loads(schema_text(name))
    return schema


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    import jsonschema  # noqa: PLC0415 - 0.1 s to import; only files users wrote need it

    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(dict(schema))
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


@cache
def _yaml_loader() -> type[Any]:
    """``yaml.SafeLoader`` (libyaml's C scanner when PyYAML was built with it, 5x faster;
    the constructor stays Python) that rejects duplicate keys instead of keeping the last
    one. Built on first use: a run whose files are all in the document cache never imports
    PyYAML (~15 ms)."""
    import yaml  # noqa: PLC0415 - see above

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[valid-type, misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    repeated = key in seen
                except TypeError:  # `? [a, b]`: no data file of ours has such keys
                    problem = "a key that is a list or a mapping"
                    raise yaml.constructor.ConstructorError(
                        None, None, problem, key_node.start_mark
                    ) from None
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

        def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
            """A date-shaped scalar that is no date (2027-13-45) stays text, so the schema
            and the key that reads it report it, instead of PyYAML raising a bare
            ValueError."""
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:
                return self.construct_scalar(node)

    UniqueKeyLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", UniqueKeyLoader.construct_yaml_timestamp
    )
    return UniqueKeyLoader


def read_yaml(path: str, error: type[KeyedFileError]) -> Any:
    """Read a YAML file safely (no tags, no code; duplicate keys are errors); errors name
    the file and line. A file read before, byte for byte, comes from the document cache."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=path) from exc
    cache = document_cache()
    found, document = cache.parsed(data)
    if not found:
        document = _parse_yaml(data, path, error)
        cache.remember_parse(data, document)
    return document


def _parse_yaml(data: bytes, path: str, error: type[KeyedFileError]) -> Any:
    import yaml  # noqa: PLC0415 - see _yaml_loader

    try:
        return yaml.load(data.decode("utf-8"), Loader=_yaml_loader())  # noqa: S506 - safe
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start} cannot be decoded)", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"invalid YAML: {where}{problem}", path=path) from exc


def _key_path(parts: Iterable[Any]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _describe(error: jsonschema.ValidationError) -> list[Problem]:
    where = _key_path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = set(schema.get("properties", {}))
        pattern_keys = schema.get("patternProperties", {})
        extra = [key for key in error.instance if key not in allowed and not pattern_keys]
        return [
            (
                where,
                f"unknown key {key!r}{did_you_mean(str(key), allowed)}; "
                f"valid keys: {', '.join(sorted(allowed))}",
            )
            for key in extra
        ] or [(where, error.message)]
    if error.validator == "enum":
        options = [str(choice) for choice in schema.get("enum", ())]
        choices = ", ".join(options)
        hint = did_you_mean(str(error.instance), options)
        return [(where, f"{error.instance!r} is not one of: {choices}{hint}")]
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match  # noqa: PLC0415 - see _validator

        # The branch of the value's own type says what is wrong ('[] should be non-empty',
        # "'four' is not of type 'integer'" at [1]), not the other branch ("[] is not of
        # type 'string'"): drop the branches whose type the value itself does not have.
        same_type = [e for e in error.context if e.validator != "type" or e.relative_path]
        return _describe(best_match(same_type or error.context))
    if error.validator in _LIMITS:
        bound, noun = _LIMITS[str(error.validator)]
        count = int(str(error.validator_value))
        return [(where, f"{error.message} ({bound} {plural(count, noun)})")]
    return [(where, error.message)]


def _non_text_keys(value: Any, where: tuple[Any, ...] = ()) -> list[Problem]:
    """Keys that are numbers, booleans or nulls (YAML reads `1:` and `true:` so): every
    key in our files is a name, and code reading a name must never meet one."""
    if isinstance(value, list):
        return [
            p for index, item in enumerate(value) for p in _non_text_keys(item, (*where, index))
        ]
    if not isinstance(value, Mapping):
        return []
    problems = [
        (_key_path(where), f"key {_as_written(key)} is not a name (quote it: '{_as_written(key)}')")
        for key in value
        if not isinstance(key, str)
    ]
    for key, item in value.items():
        problems += _non_text_keys(item, (*where, key))
    return problems


def _as_written(key: Any) -> str:
    """A key as the file spelled it: `true`, `1`, `null` (not Python's True, None)."""
    try:
        return json.dumps(key)
    except TypeError:  # a date
        return str(key)


def schema_problems(document: Any, schema_name: str) -> list[Problem]:
    """All problems of ``document`` against the named schema, in document order (keys that
    are not names alone: the schema's messages about such a document would mislead)."""
    keys = _non_text_keys(document)
    if keys:
        return keys
    errors = sorted(
        _validator(schema_name).iter_errors(document),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    problems: list[Problem] = []
    for error in errors:
        problems.extend(_describe(error))
    return problems


def validate_document(
    document: Any,
    schema_name: str,
    *,
    path: str,
    error: type[KeyedFileError],
    root: str | None = None,
) -> None:
    """Raise ``error`` carrying every problem (one per line) when the document is invalid;
    ``root`` is where the document sits in its file (``tool.modelint`` in pyproject.toml).
    A document that passed this schema before passes from the document cache: jsonschema
    is not even imported."""
    cache, schema = document_cache(), schema_text(schema_name)
    if cache.passed(schema, document):
        return
    problems = schema_problems(document, schema_name)
    if not problems:
        cache.remember_pass(schema, document)
        return
    if root is not None:
        problems = [
            (root if key == "(top level)" else f"{root}.{key}", message)
            for key, message in problems
        ]
    first_key, first_message = problems[0]
    exc = error(first_message, path=path, key=first_key)
    exc.problems = [str(error(message, path=path, key=key)) for key, message in problems]
    raise exc
