"""Safe output for a DBA's terminal: values written by API users (model ids, names, paths) may
hold control characters, and an ``ESC[2K`` or an OSC title sequence must never reach the
terminal. :func:`escape` makes every C0, DEL and C1 control visible (``\\x1b``)."""

from __future__ import annotations

from typing import Final

_NAMED: Final = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}


def _visible(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
        return f"\\x{code:02x}"
    return char


def escape(value: object) -> str:
    """``str(value)`` with control characters (and backslashes) spelled as escapes."""
    text = "" if value is None else str(value)
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_visible(char) for char in text)
