"""The self-contained HTML view of a report, for people rather than systems.

The report dict (contract §3, plus the pipeline's extra fields) is turned into
a plain view model here, in Python, and rendered by one Jinja2 template with
autoescape on. Bid text and metadata are untrusted: nothing from the report is
ever marked safe. Highlighted excerpts are lists of ``(text, is_shared)``
segments that the template wraps in ``<mark>`` itself, and every number that
ends up in an attribute (SVG geometry, shading classes) is computed here.

The page carries its CSS and SVG inline, loads nothing and needs no script.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

import jinja2

from collusion.report.build import write_private
from collusion.report.html.highlight import highlight_shared, highlight_value
from collusion.report.html.view import build_view

TEMPLATE_NAME = "report.html.j2"

__all__ = ["build_view", "highlight_shared", "highlight_value", "render_html", "write_html"]


def render_html(report: Mapping[str, Any]) -> str:
    """Render a report dict as one self-contained HTML page."""
    template = environment().get_template(TEMPLATE_NAME)
    return template.render(**build_view(report))


def write_html(report: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the HTML page to ``path`` atomically, readable by the owner only.

    The page carries the same personal data as the JSON report, so it is
    written the same way (temp file, then rename; mode 0600).
    """
    write_private(path, render_html(report))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the package's templates (autoescape on): the report
    page and the rings page."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("collusion.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env
