"""Message templates: text with ``{expression}`` and ``{expression:format}`` placeholders.

Placeholders are compiled with the expression language (never ``str.format`` on user data).
Format specs are Python's numeric/str specs, plus ``si`` (1.23 G), ``si:<unit>`` (4.1 GFLOPs;
``si:B`` is a size with binary prefixes, 1.5 KiB) and ``%`` (percent of a ratio). ``{{`` and
``}}`` stand for literal braces.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from modelint.errors import ExpressionError
from modelint.expr import BASE_FUNCTIONS, Env, EvaluationError, Expression, compile_expression
from modelint.units import format_bytes

__all__ = ["Template", "compile_template", "format_si", "plural"]

_SI_PREFIXES = (
    (1e24, "Y"),
    (1e21, "Z"),
    (1e18, "E"),
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 kernel', '2 kernels', '1,000 nodes'; ``many`` for irregular plurals."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def format_si(value: float, unit: str = "", digits: int = 3) -> str:
    """Format with an SI prefix: 4_100_000_000 -> '4.1 G' (3 significant digits); past the
    prefixes, in exponent notation (exact for counts too large for a float: 10**400)."""
    magnitude = abs(value)
    if magnitude >= 1e27:
        return f"{Decimal(value):.{digits - 1}e} {unit}".rstrip()
    for scale, prefix in _SI_PREFIXES:
        if magnitude >= scale:
            text = f"{value / scale:.{digits}g}"
            return f"{text} {prefix}{unit}"
    text = f"{value:.{digits}g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}".rstrip()


def _format(value: Any, spec: str) -> str:
    if not spec:
        return str(value)
    if spec == "%":
        return f"{float(value) * 100:.1f} %"
    number = value if isinstance(value, int) else float(value)  # an int of any size
    if spec == "si:B":  # sizes: binary prefixes, like every size modelint prints
        return format_bytes(number)
    if spec == "si" or spec.startswith("si:"):
        return format_si(number, spec[3:])
    return format(value, spec)


def _valid_spec(spec: str) -> bool:
    """A spec some value can take: ours (si, si:<unit>, %) or Python's for a number or a
    string. Checked when the rule loads: at render time it would fail on every model."""
    if not spec or spec in {"%", "si"} or spec.startswith("si:"):
        return True
    for sample in (0, 0.0, ""):
        try:
            format(sample, spec)
        except ValueError:
            continue
        return True
    return False


class Template:
    """A compiled message template."""

    __slots__ = ("_parts", "source")

    def __init__(self, source: str, parts: list[str | tuple[Expression, str]]) -> None:
        self.source = source
        self._parts = parts

    def expressions(self) -> list[Expression]:
        return [part[0] for part in self._parts if not isinstance(part, str)]

    def render(self, env: Env) -> str:
        out = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                expression, spec = part
                value = expression.evaluate(env)
                try:
                    out.append(_format(value, spec))
                except (TypeError, ValueError) as exc:  # ':.1f' given a name, say
                    raise EvaluationError(
                        f"cannot format {value!r} as '{spec}' ({exc})", expression.source
                    ) from exc
        return "".join(out)


def _split_placeholder(body: str) -> tuple[str, str]:
    depth, quote = 0, ""
    for index, char in enumerate(body):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == ":" and depth == 0:
            return body[:index], body[index + 1 :]
    return body, ""


def _closing_brace(text: str, start: int) -> int:
    quote = ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "}":
            return index
    raise ExpressionError("unclosed '{' in template", expression=text, column=start)


def compile_template(
    text: str,
    *,
    names: Collection[str] | None = None,
    functions: Mapping[str, Callable[..., Any]] = BASE_FUNCTIONS,
) -> Template:
    """Compile ``text``; placeholders are checked like any expression."""
    parts: list[str | tuple[Expression, str]] = []
    literal, index = "", 0
    while index < len(text):
        char = text[index]
        if char in "{}" and text[index : index + 2] in ("{{", "}}"):
            literal += char
            index += 2
            continue
        if char == "}":
            raise ExpressionError("single '}' in template", expression=text, column=index + 1)
        if char != "{":
            literal += char
            index += 1
            continue
        end = _closing_brace(text, index + 1)
        source, spec = _split_placeholder(text[index + 1 : end])
        if not _valid_spec(spec):
            raise ExpressionError(
                f"format '{spec}' fits no value (Python's format specs, si, si:<unit>, %)",
                expression=text,
                column=index + 1,
            )
        if literal:
            parts.append(literal)
            literal = ""
        parts.append((compile_expression(source, names=names, functions=functions), spec))
        index = end + 1
    if literal:
        parts.append(literal)
    return Template(text, parts)
