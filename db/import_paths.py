"""The files around an import: the input must be a regular file, and the rejects file is checked and opened
before anything is stored, written under a temporary name and renamed at the end, so it can never replace an
input (or the store) and an unwritable path stops the import before its first row."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from db.readers.base import ImportFailure, printable

_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def check_input(path: Path) -> None:
    """Raise ImportFailure saying exactly why `path` cannot be read as an input file."""
    try:
        st = path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ImportFailure(f"{path}: symlink loop") from None
        if e.errno == errno.ENOENT:
            if path.is_symlink():
                raise ImportFailure(f"{path}: broken symlink (its target {os.readlink(path)} does not exist)") from None
            raise ImportFailure(f"{path}: no such file") from None
        if e.errno == errno.EACCES:
            raise ImportFailure(f"{path}: permission denied") from None
        raise ImportFailure(f"{path}: cannot read ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImportFailure(f"{path}: is a directory (give the files inside it)")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device"
        raise ImportFailure(f"{path}: not a regular file ({kind})")
    if not os.access(path, os.R_OK):
        raise ImportFailure(f"{path}: permission denied")


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_rejects(rejects: Path, inputs: list[Path], store_path: Path | None = None) -> None:
    """Refuse a rejects path that is (or links to) an input or the store, or that cannot be a file."""
    for p in inputs:
        if _same(rejects, p):
            raise ImportFailure(f"rejects file {rejects} is an input file ({p}); choose another --rejects path")
    if store_path is not None and _same(rejects, store_path):
        raise ImportFailure(f"rejects file {rejects} is the store; choose another --rejects path")
    if rejects.is_dir():
        raise ImportFailure(f"rejects file {rejects} is a directory")
    if rejects.exists() and not rejects.is_file():
        raise ImportFailure(f"rejects file {rejects} is not a regular file")
    parent = rejects.parent
    if not parent.is_dir():
        raise ImportFailure(f"rejects file {rejects}: folder {parent} does not exist")


class RejectsFile:
    """Rejected rows as JSONL, written to a temporary file beside `path` and renamed onto it when closed
    with at least one row (a clean import leaves no rejects file)."""

    def __init__(self, path: Path, source: Path) -> None:
        self.path, self.source, self.count = path, source, 0
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        except OSError as e:
            raise ImportFailure(f"cannot write the rejects file {path}: {e.strerror} "
                                "(nothing was imported; pass --rejects PATH)") from None
        self.tmp = Path(tmp)
        self.f = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")

    def write(self, line: int, field: str, message: str, raw: str) -> None:
        rec: dict[str, Any] = {"line": line, "field": field, "error": message, "raw": printable(raw)}
        text = json.dumps(rec, ensure_ascii=False)
        try:  # characters that str.splitlines() and some editors take for line breaks stay escaped
            self.f.write(text.translate(_LINE_BREAKS) + "\n")
        except OSError as e:
            raise ImportFailure(f"cannot write the rejects file {self.path}: {e.strerror or e}") from None
        self.count += 1

    def close(self) -> str | None:
        """The rejects path when rows were rejected, else None."""
        try:
            self.f.close()
            if self.count:
                os.replace(self.tmp, self.path)
                return str(self.path)
        except OSError as e:
            raise ImportFailure(f"cannot write the rejects file {self.path}: {e.strerror or e} "
                                f"(the rejected rows are in {self.tmp})") from None
        self.tmp.unlink(missing_ok=True)
        return None
