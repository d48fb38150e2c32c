"""Interchange interventions: does the model hold a causal variable inside?

For an intermediate variable V of the system (an equation output a later
equation reads: the seed's newB), a site of the model (layer, position: see
sites.py) and a pair of states (base b, source s) with V(b) != V(s): run b
with the site's vector replaced by the one s's own run computed there,
decode greedily, and compare with the causal model's counterfactual, the
system evaluated on b with do(V = V(s)) and everything downstream
recomputed (Geiger et al. 2021, "Causal Abstractions of Neural Networks").
The interchange intervention accuracy (IIA) of a site is the share of pairs
whose decoded completion equals the counterfactual; per field too. Where a
site holds V, and only V, IIA is 1.0.

Positions run from the prompt's first token to the one that predicts V's
first reader (newD): after that the reader is written. At a position inside
the completion, the tokens up to it are inputs there: the base's own (as its
unpatched run wrote them) stand there, and only what is decoded after the
position is compared (at a position after V itself, V's written token is the
base's: the question there is whether the later fields read V from the site).

The control: the share of pairs whose patched completion equals the base's
own unpatched one (after the same position) - "nothing changes". A site that
the answer ignores scores control 1.0.

That "strict" IIA asks for the system's counterfactual, which a model wrong
upstream (newA on a held-out base) can never write whatever the site holds.
Beside it, the *relative* IIA holds the patched completion against the
model's own answers with V from the source and V's readers recomputed
(references.py); per field too. The best site is chosen on one half of the
trained bases' pairs and reported on the other half and on held-out bases,
and only where its relative IIA beats the specificity checks (do() on each
input V's equation reads, a same-value source, and "unchanged"): a site that
carries an input, not V, or that the answer ignores, is reported as such."""

from __future__ import annotations

import random
from dataclasses import dataclass

from causal_tui.evaluation import decoding
from causal_tui.interpret import sites as sites_mod
from causal_tui.learners import runtime
from causal_tui.interpret.common import Answers, model_answers, token_labels
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System

MAX_PAIRS = 4096
"""At most this many (base, source) pairs per variable: a seeded sample beyond
(the seed's system has 512 for newB; an 8-input system tens of thousands)."""

BATCH = 2048

VERIFY_PASSES = 10 ** 6
"""Verify-and-correct passes before cached decoding: the first guess (the
layer below's completions) is mostly right, wrong in a position or two."""
"""Pairs per forward pass."""

NOTE = ("IIA (strict): share of (base, source) pairs whose completion, after the patched position, equals the "
        "system's counterfactual do(V = V(source)) on the base; relative: equals the model's own answers on the "
        "base with V = the model's V on the source and V's readers recomputed by their rules; control: share "
        "whose completion does not change at all; selection/evaluation: the two halves of the pairs with trained "
        "bases (the best site is chosen on the first and reported on the second and on held-out bases); "
        "specificity: the scores a site that is not V's would win (do() on V's inputs, same-value sources "
        "changed, nothing changed), which a specific site's relative IIA beats.")


def variables(system: System) -> tuple[str, ...]:
    """The system's intermediate variables: the ones worth looking for."""
    return system.intermediates


def positions(system: System, variable: str) -> list[int]:
    """Token positions (prompt + completion) from the first up to the one
    that predicts `variable`'s first reader."""
    reader = system.first_reader(variable)
    start = system.parse_completion(system.completion(system.all_states[0]))[reader][1][0]
    return list(range(system.prompt_length + start))


