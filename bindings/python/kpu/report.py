"""What ran where: the partition report of one compiled graph (ops total, ops on the KPU, the
ops that fell back to PyTorch and why), in the spirit of Torch-TensorRT's dry-run report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OpRecord:
    node: str  # the FX node name, e.g. "convolution_3"
    op: str  # the aten overload, e.g. "aten.convolution.default"
    where: str  # "kpu", "folded" (a constant computed once at compile time) or "torch"
    reason: str | None = None  # why it runs in PyTorch
    region: str | None = None  # the KPU region holding it


@dataclass
class FallbackReport:
    graph: str
    records: list[OpRecord] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # Events after compile time: a region whose program could not be built, a recompile limit.
    notes: list[str] = field(default_factory=list)
    # name -> the KPURegion module running it (its program cache can be inspected).
    region_modules: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def total_ops(self) -> int:
        return len(self.records)

    @property
    def kpu_ops(self) -> int:
        return sum(r.where == "kpu" for r in self.records)

    @property
    def folded_ops(self) -> int:
        return sum(r.where == "folded" for r in self.records)

    @property
    def torch_ops(self) -> int:
        return sum(r.where == "torch" for r in self.records)

    @property
    def kpu_percent(self) -> float:
        """Ops on the KPU (folded constants count as done there) over all ops, in percent."""
        if not self.records:
            return 0.0
        return 100.0 * (self.kpu_ops + self.folded_ops) / self.total_ops

    @property
    def fallbacks(self) -> list[OpRecord]:
        return [r for r in self.records if r.where == "torch"]

    def fallback_summary(self) -> list[tuple[str, str, int]]:
        """(aten op, reason, count) for every distinct fallback, most frequent first."""
        counts = Counter((r.op, r.reason or "") for r in self.fallbacks)
        return [(op, reason, n) for (op, reason), n in counts.most_common()]

    @property
    def fully_on_kpu(self) -> bool:
        return not self.fallbacks and not self.notes

    def to_dict(self) -> dict:
        return {
            "graph": self.graph, "total_ops": self.total_ops, "kpu_ops": self.kpu_ops,
            "folded_ops": self.folded_ops, "torch_ops": self.torch_ops,
            "kpu_percent": self.kpu_percent, "regions": list(self.regions),
            "fallbacks": [{"op": op, "reason": reason, "count": n}
                          for op, reason, n in self.fallback_summary()],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        lines = [f"KPU partition report for {self.graph}:",
                 f"  {self.total_ops} aten ops, {self.kpu_ops + self.folded_ops} on the KPU "
                 f"({self.kpu_percent:.1f}%; {self.folded_ops} folded into constants) in "
                 f"{len(self.regions)} KPU region(s), {self.torch_ops} in PyTorch"]
        if self.fallbacks:
            lines.append("  fell back to PyTorch:")
            lines += [f"    {op} x{n}: {reason}" for op, reason, n in self.fallback_summary()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)
