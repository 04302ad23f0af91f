"""NodeCost: the cost of one node under convention modelint-cc/1."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["NodeCost"]


@dataclass(frozen=True, slots=True)
class NodeCost:
    """The cost of one node. ``None`` counts: not known (the node is uncosted)."""

    key: str
    macs: int | None
    flops: int | None
    transcendentals: int | None
    params: int
    weight_bytes: int
    act_in_bytes: int | None
    act_out_bytes: int | None
    costed: bool
    reason: str | None = None
    assumptions: tuple[str, ...] = ()
    multiplier: int = 1  # product of enclosing trip counts (1 outside control flow)

    def scaled(self, factor: int, note: str | None) -> NodeCost:
        """This cost repeated ``factor`` times (a loop body) — parameters are not repeated."""

        def times(value: int | None) -> int | None:
            return None if value is None else value * factor

        return replace(
            self,
            macs=times(self.macs),
            flops=times(self.flops),
            transcendentals=times(self.transcendentals),
            act_in_bytes=times(self.act_in_bytes),
            act_out_bytes=times(self.act_out_bytes),
            multiplier=self.multiplier * factor,
            assumptions=(*self.assumptions, note) if note else self.assumptions,
        )

    def uncosted(self, reason: str) -> NodeCost:
        return replace(
            self, macs=None, flops=None, transcendentals=None, costed=False, reason=reason
        )

    def for_node(self, key: str) -> NodeCost:
        """The same cost under another node's key (a memoised cost reused): 3x cheaper than
        the generated ``__init__``, which a 100k-node model would call 100k times."""
        cost = _NEW(NodeCost)
        _KEY(cost, key)
        _MACS(cost, self.macs)
        _FLOPS(cost, self.flops)
        _TRANSCENDENTALS(cost, self.transcendentals)
        _PARAMS(cost, self.params)
        _WEIGHT_BYTES(cost, self.weight_bytes)
        _ACT_IN(cost, self.act_in_bytes)
        _ACT_OUT(cost, self.act_out_bytes)
        _COSTED(cost, self.costed)
        _REASON(cost, self.reason)
        _ASSUMPTIONS(cost, self.assumptions)
        _MULTIPLIER(cost, self.multiplier)
        return cost


_NEW = object.__new__
# Each field's slot descriptor writes the slot directly (the frozen __setattr__ is what makes
# the generated __init__ slow). A new field fails this unpacking until for_node sets it too.
(
    _KEY,
    _MACS,
    _FLOPS,
    _TRANSCENDENTALS,
    _PARAMS,
    _WEIGHT_BYTES,
    _ACT_IN,
    _ACT_OUT,
    _COSTED,
    _REASON,
    _ASSUMPTIONS,
    _MULTIPLIER,
) = (NodeCost.__dict__[f.name].__set__ for f in fields(NodeCost))
