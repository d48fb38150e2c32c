"""Distributed alignment search (DAS; Geiger, Wu, Potts, Icard & Goodman 2023,
"Finding Alignments Between Interpretable Causal Variables and Distributed
Neural Representations"): where no site holds a variable as a whole vector
(the input D's position carries D for sum1 as well as NOT D for newB), learn
a rotation of the site's vector and interchange only its first k
coordinates: x' = x + (x_s - x) W_k^T W_k, with W orthogonal (torch's own
orthogonal parametrisation) and W_k its first k rows.

The rotation is trained on pairs whose base is a trained state (the model's
weights stay fixed), by cross-entropy of the patched run on the
counterfactual completion, and scored like the interchange (greedy decoding,
whole completion after the position) on pairs whose base is held out. The
control: a random rotation of the same k, scored on the same pairs.

Plain torch rather than pyvene: pyvene 0.1 pins transformers < 5 and wraps
models by their Hugging Face class names, which our LSTM and MLP are not;
the intervention itself is the three lines in `_rotated`."""

from __future__ import annotations

from causal_tui.interpret import interchange as ic
from causal_tui.interpret import sites as sites_mod

STEPS = 150
BATCH = 64
LEARNING_RATE = 0.01


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
    """The intervention: the first k rotated coordinates from the source."""
    basis = weight[:k]

    def value(rows, current):
        delta = (source[rows].to(current.dtype) - current) @ basis.T.to(current.dtype)
        return current + delta @ basis.to(current.dtype)

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


def search(model, tokenizer, prep: ic.Prepared, ps: ic.PairSet, layer: str, position: int | None, dims: int = 1,
           steps: int = STEPS, seed: int = 0) -> dict:
    """Train a rotation at one site; IIA of its k-dimensional interchange on
    trained and held-out base pairs, beside a random rotation's."""
    import torch
    from torch import nn
    from torch.nn.utils.parametrizations import orthogonal

    width = prep.sites.width
    vectors = prep.vectors[layer]
    source = (vectors[ps.source] if position is None else vectors[ps.source, position]).detach().clone().float()
    held = torch.tensor(ps.held_out, device=ps.base.device)
    trained_rows = (~held).nonzero().flatten()
    held_rows = held.nonzero().flatten()
    generator = torch.Generator().manual_seed(seed)
    rotation = orthogonal(nn.Linear(width, width, bias=False)).to(source.device)
    optimizer = torch.optim.Adam(rotation.parameters(), lr=LEARNING_RATE)
    frozen = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    losses = []
    try:
        with torch.enable_grad():
            for _ in range(steps if len(trained_rows) else 0):
                pick = trained_rows[torch.randint(len(trained_rows), (min(BATCH, len(trained_rows)),),
                                                  generator=generator).to(trained_rows.device)]
                loss = _teacher_forced_loss(model, prep, ps, pick, layer, position,
                                            _rotated(rotation.weight, dims, source), tokenizer.eos_token_id)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
    finally:
        for p, flag in zip(model.parameters(), frozen):
            p.requires_grad_(flag)
    learned = rotation.weight.detach()
    q, _ = torch.linalg.qr(torch.randn(width, width, generator=generator))
    random_rotation = q.T.to(source.device)

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
            "iia_trained": iia(learned, trained_rows), "iia_held_out": iia(learned, held_rows),
            "random_iia_trained": iia(random_rotation, trained_rows),
            "random_iia_held_out": iia(random_rotation, held_rows)}


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
    best = max(results, key=lambda r: (r["iia_trained"] if r["iia_trained"] is not None else -1))
    return {"dims": dims, "sites": results, "best": best,
            "note": f"a rotation trained on pairs with trained bases ({steps} steps); IIA of its {dims}-dimensional "
                    "interchange; random_*: a random rotation of the same dimension"}
