"""Text made safe for one line of a log or a terminal.

Project ids, folder names and error messages can carry what a bidder or a
careless export put there: a newline would forge a log line, an escape
sequence would recolour or rewrite the terminal, a bidi override would
reorder what is shown. :func:`printable` escapes them visibly instead.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, line and paragraph separators, bidi marks,
# embeddings, overrides and isolates.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def printable(text: str) -> str:
    """``text`` with control and bidi characters escaped (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(_escape, text)
