"""The multi-seed held-out scorecard: per held-out state and field, how often
the model is right, against reference guessers, with intervals that treat the
seed (one independently trained model) as the unit (see intervals.py)."""

from __future__ import annotations

from causal_tui.science import guessers
from causal_tui.science.intervals import (
    DIFFERENCE_METHOD,
    DIFFERENCE_METHOD_TEXT,
    INTERVAL_METHOD,
    INTERVAL_METHOD_TEXT,
    holm,
    paired_difference,
    seed_summary,
    seeds_interval,
    unpaired_difference,
)
from causal_tui.systems.catalog import manifest_entry
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System


def level(fraction: float | None) -> str:
    """How a cell reads: 'right' when (nearly) every seed is right, 'wrong' when
    (nearly) none is, 'mixed' between, 'none' without data."""
    if fraction is None:
        return "none"
    return "right" if fraction >= 0.9 else "wrong" if fraction <= 0.1 else "mixed"


def _own_rule(system: System, field: str, held_out, runs: list[dict]) -> dict | None:
    """For a field whose rule reads other fields (sum2 = newA+...+newD): how
    often, on held-out states, the model's answer is that rule applied to its
    own answers for them. High while its accuracy is low: it composes, but from
    wrong parts. Only informative cells count: those where the rule's value
    depends on the answers it reads (not newD = A OR newB where A = 1)."""
    if field not in system.composed:
        return None
    informative = [s for s in held_out if system.informative(field, s)]
    per_seed = []
    readable = 0
    for r in runs:
        k = m = 0
        for s in informative:
            answers = r["predictions"][system.format_state(s)]
            expected = system.rule_on(field, s, answers)
            if expected is not None and answers[field] is not None:
                m += 1
                k += answers[field] == expected
        per_seed.append((k, m))
        readable += m
    summary = seed_summary(per_seed)
    return {"reads": list(system.reads[field]),
            "total": len(held_out) * len(runs),
            "informative": len(informative) * len(runs),
            "readable": readable,
            "consistent": summary["right"],
            # The mean over seeds with a readable cell: what the interval is about.
            "fraction": summary["seed_mean"],
            **{k: summary[k] for k in ("per_seed", "seeds_counted", "interval95", "interval_method")}}


def _cell(key: str, field: str, truth: int, preds: list, guess: dict, unseen: bool) -> dict:
    n = len(preds)
    k = sum(p == truth for p in preds)
    interp = guess["interpolator"]
    answers = {"majority": guess["majority"], "nearest_neighbour": guess["nearest_neighbour"],
               "interpolator": interp.answer, "mdi": guess["mdi_answer"]}
    if "mdi_rule" in guess:
        answers["mdi_rule"] = guess["mdi_rule"]
    return {
        "state": key, "field": field, "truth": truth,
        "right": k, "seeds": n, "fraction": k / n if n else None, "interval95": seeds_interval(k, n),
        "unseen_label": unseen,
        "model_values": preds,
        "guessers": {"majority": guess["majority"], "nearest_neighbour": guess["nearest_neighbour"],
                     "interpolator": None if interp.value is None else float(interp.value),
                     "mdi": guess["mdi"], "mdi_answer": guess["mdi_answer"],
                     **({"mdi_rule": guess["mdi_rule"]} if "mdi_rule" in guess else {})},
        "interpolator_determined": interp.determined,
        "interpolator_range": None if interp.range is None else list(interp.range),
        "agree": {name: (sum(p == a for p in preds) / n if n else None) if a is not None else None
                  for name, a in answers.items()},
    }