def position_labels(system: System, count: int) -> list[str]:
    """What stands at each position: an input's name, a field's name, or the
    character (',' and the newline shown as ⏎)."""
    labels = []
    for i in range(system.prompt_length):
        labels.append(system.inputs[i // 2] if i % 2 == 0 else ",")
    completion = system.completion(system.all_states[0])
    names = {span[0]: f for f, (_, span) in system.parse_completion(completion).items() if span}
    for j, ch in enumerate(completion):
        labels.append(names.get(j, token_labels(ch)[0]))
    return labels[:count]


@dataclass
class Prepared:
    """One model's unpatched runs of every state, shared by every variable and site."""

    system: System
    answers: Answers
    prompts: object
    """[N, P] prompt token ids."""
    vectors: dict
    """{layer: [N, T, width]} (MLP: [N, width]): each state's own run."""
    sites: sites_mod.Sites
    held_out: HeldOut
    kv: object = None
    """GPT-2: each state's own run's key-value cache, [(keys, values)] per
    block: a patched run reuses it for the positions before the patch."""


def prepare(model, tokenizer, system: System, held_out: HeldOut, answers: Answers | None = None) -> Prepared:
    import torch

    model.eval()
    answers = answers or model_answers(model, tokenizer, system, system.all_states)
    prompts = decoding.encode_prompts(tokenizer, system, answers.states).to(model.device)
    ids = torch.cat([prompts, answers.tokens[:, :-1].to(model.device)], 1)
    sites = sites_mod.of(model)
    with runtime.autocast(model):  # the vectors as the model computes them when it decodes
        vectors, kv = sites.capture(model, ids)
    return Prepared(system, answers, prompts, vectors, sites, held_out, kv)


def pairs_of(system: System, variable: str, max_pairs: int = MAX_PAIRS, seed: int = 0) -> list[tuple[int, int]]:
    """(base, source) state indices with V(base) != V(source); a seeded sample
    of `max_pairs` where there are more."""
    values = [system.evaluate(s)[variable] for s in system.all_states]
    n = len(values)
    pairs = [(b, s) for b in range(n) for s in range(n) if values[b] != values[s]]
    if len(pairs) > max_pairs:
        pairs = sorted(random.Random(seed).sample(pairs, max_pairs))
    return pairs


@dataclass
class PairSet:
    """The pairs of one variable, with their counterfactual completions as token rows."""

    variable: str
    base: object
    """[M] base state indices (tensor)."""
    source: object
    counterfactual: object
    """[M, L] token ids of the counterfactual completions (with eos, padded)."""
    counterfactual_texts: list[str]
    counterfactual_fields: list[dict]
    held_out: list[bool]
    """Per pair: is the base a held-out state?"""


def pair_set(prep: Prepared, tokenizer, variable: str, pairs) -> PairSet:
    import torch

    system, states = prep.system, prep.answers.states
    fields = [system.counterfactual(states[b], {variable: system.evaluate(states[s])[variable]}) for b, s in pairs]
    texts = [system.completion_of(f) for f in fields]
    device = prep.prompts.device
    return PairSet(variable, torch.tensor([b for b, _ in pairs], device=device),
                   torch.tensor([s for _, s in pairs], device=device),
                   decoding.completion_rows(tokenizer, system, texts).to(device), texts, fields,
                   [states[b] in prep.held_out for b, _ in pairs])


def forced(system: System, position: int | None) -> int:
    """How many completion tokens stand before (and at) `position`: inputs
    there, taken from the base's own run."""
    return 0 if position is None else max(0, position - system.prompt_length + 1)


def patched_tokens(model, tokenizer, prep: Prepared, ps: PairSet, layer: str, position: int | None, value,
                   rows=None, guess=None, from_own: bool = True):
    """Greedy completions of the pairs' bases (or `rows` of them) with the
    site's vector replaced by `value(pair rows, current vectors)`. `guess`
    ([M, L] per pair) is where decoding starts (default: the counterfactual):
    any guess gives the same completions, a good one sooner."""
    import torch

    system = prep.system
    fixed = forced(system, position)
    index = torch.arange(len(ps.base), device=ps.base.device) if rows is None else rows
    out = []
    for chunk in index.split(BATCH):
        bases = ps.base[chunk]
        start = (ps.counterfactual if guess is None else guess)[chunk].clone()
        start[:, :fixed] = prep.answers.tokens[bases.cpu(), :fixed].to(start.device)
        done = _first_pass_from_own(model, tokenizer, prep, chunk, bases, start, layer, position, value) \
            if from_own else None
        if done is not None:
            # Rows the first pass settled are the base's own completion; the rest go on.
            settled, start = done
            result = start.clone()
            left = (~settled).nonzero().flatten()
            if len(left):
                result[left] = patched_tokens(model, tokenizer, prep, ps, layer, position, value, chunk[left],
                                              _rows_to_pairs(ps, chunk[left], start[left]), from_own=False)
            out.append(result)
            continue
        patch = sites_mod.Patch(layer, position, lambda r, current, chunk=chunk: value(chunk[r], current))
        # Before the patched position the run is the base's own: start from its cache there.
        past = None
        if prep.kv is not None and position:
            past = lambda r, bases=bases: (prep.sites.prefix_cache(prep.kv, bases[r], position), position)
        with prep.sites.patching(model, patch):
            out.append(decoding.greedy_batch(model, prep.prompts[bases], start, fixed, tokenizer.eos_token_id,
                                             system.prompt_length, past=past, verify_passes=VERIFY_PASSES,
                                             before_pass=lambda r, offset, patch=patch: _aim(patch, r, offset)))
    return torch.cat(out)


def _rows_to_pairs(ps: PairSet, rows, guesses):
    """Guesses for `rows` of the pairs, as a per-pair tensor (the others unused)."""
    full = ps.counterfactual.clone()
    full[rows] = guesses.to(full.device)
    return full


def _first_pass_from_own(model, tokenizer, prep: Prepared, chunk, bases, guess, layer: str, position, value):
    """Where the learner can run its later layers alone (GPT-2, a site after the
    embeddings): a first verify pass of every row with the base's own
    completion as the guess, from the captured run's output of that block
    (only the later blocks run; see Sites.logits_after): the rows where patching changes nothing are
    settled cheaply. Returns (rows settled, guesses for the others), or None
    where it does not apply (the caller runs whole passes)."""
    import torch

    if prep.kv is None or prep.sites.logits_after is None or position is None or layer == prep.sites.layers[0]:
        return None  # the first layer's output is the embeddings': the whole pass runs anyway
    system = prep.system
    fixed = forced(system, position)
    own = prep.answers.tokens.to(guess.device)[bases]
    hidden = prep.vectors[layer][bases, position:].clone()
    with torch.inference_mode(), runtime.autocast(model):
        hidden[:, 0] = value(chunk, hidden[:, 0]).to(hidden.dtype)
        logits = prep.sites.logits_after(model, layer, hidden, prep.kv, bases, position)
    # logits[:, i] predicts the token after position + i; completion token j is predicted at P - 1 + j.
    offset = system.prompt_length - 1 - position
    top = torch.full_like(own, tokenizer.pad_token_id)
    top[:, fixed:] = logits[:, offset + fixed:offset + guess.shape[1]].float().argmax(-1)
    corrected, pending = decoding.correct(top, own, fixed, tokenizer.eos_token_id)
    # Settled rows are the base's own; rows the patch changes go on from the
    # caller's guess, unless that was the base's own.
    was_own = ((guess == own) | ~through_eos(own, tokenizer.eos_token_id)).all(1)
    return ~pending, torch.where((was_own | ~pending)[:, None], corrected, guess)


def _aim(patch: sites_mod.Patch, rows, offset: int) -> None:
    patch.rows, patch.offset = rows, offset


def copy_source(prep: Prepared, ps: PairSet, layer: str, position: int | None):
    """The interchange: each pair's site takes its source's own vector."""
    v = prep.vectors[layer]
    source = v[ps.source] if position is None else v[ps.source, position]
    return lambda rows, current: source[rows]


def interchange_tokens(model, tokenizer, prep: Prepared, ps: PairSet, layer: str, position: int | None, guess=None):
    """patched_tokens with copy_source for every pair, running each distinct
    patched run once: a pair whose source vector equals its base's own is the
    base's own run, and pairs with the same base and the same source vector
    (at a prompt position it depends on the inputs so far only) run alike."""
    import torch

    v = prep.vectors[layer]
    site = v if position is None else v[:, position]
    _, vector_id = torch.unique(site.reshape(len(site), -1), dim=0, return_inverse=True)
    own = prep.answers.tokens.to(ps.base.device)[ps.base]
    same = vector_id[ps.source] == vector_id[ps.base]
    key = ps.base * (int(vector_id.max()) + 1) + vector_id[ps.source]
    keys, first = _first_of_each(key[~same])
    tokens = own.clone()
    if len(keys):
        rows = (~same).nonzero().flatten()
        run = patched_tokens(model, tokenizer, prep, ps, layer, position, copy_source(prep, ps, layer, position),
                             rows[first], guess)
        lookup = torch.searchsorted(keys, key[rows])
        tokens[rows] = run.to(tokens.device)[lookup]
    return tokens


def _first_of_each(values):
    """The sorted distinct values and, for each, the index of its first occurrence."""
    import torch

    keys, inverse = torch.unique(values, sorted=True, return_inverse=True)
    first = torch.full((len(keys),), len(values), dtype=torch.long, device=values.device)
    first.scatter_reduce_(0, inverse, torch.arange(len(values), device=values.device), reduce="amin")
    return keys, first


def through_eos(rows, eos: int):
    """Per row and position: at or before the row's first end-of-sequence token."""
    import torch

    is_eos = (rows == eos).long()
    return (torch.cumsum(is_eos, 1) - is_eos) == 0


def score(tokenizer, prep: Prepared, ps: PairSet, tokens, position: int | None) -> dict:
    """Per pair: does the decoded part equal the counterfactual (`matches`),
    the base's own (`unchanged`), and, per decoded field, the counterfactual's value."""
    found = compare(tokenizer, prep, tokens, ps.counterfactual, ps.counterfactual_fields, position)
    own = prep.answers.tokens.to(found["matches"].device)[ps.base]
    found["unchanged"] = compare(tokenizer, prep, tokens, own, None, position)["matches"]
    return found


def compare(tokenizer, prep: Prepared, tokens, reference, reference_fields: list[dict | None] | None,
            position: int | None) -> dict:
    """Per pair: does the part decoded after `position` equal the reference
    rows (`matches`), and (with `reference_fields`) per decoded field its value there."""
    system = prep.system
    fixed = forced(system, position)
    eos = tokenizer.eos_token_id
    tokens = tokens.to(reference.device)
    same = (tokens == reference) | ~through_eos(reference, eos)
    matches = same[:, fixed:].all(1)
    if reference_fields is None:
        return {"matches": matches}
    spans = system.parse_completion(system.completion(system.all_states[0]))
    decoded = [f for f in system.fields if spans[f][1][0] >= fixed]
    if all(v < 10 for v in system.max_values.values()):
        # Every field is one character and every completion the same length:
        # a field is right where its character and the one after it are.
        equal = tokens == reference
        return {"matches": matches, "per_field": {f: equal[:, spans[f][1][0]] & equal[:, spans[f][1][1]]
                                                  for f in decoded}}
    per_field = {f: matches.clone() for f in decoded}
    wrong = [i for i in (~matches).nonzero().flatten().tolist() if reference_fields[i] is not None]
    if wrong:
        for i, text in zip(wrong, decoding.decode_rows(tokenizer, tokens[wrong])):
            read = system.read_fields(text)
            for f in decoded:
                per_field[f][i] = read[f] == reference_fields[i][f]
    return {"matches": matches, "per_field": per_field}


def _share(flags, mask=None) -> float | None:
    if mask is not None:
        flags = flags[mask]
    return round(float(flags.float().mean()), 4) if len(flags) else None


SAME_VALUE = "same value"
"""The specificity check whose score is the share of same-value pairs that patching changes."""
UNCHANGED = "unchanged"
"""The specificity check whose score is the share of pairs patching leaves as they were (the
control): a site the answer ignores scores its IIA on the pairs whose counterfactual is the base's own."""


def interchange(model, tokenizer, system: System, held_out: HeldOut, variable_names=None, max_pairs: int = MAX_PAIRS,
                seed: int = 0, prep: Prepared | None = None, progress=None) -> dict:
    """{variable: grids of IIA (strict and relative, on the selection and
    evaluation halves of the trained bases and on held-out bases), per field,
    the control, the specificity checks, the split and the best site}: every
    intermediate variable (or `variable_names`), every site, every pair (up
    to max_pairs; `seed` draws the sample and the split). `progress(done,
    total)` after each site."""
    prep = prep or prepare(model, tokenizer, system, held_out)
    names = list(variable_names or variables(system))
    work = [(v, positions(system, v) if prep.sites.has_positions else [None]) for v in names]
    total, done = sum(len(prep.sites.layers) * len(p) for _, p in work), 0
    out = {}
    for v, pos_list in work:
        def tick():
            nonlocal done
            done += 1
            if progress:
                progress(done, total)

        out[v] = _variable(model, tokenizer, prep, v, pos_list, max_pairs, seed, tick)
    return out


def _variable(model, tokenizer, prep: Prepared, v: str, pos_list: list, max_pairs: int, seed: int, tick) -> dict:
    import torch

    from causal_tui.interpret import references

    system = prep.system
    pairs = pairs_of(system, v, max_pairs, seed)
    ps = pair_set(prep, tokenizer, v, pairs)
    device = ps.base.device
    held = torch.tensor(ps.held_out, device=device)
    selection, evaluation = references.halves((~held).nonzero().flatten().tolist(), seed)
    parts = {"trained": ~held, "held_out": held, "selection": _mask(selection, len(pairs), device),
             "evaluation": _mask(evaluation, len(pairs), device)}
    relative = references.relative(prep, tokenizer, v, pairs)
    confounds = {}
    for x in references.inputs_read(system, v):
        ref = references.do_input(prep, tokenizer, v, pairs, x)
        # Only pairs where do(x) and do(v) disagree tell a site that holds x from one that holds v.
        telling = ~compare(tokenizer, prep, ref.rows, ps.counterfactual, None, None)["matches"]
        confounds[f"do({x})"] = (ref, telling)
    trained_states = {s for s in system.all_states if s not in prep.held_out}
    same_pairs = references.same_value_pairs(system, v, trained_states, seed)
    same = pair_set(prep, tokenizer, v, same_pairs) if same_pairs else None
    same_halves = references.halves(list(range(len(same_pairs))), seed)
    same_parts = {k: _mask(rows, len(same_pairs), device) for k, rows in zip(("selection", "evaluation"), same_halves)}

    layers = prep.sites.layers
    def grid():
        return [[None] * len(pos_list) for _ in layers]

    strict = {k: grid() for k in ("iia", "iia_trained", "iia_held_out", "iia_selection", "iia_evaluation",
                                   "control")}
    strict_fields = {part: {f: grid() for f in system.fields} for part in ("all", "trained", "held_out", "evaluation")}
    rel = {k: grid() for k in ("iia", "iia_trained", "iia_held_out", "iia_selection", "iia_evaluation")}
    rel_fields = {part: {f: grid() for f in system.fields} for part in ("trained", "held_out", "evaluation")}
    specificity = {name: {"selection": grid(), "evaluation": grid()}
                   for name in [*confounds, *([SAME_VALUE] if same is not None else []), UNCHANGED]}
    readable = relative.readable
    own = prep.answers.tokens.to(device)[ps.base]
    for j, position in enumerate(pos_list):
        # Position by position, layer by layer: the layer below's completions are the
        # best first guess of the next one's (neighbouring sites mostly agree).
        guess = own
        for i, layer in enumerate(layers):
            tokens = interchange_tokens(model, tokenizer, prep, ps, layer, position, guess)
            guess = tokens
            s = score(tokenizer, prep, ps, tokens, position)
            r = compare(tokenizer, prep, tokens, relative.rows, relative.fields, position)
            strict["iia"][i][j] = _share(s["matches"])
            strict["control"][i][j] = _share(s["unchanged"])
            for part in ("trained", "held_out", "selection", "evaluation"):
                strict[f"iia_{part}"][i][j] = _share(s["matches"], parts[part])
                rel[f"iia_{part}"][i][j] = _share(r["matches"], parts[part] & readable)
            rel["iia"][i][j] = _share(r["matches"], readable)
            for f, flags in s["per_field"].items():
                strict_fields["all"][f][i][j] = _share(flags)
                for part in ("trained", "held_out", "evaluation"):
                    strict_fields[part][f][i][j] = _share(flags, parts[part])
            for f, flags in r["per_field"].items():
                for part in ("trained", "held_out", "evaluation"):
                    rel_fields[part][f][i][j] = _share(flags, parts[part] & readable)
            for part in ("selection", "evaluation"):
                specificity[UNCHANGED][part][i][j] = _share(s["unchanged"], parts[part])
            for name, (ref, telling) in confounds.items():
                m = compare(tokenizer, prep, tokens, ref.rows, None, position)["matches"]
                for part in ("selection", "evaluation"):
                    specificity[name][part][i][j] = _share(m, parts[part] & telling)
            if same is not None:
                changed = ~score(tokenizer, prep, same, interchange_tokens(model, tokenizer, prep, same, layer,
                                                                           position), position)["unchanged"]
                for part in ("selection", "evaluation"):
                    specificity[SAME_VALUE][part][i][j] = _share(changed, same_parts[part])
            tick()

    def used(grids):
        return {f: g for f, g in grids.items() if any(x is not None for row in g for x in row)}

    entry = {
        "variable": v, "reader": system.first_reader(v), "readers": list(system.readers(v)),
        "arch": prep.sites.kind, "layers": list(layers), "positions": pos_list,
        "position_labels": position_labels(system, len(pos_list)) if prep.sites.has_positions else ["all"],
        "pairs": len(pairs), "pairs_trained": int((~held).sum()), "pairs_held_out": int(held.sum()),
        "pairs_possible": len(pairs_of(system, v, max_pairs=10 ** 9)) if len(pairs) >= max_pairs else len(pairs),
        "split": {"seed": seed, "selection_pairs": len(selection), "evaluation_pairs": len(evaluation),
                  "same_value_pairs": len(same_pairs)},
        "counted": {"strict": {p: int(parts[p].sum()) for p in ("evaluation", "held_out")},
                    "relative": {p: int((parts[p] & readable).sum()) for p in ("evaluation", "held_out")}},
        **strict,
        "per_field": used(strict_fields["all"]),
        "per_field_trained": used(strict_fields["trained"]),
        "per_field_held_out": used(strict_fields["held_out"]),
        "per_field_evaluation": used(strict_fields["evaluation"]),
        "relative": {**rel, "unreadable": int((~readable).sum()),
                     "per_field": {f: {part: rel_fields[part][f] for part in rel_fields}
                                   for f in used(rel_fields["trained"])}},
        "specificity": specificity,
        "note": NOTE,
    }
    entry["best"] = best_site(entry)
    return entry


def _mask(rows: list[int], n: int, device):
    import torch

    mask = torch.zeros(n, dtype=torch.bool, device=device)
    if rows:
        mask[torch.tensor(rows, device=device)] = True
    return mask


def is_specific(entry: dict, i: int, j: int, part: str) -> bool | None:
    """Does the site's relative IIA on `part` beat every specificity check
    there? None where there is nothing to compare."""
    value = entry["relative"][f"iia_{part}"][i][j]
    checks = [c[part][i][j] for c in entry["specificity"].values() if c[part][i][j] is not None]
    if value is None:
        return None
    return all(value > c for c in checks)


def best_site(entry: dict) -> dict:
    """The site with the highest relative IIA on the selection half of the
    trained bases among the specific ones (its IIA beats every specificity
    check there), else the highest of all, marked not specific; ties go to
    the earliest layer, then position. Reported on the evaluation half and on
    held-out bases, which played no part in the choice."""
    layers, pos_list = entry["layers"], entry["positions"]
    best = None
    for i in range(len(layers)):
        for j in range(len(pos_list)):
            value = entry["relative"]["iia_selection"][i][j]
            if value is None:
                value = entry["iia"][i][j]  # no trained bases: every pair counts
            key = (bool(is_specific(entry, i, j, "selection")), value if value is not None else -1.0)
            if best is None or key > best[0]:
                best = (key, i, j)
    _, i, j = best
    rel = entry["relative"]
    return {
        "layer": layers[i], "position": pos_list[j],
        "iia_selection": rel["iia_selection"][i][j], "iia_evaluation": rel["iia_evaluation"][i][j],
        "specific": bool(is_specific(entry, i, j, "evaluation")),
        "specificity": {name: c["evaluation"][i][j] for name, c in entry["specificity"].items()},
        "relative": {"evaluation": rel["iia_evaluation"][i][j], "held_out": rel["iia_held_out"][i][j]},
        "strict": {"evaluation": entry["iia_evaluation"][i][j], "held_out": entry["iia_held_out"][i][j]},
        # V's readers decoded after the site (relative None where no pair's answers parse).
        "per_field": {f: {"relative": {part: (rel["per_field"][f][part][i][j] if f in rel["per_field"] else None)
                                       for part in ("evaluation", "held_out")},
                          "strict": {part: (entry[f"per_field_{part}"][f][i][j] if f in entry[f"per_field_{part}"]
                                            else None) for part in ("evaluation", "held_out")}}
                      for f in entry["readers"] if f in entry["per_field"] and entry["per_field"][f][i][j] is not None},
        "counted": entry["counted"],
        "iia": entry["iia"][i][j], "iia_trained": entry["iia_trained"][i][j],
        "iia_held_out": entry["iia_held_out"][i][j], "control": entry["control"][i][j],
    }
