"""Finding what changed in the inbox: project folders, their manifest hashes,
and which ones differ from the last recorded run. See :mod:`collusion.nightly.run`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[str, int, int], None]

HASH_CHUNK = 1024 * 1024


# ---------------------------------------------------------------------------
# Finding what changed
# ---------------------------------------------------------------------------


def find_projects(inbox: Path) -> list[str]:
    """Project folders under the inbox (folders with a bids/ subfolder), sorted.

    Returned relative to the inbox ("." when the inbox itself is a project).
    A project folder is not searched further: its bids/ hold bidders, not
    projects. Hidden folders are skipped.
    """
    found = []
    for dirpath, dirnames, _ in os.walk(inbox):
        here = Path(dirpath)
        if (here / "bids").is_dir():
            found.append(here.relative_to(inbox).as_posix())
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    return sorted(found)


def manifest_hash(project_dir: Path) -> tuple[str, int]:
    """(sha256 over every file's relative path and content hash, file count).

    Every file counts, not only bids: a changed project.json, tender or
    signatures.csv changes the report too. A symbolic link counts by its
    target's name (the scan never follows links out of the project). Plain
    string paths and one lstat per file: a re-run with nothing new is
    mostly this function.
    """
    entries = []
    top = os.fspath(project_dir)
    for dirpath, _, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in filenames:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                entries.append(f"{prefix}{name}\0link:{os.readlink(path)}")
            elif stat.S_ISREG(mode):
                entries.append(f"{prefix}{name}\0{file_sha256(path)}")
    digest = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
    return digest, len(entries)


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Manifest:
    hash: str
    files: int


def changed_projects(
    known: dict[str, str], inbox: Path, folders: list[str], progress: Progress
) -> tuple[list[tuple[str, Manifest]], list[str]]:
    """Split the folders into (to scan, with manifests) and unchanged.

    ``known`` maps a folder to the manifest hash last committed for it
    (``collusion.store.inbox_manifests``).
    """
    to_scan, unchanged = [], []
    for done, folder in enumerate(folders, start=1):
        digest, count = manifest_hash(inbox / folder)
        if known.get(folder) == digest:
            unchanged.append(folder)
        else:
            to_scan.append((folder, Manifest(digest, count)))
        progress("hash", done, len(folders))
    return to_scan, unchanged
