"""The one MinHash recipe: how a set of shingle hashes becomes a MinHash, its
bytes and its LSH band keys.

Shared by the text engine (which computes section MinHashes once per scan),
the history store (which writes them and their band keys) and the
migrations (which rebuild band keys of stored MinHashes). Everything that
changes a stored value is named by :func:`recipe`, and only MinHashes of
equal recipes are ever compared: change a constant here and stored history
stops matching until it is re-scanned.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import xxhash

if TYPE_CHECKING:
    from datasketch import LeanMinHash, MinHash

# --- the stored section MinHash (must stay identical to compare across runs) ---
NUM_PERM = 128
MINHASH_SEED = 1
BYTE_ORDER = "<"  # explicit, so a database moves between machines unchanged
# Sections with fewer non-boilerplate shingles get no MinHash: a filled-in
# form (names, dates, prices) is not a copied plan.
MIN_KEPT_SHINGLES = 50

# LSH banding of the 128 values: 32 bands of 4 rows. A pair at Jaccard 0.5
# shares a band with probability 1-(1-0.5**4)**32 = 0.87, at 0.6 with 0.99,
# at 0.3 with 0.23; candidates are then confirmed on the estimate itself.
LSH_BANDS = 32
LSH_ROWS = 4

_SIGNED_LIMIT = 1 << 63
_UNSIGNED_RANGE = 1 << 64


@functools.cache
def datasketch() -> ModuleType:
    """The datasketch package, imported on first use: it imports SciPy (half
    a second), which a scan does while its workers read the files."""
    import datasketch as package

    return package


def identity(value: int) -> int:
    """MinHash hashfunc: shingles are already 32-bit hashes."""
    return value


def scheme() -> str:
    """datasketch's permutation scheme (2.x names it; older lines did not)."""
    return str(getattr(datasketch().MinHash(num_perm=1), "scheme", "legacy"))


def recipe(shingle_chars: int, shingle_seed: int) -> str:
    """Names everything that changes a stored section MinHash, so only equals compare.

    The shingle length and hash seed are the text engine's; the rest is this
    module's. The string is stored with every MinHash (``sections.minhash_recipe``).
    """
    return (
        f"textsim-kept-k{shingle_chars}-xxh32s{shingle_seed}-p{NUM_PERM}-s{MINHASH_SEED}-{scheme()}"
    )


def minhash_of(hashes: Iterable[int]) -> LeanMinHash:
    """The stored MinHash of a set of shingle hashes (sorted: bytes never depend on order)."""
    mh = datasketch().MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=identity)
    mh.update_batch(sorted(set(hashes)))
    return datasketch().LeanMinHash(mh)


def minhashes(sets: Sequence[Iterable[int]], num_perm: int, seed: int) -> list[MinHash]:
    """MinHashes of many shingle-hash sets at once (the text engine's in-project LSH)."""
    return datasketch().MinHash.bulk(
        [sorted(s) for s in sets], num_perm=num_perm, seed=seed, hashfunc=identity
    )


# MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies
# to each value before its permutations.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
SIGNATURE_BLOCK_VALUES = 4_096  # values permuted at once (2 MB at 128 permutations: in cache)


def _fmix32(values: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = (np.uint32(c) for c in _FMIX32)
    with np.errstate(over="ignore"):
        values = values ^ (values >> s1)
        values = values * m1
        values = values ^ (values >> s2)
        values = values * m2
        return values ^ (values >> s3)


def minhash_values(sets: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """The hash values of ``minhashes(sets)``, one row per set (uint64), computed
    in numpy for whole blocks of sets; datasketch's own MinHash of the first
    set checks the arithmetic (any other scheme goes through ``minhashes``)."""
    if not sets:
        return np.zeros((0, num_perm), dtype=np.uint64)
    first = minhashes(sets[:1], num_perm, seed)[0]
    if first.scheme != "affine32" or any(len(s) == 0 for s in sets):
        return np.array([m.hashvalues for m in minhashes(sets, num_perm, seed)], dtype=np.uint64)
    a, b = (np.asarray(x, dtype=np.uint32) for x in first.permutations)
    out = np.empty((len(sets), num_perm), dtype=np.uint64)
    lo = 0
    while lo < len(sets):
        hi, size = lo, 0
        while hi < len(sets) and (hi == lo or size + len(sets[hi]) <= SIGNATURE_BLOCK_VALUES):
            size += len(sets[hi])
            hi += 1
        block = sets[lo:hi]
        values = _fmix32(np.concatenate(block).astype(np.uint32))
        with np.errstate(over="ignore"):
            permuted = a[:, None] * values + b[:, None]  # a row per permutation
        starts = np.cumsum([0] + [len(s) for s in block[:-1]])
        out[lo:hi] = np.minimum.reduceat(permuted, starts, axis=1).T
        lo = hi
    if not np.array_equal(out[0], np.asarray(first.hashvalues, dtype=np.uint64)):
        return np.array([m.hashvalues for m in minhashes(sets, num_perm, seed)], dtype=np.uint64)
    return out


def to_bytes(mh: LeanMinHash) -> bytes:
    buf = bytearray(mh.bytesize(byteorder=BYTE_ORDER))
    mh.serialize(buf, byteorder=BYTE_ORDER)
    return bytes(buf)


def from_bytes(data: bytes) -> LeanMinHash:
    return datasketch().LeanMinHash.deserialize(bytes(data), byteorder=BYTE_ORDER)


def band_keys(mh: LeanMinHash, recipe_name: str) -> list[int]:
    """One signed 64-bit key per LSH band, as stored in ``section_bands``.

    The recipe and band number are hashed in, so keys of different recipes
    or bands never meet. Values are widened to little-endian uint64 so the
    key does not depend on the numpy dtype of the scheme. Signed, because
    SQLite's INTEGER and PostgreSQL's BIGINT are.
    """
    return values_band_keys(mh.hashvalues, recipe_name)


def values_band_keys(hashvalues: np.ndarray, recipe_name: str) -> list[int]:
    """:func:`band_keys` of a MinHash's hash values (a bulk loader has no MinHash objects)."""
    values = np.asarray(hashvalues, dtype="<u8")
    prefix = recipe_name.encode()
    keys = []
    for band in range(LSH_BANDS):
        chunk = values[band * LSH_ROWS : (band + 1) * LSH_ROWS].tobytes()
        key = xxhash.xxh64_intdigest(prefix + band.to_bytes(2, "little") + chunk)
        keys.append(key - _UNSIGNED_RANGE if key >= _SIGNED_LIMIT else key)
    return keys


def blob_band_keys(blob: bytes, recipe_name: str) -> list[int]:
    """Band keys of a stored MinHash."""
    return band_keys(from_bytes(blob), recipe_name)


def containment(jaccard: float, size_a: int, size_b: int) -> float:
    """Estimated |A ∩ B| / |A| from the Jaccard estimate and both set sizes."""
    if size_a <= 0:
        return 0.0
    intersection = jaccard * (size_a + size_b) / (1 + jaccard)
    return min(1.0, intersection / size_a)
