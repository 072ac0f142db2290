"""Fuzz ``extract_file`` for longer than the test suite does.

With atheris installed (``pip install atheris``) this is a coverage-guided
libFuzzer run over mutated PDF and DOCX seeds::

    python scripts/fuzz_atheris.py -atheris_runs=100000

Without it, the same target runs over seeded random mutations (byte flips,
truncations, damaged zip members) and prints every distinct status and
reason it met, which is how the unclear messages get found::

    python scripts/fuzz_atheris.py --runs 3000 --seed 1

Either way an exception escaping ``extract_file``, or a status the report
does not know, stops the run with the input saved as ``crash-*.bin``.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import random
import re
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tools/ is not installed

from test_fuzz import STATUSES, seeds  # noqa: E402 - the seeds the tests use

from collusion.extract import extract_file  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="collusion-fuzz-"))


def quiet_mupdf() -> None:
    """MuPDF prints every repair to stdout; the summary is what matters here."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    if hasattr(pymupdf, "no_recommend_layout"):
        pymupdf.no_recommend_layout()


def check(data: bytes, name: str) -> tuple[str, str]:
    """Extract one input; raise if an exception escapes or the status is unknown."""
    (WORK / name).write_bytes(data)
    try:
        result = extract_file(WORK, name)
        assert result.status in STATUSES, result.status
        assert result.status == "ok" or result.error, result
    except BaseException:
        crash = Path(f"crash-{hashlib.sha256(data).hexdigest()[:12]}.bin")
        crash.write_bytes(data)
        print(f"crash input saved to {crash}", file=sys.stderr)
        raise
    return result.status, result.error or ""


def mutate(rng: random.Random) -> tuple[bytes, str]:
    kind = rng.choice(["pdf", "docx", "member"])
    if kind == "member":
        with zipfile.ZipFile(io.BytesIO(seeds()["docx"])) as archive:
            parts = {n: archive.read(n) for n in archive.namelist()}
        name = rng.choice(sorted(parts))
        parts[name] = flip(rng, parts[name])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, data in parts.items():
                archive.writestr(part, data)
        return buffer.getvalue(), "x.docx"
    return flip(rng, seeds()[kind]), f"x.{kind}"


def flip(rng: random.Random, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        if mutable:
            mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    if mutable and rng.random() < 0.25:
        mutable = mutable[: rng.randrange(len(mutable))]
    return bytes(mutable)


def random_run(runs: int, seed: int) -> None:
    rng = random.Random(seed)
    seen: collections.Counter[tuple[str, str]] = collections.Counter()
    for _ in range(runs):
        status, error = check(*mutate(rng))
        seen[(status, re.sub(r"\d+", "N", error)[:90])] += 1
    for (status, error), count in seen.most_common():
        print(f"{count:6d}  {status:8s} {error}")


def atheris_run(argv: list[str]) -> None:
    import atheris

    def target(data: bytes) -> None:
        provider = atheris.FuzzedDataProvider(data)
        kind = provider.ConsumeIntInRange(0, 1)
        seed = seeds()["pdf" if kind == 0 else "docx"]
        raw = bytearray(seed)
        for _ in range(provider.ConsumeIntInRange(0, 16)):
            if not raw:
                break
            raw[provider.ConsumeIntInRange(0, len(raw) - 1)] = provider.ConsumeInt(1) & 0xFF
        check(bytes(raw), "x.pdf" if kind == 0 else "x.docx")

    atheris.Setup(argv, target)
    atheris.Fuzz()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="random mutations to try")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args, rest = parser.parse_known_args()
    quiet_mupdf()
    try:
        import atheris  # noqa: F401
    except ImportError:
        random_run(args.runs, args.seed)
    else:
        atheris_run([sys.argv[0], *rest])


if __name__ == "__main__":
    main()
