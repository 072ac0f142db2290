"""component_roots: the one union-find that pictures, lineages, flagged pairs
and ring seeds are grouped by."""

from __future__ import annotations

import itertools

from collusion.analysis.graph import component_roots


def test_each_node_points_to_the_smallest_node_of_its_connected_set() -> None:
    edges = [("d", "c"), ("b", "e"), ("c", "a"), ("x", "y"), ("e", "f")]
    expected = {"a": "a", "c": "a", "d": "a", "b": "b", "e": "b", "f": "b", "x": "x", "y": "x"}
    for order in itertools.permutations(edges):
        assert component_roots(order) == expected


def test_no_edges_no_nodes_and_tuples_as_nodes() -> None:
    assert component_roots([]) == {}
    linked = component_roots([(("b", "2"), ("a", "9")), (("a", "9"), ("c", "1"))])
    assert set(linked.values()) == {("a", "9")}
