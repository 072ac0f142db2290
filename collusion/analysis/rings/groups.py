"""Where the search for groups starts: the maximal cliques of the graph of seed pairs.

A ring whose members all meet more often than chance is a clique of pairs
that are each unlikely; two rings joined by one firm make two cliques
(Bron-Kerbosch with pivoting; the graph of seed pairs is sparse).
"""

from __future__ import annotations

from collections.abc import Iterable

from collusion.analysis.graph import component_roots


def components(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected sets of the graph, each sorted, sorted by their first node."""
    roots = component_roots(edges)
    sets: dict[int, list[int]] = {}
    for node in sorted(roots):
        sets.setdefault(roots[node], []).append(node)
    return sorted(sets.values())


def maximal_cliques(nodes: list[int], adjacent: dict[int, set[int]]) -> list[list[int]]:
    """Every maximal clique of at least two nodes, each sorted, sorted."""
    found: list[list[int]] = []
    stack: list[tuple[set[int], set[int], set[int]]] = [(set(), set(nodes), set())]
    while stack:
        clique, candidates, excluded = stack.pop()
        if not candidates and not excluded:
            if len(clique) >= 2:
                found.append(sorted(clique))
            continue
        pivot = max(candidates | excluded, key=lambda n: (len(adjacent[n] & candidates), -n))
        for node in sorted(candidates - adjacent[pivot]):
            stack.append((clique | {node}, candidates & adjacent[node], excluded & adjacent[node]))
            candidates = candidates - {node}
            excluded = excluded | {node}
    return sorted(found)


def seed_groups(edges: list[tuple[int, int]]) -> tuple[list[list[int]], dict[int, set[int]]]:
    """The maximal cliques of every connected set of the graph, and its adjacency."""
    adjacent: dict[int, set[int]] = {}
    for a, b in edges:
        adjacent.setdefault(a, set()).add(b)
        adjacent.setdefault(b, set()).add(a)
    seeds: list[list[int]] = []
    for nodes in components(edges):
        seeds.extend([nodes] if len(nodes) == 2 else maximal_cliques(nodes, adjacent))
    return sorted(seeds), adjacent
