"""The reader's language for what the commands say: log lines, query output, errors.

Chinese by default: the people who run collusion (a trading center's staff)
and who read it (regulators) read Chinese. English is there for the
developer and the foreign reviewer: ``collusion --lang en ...`` or
``$COLLUSION_LANG=en`` (a locale name such as ``en_US.UTF-8`` works too).

Every sentence is written in both languages where it is made::

    raise StoreError(tr(f"历史库 {path} 不是 SQLite 数据库", f"{path} is not a SQLite database"))

so a message and its translation can never drift apart in a catalogue, and
a test can read both. The report itself (JSON, HTML, terminal summary) stays
Chinese whatever the language: it is the regulator's document.
"""

from __future__ import annotations

import os

from collusion.errors import SettingsError

LANG_ENV = "COLLUSION_LANG"
CHINESE = "zh"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)
DEFAULT_LANGUAGE = CHINESE

_chosen: str | None = None


def parse_language(value: str) -> str:
    """``zh``/``en`` from a language or locale name (``en_US.UTF-8``, ``zh-CN``, ``C``);
    "" for an empty value (none given)."""
    text = value.strip().lower()
    if not text:
        return ""
    if text in ("c", "posix") or text.startswith("en"):
        return ENGLISH
    if text.startswith("zh"):
        return CHINESE
    raise SettingsError(
        f"{LANG_ENV}={value!r} 不是支持的语言（zh 或 en） / is not a supported language (zh or en)"
    )


def set_language(name: str | None) -> None:
    """Use ``name`` (``zh`` or ``en``) from now on; None goes back to ``$COLLUSION_LANG``."""
    global _chosen
    _chosen = None if name is None else parse_language(name)


def language() -> str:
    """The language chosen (``--lang``), else ``$COLLUSION_LANG``, else Chinese.

    An unknown ``$COLLUSION_LANG`` reads as Chinese here (a message half-way
    out must not fail on it); the command checks it first and says so.
    """
    if _chosen is not None:
        return _chosen
    try:
        return parse_language(os.environ.get(LANG_ENV, "")) or DEFAULT_LANGUAGE
    except SettingsError:
        return DEFAULT_LANGUAGE


def tr(zh: str, en: str) -> str:
    """The sentence in the reader's language."""
    return en if language() == ENGLISH else zh
