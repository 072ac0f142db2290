"""Named exceptions of the library; the CLI turns them into clear messages."""


class CollusionError(Exception):
    """Base class of every error the library raises on purpose."""


class SettingsError(CollusionError, ValueError):
    """A setting is out of its valid range."""


class ProjectError(CollusionError):
    """The project folder cannot be scanned at all (missing, no bidders)."""


class ExtractionError(CollusionError):
    """One file could not be read; becomes an entry in the report's errors."""


class FileRefused(ExtractionError):
    """A file was not opened on purpose: too large, outside the project, a link."""


class StoreError(CollusionError):
    """The history database cannot be used."""


class SchemaMismatch(StoreError):
    """The history's schema is older or newer than this collusion's (see ``history migrate``)."""


class LockHeld(StoreError):
    """Another nightly run holds the lock."""


class ArchiveError(CollusionError):
    """An archive of past tenders cannot be imported; nothing of it was written.

    ``problems`` are (line, message) pairs, line None for the file as a whole;
    ``more`` counts the problems not listed one by one.
    """

    def __init__(self, path: str, problems: list[tuple[int | None, str]], more: int = 0) -> None:
        self.path = path
        self.problems = problems
        self.more = more
        lines = [f"{path}: 未导入任何行，请改正后重新导入："]
        lines += [f"  第 {line} 行：{text}" if line else f"  {text}" for line, text in problems]
        if more:
            lines.append(f"  另有 {more} 处问题未逐条列出")
        super().__init__("\n".join(lines))


class OutputError(CollusionError):
    """A report or summary cannot be written where it was asked to go."""


class NotAReport(CollusionError):
    """A file given as a report is not JSON or does not follow the report schema."""


class Interrupted(KeyboardInterrupt):
    """The run was ended by a signal (SIGTERM, SIGINT) and unwound cleanly."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class CasesError(CollusionError):
    """A labelled cases file cannot be read; the message lists the lines at fault."""


class ScreensModelError(CollusionError):
    """A screens model file cannot be used: not a model, another scikit-learn, unknown features."""
