"""What a checkpoint would answer about a pass now, for the pass pages and the API.

Everyone sees what the checkpoint sees: the holder, the clerk and the authority get the
verdict of checkpoints.judging (the same rules, the same registry), not a status of their own.
"""
from dataclasses import dataclass
from datetime import datetime

from passes.models import Pass
from passes.standing import PassStatus


@dataclass(frozen=True)
class CheckpointView:
    verdict: str
    reasons: list[str]
    words: str | None  # "Checkpoints will refuse this pass because ..."; None for pass

    def as_json(self) -> dict:
        return {"verdict": self.verdict, "reasons": self.reasons}


def checkpoint_view(pass_: Pass, now: datetime) -> CheckpointView:
    # Imported here: the checkpoints package imports passes' models and keys as it loads.
    from checkpoints import judging

    return _view(judging.checkpoint_verdict(pass_, now))


def registry_view(status: PassStatus, now: datetime) -> CheckpointView:
    """checkpoint_view from the registry's read of the pass, which the caller has in hand."""
    from checkpoints import judging

    return _view(judging.registry_verdict(status, now))


def checkpoint_views(passes: list[Pass], now: datetime) -> dict[str, CheckpointView]:
    """checkpoint_view of each pass of a list page, by number, without a query per pass."""
    from checkpoints import judging

    verdicts = judging.checkpoint_verdicts([pass_.number for pass_ in passes], now)
    return {number: _view(result) for number, result in verdicts.items()}


def _view(result) -> CheckpointView:
    from checkpoints import wording

    return CheckpointView(result.verdict, result.codes, wording.in_plain_words(result))
