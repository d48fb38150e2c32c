"""The learned function on the cube: for each 0/1 field, the model's
probability of 1 on every state (the answers before it written greedily, as
the probe does), its Walsh-Hadamard spectrum and degree profile, held against
the truth's and the min-degree interpolator's, and on the held-out states its
distance to each (root mean square) and how often it falls on the same side
of 1/2 (sign agreement).

Plain data from recorded probes (no torch): a model's probe records the
probability of each answer it wrote; the probability of 1 is that where it
wrote 1, and one minus it where it wrote 0 (a field whose text did not parse
counts as 1/2)."""

from __future__ import annotations

import numpy as np

from causal_tui.science import mdi
from causal_tui.science.intervals import seed_summary
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System


def probability_of_one(answer, probability) -> float:
    """p(1) of a 0/1 field from the answer written and its probability."""
    if answer == 1 and probability is not None:
        return float(probability)
    if answer == 0 and probability is not None:
        return 1.0 - float(probability)
    return 0.5


def model_values(system: System, field: str, predictions: dict, probabilities: dict,
                 raw: dict | None = None) -> np.ndarray:
    """The model's p(1) of `field` on every state, in the order of
    system.all_states; with `raw` (a regression head's values in 0/1 coding,
    {state: {field: v}}), those values themselves, unclipped."""
    out = np.empty(len(system.all_states))
    for i, s in enumerate(system.all_states):
        key = system.format_state(s)
        if raw is not None:
            out[i] = raw[key][field]
        else:
            out[i] = probability_of_one(predictions[key][field], (probabilities.get(key) or {}).get(field))
    return out


def of_model(system: System, held_out: HeldOut, predictions: dict, probabilities: dict,
             fits: dict | None = None, raw: dict | None = None) -> dict:
    """{field: spectrum of one model} for every 0/1 field (see module doc):
    "profile" (model), "truth_profile", "mdi_profile" (mass per degree 0..n),
    "coefficients" (the model's largest Walsh coefficients), and on held-out
    states "l2_mdi", "l2_truth", "agree_mdi", "agree_truth" (counts [k, n])."""
    from causal_tui.science import guessers

    n = len(system.inputs)
    fits = fits if fits is not None else guessers.min_degrees(system, held_out)
    bits = np.array(system.all_states, dtype=np.int8)
    held_set = set(held_out)
    held = np.array([s in held_set for s in system.all_states])
    out = {}
    for f in system.outputs:
        values = model_values(system, f, predictions, probabilities, raw)
        truth = np.array([system.truth(s)[f] for s in system.all_states], dtype=float)
        fit = fits.get(f)
        mdi_values = fit.values(bits) if isinstance(fit, mdi.MinDegree) else None
        coefficients = mdi.walsh(values, n)
        entry = {
            "profile": _rounded(mdi.degree_profile(coefficients, n)),
            "truth_profile": _rounded(mdi.degree_profile(mdi.walsh(truth, n), n)),
            "mdi_profile": (_rounded(mdi.degree_profile(mdi.walsh(mdi_values, n), n))
                            if mdi_values is not None else None),
            "coefficients": _largest(coefficients, n),
        }
        if held.any():
            entry.update(_distances(values[held], truth[held], None if mdi_values is None else mdi_values[held]))
        out[f] = entry
    return out


def check_sets(system: System, sets) -> list[tuple[str, ...]]:
    """Sets of input names, each checked against the system (UserError names
    the stranger); None: every set of degree 2 or less."""
    from causal_tui.errors import UserError

    if sets is None:
        return [tuple(system.inputs[i] for i in s) for d in range(3) for s in mdi.subsets(len(system.inputs), d)]
    out = []
    for s in sets:
        s = (s,) if isinstance(s, str) else tuple(s)
        strangers = [x for x in s if x not in system.inputs]
        if strangers:
            raise UserError(f"{strangers[0]!r} is not an input of {system.name} "
                            f"(its inputs: {', '.join(system.inputs)})")
        out.append(tuple(sorted(set(s), key=system.inputs.index)))
    return out


def coefficients(system: System, predictions: dict, probabilities: dict, sets, raw: dict | None = None) -> dict:
    """{field: {inputs: c_S}} for every 0/1 field: the Walsh coefficient of the
    model's p(1) (a regression head's raw value with `raw`) on each set of
    input names, in 0/1 coding (c_S = mean over the cube of f(x) prod_{i in S} (-1)^x_i).
    In +-1 coding of inputs and output (x = 1 - 2 bit, y = 1 - 2 f) the same
    sets read 1 - 2 c_S for the empty set and -2 c_S for the others."""
    n = len(system.inputs)
    index = {name: n - 1 - i for i, name in enumerate(system.inputs)}
    out = {}
    for f in system.outputs:
        transform = mdi.walsh(model_values(system, f, predictions, probabilities, raw), n)
        out[f] = {s: round(float(transform[sum(1 << index[x] for x in s)]), 9) for s in sets}
    return out


