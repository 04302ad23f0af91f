"""NodeCost: the cost of one node under convention modelint-cc/1."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
