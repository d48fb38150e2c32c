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
the answer ignores scores control 1.0 and IIA 0.0."""

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

NOTE = ("IIA: share of (base, source) pairs whose completion, after the patched position, equals the "
        "system's counterfactual do(V = V(source)) on the base; control: share whose completion does not "
        "change at all.")


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
    system = prep.system
    fixed = forced(system, position)
    eos = tokenizer.eos_token_id
    tokens = tokens.to(ps.counterfactual.device)

    def equal_after(reference):
        same = (tokens == reference) | ~through_eos(reference, eos)
        return same[:, fixed:].all(1)

    matches = equal_after(ps.counterfactual)
    own = prep.answers.tokens.to(tokens.device)[ps.base]
    unchanged = equal_after(own)
    spans = system.parse_completion(ps.counterfactual_texts[0])
    decoded = [f for f in system.fields if spans[f][1][0] >= fixed]
    if all(v < 10 for v in system.max_values.values()):
        # Every field is one character and every completion the same length:
        # a field is right where its character and the one after it are.
        same = tokens == ps.counterfactual
        per_field = {f: same[:, spans[f][1][0]] & same[:, spans[f][1][1]] for f in decoded}
        return {"matches": matches, "unchanged": unchanged, "per_field": per_field}
    per_field = {f: matches.clone() for f in decoded}
    wrong = (~matches).nonzero().flatten().tolist()
    if wrong:
        for i, text in zip(wrong, decoding.decode_rows(tokenizer, tokens[wrong])):
            read = system.read_fields(text)
            for f in decoded:
                per_field[f][i] = read[f] == ps.counterfactual_fields[i][f]
    return {"matches": matches, "unchanged": unchanged, "per_field": per_field}


def _share(flags, mask=None) -> float | None:
    if mask is not None:
        flags = flags[mask]
    return round(float(flags.float().mean()), 4) if len(flags) else None


def interchange(model, tokenizer, system: System, held_out: HeldOut, variable_names=None, max_pairs: int = MAX_PAIRS,
                seed: int = 0, prep: Prepared | None = None, progress=None) -> dict:
    """{variable: grids of IIA, per field, the control, and the best site}:
    every intermediate variable (or `variable_names`), every site, every pair
    (up to max_pairs). `progress(done, total)` after each site."""
    import torch

    prep = prep or prepare(model, tokenizer, system, held_out)
    names = list(variable_names or variables(system))
    work = []
    for v in names:
        pos = positions(system, v) if prep.sites.has_positions else [None]
        work.append((v, pos))
    total, done = sum(len(prep.sites.layers) * len(p) for _, p in work), 0
    out = {}
    for v, pos_list in work:
        pairs = pairs_of(system, v, max_pairs, seed)
        ps = pair_set(prep, tokenizer, v, pairs)
        held = torch.tensor(ps.held_out, device=ps.base.device)
        own = prep.answers.tokens.to(ps.base.device)[ps.base]
        keys = ("iia", "iia_trained", "iia_held_out", "control")
        layers = prep.sites.layers
        grids = {k: [[None] * len(pos_list) for _ in layers] for k in keys}
        per_field = {f: [[None] * len(pos_list) for _ in layers] for f in system.fields}
        for j, position in enumerate(pos_list):
            # Position by position, layer by layer: the layer below's completions are the
            # best first guess of the next one's (neighbouring sites mostly agree).
            guess = own
            for i, layer in enumerate(layers):
                tokens = interchange_tokens(model, tokenizer, prep, ps, layer, position, guess)
                guess = tokens
                s = score(tokenizer, prep, ps, tokens, position)
                grids["iia"][i][j] = _share(s["matches"])
                grids["iia_trained"][i][j] = _share(s["matches"], ~held)
                grids["iia_held_out"][i][j] = _share(s["matches"], held)
                grids["control"][i][j] = _share(s["unchanged"])
                for f, flags in s["per_field"].items():
                    per_field[f][i][j] = _share(flags)
                done += 1
                if progress:
                    progress(done, total)
        out[v] = {
            "variable": v, "reader": system.first_reader(v), "arch": prep.sites.kind,
            "layers": list(prep.sites.layers), "positions": pos_list,
            "position_labels": position_labels(system, len(pos_list)) if prep.sites.has_positions else ["all"],
            "pairs": len(pairs), "pairs_trained": int((~held).sum()), "pairs_held_out": int(held.sum()),
            "pairs_possible": len(pairs_of(system, v, max_pairs=10 ** 9)) if len(pairs) >= max_pairs else len(pairs),
            **grids,
            "per_field": {f: g for f, g in per_field.items() if any(x is not None for row in g for x in row)},
            "best": best_site(grids, prep.sites.layers, pos_list),
            "note": NOTE,
        }
    return out


def best_site(grids: dict, layers, pos_list) -> dict:
    """The site with the highest IIA over trained base states (the held-out
    ones play no part in choosing it); ties go to the earliest layer, then position."""
    best = None
    for i, layer in enumerate(layers):
        for j, position in enumerate(pos_list):
            value = grids["iia_trained"][i][j]
            if value is None:
                value = grids["iia"][i][j]
            if best is None or value > best[0]:
                best = (value, i, j)
    _, i, j = best
    return {"layer": layers[i], "position": pos_list[j], "iia": grids["iia"][i][j],
            "iia_trained": grids["iia_trained"][i][j], "iia_held_out": grids["iia_held_out"][i][j],
            "control": grids["control"][i][j]}
