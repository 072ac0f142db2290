"""The command in the reader's language: ``--lang``, and click's own messages in Chinese.

Click writes its usage errors in English ("Error: No such option: --ouput").
It translates them through :mod:`gettext`, which would need a catalogue file
and the process's locale; a trading center's server runs in ``C`` or
``en_US`` and its cron in ``C``, so instead :class:`LocalizedGroup` catches
every click error on its way out and shows it in the chosen language:
``用法：…``, ``错误：…``, with click's common sentences (no such option,
missing argument, a path that does not exist, a value that is not a number)
said in Chinese. A sentence this table does not know keeps click's English
words after ``错误：``; the exit status stays click's (2 for usage errors).

Help texts stay English: they are the reference the documentation prints.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Sequence
from typing import IO, Any

import click

from collusion.errors import SettingsError
from collusion.runtime.lang import (
    ENGLISH,
    LANG_ENV,
    LANGUAGES,
    language,
    parse_language,
    set_language,
    tr,
)

LANG_OPTION = "--lang"

# click's sentences (click 8, its gettext message ids), most specific first.
_NAME = r"(?P<name>'[^']*')"
_CLICK_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), zh)
    for pattern, zh in (
        (r"No such option: (?P<name>\S+)(?: (?P<rest>.*))?", "没有这个选项：{name}。{rest}"),
        (rf"No such option {_NAME}\.(?: (?P<rest>.*))?", "没有这个选项：{name}。{rest}"),
        (rf"No such command {_NAME}\.(?: (?P<rest>.*))?", "没有这个命令：{name}。{rest}"),
        (r"Did you mean (?P<name>.*)\?", "是不是 {name}？"),
        (r"\(Possible options: (?P<name>.*)\)", "（可用的选项：{name}）"),
        (r"\(Did you mean one of: (?P<name>.*)\?\)", "（是不是其中之一：{name}？）"),
        (r"Missing argument (?P<name>\S+)\.(?P<rest>.*)", "缺少参数 {name}。{rest}"),
        (r"Missing option (?P<name>.+?)\.(?P<rest>.*)", "缺少选项 {name}。{rest}"),
        (r"Missing parameter(?:: (?P<name>.*))?", "缺少参数 {name}"),
        (rf"Option {_NAME} requires an argument\.", "选项 {name} 需要一个值"),
        (rf"Option {_NAME} does not take a value\.", "选项 {name} 不接受值"),
        (rf"Option {_NAME} requires (?P<n>\d+) arguments\.", "选项 {name} 需要 {n} 个值"),
        (r"Got unexpected extra arguments? \((?P<name>.*)\)", "多余的参数：{name}"),
        (
            r"Invalid value for (?P<name>.+?): (?P<rest>.*)",
            "{name} 的值无效：{rest}",
        ),
        (r"Invalid value: (?P<rest>.*)", "值无效：{rest}"),
        (
            rf"(?:File|Directory|Path|file|directory|path) {_NAME} does not exist\.",
            "路径 {name} 不存在",
        ),
        (
            rf"(?:File|Directory|Path|file|directory|path) {_NAME} is a file\.",
            "{name} 是文件，不是文件夹",
        ),
        (
            rf"(?:File|Directory|Path|file|directory|path) {_NAME} is a directory\.",
            "{name} 是文件夹，不是文件",
        ),
        (
            rf"(?:File|Directory|Path|file|directory|path) {_NAME} is not readable\.",
            "{name} 不可读",
        ),
        (
            rf"(?:File|Directory|Path|file|directory|path) {_NAME} is not writable\.",
            "{name} 不可写",
        ),
        (
            rf"{_NAME} is not a valid (?P<kind>integer|float)(?: range)?\.",
            "{name} 不是有效的{kind}",
        ),
        (rf"{_NAME} is not a valid boolean\.", "{name} 不是有效的布尔值"),
        (rf"{_NAME} is not (?:one of )?(?P<choices>.*)\.", "{name} 不是可选值之一：{choices}"),
        (r"(?P<name>.+) is not in the range (?P<range>.*)\.", "{name} 不在范围 {range} 之内"),
        (rf"Could not open file {_NAME}: (?P<rest>.*)", "无法打开文件 {name}：{rest}"),
    )
)
_WORDS_ZH = {"integer": "整数", "float": "数值"}


def click_message_zh(message: str) -> str:
    """One of click's English sentences in Chinese; unknown ones unchanged."""
    for pattern, zh in _CLICK_ZH:
        match = pattern.fullmatch(message.strip())
        if match is None:
            continue
        parts = {k: v or "" for k, v in match.groupdict().items()}
        for key in ("rest",):
            if parts.get(key):
                parts[key] = click_message_zh(parts[key])
        if "kind" in parts:
            parts["kind"] = _WORDS_ZH.get(parts["kind"], parts["kind"])
        return zh.format(**parts).strip()
    return message


