"""Near-duplicate text engine: shingles, boilerplate layers, candidates, alignment.

Settings first; the engine follows below.
"""

from __future__ import annotations

from dataclasses import dataclass

from collusion.errors import SettingsError


@dataclass(frozen=True)
class TextSettings:
    """Every threshold of sectioning and near-duplicate text, with its reason.

    Composed into ``Settings.detectors["text"]``; detectors read it with
    ``ctx.settings.detectors.get("text", TextSettings())``.
    """

    # --- sections (collusion.sections) ---
    # A block longer than this is body text, never a numbered heading.
    max_heading_chars: int = 40
    # Sections shorter than this (in characters) are merged into the one
    # before them (a heading followed by a one-line paragraph is not a unit).
    min_section_chars: int = 200
    # Longer sections, and text with no structure at all, are cut into
    # windows of `window_chars` at block (or, failing that, character)
    # boundaries, so that a 40-page chapter is not one set of shingles.
    max_section_chars: int = 6000
    window_chars: int = 3000
    # Running headers/footers: a short line (at most this many characters)
    # found at the top or bottom of at least `running_min_pages` pages and of
    # at least `running_page_share` of the file's pages.
    running_max_chars: int = 60
    running_min_pages: int = 3
    running_page_share: float = 0.3
    running_edge_blocks: int = 2  # blocks at each edge of a page examined
    # A page whose lines are at least this share of TOC entries is a TOC page.
    toc_page_share: float = 0.5

    def __post_init__(self) -> None:
        positive = ("max_heading_chars", "min_section_chars", "max_section_chars",
                    "window_chars", "running_max_chars", "running_min_pages",
                    "running_edge_blocks")
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"text.{name} must be positive, got {getattr(self, name)}")
        if self.window_chars > self.max_section_chars:
            raise SettingsError("text.window_chars must not exceed text.max_section_chars")
        for name in ("running_page_share", "toc_page_share"):
            if not 0 < getattr(self, name) <= 1:
                raise SettingsError(f"text.{name} must be in (0, 1]")
