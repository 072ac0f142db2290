"""What the nightly run says, in the reader's language, with a tag a script can grep.

A log line is ``[tag] sentence``: the tag is a fixed English word whatever
the language (``[scanned]``, ``[failed]``, ``[warning]``, ``[history]``,
``[run]``, ...: :data:`TAGS`), the sentence is Chinese by default and English
with ``--lang en`` / ``$COLLUSION_LANG=en``. So the log reads in the
operator's language and ``grep '\\[failed\\]' nightly.log`` finds the same
lines in both (a monitoring rule written once keeps working when someone
switches the language). The command puts the time in front
(``collusion.cli.common.log_line``). Names from the inbox (folders, project
ids) are escaped by :func:`collusion.runtime.console.printable`: a newline
in a folder name cannot forge a line.
"""

from __future__ import annotations

from typing import Any

from collusion.runtime.console import printable
from collusion.runtime.lang import tr

# Every tag a nightly log line starts with, and what it marks.
TAGS = {
    "run": "the run's summary line (one per run, last)",
    "scanned": "a project scanned, reported and recorded",
    "failed": "a project not scanned, or not reported, or not recorded",
    "warning": "something to look at that did not stop the project",
    "history": "the history database could not be used",
    "interrupted": "earlier runs found dead and marked interrupted",
    "taken-over": "a project a stopped worker held, scanned by this one",
    "skipped": "a project another worker recorded meanwhile",
    "lock": "the SQLite lock file replaced after its holder died",
    "rings": "the night's search for groups that bid together (docs/rings.md)",
}


def line(tag: str, zh: str, en: str) -> str:
    """``[tag] sentence`` in the reader's language."""
    if tag not in TAGS:
        raise ValueError(f"unknown log tag {tag!r}")
    return f"[{tag}] {tr(zh, en)}"


def run_line(summary: Any) -> str:
    """The run's last log line."""
    return f"[run] {summary.message}"


def summary_written(path: str) -> str:
    """Where the run's summary JSON is (the command's last line)."""
    return line("run", f"运行摘要：{printable(path)}", f"run summary: {printable(path)}")


def run_sentence(summary: Any) -> str:
    """The run in one sentence (the summary's ``message``)."""
    found, unchanged, failed = summary.projects_found, len(summary.unchanged), len(summary.failed)
    if summary.nothing_new:
        text = tr(
            f"没有新内容：{found} 个项目文件夹自上次运行以来没有变化",
            f"nothing new: {found} project folder(s) unchanged since the last run",
        )
    else:
        scanned, files, alerts = len(summary.scanned), summary.files_scanned, summary.alerts
        flagged = sum(1 for p in summary.scanned if p.flagged_pairs)
        text = tr(
            f"扫描了 {found} 个项目文件夹中的 {scanned} 个（{files} 个文件，{alerts} 条预警，"
            f"{flagged} 个项目有应移交的投标人对）；{unchanged} 个未变，{failed} 个失败",
            f"scanned {scanned} of {found} project folder(s) ({files} files, {alerts} alerts, "
            f"{flagged} with flagged pairs); {unchanged} unchanged, {failed} failed",
        )
    if summary.history_error:
        text += tr(
            f"；未记入历史库：{summary.history_error}",
            f"; history not recorded: {summary.history_error}",
        )
    return text


def scanned(o: Any) -> str:
    """A project scanned, reported and recorded."""
    pid, folder = printable(o.project_id or ""), printable(o.folder)
    zh = f"{pid}（{folder}）：{o.files} 个文件，{o.alerts} 条预警，{o.flagged_pairs} 对应移交"
    en = f"{pid} ({folder}): {o.files} files, {o.alerts} alerts, {o.flagged_pairs} flagged pair(s)"
    if o.file_errors:
        zh += f"，{o.file_errors} 个文件未能分析"
        en += f", {o.file_errors} unreadable"
    if o.delivered:
        zh += f"；已投递到 {printable(o.delivered)}"
        en += f"; delivered to {printable(o.delivered)}"
    return line("scanned", zh, en)


def failed(folder: str, error: str) -> str:
    return line("failed", f"{printable(folder)}：{error}", f"{printable(folder)}: {error}")


def report_not_written(project_id: str, reason: str) -> str:
    return tr(
        f"无法写出 {printable(project_id)} 的报告：{reason}",
        f"cannot write the report of {printable(project_id)}: {reason}",
    )


def not_recorded(reason: str) -> str:
    return tr(
        f"报告已写出，但未记入历史库：{reason}",
        f"report written, history not recorded: {reason}",
    )


def history_unusable(database: str, reason: str) -> str:
    return line(
        "history",
        f"历史库 {database} 无法使用（{reason}）；所有项目照常扫描并写出报告，但不记入历史库",
        f"history database {database} unusable ({reason}); "
        "scanning every project without it, recording nothing",
    )


def history_broke_under(folder: str, reason: str) -> str:
    return line(
        "history",
        f"扫描 {printable(folder)} 时历史库无法读取（{reason}）；不用历史库重新扫描它",
        f"history unreadable while scanning {printable(folder)} ({reason}); "
        "scanning it again without the history",
    )


def interrupted_runs(count: int) -> str:
    return line(
        "interrupted",
        f"{count} 次先前的运行已中途终止，已标记为 interrupted",
        f"{count} earlier run(s) had died and are marked interrupted",
    )


def taken_over(folder: str) -> str:
    return line(
        "taken-over",
        f"{printable(folder)}：接手已停止的工作进程留下的项目",
        f"{printable(folder)}: taken over from a worker that stopped",
    )


def recorded_elsewhere(folder: str) -> str:
    return line(
        "skipped",
        f"{printable(folder)}：其间已由另一个工作进程记录",
        f"{printable(folder)}: recorded by another worker meanwhile",
    )


def shared_project_id(folder: str, project_id: str, others: list[str]) -> str:
    names = ", ".join(printable(other) for other in others)
    folder, project_id = printable(folder), printable(project_id)
    return line(
        "warning",
        f"{folder} 的项目编号 {project_id} 与 {names} 相同；历史库中该项目的记录被替换",
        f"{folder} has project id {project_id}, as {names} had; its record is replaced",
    )


def lock_replaced(path: str, holder: str) -> str:
    return line(
        "lock",
        f"锁文件 {path} 的运行（pid {holder}）已结束，却仍被遗留进程持有；替换锁文件",
        f"the lock {path} was held after its run (pid {holder}) died, by a leftover process; "
        "replacing the lock file",
    )


def rings_found(groups: int, tenders: int, path: str) -> str:
    return line(
        "rings",
        f"围标团伙搜索：在 {tenders} 个标段中找到 {groups} 个团伙，见 {printable(path)}",
        f"ring search: {groups} group(s) over {tenders} tenders, {printable(path)}",
    )


def rings_elsewhere() -> str:
    return line(
        "rings", "围标团伙搜索：另一个工作进程正在进行", "ring search: another worker is running it"
    )


def rings_failed(reason: str) -> str:
    return line("rings", f"围标团伙搜索失败：{reason}", f"ring search failed: {reason}")


def rings_unwritten(path: str, reason: str) -> str:
    return line(
        "rings",
        f"围标团伙搜索：无法写出 {printable(path)}：{reason}",
        f"ring search: cannot write {printable(path)}: {reason}",
    )