def _guessers(system: System, trained, held_out, f: str, fc: list[dict]) -> dict:
    """Chance and the reference guessers on a field's held-out cells. A tied
    vote is no answer: its cells are left out of accuracy and agreement, and counted."""
    maj = guessers.majority(system, trained, f)
    names = ("majority", "nearest_neighbour", "interpolator", "mdi") + (("mdi_rule",) if f in system.composed else ())
    determined = {name: [c for c in fc if _answer(c, name) is not None] for name in names}

    def accuracy(name: str) -> float | None:
        cells = determined[name]
        return sum(_answer(c, name) == c["truth"] for c in cells) / len(cells) if cells else None

    return {
        "chance_value": maj,
        "chance_votes": {str(v): n for v, n in guessers.majority_votes(system, trained, f).items()},
        "chance_accuracy": None if maj is None else sum(system.truth(s)[f] == maj for s in held_out) / len(held_out),
        "guesser_accuracy": {name: accuracy(name) for name in determined},
        "agreement": {name: _mean([c["agree"][name] for c in fc if c["agree"][name] is not None])
                      for name in determined},
        "undetermined": {name: len(fc) - len(cells) for name, cells in determined.items()},
        "interpolator_degree": guessers.interpolator(system, trained, f).degree,
        "interpolator_undetermined": len(fc) - len(determined["interpolator"]),
        **_mdi_summary(system, trained, f),
    }


def _mdi_summary(system: System, trained, f: str) -> dict:
    """The field's MDI as a whole: its degree and degree profile, or why it was not computed."""
    from causal_tui.science import mdi

    fit = guessers.min_degree(system, trained, f)
    if not isinstance(fit, mdi.MinDegree):
        return {"mdi_degree": None, "mdi_profile": None, "mdi_not_computed": fit}
    return {"mdi_degree": fit.degree, "mdi_profile": fit.profile}


def _answer(cell: dict, name: str) -> int | None:
    """A guesser's whole-number answer in a cell (None: tied or undetermined)."""
    if name == "interpolator":
        return round(cell["guessers"]["interpolator"]) if cell["interpolator_determined"] else None
    if name == "mdi":
        return cell["guessers"].get("mdi_answer")
    return cell["guessers"].get(name)


def build(system: System, held_out: HeldOut, runs: list[dict]) -> dict:
    """`runs`: one per seed, {"seed": k, "predictions": {state: {field: value or None}}}
    over at least the held-out states. Returns the scorecard as plain data."""
    trained = held_out.trained()
    guesses = guessers.predictions(system, held_out)
    unseen = held_out.unseen_labels()
    cells = []
    for s in held_out:
        truth = system.truth(s)
        key = system.format_state(s)
        for f in system.fields:
            preds = [r["predictions"][key][f] for r in runs]
            cells.append(_cell(key, f, truth[f], preds, guesses[s][f], f in unseen[s]))

    def per_seed(selected: list[dict]) -> list[tuple[int, int]]:
        return [(sum(c["model_values"][i] == c["truth"] for c in selected), len(selected)) for i in range(len(runs))]

    fields = {}
    for f in system.fields:
        fc = [c for c in cells if c["field"] == f]
        fields[f] = {**seed_summary(per_seed(fc)), **_guessers(system, trained, held_out, f, fc),
                     "own_answers": _own_rule(system, f, held_out, runs)}
    groups = {}
    for label, flag in (("unseen_label", True), ("seen_label", False)):
        gc = [c for c in cells if c["unseen_label"] == flag]
        groups[label] = {"cells": len(gc), **seed_summary(per_seed(gc))}
    extra = {}
    if runs and all("intervention_summary" in r for r in runs):
        extra["interventions"] = interventions_over_seeds(runs)
    if runs and all("graph" in r for r in runs):
        extra["graph"] = graph_over_seeds(system, runs)
    if runs and all("iia" in r for r in runs):
        extra["iia"] = iia_over_seeds(runs)
    if runs and all(r.get("probabilities") for r in runs):
        from causal_tui.science import spectrum

        fits = guessers.min_degrees(system, held_out)
        extra["spectrum"] = spectrum.over_seeds([spectrum.of_model(system, held_out, r["predictions"],
                                                                   r["probabilities"], fits, r.get("values"))
                                                 for r in runs])
    return {
        **extra,
        "system": manifest_entry(system),
        "held_out": held_out.labels(),
        "seeds": [r["seed"] for r in runs],
        "interval_method": {"name": INTERVAL_METHOD, "text": INTERVAL_METHOD_TEXT},
        "cells": cells,
        "fields": fields,
        "by_label": groups,
    }


