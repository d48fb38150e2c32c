"""The model's input-output graph: for each input v and field f, over every
pair of states that differ only in v, does the model's answer change, and does
it change exactly as the truth does (same difference, sign included)?"""

from __future__ import annotations

from causal_tui.systems.system import System


def pairs(system: System, index: int):
    """(state with input `index` = 0, the same with it = 1), for every such pair."""
    for s in system.all_states:
        if s[index] == 0:
            yield s, s[:index] + (1,) + s[index + 1:]


def model_graph(system: System, predictions: dict[str, dict[str, int | None]]) -> dict:
    """{field: {input: {"pairs", "readable", "changes", "matches_truth"}}} from
    the model's answers for every state (as ProbeReport.predictions() gives)."""
    graph: dict = {f: {} for f in system.fields}
    for i, v in enumerate(system.inputs):
        for f in system.fields:
            n = readable = changes = matches = 0
            for s0, s1 in pairs(system, i):
                n += 1
                a0 = predictions[system.format_state(s0)][f]
                a1 = predictions[system.format_state(s1)][f]
                if a0 is None or a1 is None:
                    continue
                readable += 1
                changes += a0 != a1
                matches += (a1 - a0) == (system.truth(s1)[f] - system.truth(s0)[f])
            graph[f][v] = {"pairs": n, "readable": readable, "changes": changes, "matches_truth": matches}
    return graph


def true_graph(system: System) -> dict:
    """{field: {"depends_on": inputs it is written in terms of (through the
    outputs it reads), "changes_with": inputs whose flip changes it somewhere}}."""
    out = {}
    for f in system.fields:
        changes_with = [v for i, v in enumerate(system.inputs)
                        if any(system.truth(s0)[f] != system.truth(s1)[f] for s0, s1 in pairs(system, i))]
        out[f] = {"depends_on": list(system.depends_on[f]), "changes_with": changes_with}
    return out


def mismatches(system: System, graph: dict, truth: dict) -> list[tuple[str, str]]:
    """(field, input) where the model's dependence differs from the truth's:
    it changes where the truth never does, or never where the truth does, or
    not always as the truth does."""
    bad = []
    for f in system.fields:
        for v in system.inputs:
            g = graph[f][v]
            depends = v in truth[f]["changes_with"]
            if (g["changes"] > 0) != depends or g["matches_truth"] < g["pairs"]:
                bad.append((f, v))
    return bad
