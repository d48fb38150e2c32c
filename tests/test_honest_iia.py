"""Honest interchange scores (interpret/interchange.py, references.py): relative
to the model's own answers, sites chosen on one half of the trained bases and
reported on the other, and specificity against do() on the variable's inputs
and same-value sources; on hand-built models whose answers are known."""

from __future__ import annotations

import types

import torch
from torch import nn

from causal_tui.data import tokenizer as tok_mod
from causal_tui.interpret import interchange as ic
from causal_tui.interpret import references
from causal_tui.sweeps.job import best_of
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.reader import parse

# v = NOT D is the variable; w reads it (and u, which the models below may get
# wrong); z reads D too, but only where B = 1, so do(D) and do(v) agree on half the pairs.
SYSTEM = parse('name = "toy"\ninputs = ["A", "B", "D"]\n'
               'equations = ["u = A XOR B", "v = NOT D", "w = u OR v", "z = D AND B"]\n', "toy")
SLOT = 3
"""Where the holding model keeps v after block 0: the comma after B (position 3)."""


class _RuleModel(nn.Module):
    """A hand-built 'GPT-2' for SYSTEM. Each position's vector is [bit, slot];
    with `holds`, block 0 writes v = NOT D into the slot at SLOT and the head
    reads v there (so the site ("0", SLOT) holds v and nothing else); without,
    the head computes v from D's bit, so only D's position carries it (and
    interchanging there is do(D)). `wrong_u`: the head writes u = A OR B, wrong
    where A = B = 1. Everything else follows the system's rules on what it reads."""

    def __init__(self, tok, holds: bool, wrong_u: bool = False):
        super().__init__()
        self.tok, self.holds, self.wrong_u = tok, holds, wrong_u
        self.config = types.SimpleNamespace(model_type="gpt2", n_embd=2, use_cache=False)
        self.transformer = nn.Module()
        self.transformer.drop = nn.Identity()
        self.transformer.h = nn.ModuleList([_Block(holds), _Block(False)])
        self.one = tok.convert_tokens_to_ids("1")

    @property
    def device(self):
        return torch.device("cpu")

    def forward(self, input_ids=None, **kwargs):
        x = torch.zeros(*input_ids.shape, 2)
        x[..., 0] = (input_ids == self.one).float()
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)
        batch, length = input_ids.shape
        logits = torch.full((batch, length, len(self.tok)), -50.0)
        start = SYSTEM.prompt_length - 1
        for r in range(batch):
            state = tuple(int(round(float(x[r, 2 * i, 0]))) for i in range(len(SYSTEM.inputs)))
            setting = {"v": int(round(float(x[r, SLOT, 1])))} if self.holds else {}
            if self.wrong_u:
                setting["u"] = state[0] | state[1]
            text = SYSTEM.completion_of(SYSTEM.counterfactual(state, setting))
            ids = self.tok.convert_tokens_to_ids(list(text)) + [self.tok.eos_token_id]
            for j, token in enumerate(ids):
                if start + j < length:
                    logits[r, start + j, token] = 20.0
        return types.SimpleNamespace(logits=logits)


class _Block(nn.Module):
    def __init__(self, writes: bool):
        super().__init__()
        self.writes = writes

    def forward(self, x):
        x = x.clone()
        if self.writes:
            x[:, SLOT, 1] = 1 - x[:, 2 * SYSTEM.inputs.index("D"), 0]
        return x


HELD = HeldOut.parse("A=1&B=1", SYSTEM)


def _site(entry, layer, position):
    return entry["layers"].index(layer), entry["positions"].index(position)


def test_a_model_that_holds_v_at_a_known_site_scores_one_there_and_is_specific():
    tok = tok_mod.build(SYSTEM)
    entry = ic.interchange(_RuleModel(tok, holds=True), tok, SYSTEM, HELD)["v"]
    i, j = _site(entry, "0", SLOT)
    for grid in ("iia", "iia_trained", "iia_held_out", "iia_selection", "iia_evaluation"):
        assert entry[grid][i][j] == 1.0 and entry["relative"][grid][i][j] == 1.0, grid
    checks = {name: c["evaluation"][i][j] for name, c in entry["specificity"].items()}
    assert set(checks) == {"do(D)", "same value", "unchanged"} and all(c < 1.0 for c in checks.values())
    assert checks["do(D)"] == 0.0 and checks["same value"] == 0.0 and checks["unchanged"] == 0.0
    best = entry["best"]
    assert (best["layer"], best["position"]) == ("0", SLOT) and best["specific"] is True
    assert best["iia_selection"] == best["iia_evaluation"] == 1.0
    assert best["relative"] == best["strict"] == {"evaluation": 1.0, "held_out": 1.0}
    assert best["per_field"]["w"]["relative"] == {"evaluation": 1.0, "held_out": 1.0}
    assert entry["readers"] == ["w"]