def show_error(exc: click.ClickException, file: IO[Any] | None = None) -> None:
    """What click's ``exc.show()`` prints, in the reader's language."""
    if language() == ENGLISH:
        exc.show(file)
        return
    out = file or sys.stderr
    message = exc.format_message()
    if isinstance(exc, click.UsageError):
        message = click_message_zh(message)
        ctx = exc.ctx
        if ctx is not None:
            usage = ctx.get_usage().replace("Usage: ", "用法：", 1)
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                option = max(ctx.command.get_help_option_names(ctx), key=len)
                hint = f"运行 '{ctx.command_path} {option}' 查看帮助。\n"
            click.echo(f"{usage}\n{hint}", file=out, color=ctx.color)
    click.echo(f"错误：{message}", file=out)


def language_in(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """The value of ``--lang`` wherever it is among the arguments, and the
    arguments without it (a valid one only: click refuses a wrong one)."""
    for n, arg in enumerate(args):
        if arg == "--":
            break
        if arg == LANG_OPTION and n + 1 < len(args):
            value, rest = args[n + 1], [*args[:n], *args[n + 2 :]]
        elif arg.startswith(LANG_OPTION + "="):
            value, rest = arg.split("=", 1)[1], [*args[:n], *args[n + 1 :]]
        else:
            continue
        return value, rest if value in LANGUAGES else list(args)
    return None, list(args)


class LocalizedGroup(click.Group):
    """The top command: reads ``--lang`` first, shows every click error in that language."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        # --lang may stand anywhere (`collusion history alerts X --lang en`).
        chosen, argv = language_in(list(sys.argv[1:] if args is None else args))
        if chosen not in LANGUAGES:  # none given, or a wrong one click will refuse
            chosen = None
            try:
                parse_language(os.environ.get(LANG_ENV, ""))
            except SettingsError as exc:
                click.echo(f"Error: {exc}", err=True)
                sys.exit(2)
        set_language(chosen)
        run = functools.partial(
            super().main, argv, prog_name, complete_var, standalone_mode=False, **extra
        )
        try:
            if not standalone_mode:
                return run()
            try:
                result: Any = run()
            except click.Abort:
                click.echo(tr("已中止！", "Aborted!"), err=True)
                sys.exit(1)
            except click.ClickException as exc:
                show_error(exc)
                sys.exit(exc.exit_code)
            # click returns the exit status of --help, --version and ctx.exit().
            sys.exit(result if isinstance(result, int) else 0)
        finally:
            set_language(None)


def lang_option(func: Any) -> Any:
    """``--lang zh|en`` on the top command (read early by :class:`LocalizedGroup`)."""
    return click.option(
        LANG_OPTION,
        type=click.Choice(LANGUAGES),
        expose_value=False,
        is_eager=True,
        help="Language of messages, logs and query output: zh (default) or en; "
        f"anywhere on the command line (also ${LANG_ENV}).",
    )(func)
