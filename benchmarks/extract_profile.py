"""CPU of one extraction worker's work, reading and text preparation apart,
and a digest of everything it makes (to check a speed change keeps it).

An extraction worker of `collusion scan` reads each file
(``collusion.extract.extract_file``) and then makes what the scan needs of its
text (``collusion.scan.file_text_maker``: sections, and for a bidder's file
each section normalised, shingled, its parameters and its word view). Here
both run in this one process, file after file, and their CPU is printed
apart, for the files of one or more projects:

    python benchmarks/extract_profile.py /tmp/speedcache/stock1-b40
    python benchmarks/extract_profile.py PROJECT --profile read|prepare [--top 30]
    python benchmarks/extract_profile.py PROJECT [PROJECT ...] --digest out.json
    python benchmarks/extract_profile.py PROJECT [PROJECT ...] --against out.json

``--digest`` writes, per file, a SHA-256 of the extracted file (blocks,
signatures, fonts, ...), of its sections and of its prepared sections;
``--against`` compares with such a file and exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pickle
import pstats
import sys
import time
from array import array
from pathlib import Path
from typing import Any

import numpy as np

from collusion import scan
from collusion.analysis.text import paramtext, shingles
from collusion.extract import extract_file
from collusion.project import load_project
from collusion.scan import FileText, file_text_maker
from collusion.settings import Settings


def _canonical(value: Any) -> Any:
    """A value made of plain types (numpy arrays and arrays as dtype and bytes),
    so that equal outputs digest equal however they are built."""
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, value.tobytes())
    if isinstance(value, array):
        return ("array", value.typecode, value.tobytes())
    if isinstance(value, dict):
        return ("dict", tuple((_canonical(k), _canonical(v)) for k, v in sorted(value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_canonical(v) for v in value))
    if hasattr(value, "__dataclass_fields__"):
        return (
            type(value).__name__,
            tuple((name, _canonical(getattr(value, name))) for name in value.__dataclass_fields__),
        )
    return value


def digest(value: Any) -> str:
    return hashlib.sha256(pickle.dumps(_canonical(value), protocol=4)).hexdigest()


def file_digests(rel: str, extracted: Any, text: FileText) -> dict[str, str]:
    return {
        "extracted": digest(extracted),
        "sections": digest(text.sections),
        "prepared": digest(sorted(text.prepared.items())),
    }


# The steps of the text preparation timed apart with --steps: (module, function).
STEPS = (
    (scan, "split_sections"),
    (shingles, "normalize"),
    (shingles, "shingle_array"),
    (paramtext.ParamColumns, "found_in"),
    (shingles, "sections_words"),
)


def timed_steps() -> dict[str, float]:
    """Wrap each of STEPS to add up its CPU seconds (returned, filled as it runs)."""
    spent: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - t0

        return wrapper

    for module, name in STEPS:
        setattr(module, name, timed(name, getattr(module, name)))
    return spent


def run(
    roots: list[Path], profile: str | None
) -> tuple[float, float, dict[str, dict[str, str]], cProfile.Profile | None]:
    """Read and prepare every file of the projects; CPU of each part, digests."""
    settings = Settings()
    profiler = cProfile.Profile() if profile else None
    read_cpu = prepare_cpu = 0.0
    digests: dict[str, dict[str, str]] = {}
    for root in roots:
        project = load_project(root, settings.extract)
        make = file_text_maker(project, settings)
        paths = [p for files in project.bidder_files.values() for p in files]
        paths += list(project.tender_files)
        for rel in sorted(paths):
            t0 = time.process_time()
            if profiler and profile == "read":
                profiler.enable()
            extracted = extract_file(project.root, rel, settings.extract)
            if profiler:
                profiler.disable()
            t1 = time.process_time()
            if profiler and profile == "prepare":
                profiler.enable()
            text = make(extracted)
            if profiler:
                profiler.disable()
            t2 = time.process_time()
            read_cpu += t1 - t0
            prepare_cpu += t2 - t1
            digests[f"{root.name}/{rel}"] = file_digests(rel, extracted, text)
    return read_cpu, prepare_cpu, digests, profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="+", type=Path)
    parser.add_argument("--profile", choices=("read", "prepare"))
    parser.add_argument("--steps", action="store_true", help="CPU of each preparation step")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--digest", type=Path, help="write the outputs' digests here")
    parser.add_argument("--against", type=Path, help="compare the outputs with these digests")
    args = parser.parse_args()
    spent = timed_steps() if args.steps else {}
    read_cpu, prepare_cpu, digests, profiler = run(args.projects, args.profile)
    print(
        f"{len(digests)} files: CPU reading {read_cpu:.2f} s, "
        f"text preparation {prepare_cpu:.2f} s, total {read_cpu + prepare_cpu:.2f} s"
    )
    if spent:
        print("  preparation steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items()))
    if profiler is not None:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    if args.digest:
        args.digest.write_text(json.dumps(digests, indent=1, sort_keys=True), "utf-8")
    if args.against:
        before = json.loads(args.against.read_text("utf-8"))
        differ = [
            f"{name}: {part}"
            for name in sorted(set(before) | set(digests))
            for part in ("extracted", "sections", "prepared")
            if before.get(name, {}).get(part) != digests.get(name, {}).get(part)
        ]
        for line in differ:
            print("DIFFERS", line)
        print(f"{len(digests)} files compared, {len(differ)} outputs differ")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