def test_a_model_that_carries_the_input_forward_is_reported_not_specific():
    tok = tok_mod.build(SYSTEM)
    entry = ic.interchange(_RuleModel(tok, holds=False), tok, SYSTEM, HELD)["v"]
    d = 2 * SYSTEM.inputs.index("D")
    i, j = _site(entry, "emb", d)
    # Interchanging D's embedding is do(D): v and w follow, and z too where B = 1
    # (one trained base in three: A = B = 1 is held out).
    assert entry["relative"]["iia_trained"][i][j] == round(2 / 3, 4)
    assert entry["specificity"]["do(D)"]["evaluation"][i][j] == 1.0
    assert ic.is_specific(entry, i, j, "evaluation") is False
    # Where v is already written (position 8) the model never reads it: patching there
    # changes nothing, which scores on the pairs whose w does not depend on v.
    i, j = _site(entry, "emb", 8)
    assert entry["control"][i][j] == 1.0 and 0 < entry["relative"]["iia_selection"][i][j] < 1.0
    assert ic.is_specific(entry, i, j, "selection") is False
    best = entry["best"]
    assert best["position"] == d and best["specific"] is False  # the best there is, and marked
    assert best["specificity"]["do(D)"] == 1.0 > best["iia_evaluation"]


def test_on_a_held_out_base_with_a_wrong_upstream_field_the_relative_score_reads_the_models_own_answers():
    tok = tok_mod.build(SYSTEM)
    model = _RuleModel(tok, holds=True, wrong_u=True)
    prep = ic.prepare(model, tok, SYSTEM, HELD)
    pairs = ic.pairs_of(SYSTEM, "v")
    index = SYSTEM.all_states.index
    pair = (index((1, 1, 0)), index((0, 0, 1)))  # a held-out base (A = B = 1), v from 1 to 0
    k = pairs.index(pair)
    # By hand: the model writes u = A OR B = 1 (the truth is 0); with v = 0 from the
    # source, w = u OR v reads the model's own u: 1. The system's counterfactual says 0.
    assert prep.answers.fields[pair[0]] == {"u": 1, "v": 1, "w": 1, "z": 0}
    relative = references.relative(prep, tok, "v", pairs)
    assert relative.fields[k] == {"u": 1, "v": 0, "w": 1, "z": 0}
    assert SYSTEM.counterfactual((1, 1, 0), {"v": 0}) == {"u": 0, "v": 0, "w": 0, "z": 0}
    entry = ic.interchange(model, tok, SYSTEM, HELD, prep=prep)["v"]
    i, j = _site(entry, "0", SLOT)
    assert entry["relative"]["per_field"]["w"]["held_out"][i][j] == 1.0
    assert entry["relative"]["iia_held_out"][i][j] == 1.0
    assert entry["iia_held_out"][i][j] == 0.0  # strict: u is wrong on every held-out base
    assert entry["per_field_held_out"]["w"][i][j] == 0.5  # w's counterfactual is u's truth OR 0


def test_the_selection_and_evaluation_halves_are_disjoint_recorded_and_seeded():
    tok = tok_mod.build(SYSTEM)
    entry = ic.interchange(_RuleModel(tok, holds=True), tok, SYSTEM, HELD, seed=3)["v"]
    split = entry["split"]
    trained_pairs = entry["pairs_trained"]
    assert split["seed"] == 3 and split["selection_pairs"] + split["evaluation_pairs"] == trained_pairs
    assert abs(split["selection_pairs"] - split["evaluation_pairs"]) <= 1
    rows = list(range(trained_pairs))
    selection, evaluation = references.halves(rows, 3)
    assert not set(selection) & set(evaluation) and sorted(selection + evaluation) == rows
    assert references.halves(rows, 3) == (selection, evaluation) != references.halves(rows, 4)
    # What a sweep's seed contributes: counts on the evaluation half and held-out bases.
    counts = best_of(entry)["counts"]
    assert counts["relative"]["evaluation"] == [split["evaluation_pairs"]] * 2
    assert counts["strict"]["held_out"] == [entry["pairs_held_out"]] * 2
