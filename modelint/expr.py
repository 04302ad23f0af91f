"""The expression language shared by cost rules and lint rules.

An expression is a Python *expression* (never a statement) parsed by the standard library's
``ast`` module, checked against a whitelist of node types, names and functions, and compiled
once into a tree of closures. Nothing is ever passed to ``eval`` or ``exec``: the compiled form
is plain Python functions calling each other, so rule text cannot reach builtins, dunder
attributes, imports or I/O. Why closures rather than a library: docs/design.md (measured).

Allowed: literals (numbers, strings, booleans, None, tuples, lists), arithmetic, comparisons
(including ``in``), ``and``/``or``/``not``, ``a if c else b``, indexing and slicing, calls of
whitelisted functions, and attribute access to fields that the object's class lists in
``EXPR_FIELDS`` (or that its ``expr_field`` method resolves).
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

from modelint.errors import ExpressionError

__all__ = [
    "BASE_FUNCTIONS",
    "EvaluationError",
    "Expression",
    "UnknownValue",
    "compile_expression",
    "did_you_mean",
]

Env = Mapping[str, Any]
Closure = Callable[[Env], Any]

_MAX_EXPRESSION_LENGTH = 2000
_MAX_POWER_EXPONENT = 256  # keeps `10 ** 10 ** 10` from hanging the linter


class UnknownValue(Exception):  # noqa: N818 - a signal, not a failure: "this value is not known"
    """Raised while evaluating when a needed value (a shape, a constant) is not known.

    The cost engine turns it into an *uncosted* node carrying ``reason``; it is never a 0.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EvaluationError(Exception):
    """An expression failed at run time (type mismatch, division by zero, bad index)."""

    def __init__(self, message: str, expression: str) -> None:
        super().__init__(f"{message} in `{expression}`")
        self.message = message
        self.expression = expression


def _ceil(value: float) -> int:
    return math.ceil(value)


def _floor(value: float) -> int:
    return math.floor(value)


def _prod(values: Sequence[Any]) -> Any:
    return math.prod(values)


BASE_FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "abs": abs,
    "ceil": _ceil,
    "floor": _floor,
    "len": len,
    "log2": math.log2,
    "max": max,
    "min": min,
    "prod": _prod,
    "round": round,
    "sqrt": math.sqrt,
    "sum": sum,
}