def interventions_over_seeds(runs: list[dict]) -> dict | None:
    """Per (forced field, later field g), trained and held-out states apart:
    how many seeds *follow* (their g equals its rule on the answers after the
    forced change in at least 90% of their informative states), with a Wilson
    interval over those seeds, and the pooled follow rate with the seed-level
    interval. None for learners without a sequence (nothing to force)."""
    from causal_tui.science.following import FOLLOW_SHARE

    if any("not_applicable" in r["intervention_summary"] for r in runs):
        return None
    out: dict = {}
    first = runs[0]["intervention_summary"]
    for forced, per_g in first.items():
        for g in per_g:
            for part in ("trained", "held_out"):
                counts = [r["intervention_summary"][forced][g][part] for r in runs]
                with_inf = [c for c in counts if c["informative"]]
                k = sum(c["follows"] >= FOLLOW_SHARE * c["informative"] for c in with_inf)
                out.setdefault(forced, {}).setdefault(g, {})[part] = {
                    "seeds_following": k, "seeds_informative": len(with_inf),
                    "interval95": seeds_interval(k, len(with_inf)),
                    "follow_rate": seed_summary([(c["follows"], c["informative"]) for c in counts]),
                }
    return out


def iia_over_seeds(runs: list[dict]) -> dict:
    """Per intermediate variable: each seed's best interchange site (chosen on
    the selection half of its trained base pairs) and its IIA there, on the
    evaluation half and on held-out bases, strict and relative, for the whole
    completion and per reader field, pooled over seeds with the seed-level
    interval; and how many seeds' sites are specific."""
    out: dict = {}
    for v in runs[0]["iia"]:
        per_seed = [r["iia"][v] for r in runs]
        entry = {
            "sites": [{"layer": b["layer"], "position": b["position"], "specific": b.get("specific")}
                      for b in per_seed],
            # the strict whole-completion IIA, as before 0.4 (trained: the evaluation half when recorded)
            **{part: seed_summary([tuple(b["pairs"][part]) for b in per_seed]) for part in ("trained", "held_out")},
            "control": [b["control"] for b in per_seed],
        }
        if all("counts" in b for b in per_seed):
            entry["whole"] = {kind: {part: seed_summary([tuple(b["counts"][kind][part]) for b in per_seed])
                                     for part in ("evaluation", "held_out")} for kind in ("relative", "strict")}
            entry["per_field"] = {f: {kind: {part: seed_summary([tuple(b["field_counts"][f][kind][part])
                                                                 for b in per_seed])
                                             for part in ("evaluation", "held_out")} for kind in ("relative", "strict")}
                                  for f in per_seed[0]["field_counts"]}
            entry["specific_seeds"] = sum(bool(b.get("specific")) for b in per_seed)
            entry["seeds"] = len(per_seed)
        out[v] = entry
    return out


def graph_over_seeds(system: System, runs: list[dict]) -> dict:
    """Per field and input: in how many seeds the model's dependence on that
    input matches the truth's on every pair of states (Wilson over seeds)."""
    from causal_tui.science.graph import true_graph

    truth = true_graph(system)
    out: dict = {}
    for f in system.fields:
        for v in system.inputs:
            cells = [r["graph"][f][v] for r in runs]
            k = sum(c["matches_truth"] == c["pairs"] for c in cells)
            out.setdefault(f, {})[v] = {
                "seeds_matching": k, "seeds": len(cells), "interval95": seeds_interval(k, len(cells)),
                "truth_depends": v in truth[f]["changes_with"],
                "pairs_matching": seed_summary([(c["matches_truth"], c["pairs"]) for c in cells]),
            }
    return out


