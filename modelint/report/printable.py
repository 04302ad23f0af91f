"""Text from a model or a file system (node names, op types, paths) made safe to print:
a node named ``"n\\x1b[31mred\\nline2"`` must neither split a one-line finding in two (pre-commit
and CI parsers read a line per finding) nor send escape sequences to a terminal, and a file
name that is not UTF-8 must not make a report invalid UTF-8."""

from __future__ import annotations

import re

__all__ = ["printable", "valid_utf8", "xml_safe"]

# C0 and C1 controls, DEL, the bidirectional controls that reorder what a reader sees
# ("Trojan Source", U+202E), and lone surrogates (file-name bytes that are not UTF-8)
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# what XML 1.0 forbids even as a character reference (tab, newline and return are allowed)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` on one line, every control character and lone surrogate as its escape."""
    return _UNPRINTABLE.sub(_escape, text)


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold as their escapes."""
    return _NOT_XML.sub(_escape, text)


def valid_utf8(text: str) -> str:
    """A report as valid UTF-8: each lone surrogate (a file name's bytes that are not
    UTF-8, as Python decodes them) becomes its ``\\udcxx`` escape."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
