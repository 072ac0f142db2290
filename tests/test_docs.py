"""The documents stay short, complete and pointing at things that exist.

What a document shows of the code's output is checked by
tests/test_docs_current.py (cog --check). This file checks the rest: the
README's length and its two commands, help text for every command (as
sqlite-utils' test_docs.py does), the generated command reference, every
command described in the guide or its topic page, and every path and link
in the documents.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from collusion.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_LINES = 250
# The README's first two commands, as a new user types them on a fresh machine
# and as .ci/run runs them (it adds only pip's -q).
SCAN_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install . && "
    "collusion scan sample_bids/road-2026-017 --output r.json"
)
TEST_COMMAND = 'python3 -m venv .venv && . .venv/bin/activate && pip install ".[test]" && pytest'
# Where a command is explained to its reader, besides docs/guide.md and the
# generated docs/cli.md (a command path, or the group it is in).
TOPIC_PAGES = {
    ("nightly",): "operations.md",
    ("history",): "operations.md",
    ("history", "import"): "rings.md",
    ("history", "rings"): "rings.md",
    ("screens",): "prices.md",
}
# Repository paths a document may name in backquotes.
REPO_PATH = re.compile(
    r"`((?:collusion|tests|benchmarks|scripts|tools|fingerprints|sample_bids|docs|\.ci)"
    r"/[^`\s*<>…]*)`"
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    return [README, ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under ``collusion``, groups included ("" is the root)."""
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def anchors(page: Path) -> set[str]:
    """The heading anchors GitHub makes for a Markdown page."""
    found = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, (
        f"README.md has {lines} lines (at most {MAX_README_LINES}): "
        "move the detail to a page under docs/"
    )


def section(text: str, heading: str) -> str:
    """The text under a ``## heading``, up to the next heading of that level."""
    after = text.split(f"\n## {heading}\n", 1)[1]
    return after.split("\n## ", 1)[0]


def linked_pages(text: str, prefix: str) -> set[str]:
    """The docs/ pages a Markdown text links to (links written ``prefix + name``)."""
    return {
        target.partition("#")[0].removeprefix(prefix)
        for target in LINK.findall(text)
        if target.startswith(prefix) and target.partition("#")[0].endswith(".md")
    }


def test_every_page_is_linked_from_the_readme_and_the_docs_index():
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    where_next = section(README.read_text(encoding="utf-8"), "Where to go next")
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    unlisted = {
        "README.md, Where to go next": sorted(pages - linked_pages(where_next, "docs/")),
        "docs/README.md": sorted(pages - linked_pages(index, "")),
    }
    assert unlisted == {"README.md, Where to go next": [], "docs/README.md": []}, (
        "add one line linking each new page to both lists (README.md stays at most "
        f"{MAX_README_LINES} lines)"
    )


def test_readme_opens_with_the_two_commands_ci_runs():
    blocks = re.findall(r"```sh\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    assert blocks[:2] == [SCAN_COMMAND, TEST_COMMAND]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace("pip install -q", "pip install")
    # CI installs as the README says, then runs make check, whose last step is
    # the README's last word, pytest (after ruff, the format check and mypy).
    install, test = TEST_COMMAND.rsplit(" && ", 1)
    assert install in ci and re.search(r"&& make check$", ci, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^check: lint format-check types test$", makefile, re.M)
    assert re.search(rf"^test:\n\t(\$\(PYTHON\) -m )?{test}$", makefile, re.M)
    assert "collusion scan sample_bids/road-2026-017 --output" in ci


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "collusion")
def test_every_command_has_help(path):
    command = command_at(path)
    assert (command.help or "").strip(), f"collusion {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"


def test_command_reference_is_generated_from_every_command():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert "cli_reference()" in text and "[[[end]]]" in text
    for path in commands():
        assert f"## collusion {' '.join(path)}".rstrip() in text, path


def topic_page(path: tuple[str, ...]) -> str | None:
    """The page that explains a command: its own entry, else its group's."""
    for length in range(len(path), 0, -1):
        if path[:length] in TOPIC_PAGES:
            return TOPIC_PAGES[path[:length]]
    return None


@pytest.mark.parametrize(
    "path", [p for p in commands() if p], ids=lambda p: " ".join(p) or "collusion"
)
def test_every_command_is_explained_in_the_guide_or_its_topic_page(path):
    pages = ["guide.md", *filter(None, [topic_page(path)])]
    said = [
        name
        for name in pages
        if f"collusion {' '.join(path)}" in (DOCS / name).read_text(encoding="utf-8")
    ]
    assert said, f"collusion {' '.join(path)} is explained in none of {pages}"


@pytest.mark.parametrize("page", documents(), ids=lambda p: p.name)
def test_every_path_a_document_names_exists(page):
    text = page.read_text(encoding="utf-8")
    missing = sorted({p for p in REPO_PATH.findall(text) if not (ROOT / p.rstrip("/")).exists()})
    assert missing == [], f"{page.name} names paths that do not exist"


@pytest.mark.parametrize("page", documents(), ids=lambda p: p.name)
def test_every_link_a_document_holds_leads_somewhere(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    assert broken == []


def test_anchor_maker_reads_headings_as_github_does(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "# Limits and bad input\n## PostgreSQL: a province's shared history\n"
        "```\n# not a heading\n```\n### identical_file\n",
        encoding="utf-8",
    )
    assert anchors(page) == {
        "limits-and-bad-input",
        "postgresql-a-provinces-shared-history",
        "identical_file",
    }