def _distances(model: np.ndarray, truth: np.ndarray, mdi_values: np.ndarray | None) -> dict:
    def rms(other):
        return float(np.sqrt(np.mean((model - other) ** 2)))

    def agree(other):
        # Exactly 1/2 is on no side: such a state never agrees.
        same = ((model > 0.5) & (other > 0.5)) | ((model < 0.5) & (other < 0.5))
        return [int(same.sum()), int(len(model))]

    out = {"l2_truth": round(rms(truth), 6), "agree_truth": agree(truth)}
    if mdi_values is not None:
        out.update(l2_mdi=round(rms(mdi_values), 6), agree_mdi=agree(mdi_values))
    return out


def _rounded(values) -> list[float]:
    return [round(float(v), 9) for v in values]


TOP = 8
"""How many of a model's Walsh coefficients (the largest) a record keeps."""


def _largest(coefficients: np.ndarray, n: int) -> list[list]:
    """The largest coefficients as [[inputs...], c], largest first."""
    order = np.argsort(-np.abs(coefficients))[:TOP]
    return [[list(mdi.set_of(int(k), n)), round(float(coefficients[k]), 6)] for k in order
            if abs(coefficients[k]) > 1e-9]


def over_seeds(per_seed: list[dict]) -> dict:
    """Each field's spectrum over seeds: the mean degree profile (and each
    seed's), the distances' mean and range, and the sign agreements with the
    seed-level exact interval (seed_summary)."""
    fields = per_seed[0].keys() if per_seed else []
    out = {}
    for f in fields:
        entries = [s[f] for s in per_seed]
        profiles = np.array([e["profile"] for e in entries])
        summary = {"profile_mean": _rounded(profiles.mean(axis=0)), "profiles": [e["profile"] for e in entries],
                   "truth_profile": entries[0]["truth_profile"], "mdi_profile": entries[0]["mdi_profile"]}
        for key in ("l2_truth", "l2_mdi"):
            values = [e[key] for e in entries if key in e]
            if values:
                summary[key] = {"mean": round(float(np.mean(values)), 6), "min": min(values), "max": max(values)}
        for key in ("agree_truth", "agree_mdi"):
            counts = [tuple(e[key]) for e in entries if key in e]
            if counts:
                summary[key] = seed_summary(counts)
        out[f] = summary
    return out


def settling(records: list[dict], held_out_labels: list[str], fields) -> dict:
    """From one training's --probe-every records: for each held-out cell the
    first recorded step from which its answer never changes again (None where
    it never settles before the end), and the degree profile at each step."""
    steps = [r["step"] for r in records]
    settled: dict[str, dict[str, int | None]] = {}
    for label in held_out_labels:
        settled[label] = {}
        for f in fields:
            answers = [r["held_out"][label][f] for r in records]
            at = len(answers) - 1
            while at > 0 and answers[at - 1] == answers[-1]:
                at -= 1
            settled[label][f] = steps[at] if at < len(answers) - 1 or len(answers) == 1 else steps[at]
    return {"steps": steps, "settled": settled,
            "profiles": {f: [r["profiles"].get(f) for r in records] for f in (records[0]["profiles"] if records else {})}}


def course_over_seeds(per_seed: list[dict], fields) -> dict:
    """Each field's held-out answers' settling steps over seeds (median and
    range over cells and seeds), and its mean degree profile at each recorded
    step (over the seeds that recorded it)."""
    out = {}
    for f in fields:
        steps = [cell[f] for course in per_seed for cell in course["settled"].values()]
        if not steps:
            continue
        entry = {"settle_median": float(np.median(steps)), "settle_min": min(steps), "settle_max": max(steps),
                 "cells": len(steps)}
        profiles = [course["profiles"].get(f) for course in per_seed if course["profiles"].get(f)]
        if profiles:
            length = min(len(p) for p in profiles)
            stacked = np.array([[row for row in p[:length]] for p in profiles], dtype=float)
            entry["steps"] = per_seed[0]["steps"][:length]
            entry["profile_mean"] = [_rounded(row) for row in stacked.mean(axis=0)]
        out[f] = entry
    return out
