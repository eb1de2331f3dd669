"""What every reader shares: the row error, the file-level failure, text decoding and the size limits."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

MAX_TEXT = 200_000  # characters in one prompt, answer or CSV field; longer is rejected, not truncated
MAX_RECORD = 2_000_000  # characters in one CSV row (one candidate a row); longer is rejected without being held
MAX_ITEM = 32 * 1024 * 1024  # characters in one JSON array item (a seed with all its candidates), as for JSONL
MAX_LINE_BYTES = 32 * 1024 * 1024  # one JSONL line
MAX_DEPTH = 100  # nesting of JSON values in a row


class RowError(BaseModel):
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ImportFailure(Exception):
    """The file as a whole cannot be read or stored (missing, unknown format, corrupt, store full)."""


# (line, raw text for the rejects file, parsed row or the reason it is rejected)
Item = tuple[int, str, "dict[str, Any] | RowError"]


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The text encoding from the byte order mark (UTF-8 without one), and the BOM's length."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    return "utf-8", 0


def looks_utf16_without_bom(head: bytes) -> bool:
    """ASCII text saved as UTF-16 has a NUL in every other byte."""
    sample = head[:200]
    return len(sample) >= 4 and (sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4)


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as text (newlines kept as they are); invalid bytes come through as surrogate escapes so that
    the row holding them is rejected, not the file."""
    raw: BinaryIO = path.open("rb")
    head = raw.read(4)
    enc, skip = sniff_encoding(head)
    if enc == "utf-8" and looks_utf16_without_bom(head + raw.read(196)):
        raw.close()
        raise ImportFailure(f"{path}: the file looks like UTF-16 without a byte order mark; "
                            "save it as UTF-8 (or UTF-16 with BOM)")
    raw.seek(skip)
    errors = "surrogateescape" if enc == "utf-8" else "surrogatepass"
    return io.TextIOWrapper(raw, encoding=enc, errors=errors, newline="")


def legacy_hint(raw: bytes) -> str:
    """Excel saves Korean CSV as CP949 (EUC-KR): say so when the bytes decode that way."""
    try:
        raw.decode("cp949")
    except UnicodeDecodeError:
        return ""
    return " (the file looks like CP949/EUC-KR, Excel's Korean default: convert it with `iconv -f cp949 -t utf-8`)"


def printable(raw: str) -> str:
    """Raw text safe to write as UTF-8 (lone surrogates replaced)."""
    return raw.encode("utf-8", "replace").decode("utf-8")

