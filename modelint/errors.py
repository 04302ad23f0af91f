"""One exception root for everything modelint reports as a user-facing error.

Each class keeps the structured context (file, key path, op, expression) and renders a
one-line message from it, so the CLI can print ``str(error)`` and nothing else.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConversionError",
    "CostRuleError",
    "ExpressionError",
    "KeyedFileError",
    "ModelLoadError",
    "ModelintError",
    "ProfileError",
    "RuleError",
    "UnitError",
    "UsageError",
    "describe_exception",
]


class ModelintError(Exception):
    """Root of every error modelint raises on purpose (exit code 2 in the CLI)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message

    def lines(self) -> list[str]:
        """The error as the CLI prints it: one line per problem."""
        return [str(self)]


class UnitError(ModelintError):
    """A quantity (``"8 MiB"``, ``"30 ms"``) does not parse or has the wrong dimension.

    Callers re-raise it with the file and key it came from (ConfigError, ProfileError)."""


class UsageError(ModelintError):
    """The command line asks for something that cannot be done."""


class ModelLoadError(ModelintError):
    """A model file cannot be read, parsed or understood."""


class ConversionError(ModelLoadError):
    """A TensorFlow-family model could not be converted to ONNX."""


class ExpressionError(ModelintError):
    """An expression in a rule is malformed, or failed to compile.

    ``column`` is 1-based and points into ``expression``.
    """

    def __init__(self, message: str, *, expression: str, column: int | None = None) -> None:
        super().__init__(message)
        self.expression = expression
        self.column = column

    def __str__(self) -> str:
        where = f" at column {self.column}" if self.column else ""
        return f"{self.message}{where} in `{self.expression}`"


class KeyedFileError(ModelintError):
    """An error in a data file (YAML), located by file and key path."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        super().__init__(message, path=path)
        self.key = key
        self.problems: list[str] = []  # every problem found, when validation found several

    def lines(self) -> list[str]:
        return self.problems or [str(self)]

    def __str__(self) -> str:
        location = self.path or "<config>"
        if self.key:
            location = f"{location}: {self.key}"
        return f"{location}: {self.message}"


class ConfigError(KeyedFileError):
    """A configuration file or option is invalid."""


class CostRuleError(KeyedFileError):
    """A cost rule (``rules/costs/*.yaml``) is invalid."""


class RuleError(KeyedFileError):
    """A lint rule file is invalid."""


class ProfileError(KeyedFileError):
    """A hardware profile is invalid or unknown."""


def describe_exception(exc: BaseException) -> str:
    """'KeyError: 'x'' for an unexpected error; 'MemoryError' alone when it has no message
    (not 'MemoryError: ')."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
