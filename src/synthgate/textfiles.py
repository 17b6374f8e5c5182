"""Reading the small text files users write (metadata, policy): UTF-8, or a message that says what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def utf8_text(path: Path, what: str, error: Callable[[str, str], Exception]) -> str:
    """``path``'s text as UTF-8 (a byte-order mark is skipped). Anything else raises ``error(problem, fix)``,
    the problem naming the bad byte and its line, the fix the command that converts the file."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        problem = (f"{what} {path.name!r} is not UTF-8 text (byte 0x{data[err.start]:02x} on line {line} cannot be "
                   "decoded; Latin-1 or cp1252, perhaps).")
        raise error(problem, f"Save it as UTF-8 (e.g. iconv -f latin1 -t utf-8 {path.name} > fixed{path.suffix}).") \
            from None
