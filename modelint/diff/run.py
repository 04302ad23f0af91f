"""``modelint diff OLD NEW``: check both versions, pair the models, compare each pair.

Two files are one pair. Two directories pair the models found under each by their path
relative to it; a model found on one side only is listed, not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from modelint.diff.deltas import ModelDiff, diff_models
from modelint.errors import UsageError
from modelint.load.discover import is_directory
from modelint.load.formats import is_saved_model_dir
from modelint.rules import CheckOptions, LoadFailure, ModelResult, check_paths

__all__ = ["DiffResult", "diff_paths"]


@dataclass(frozen=True)
class DiffResult:
    models: tuple[ModelDiff, ...]
    only_old: tuple[str, ...] = ()  # models under OLD with no counterpart under NEW
    only_new: tuple[str, ...] = ()
    failures: tuple[LoadFailure, ...] = ()  # models that could not be read, either side


def _relative(result: ModelResult, base: Path) -> str:
    return Path(result.analysis.path).resolve().relative_to(base.resolve()).as_posix()


def _is_tree(path: Path) -> bool:
    """A directory of models (a SavedModel directory is one model)."""
    try:
        path.stat()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file or directory") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return is_directory(path) and not is_saved_model_dir(path)


def diff_paths(old: str | Path, new: str | Path, options: CheckOptions) -> DiffResult:
    """Compare the models at ``new`` with their baselines at ``old`` (two models, or two
    directories of models)."""
    old_path, new_path = Path(old), Path(new)
    trees = _is_tree(old_path), _is_tree(new_path)
    if trees[0] != trees[1]:
        raise UsageError(
            f"diff compares two models or two directories; {old_path} is "
            f"{'a directory' if trees[0] else 'a model'}, {new_path} is not"
        )
    # The baseline is judged as the model it precedes: the config, per-file ignores,
    # suppressions and targets that apply to NEW (a CI job's copy of the base branch lives
    # elsewhere, e.g. baseline/, where the config's globs would not match it).
    if trees[0]:
        old_root, new_root = old_path.resolve(), new_path.resolve()
        judged = replace(options, judged_as=lambda p: new_root / p.resolve().relative_to(old_root))
    else:
        judged = replace(options, judged_as=lambda _: new_path)
    before = check_paths([old_path], judged)
    after = check_paths([new_path], options)
    failures = (*before.failures, *after.failures)
    if not trees[0]:
        pairs = zip(before.models, after.models, strict=False)  # one each, unless unreadable
        return DiffResult(tuple(diff_models(a, b) for a, b in pairs), failures=failures)
    old_models = {_relative(model, old_path): model for model in before.models}
    new_models = {_relative(model, new_path): model for model in after.models}
    shared = sorted(old_models.keys() & new_models.keys())
    return DiffResult(
        tuple(diff_models(old_models[key], new_models[key]) for key in shared),
        only_old=tuple(sorted(old_models.keys() - new_models.keys())),
        only_new=tuple(sorted(new_models.keys() - old_models.keys())),
        failures=failures,
    )
