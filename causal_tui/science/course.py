"""A training's course, as --probe-every records it: the probe at each
recorded step, to replay on a grid (the Train screen) as the answers move.

Each record (training/callbacks.ProbeEvery) holds the step, the trained
states' exact count, the held-out answers, each field's degree profile and,
for a system of at most REPLAY_UP_TO states, every state's completion in the
order of System.all_states. From those completions a frame is the probe as it
stood then: which states were exact, which fields right. Probabilities are
not kept (they would multiply the record by the fields), so a frame's are
NaN."""

from __future__ import annotations

from dataclasses import dataclass

from causal_tui.evaluation.probe import FieldResult, ProbeReport, StateResult
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System

REPLAY_UP_TO = 1_024
"""Up to this many states (10 inputs) each record keeps every state's
completion: 1,024 short strings a record. Above, a record keeps the held-out
answers and the spectrum only, and there is nothing to replay."""


def replayable(system: System) -> bool:
    return len(system.all_states) <= REPLAY_UP_TO


@dataclass(frozen=True)
class Frame:
    step: int
    report: ProbeReport
    """The probe at that step (probabilities NaN: not recorded)."""


def frame(record: dict, system: System, held_out: HeldOut) -> Frame:
    """One record as the probe it was; ValueError where it does not fit the system."""
    completions = record.get("completions")
    states = system.all_states
    if not isinstance(completions, list) or len(completions) != len(states):
        raise ValueError(f"the record of step {record.get('step')} keeps no completion of every state")
    held = set(held_out)
    nan = float("nan")
    results = []
    for state, text in zip(states, completions):
        parsed, truth = system.read_fields(str(text)), system.truth(state)
        fields = {f: FieldResult(parsed[f], truth[f], nan) for f in system.fields}
        results.append(StateResult(state, state in held, str(text), fields, system.completion(state)))
    return Frame(int(record["step"]), ProbeReport(results, system, held_out))


def frames(records: list[dict], system: System, held_out: HeldOut) -> list[Frame]:
    """Every record that can be replayed, in order (those without every
    state's completion, from a larger system or an older version, are left out)."""
    out = []
    for record in records or []:
        try:
            out.append(frame(record, system, held_out))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def why_not(records: list[dict] | None, system: System) -> str | None:
    """Why a course cannot be replayed, in one line (None: it can)."""
    if not records:
        return "no course recorded: train with --probe-every N (the Train screen's 'probe every') to record one"
    if not replayable(system):
        return (f"this system has {len(system.all_states):,} states: a course keeps every state's answers "
                f"only up to {REPLAY_UP_TO:,} (its settling steps are in the scorecard)")
    if not any(isinstance(r.get("completions"), list) for r in records):
        return "this course was recorded without every state's answers (an older version): train again to replay it"
    return None
