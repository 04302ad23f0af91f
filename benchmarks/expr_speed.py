"""Evaluations per second of one compiled cost formula: modelint's language against the others.

    python benchmarks/expr_speed.py [--seconds 0.5] [--repeat 5]

Every engine parses/compiles the formula once, then evaluates it against the same variables
in a loop; the best of ``--repeat`` timing rounds counts. Engines that are not installed are
listed as skipped. Target: modelint >= 100,000 evaluations/s.

* modelint: ``modelint.expr.compile_expression(text).evaluate(env)``.
* simpleeval 1.0.8: ``SimpleEval(names=env)``, ``parse`` once, ``eval(text, previously_parsed=)``.
* common-expression-language (Rust, ``cel``): ``cel.compile(text).execute(env)``.
* cel-python (``celpy``): ``Environment().program(env.compile(text))`` on CEL-typed variables,
  with the interpreted and (when available) compiled runners.
* Python ``eval`` of a code object: the ceiling, shown for scale; unsafe for rule text.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import timeit
from collections.abc import Callable
from typing import Any

from modelint.expr import compile_expression

FORMULA = "y_numel*w1*w2*w3 + (y_numel if bias else 0)"  # Conv-like: MACs plus the bias adds
CEL_FORMULA = "y_numel*w1*w2*w3 + (bias ? y_numel : 0)"  # CEL has no `a if c else b`
ENV: dict[str, Any] = {"y_numel": 802_816, "w1": 3, "w2": 3, "w3": 64, "bias": True}
EXPECTED = 802_816 * 3 * 3 * 64 + 802_816
TARGET_PER_S = 100_000

Engine = Callable[[], Any]


def modelint_engine() -> Engine:
    expression = compile_expression(FORMULA)
    return lambda: expression.evaluate(ENV)


def simpleeval_engine() -> Engine:
    from simpleeval import SimpleEval

    evaluator = SimpleEval(names=ENV)
    parsed = evaluator.parse(FORMULA)
    return lambda: evaluator.eval(FORMULA, previously_parsed=parsed)


def cel_rust_engine() -> Engine:
    import cel

    program = cel.compile(CEL_FORMULA)
    context = cel.Context(variables=ENV)
    return lambda: program.execute(context)


def celpy_engine(runner: str) -> Callable[[], Engine]:
    def build() -> Engine:
        import celpy
        from celpy import celtypes

        environment = celpy.Environment(runner_class=getattr(celpy, runner))
        program = environment.program(environment.compile(CEL_FORMULA))
        activation = {
            name: celtypes.BoolType(value) if isinstance(value, bool) else celtypes.IntType(value)
            for name, value in ENV.items()
        }
        return lambda: program.evaluate(activation)

    return build


def python_eval_engine() -> Engine:
    code = compile(FORMULA, "<formula>", "eval")
    return lambda: eval(code, {"__builtins__": {}}, ENV)  # noqa: S307 - the reference ceiling


ENGINES: list[tuple[str, str | None, Callable[[], Engine]]] = [
    ("modelint.expr", None, modelint_engine),
    ("simpleeval 1.0.8", "simpleeval", simpleeval_engine),
    ("cel (common-expression-language, Rust)", "cel", cel_rust_engine),
    # CompiledRunner first: cel-python 0.5 builds its lark parser once per process, with the
    # tree class of the first runner; the interpreter also reads the transpiler's trees.
    ("cel-python CompiledRunner", "celpy", celpy_engine("CompiledRunner")),
    ("cel-python InterpretedRunner", "celpy", celpy_engine("InterpretedRunner")),
    ("python eval(code) (unsafe; ceiling)", None, python_eval_engine),
]


def rate(engine: Engine, seconds: float, repeat: int) -> float:
    """Evaluations per second: loop count sized to ~``seconds``, best of ``repeat`` rounds."""
    timer = timeit.Timer(engine)
    number, elapsed = timer.autorange()
    number = max(1, int(number * seconds / max(elapsed, 1e-9)))
    best = min(timer.repeat(repeat=repeat, number=number))
    return number / best


def measure(seconds: float, repeat: int) -> list[tuple[str, str]]:
    """(engine, evaluations/s or a skip note) for every engine."""
    rows = []
    for name, module, build in ENGINES:
        if module is not None and importlib.util.find_spec(module) is None:
            rows.append((name, f"skipped: pip install {module} to compare"))
            continue
        try:
            engine = build()
            result = engine()
        except Exception as exc:  # a broken optional engine is a note, not a crash
            rows.append((name, f"skipped: {type(exc).__name__}: {exc}"))
            continue
        if int(result) != EXPECTED:
            rows.append((name, f"skipped: returned {result!r}, expected {EXPECTED}"))
            continue
        rows.append((name, f"{rate(engine, seconds, repeat):,.0f}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per timing round")
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds; the best counts")
    args = parser.parse_args(argv)
    rows = measure(args.seconds, args.repeat)
    width = max(len(name) for name, _ in rows)
    print(f"formula: {FORMULA}\nvariables: {ENV}\n")
    print(f"{'engine':<{width}}  evaluations/s\n{'-' * width}  {'-' * 13}")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>13}")
    mine = float(rows[0][1].replace(",", ""))
    verdict = "PASS" if mine >= TARGET_PER_S else "FAIL"
    print(f"\n{verdict}  modelint.expr: {mine:,.0f} evaluations/s (target >= {TARGET_PER_S:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
