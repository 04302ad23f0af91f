"""Where a finding points, in the form CI systems want: a file path relative to the repository
root, forward slashes, and for a SavedModel its ``saved_model.pb`` (code-scanning tools attach
alerts to files, never to directories)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from modelint.config import repository_root

__all__ = ["ArtifactLocation", "artifact_location", "source_root"]

SRCROOT = "%SRCROOT%"  # the SARIF base id GitHub code scanning resolves to the checkout


def source_root(start: Path) -> Path:
    """The repository holding ``start`` (the first directory with ``.git``), else ``start``:
    the directory report paths are relative to."""
    start = start.resolve()
    return repository_root(start) or start


@dataclass(frozen=True, slots=True)
class ArtifactLocation:
    """A model's file as reports name it: ``relative`` to the source root (None when the file
    lies outside it), and ``path``, the relative path or else the absolute one."""

    relative: str | None
    path: str

    @property
    def uri(self) -> str:
        """A URI reference: relative (with ``uriBaseId`` %SRCROOT%) or an absolute file URI."""
        if self.relative is not None:
            return quote(self.relative, safe="/")
        return PurePosixPath(self.path).as_uri() if self.path.startswith("/") else self.path

    @property
    def uri_base_id(self) -> str | None:
        return SRCROOT if self.relative is not None else None


def artifact_location(path: str, root: Path) -> ArtifactLocation:
    """``path`` (as the run named it, relative to the working directory or absolute) as a
    file under ``root``. A directory (a SavedModel) is named by its ``saved_model.pb``."""
    file = Path(path)
    if file.is_dir():
        file = file / "saved_model.pb"
    absolute = file.resolve()
    try:
        relative = absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        return ArtifactLocation(None, absolute.as_posix())
    return ArtifactLocation(relative, relative)
