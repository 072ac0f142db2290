"""Connected sets of a graph given by its edges (union-find with path
halving), for the places that group things linked pair by pair: pictures by
near matches, a bid's files by lineage, bidders by flagged pairs, firms by
seed pairs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


Node = TypeVar("Node", bound=_Ordered)


def component_roots(edges: Iterable[tuple[Node, Node]]) -> dict[Node, Node]:
    """Each node of an edge -> the smallest node of its connected set (the
    smallest, so the answer does not depend on the order of the edges)."""
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in edges:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {node: find(node) for node in list(parent)}
