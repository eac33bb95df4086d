"""Episode starts drawn more often from the clips whose episodes fall (training only)."""

from __future__ import annotations

import torch


class FailedStartPriority:
    """Per clip, a running share of the episodes started in it that ended in a fall; start clips are then drawn
    with weight base x (1 + weight x share / mean share), so the policy practises where it still falls (the
    hard-negative mining of PHC and ProtoMotions' prioritized motion sampling). The shares forget with a memory
    of about `memory` ended episodes, so a clip mastered since is drawn at its base weight again."""

    def __init__(self, num_clips: int, weight: float, memory: int = 2000):
        self.weight = float(weight)
        self.decay = 1.0 - 1.0 / memory
        self.ends = torch.zeros(num_clips, dtype=torch.float64)
        self.falls = torch.zeros(num_clips, dtype=torch.float64)

    def record(self, clip_ids: torch.Tensor, fell: torch.Tensor) -> None:
        """Ended episodes: the clip each started in, and whether it ended in a fall. Shapes: (n,), (n,)."""
        if len(clip_ids) == 0:
            return
        forget = self.decay ** len(clip_ids)
        self.ends.mul_(forget).index_add_(0, clip_ids.long(), torch.ones(len(clip_ids), dtype=torch.float64))
        self.falls.mul_(forget).index_add_(0, clip_ids.long(), fell.double())

    def fall_shares(self) -> torch.Tensor:
        """Per clip, the remembered share of its episodes that fell (0 where none ended yet). Shape: (num_clips,)."""
        return self.falls / self.ends.clamp_min(1e-9)

    def clip_weights(self, base: torch.Tensor) -> torch.Tensor:
        """The clips' start weights: base where nothing falls, more where episodes fall. Shape: (num_clips,)."""
        share = self.fall_shares()
        mean = float((share * base).sum() / base.sum())
        if mean <= 0.0:
            return base
        return base * (1.0 + self.weight * share.to(base.dtype) / mean)

    def state_dict(self) -> dict:
        return {"ends": self.ends.clone(), "falls": self.falls.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.ends.copy_(state["ends"])
        self.falls.copy_(state["falls"])
