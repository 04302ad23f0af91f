"""Paths that are never built unless read: what a path rule's ``route``, ``path`` and
``path_layers`` names hold.

A model where every block fires a path rule (a chain of 10,000 tanh layers) has 10,000
findings, each with a path as long as the model: building each one would be quadratic. These
sequences follow the DP's step pointers instead, and everything a message needs — the
length, the first few items, the last one, how many nodes on it satisfy a predicate — comes
from suffix values memoized per node, shared by every finding of the rule: linear in total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

__all__ = ["HEAD", "Chain", "LazyPath"]

HEAD = 64  # items of a path kept per node for its head (messages and properties show few)


class Chain:
    """The best-path successor of every node (``step``), with memoized suffix values. A
    path reaching one of the ``stops`` (a path rule's reset nodes) ends there: its count
    did, so what is shown ends there too; a path that starts at one goes on."""

    def __init__(self, step: Mapping[str, str | None], stops: frozenset[str] = frozenset()) -> None:
        self.step = step
        self.stops = stops
        self._memo: dict[object, dict[str, Any]] = {}

    def onward(self, key: str) -> str | None:
        """The node after ``key`` on a path that reached it (None: the path ends)."""
        return None if key in self.stops else self.step.get(key)

    def after(self, key: str) -> Iterator[str]:
        """The nodes after ``key`` along its path."""
        current = self.step.get(key)
        while current is not None:
            yield current
            current = self.onward(current)

    def suffix(
        self, name: object, key: str | None, combine: Callable[[str, Any], Any], end: Any
    ) -> Any:
        """``combine(node, value of the rest)`` folded from the end of the path to ``key``
        (``end`` past the last node), memoized under ``name``."""
        memo = self._memo.setdefault(name, {})
        pending: list[str] = []
        current = key
        while current is not None and current not in memo:
            pending.append(current)
            current = self.onward(current)
        value = end if current is None else memo[current]
        for node in reversed(pending):
            value = memo[node] = combine(node, value)
        return value


class LazyPath(Sequence[str]):
    """The items along the path after ``start``: the nodes ``keep`` accepts, mapped through
    ``label``, a run of equal labels shown once (a layer's several nodes are one layer)."""

    def __init__(
        self,
        chain: Chain,
        start: str,
        keep: Callable[[str], bool] = lambda key: True,
        label: Callable[[str], str] = lambda key: key,
        name: object = "route",
    ) -> None:
        self._chain, self._start, self._keep, self._label = chain, start, keep, label
        self._name = name

    def __iter__(self) -> Iterator[str]:
        previous = None
        for key in self._chain.after(self._start):
            if self._keep(key):
                item = self._label(key)
                if item != previous:
                    yield item
                previous = item

    def _shape(self, key: str, rest: tuple[int, str | None, str | None]) -> tuple[Any, ...]:
        """(items from here on, first item, last item) for the suffix starting at ``key``."""
        length, first, last = rest
        if not self._keep(key):
            return rest
        item = self._label(key)
        grown = length if item == first else length + 1
        return grown, item, last if last is not None else item

    def _suffix(self) -> tuple[int, str | None, str | None]:
        first = self._chain.step.get(self._start)
        result: tuple[int, str | None, str | None] = self._chain.suffix(
            (self._name, "shape"), first, self._shape, (0, None, None)
        )
        return result

    def __len__(self) -> int:
        return self._suffix()[0]

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            if (index.start or 0) >= 0 and index.stop is not None and index.stop >= 0:
                return self._head(index.stop)[index]
            return tuple(self)[index]
        if index == -1 and len(self):
            return str(self._suffix()[2])
        items = self._head(index + 1) if index >= 0 else tuple(self)
        return items[index]

    def _head(self, count: int) -> tuple[str, ...]:
        """The first ``count`` items. Up to ``HEAD`` of them come from a suffix memoized per
        node: a message shows a path's first few layers, and when a layer holds hundreds of
        nodes, walking to its fifth one for each of 10,000 findings was quadratic."""
        if count <= HEAD:
            first = self._chain.step.get(self._start)
            head: tuple[str, ...] = self._chain.suffix(
                (self._name, "head"), first, self._head_of, ()
            )
            return head[:count]
        items: list[str] = []
        for item in self:
            if len(items) >= count:
                break
            items.append(item)
        return tuple(items)

    def _head_of(self, key: str, rest: tuple[str, ...]) -> tuple[str, ...]:
        """The first ``HEAD`` items of the suffix starting at ``key``."""
        if not self._keep(key):
            return rest
        item = self._label(key)
        return rest if rest and rest[0] == item else (item, *rest[: HEAD - 1])

    def total(self, name: str, predicate: Callable[[str], bool]) -> int:
        """How many nodes after ``start`` satisfy ``predicate`` (memoized under ``name``:
        the same name must always mean the same predicate)."""
        first = self._chain.step.get(self._start)
        count: int = self._chain.suffix(
            ("total", name), first, lambda key, rest: rest + (1 if predicate(key) else 0), 0
        )
        return count

    def __repr__(self) -> str:
        return f"LazyPath(after {self._start!r}, {len(self)} items)"

    def __str__(self) -> str:
        return str(tuple(self))
