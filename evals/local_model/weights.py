"""Locate the installed weight parts, assemble them once into a cache, and verify them.

The parts come from anonymous data-only packages, so nothing here imports them and
nothing is used until the assembled bytes match the pinned size and sha256.
"""

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel, ValidationError

from .catalog import ModelSpec
from .errors import INSTALL_HINT, MissingExtraError, WeightsMismatchError

CACHE_ENV = "LONG_HORIZON_CACHE_DIR"
CHUNK = 8 * 1024 * 1024


class VerifiedMarker(BaseModel):
    """Records a completed hash so later runs only need a stat() to trust the file."""

    size: int
    sha256: str
    mtime_ns: int


def default_cache_dir() -> Path:
    """Cache outside the repository, overridable for CI or a larger disk."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "long-horizon-execution"


def locate_parts(spec: ModelSpec) -> list[Path]:
    """Find each part's data file through the import system without importing it."""
    found: list[Path] = []
    missing: list[str] = []
    for module, rel in zip(spec.part_modules, spec.part_paths, strict=True):
        try:
            mod_spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            mod_spec = None
        origin = mod_spec.origin if mod_spec is not None else None
        path = Path(origin).parent / rel if origin else None
        if path is None or not path.is_file():
            missing.append(module)
        else:
            found.append(path)
    if missing:
        raise MissingExtraError(
            f"local model {spec.name}: {len(missing)} of {len(spec.part_modules)} weight "
            f"parts are not installed (first: {missing[0]}); {INSTALL_HINT}"
        )
    return found


def require_weights(spec: ModelSpec, cache_dir: Path | None = None) -> None:
    """Cheap check that weights can be had: a cached file exists or every part is installed."""
    directory = cache_dir if cache_dir is not None else default_cache_dir()
    if not (directory / spec.filename).is_file():
        locate_parts(spec)


def marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def ensure_weights(
    spec: ModelSpec, cache_dir: Path | None = None, progress: TextIO | None = None
) -> Path:
    """Return a verified model file, assembling it from the parts if needed."""
    out = progress if progress is not None else sys.stderr
    directory = cache_dir if cache_dir is not None else default_cache_dir()
    target = directory / spec.filename
    if target.is_file() and _cached_is_valid(spec, target, out):
        return target
    parts = locate_parts(spec)
    directory.mkdir(parents=True, exist_ok=True)
    _assemble(spec, parts, target, out)
    return target


def _cached_is_valid(spec: ModelSpec, target: Path, out: TextIO) -> bool:
    """Trust a matching marker; otherwise hash once, and drop a file that fails."""
    stat = target.stat()
    if stat.st_size == spec.size:
        expected = VerifiedMarker(size=spec.size, sha256=spec.sha256, mtime_ns=stat.st_mtime_ns)
        if _read_marker(target) == expected:
            return True
        _say(out, f"verifying cached {spec.filename} (first use)")
        if _sha256_file(target) == spec.sha256:
            _write_marker(target, expected)
            return True
    _say(out, f"cached {spec.filename} does not match the pinned hash; rebuilding it")
    target.unlink(missing_ok=True)
    marker_path(target).unlink(missing_ok=True)
    return False


def _assemble(spec: ModelSpec, parts: list[Path], target: Path, out: TextIO) -> None:
    """Concatenate parts into a temp file, verify it, then rename it into place."""
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise WeightsMismatchError(
            f"weight parts for {spec.name} total {total} bytes, expected {spec.size}; "
            f"refusing them ({INSTALL_HINT})"
        )
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        written = 0
        with os.fdopen(fd, "wb") as dst:
            for index, part in enumerate(parts, start=1):
                with part.open("rb") as src:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        dst.write(chunk)
                        written += len(chunk)
                percent = written * 100 // spec.size
                _say(out, f"assembling {spec.name}: part {index}/{len(parts)} ({percent}%)")
            dst.flush()
            os.fsync(dst.fileno())
        actual = digest.hexdigest()
        if written != spec.size or actual != spec.sha256:
            raise WeightsMismatchError(
                f"assembled {spec.filename} has {written} bytes, sha256 {actual}; expected "
                f"{spec.size} bytes, sha256 {spec.sha256}; refusing it ({INSTALL_HINT})"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stat = target.stat()
    _write_marker(target, VerifiedMarker(size=spec.size, sha256=actual, mtime_ns=stat.st_mtime_ns))
    _say(out, f"assembled {spec.name} at {target}")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_marker(target: Path) -> VerifiedMarker | None:
    try:
        return VerifiedMarker.model_validate_json(marker_path(target).read_text())
    except (OSError, ValidationError):
        return None


def _write_marker(target: Path, marker: VerifiedMarker) -> None:
    """Write atomically so a crash never leaves a marker vouching for a half file."""
    path = marker_path(target)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(marker.model_dump_json())
    os.replace(tmp, path)


def _say(out: TextIO, line: str) -> None:
    print(f"[local] {line}", file=out, flush=True)