class Expression:
    """A compiled, side-effect-free expression; cheap to evaluate many times."""

    __slots__ = ("_closure", "fields", "functions", "names", "source")

    def __init__(
        self,
        source: str,
        closure: Closure,
        names: frozenset[str],
        fields: frozenset[str] = frozenset(),
        functions: frozenset[str] = frozenset(),
    ) -> None:
        self.source = source
        self.names = names  # variables read
        self.fields = fields  # attributes accessed (x.shape, attr.group)
        self.functions = functions  # functions called
        self._closure = closure

    def evaluate(self, env: Env) -> Any:
        """Evaluate against ``env``; raise UnknownValue or EvaluationError."""
        try:
            return self._closure(env)
        except UnknownValue:
            raise
        except KeyError as exc:
            raise EvaluationError(f"name {exc.args[0]!r} is not bound here", self.source) from exc
        except (ArithmeticError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise EvaluationError(f"{type(exc).__name__}: {exc}", self.source) from exc

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def did_you_mean(name: str, choices: Collection[str]) -> str:
    """Return ' (did you mean X?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def compile_expression(
    source: str | int | float,
    *,
    names: Collection[str] | None = None,
    functions: Mapping[str, Callable[..., Any]] = BASE_FUNCTIONS,
) -> Expression:
    """Parse and compile ``source`` once.

    ``names`` lists the variables the expression may read (None: any, checked at evaluation);
    ``functions`` the callables it may call. Errors raise ExpressionError with a column.
    """
    if isinstance(source, bool) or not isinstance(source, str):
        value = source
        return Expression(str(source), lambda env: value, frozenset())
    text = source.strip()
    if not text:
        raise ExpressionError("empty expression", expression=source)
    if len(text) > _MAX_EXPRESSION_LENGTH:
        raise ExpressionError("expression is too long", expression=text[:60] + "...")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"syntax error: {exc.msg}", expression=text, column=exc.offset
        ) from exc
    compiler = _Compiler(text, names, functions)
    closure = compiler.compile(tree.body)
    return Expression(
        text,
        closure,
        frozenset(compiler.used_names),
        frozenset(compiler.used_fields),
        frozenset(compiler.used_functions),
    )


_BINARY: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}

_COMPARE: Mapping[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(exponent, int | float) and abs(exponent) > _MAX_POWER_EXPONENT:
        raise ValueError(f"exponent {exponent} is larger than {_MAX_POWER_EXPONENT}")
    return base**exponent


def _get_field(obj: Any, field: str) -> Any:
    dynamic = getattr(type(obj), "expr_field", None)
    if dynamic is not None:  # objects whose fields are data (node attributes)
        return dynamic(obj, field)
    allowed: Collection[str] = getattr(type(obj), "EXPR_FIELDS", ())
    if field not in allowed:
        kind = type(obj).__name__
        raise AttributeError(f"{kind} has no field {field!r}{did_you_mean(field, allowed)}")
    return getattr(obj, field)


class _Compiler:
    """Turns a whitelisted AST into nested closures."""

    def __init__(
        self,
        source: str,
        names: Collection[str] | None,
        functions: Mapping[str, Callable[..., Any]],
    ) -> None:
        self.source = source
        self.names = names
        self.functions = functions
        self.used_names: set[str] = set()
        self.used_fields: set[str] = set()
        self.used_functions: set[str] = set()

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        column = getattr(node, "col_offset", None)
        return ExpressionError(
            message, expression=self.source, column=None if column is None else column + 1
        )

    def compile(self, node: ast.AST) -> Closure:
        handler = self._HANDLERS.get(type(node))
        if handler is None:
            raise self.fail(node, f"{type(node).__name__} is not allowed in an expression")
        return handler(self, node)

    def _constant(self, node: ast.Constant) -> Closure:
        value = node.value
        if not isinstance(value, int | float | str | bool | type(None)):
            raise self.fail(node, f"constant of type {type(value).__name__} is not allowed")
        return lambda env: value

    def _name(self, node: ast.Name) -> Closure:
        name = node.id
        if name.startswith("_"):
            raise self.fail(node, f"name {name!r} is not allowed (leading underscore)")
        if self.names is not None and name not in self.names:
            known = set(self.names) | set(self.functions)
            hint = did_you_mean(name, known) or _names_hint(self.names)
            raise self.fail(node, f"unknown name {name!r}{hint}")
        self.used_names.add(name)
        return lambda env: env[name]

    def _sequence(self, node: ast.Tuple | ast.List) -> Closure:
        items = [self.compile(element) for element in node.elts]
        return lambda env: tuple(item(env) for item in items)

    def _binary(self, node: ast.BinOp) -> Closure:
        left, right = self.compile(node.left), self.compile(node.right)
        if isinstance(node.op, ast.Pow):
            return lambda env: _power(left(env), right(env))
        function = _BINARY.get(type(node.op))
        if function is None:
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        return lambda env: function(left(env), right(env))

    def _unary(self, node: ast.UnaryOp) -> Closure:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        if isinstance(node.op, ast.UAdd):
            return lambda env: +operand(env)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")

    def _boolean(self, node: ast.BoolOp) -> Closure:
        parts = [self.compile(value) for value in node.values]
        if isinstance(node.op, ast.And):

            def conjunction(env: Env) -> Any:
                result: Any = True
                for part in parts:
                    result = part(env)
                    if not result:
                        return result
                return result

            return conjunction

        def disjunction(env: Env) -> Any:
            result: Any = False
            for part in parts:
                result = part(env)
                if result:
                    return result
            return result

        return disjunction

    def _compare(self, node: ast.Compare) -> Closure:
        left = self.compile(node.left)
        steps = [
            (_COMPARE[type(op)], self.compile(right))
            for op, right in zip(node.ops, node.comparators, strict=True)
        ]
        if len(steps) == 1:
            ((function, right),) = steps
            return lambda env: function(left(env), right(env))

        def chained(env: Env) -> bool:
            current = left(env)
            for function, right in steps:
                value = right(env)
                if not function(current, value):
                    return False
                current = value
            return True

        return chained

    def _if(self, node: ast.IfExp) -> Closure:
        test, body, orelse = (
            self.compile(node.test),
            self.compile(node.body),
            self.compile(node.orelse),
        )
        return lambda env: body(env) if test(env) else orelse(env)

    def _call(self, node: ast.Call) -> Closure:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only named functions can be called")
        name = node.func.id
        function = self.functions.get(name)
        if function is None:
            hint = did_you_mean(name, self.functions)
            raise self.fail(node, f"unknown function {name!r}{hint}")
        if node.keywords:
            raise self.fail(node, "keyword arguments are not allowed")
        self.used_functions.add(name)
        arguments = [self.compile(argument) for argument in node.args]
        if len(arguments) == 1:
            (only,) = arguments
            return lambda env: function(only(env))
        return lambda env: function(*(argument(env) for argument in arguments))

    def _attribute(self, node: ast.Attribute) -> Closure:
        if node.attr.startswith("_"):
            raise self.fail(node, f"field {node.attr!r} is not allowed (leading underscore)")
        target, field = self.compile(node.value), node.attr
        self.used_fields.add(field)
        return lambda env: _get_field(target(env), field)

    def _subscript(self, node: ast.Subscript) -> Closure:
        target = self.compile(node.value)
        index = node.slice
        if isinstance(index, ast.Slice):
            lower = self.compile(index.lower) if index.lower else None
            upper = self.compile(index.upper) if index.upper else None
            if index.step is not None:
                raise self.fail(node, "slice steps are not allowed")
            return lambda env: target(env)[
                slice(lower(env) if lower else None, upper(env) if upper else None)
            ]
        key = self.compile(index)
        return lambda env: target(env)[key(env)]

    _HANDLERS: ClassVar[Mapping[type[ast.AST], Callable[[_Compiler, Any], Closure]]] = {
        ast.Constant: _constant,
        ast.Name: _name,
        ast.Tuple: _sequence,
        ast.List: _sequence,
        ast.BinOp: _binary,
        ast.UnaryOp: _unary,
        ast.BoolOp: _boolean,
        ast.Compare: _compare,
        ast.IfExp: _if,
        ast.Call: _call,
        ast.Attribute: _attribute,
        ast.Subscript: _subscript,
    }


def _names_hint(names: Collection[str]) -> str:
    """'; names: W_gate, W_up, X, Y' (the first dozen): what an expression may read."""
    shown = sorted(name for name in names if not name.startswith("_"))
    if not shown:
        return ""
    more = f", ... ({len(shown) - 12} more)" if len(shown) > 12 else ""
    return f"; names: {', '.join(shown[:12])}{more}"