def compare(configurations: list[dict], alpha: float = 0.05) -> dict:
    """Configurations of a grid side by side: per field, each one's held-out
    accuracy with its seed-level interval, and for every pair (later minus
    earlier) the difference paired by seed (seed k of both trained on the same
    dataset from the same initialisation) with its interval. Against the first
    configuration (the comparisons the table shows) each also says whether it
    leaves out 0 after Holm's adjustment for all of them (fields x
    configurations). `configurations`: [{"id", "label", "scorecard"}, ...]."""
    fields = list(configurations[0]["scorecard"]["fields"])
    per_field = {
        f: [{"id": c["id"], "label": c["label"], **{k: c["scorecard"]["fields"][f][k]
                                                    for k in ("accuracy", "interval95", "per_seed")}}
            for c in configurations]
        for f in fields
    }
    differences = []
    for i, base in enumerate(configurations):
        for other in configurations[i + 1:]:
            for f in fields:
                fa, fb = other["scorecard"]["fields"][f]["per_seed"], base["scorecard"]["fields"][f]["per_seed"]
                paired = paired_difference(fa, fb)
                differences.append({"a": other["id"], "b": base["id"], "field": f,
                                    "difference": None if paired is None else paired["difference"],
                                    "interval95": None if paired is None else paired["interval95"],
                                    "p_value": None if paired is None else paired["p_value"],
                                    "unpaired_interval95": unpaired_difference(fa, fb)})
    # The table shows each configuration against the first: those are the family Holm adjusts for.
    tested = [d for d in differences if d["b"] == configurations[0]["id"] and d["p_value"] is not None]
    for d, rejects in zip(tested, holm([d["p_value"] for d in tested], alpha)):
        d["holm_excludes_0"] = rejects
    return {"fields": per_field, "differences": differences, "comparisons": len(tested),
            "interval_method": DIFFERENCE_METHOD, "interval_method_text": DIFFERENCE_METHOD_TEXT,
            "adjustment": f"Holm over the {len(tested)} comparisons of the table, family-wise level {alpha:g}"}


def interpolator_mark(cell: dict) -> str:
    """The interpolator's prediction for a cell as shown: its value, or ? where
    the lowest-degree fits disagree (or it is exactly a half)."""
    value = cell["guessers"]["interpolator"]
    return f"{value:g}" if cell["interpolator_determined"] else "?"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def is_grid(card: dict) -> bool:
    """Whether a scorecard.json is a grid's (configurations compared) or one configuration's."""
    return "configurations" in card


def configuration_cards(card: dict) -> list[dict]:
    """The one-configuration scorecards a scorecard.json holds: itself, or each of a grid's."""
    return [c["scorecard"] for c in card["configurations"]] if is_grid(card) else [card]


def field_rows(card: dict) -> list[dict]:
    """A scorecard's per-field table as rows (one per configuration and field):
    the model's held-out accuracy with its seed-level interval and the guessers (majority: chance level)."""
    rows = []
    configurations = card["configurations"] if is_grid(card) else [{"id": "", "scorecard": card}]
    for c in configurations:
        for f, s in c["scorecard"]["fields"].items():
            ga = s["guesser_accuracy"]
            rows.append({"configuration": c["id"], "field": f, "accuracy": s["accuracy"],
                         "low": s["interval95"][0], "high": s["interval95"][1], "right": s["right"],
                         "cells": s["total"], "seeds": len(s["per_seed"]),
                         "majority": ga["majority"], "nearest_neighbour": ga["nearest_neighbour"],
                         "interpolator": ga["interpolator"], "mdi": ga.get("mdi"),
                         "mdi_agreement": s["agreement"].get("mdi"), "mdi_degree": s.get("mdi_degree")})
    return rows
