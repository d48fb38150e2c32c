"""Distributed alignment search (DAS; Geiger, Wu, Potts, Icard & Goodman 2023,
"Finding Alignments Between Interpretable Causal Variables and Distributed
Neural Representations"): where no site holds a variable as a whole vector
(the input D's position carries D for sum1 as well as NOT D for newB), learn
a k-dimensional subspace of the site's vector and interchange only it:
x' = x + (x_s - x) W_k^T W_k, with W_k an orthonormal k x width basis (the
first k rows of DAS's rotation; only they act, so only they are learned, as
the QR factor of a free k x width matrix).

The subspace is trained on the selection half of the pairs whose base is a
trained state (the model's weights stay fixed; the split is interchange's,
references.halves), by cross-entropy of the patched run on the
counterfactual completion, chosen by its IIA there, and scored like the
interchange (greedy decoding, whole completion after the position) on the
evaluation half and on pairs whose base is held out. The control: a random
subspace of the same k, scored on the same pairs.

Plain torch rather than pyvene: pyvene 0.1 pins transformers < 5 and wraps
models by their Hugging Face class names, which our LSTM and MLP are not;
the intervention itself is the three lines in `_rotated`."""

from __future__ import annotations

from causal_tui.interpret import interchange as ic
from causal_tui.interpret import sites as sites_mod

STEPS = 150
"""At most this many optimiser steps a site."""
BATCH = 64
LEARNING_RATE = 0.02
WINDOW = 10
"""Training stops early once the mean loss over the last WINDOW steps is
below SETTLED, or (after MIN_STEPS) has not fallen by PLATEAU of itself
since the window before: most sites settle, one way or the other, in a
few dozen steps (benchmarks/das.py compares the IIA with full-length training)."""
SETTLED = 0.02
MIN_STEPS = 40
PLATEAU = 0.03


def das_positions(system, variable: str) -> list[int]:
    """Where to search by default: the positions of the inputs the variable's
    equation reads, and the one that predicts the variable's own token."""
    eq = next(e for e in system.equations if e.name == variable)
    from causal_tui.systems import expressions

    names = {v.name for v in expressions.names(eq.expr)}
    out = [2 * i for i, v in enumerate(system.inputs) if v in names]
    start = system.parse_completion(system.completion(system.all_states[0]))[variable][1][0]
    out.append(system.prompt_length + start - 1)
    return sorted(set(out))


def _rotated(weight, k: int, source):
    """The intervention: the first k coordinates of the (orthonormal) basis from the source."""
    rows_of_basis = weight[:k]

    def value(rows, current):
        delta = (source[rows].to(current.dtype) - current) @ rows_of_basis.T.to(current.dtype)
        return current + delta @ rows_of_basis.to(current.dtype)

    return value


def _teacher_forced_loss(model, prep, ps, rows, layer, position, value, eos: int):
    """Cross-entropy of the patched base runs on the counterfactual tokens after the position."""
    import torch

    system = prep.system
    fixed = ic.forced(system, position)
    bases = ps.base[rows]
    completion = ps.counterfactual[rows].clone()
    completion[:, :fixed] = prep.answers.tokens[bases.cpu(), :fixed].to(completion.device)
    ids = torch.cat([prep.prompts[bases], completion[:, :-1]], 1)
    patch = sites_mod.Patch(layer, position, lambda r, current: value(rows, current), rows=None)
    with prep.sites.patching(model, patch):
        logits = model(input_ids=ids).logits[:, system.prompt_length - 1:]
    # Every completion token after the forced ones counts, through the eos; padding does not.
    target = completion.clone()
    target[:, :fixed] = -100
    target[~ic.through_eos(completion, eos)] = -100
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), target.reshape(-1),
                                             ignore_index=-100)


def basis(raw):
    """An orthonormal k x width basis from any k x width matrix (QR): the
    subspace DAS learns, without a whole width x width rotation to keep
    orthogonal (only its first k rows were ever used)."""
    import torch

    q, r = torch.linalg.qr(raw.T)
    # Fix QR's sign freedom so that the basis is a smooth function of `raw`.
    return (q * torch.sign(torch.diagonal(r)).unsqueeze(0)).T


def _settled(losses: list[float]) -> bool:
    """Whether training has settled (see WINDOW)."""
    if len(losses) < WINDOW or len(losses) % WINDOW:
        return False
    last = sum(losses[-WINDOW:]) / WINDOW
    if last < SETTLED:
        return True
    if len(losses) < max(MIN_STEPS, 2 * WINDOW):
        return False
    before = sum(losses[-2 * WINDOW:-WINDOW]) / WINDOW
    return before - last < PLATEAU * before


