"""Lazy paths agree with the materialized ones, and share their memoized suffixes."""

from __future__ import annotations

from modelint.rules.lazy_paths import Chain, LazyPath
from modelint.rules.patterns import shorten

# a -> b -> c -> d -> e -> f; layers group b/c and e/f
STEP = {"a": "b", "b": "c", "c": "d", "d": "e", "e": "f", "f": None}
LAYER = {"a": "L0", "b": "L1", "c": "L1", "d": "L2", "e": "L3", "f": "L3"}
COUNTED = {"b", "c", "e", "f"}


def test_route_path_and_layers_match_their_tuples() -> None:
    chain = Chain(STEP)
    route = LazyPath(chain, "a")
    assert tuple(route) == ("b", "c", "d", "e", "f") and len(route) == 5
    path = LazyPath(chain, "a", COUNTED.__contains__, name="path")
    assert tuple(path) == ("b", "c", "e", "f") and len(path) == 4
    layers = LazyPath(chain, "a", COUNTED.__contains__, LAYER.__getitem__, name="layers")
    assert tuple(layers) == ("L1", "L3") and len(layers) == 2
    assert layers[0] == "L1" and layers[-1] == "L3" and layers[:1] == ("L1",)
    assert route[1:3] == ("c", "d") and route[-2] == "e" and route[-1] == "f"
    assert len(LazyPath(chain, "f")) == 0 and tuple(LazyPath(chain, "f")) == ()
    assert str(path) == "('b', 'c', 'e', 'f')"


def test_suffix_values_are_shared_between_starts() -> None:
    chain = Chain(STEP)
    seen: list[str] = []

    def vowel(key: str) -> bool:
        seen.append(key)
        return key in "ae"

    assert LazyPath(chain, "c").total("vowels", vowel) == 1  # d, e, f
    assert LazyPath(chain, "a").total("vowels", vowel) == 1  # b, c (+ the memo from d)
    assert sorted(seen) == ["b", "c", "d", "e", "f"]  # each node asked once


def test_heads_of_paths_through_long_layers_read_each_node_once() -> None:
    """10,000 sigmoids before layers of hundreds of nodes each: a message's first layers
    (``shorten(path_layers, 6)``, a property's 64) came from walking the path once per
    finding: quadratic. Heads now come from a suffix memoized per node."""
    nodes = [f"n{i}" for i in range(2_000)]
    step: dict[str, str | None] = dict(zip(nodes, [*nodes[1:], None], strict=True))
    labelled: list[str] = []

    def layer(key: str) -> str:
        labelled.append(key)
        return f"L{int(key[1:]) // 100}"  # runs of 100 nodes per layer

    chain = Chain(step)
    starts = nodes[::10]
    heads = [LazyPath(chain, start, label=layer, name="layers")[:64] for start in starts]
    assert len(labelled) <= 2 * len(nodes)  # once per memo (head, length), whatever the starts
    assert heads[0] == tuple(f"L{i}" for i in range(20))  # n1..n1999: all 20 layers
    assert heads[-1] == ("L19",)
    assert shorten(LazyPath(chain, "n0", label=layer, name="layers"), 6) == (
        "L0 -> L1 -> L2 -> L3 -> L4 -> ... (14 more) -> L19"
    )
    assert shorten(LazyPath(chain, "n1850", label=layer, name="layers"), 6) == "L18 -> L19"
    assert len(labelled) <= 2 * len(nodes)
