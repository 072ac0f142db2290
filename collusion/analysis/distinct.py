"""Sorted distinct values of a numpy array, by a sort.

numpy 2.x's ``np.unique`` (without ``return_*``) finds distinct values with
a hash table and sorts them afterwards; on a project's millions of uint32
shingle hashes that measured 6-13 times slower than sorting once and keeping
the first of each run (5 M values: 8.1 s against 0.55 s on the development
machine). The result is the same array.
"""

from __future__ import annotations

import numpy as np


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-d array of numbers."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]