def search(model, tokenizer, prep: ic.Prepared, ps: ic.PairSet, layer: str, position: int | None, dims: int = 1,
           steps: int = STEPS, seed: int = 0, selection=None, evaluation=None, early_stop: bool = True) -> dict:
    """Train a k-dimensional subspace at one site on the selection half of
    the trained base pairs (`selection`, `evaluation`: pair rows; default:
    interchange's split of `seed`); IIA of its interchange on the evaluation
    half and on held-out bases, beside a random subspace's."""
    import torch
    from torch import nn

    from causal_tui.interpret import references

    width = prep.sites.width
    vectors = prep.vectors[layer]
    source = (vectors[ps.source] if position is None else vectors[ps.source, position]).detach().clone().float()
    held = torch.tensor(ps.held_out, device=ps.base.device)
    if selection is None or evaluation is None:
        selection, evaluation = references.halves((~held).nonzero().flatten().tolist(), seed)
    device = ps.base.device
    selection_rows = torch.tensor(selection, dtype=torch.long, device=device)
    evaluation_rows = torch.tensor(evaluation, dtype=torch.long, device=device)
    held_rows = held.nonzero().flatten()
    generator = torch.Generator().manual_seed(seed)
    raw = nn.Parameter(torch.randn(dims, width, generator=generator).to(source.device))
    optimizer = torch.optim.Adam([raw], lr=LEARNING_RATE)
    frozen = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    losses = []
    try:
        with torch.enable_grad():
            for _ in range(steps if len(selection_rows) else 0):
                pick = selection_rows[torch.randint(len(selection_rows), (min(BATCH, len(selection_rows)),),
                                                    generator=generator).to(device)]
                loss = _teacher_forced_loss(model, prep, ps, pick, layer, position,
                                            _rotated(basis(raw), dims, source), tokenizer.eos_token_id)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
                if early_stop and _settled(losses):
                    break
    finally:
        for p, flag in zip(model.parameters(), frozen):
            p.requires_grad_(flag)
    learned = basis(raw.detach())
    random_basis = basis(torch.randn(dims, width, generator=generator)).to(source.device)

    def iia(weight, rows):
        if not len(rows):
            return None
        tokens = ic.patched_tokens(model, tokenizer, prep, ps, layer, position, _rotated(weight, dims, source), rows)
        sub = ic.PairSet(ps.variable, ps.base[rows], ps.source[rows], ps.counterfactual[rows],
                         [ps.counterfactual_texts[i] for i in rows.tolist()],
                         [ps.counterfactual_fields[i] for i in rows.tolist()],
                         [ps.held_out[i] for i in rows.tolist()])
        return round(float(ic.score(tokenizer, prep, sub, tokens, position)["matches"].float().mean()), 4)

    return {"layer": layer, "position": position, "dims": dims, "steps": len(losses),
            "final_loss": round(losses[-1], 4) if losses else None,
            "iia_selection": iia(learned, selection_rows), "iia_evaluation": iia(learned, evaluation_rows),
            "iia_held_out": iia(learned, held_rows),
            "random_iia_evaluation": iia(random_basis, evaluation_rows),
            "random_iia_held_out": iia(random_basis, held_rows)}


def das(model, tokenizer, system, variable: str, prep: ic.Prepared, ps: ic.PairSet, dims: int = 1,
        sites=None, steps: int = STEPS, seed: int = 0, progress=None) -> dict:
    """DAS at every layer at the default positions (or at `sites`, a list of
    (layer, position)); the best by IIA on trained base pairs."""
    if sites is None:
        pos = das_positions(system, variable) if prep.sites.has_positions else [None]
        sites = [(layer, p) for layer in prep.sites.layers for p in pos]
    results = []
    for i, (layer, position) in enumerate(sites):
        results.append(search(model, tokenizer, prep, ps, layer, position, dims, steps, seed))
        if progress:
            progress(i + 1, len(sites))
    best = max(results, key=lambda r: (r["iia_selection"] if r["iia_selection"] is not None else -1))
    return {"dims": dims, "sites": results, "best": best,
            "note": f"a {dims}-dimensional subspace trained on the selection half of the pairs with trained bases "
                    f"(at most {steps} steps) and chosen by its IIA there; reported on the evaluation half and on held-out "
                    "bases; random_*: a random subspace of the same dimension"}
