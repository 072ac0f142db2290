"""Examples in README.md and docs/ made by running the real commands (cog).

Every command output, help text and report excerpt in the documents sits
inside a cog block that calls one of these functions::

    <!-- [[[cog
    from tools.docs import shell
    shell("collusion scan sample_bids/road-2026-017 --output /tmp/r.json")
    ]]] -->
    ... what the command printed, written by cog ...
    <!-- [[[end]]] -->

``cog -r -I . README.md docs/*.md`` rewrites the blocks from fresh runs;
``cog --check -I . README.md docs/*.md`` (run by tests/test_docs_current.py
in CI) fails when a document no longer shows what the code prints. The
output of a block must not depend on the clock or the machine: a function
here takes ``replace`` (pattern -> text) for what does, and scans write
into a temporary folder whose name is replaced by ``$TMP``.

The helpers live in ``tools/docs_run.py`` (running commands, writing
blocks) and ``tools/docs_tables.py`` (tables of a report and of the code);
this module is the one the documents import.
"""

from __future__ import annotations

from tools.docs_run import (
    ROOT,
    SCRATCH,
    cli_reference,
    find_alert,
    first_line,
    help_text,
    json_block,
    normalise,
    pick,
    python_example,
    read_json,
    run,
    run_status,
    scanned,
    scratch,
    shell,
    table,
    terminal_scan,
    terminal_summary,
    text_block,
    trim,
)
from tools.docs_tables import (
    alert_table,
    architecture_limits,
    demo_project,
    files_table,
    human_default,
    identifier_fields_table,
    ignored_table,
    kinds_table,
    layout_table,
    pair_terms_table,
    schema_table,
    score_table,
    settings_table,
    signature_fields_table,
    tree,
    unplanted_alerts,
)

__all__ = [
    "ROOT",
    "SCRATCH",
    "alert_table",
    "architecture_limits",
    "cli_reference",
    "demo_project",
    "files_table",
    "find_alert",
    "first_line",
    "help_text",
    "human_default",
    "identifier_fields_table",
    "ignored_table",
    "json_block",
    "kinds_table",
    "layout_table",
    "normalise",
    "pair_terms_table",
    "pick",
    "python_example",
    "read_json",
    "run",
    "run_status",
    "scanned",
    "schema_table",
    "score_table",
    "scratch",
    "settings_table",
    "shell",
    "signature_fields_table",
    "table",
    "terminal_scan",
    "terminal_summary",
    "text_block",
    "tree",
    "unplanted_alerts",
    "trim",
]
