"""The `collusion` command: a thin click layer over the library.

Exit status: 0 when the scan ran (whatever it found), 2 for usage errors
(click's own, shown in the reader's language by ``localized``), 1 when the scan could not run (no such project, no bidders,
an unwritable output). One module per command (group); only this package
imports click.
"""

from __future__ import annotations

import click

from collusion import __version__
from collusion.cli.history import history
from collusion.cli.localized import LocalizedGroup, lang_option
from collusion.cli.nightly import nightly
from collusion.cli.scan import render, scan
from collusion.cli.screens import screens


@click.group(cls=LocalizedGroup)
@click.version_option(__version__, prog_name="collusion")
@lang_option
def main() -> None:
    """Find signs of bid collusion (围标串标) among the bids of one tender.

    Messages, log lines and query output are in Chinese; --lang en (or
    COLLUSION_LANG=en) gives them in English. Reports are always Chinese.
    """


main.add_command(scan)
main.add_command(render)
main.add_command(nightly)
main.add_command(history)
main.add_command(screens)

if __name__ == "__main__":
    main()
