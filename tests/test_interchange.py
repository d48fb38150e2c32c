"""Interchange interventions and alignment search (interpret/interchange.py, alignment.py)."""

from __future__ import annotations

import json
import types

import pytest
import torch
from torch import nn

from causal_tui.cli.main import tui_main
from causal_tui.data import tokenizer as tok_mod
from causal_tui.evaluation import decoding
from causal_tui.interpret import alignment, interchange as ic
from causal_tui.learners import loading
from causal_tui.systems.catalog import SEED, bundled
from causal_tui.systems.holdout import HeldOut


def test_the_intermediate_variables_and_counterfactuals_come_from_the_system():
    assert SEED.intermediates == ("newB",) and SEED.first_reader("newB") == "newD"
    assert bundled("chain").intermediates == ("s1", "s2", "s3", "s4")
    # 0,1,1,1,0: newB = NOT D = 0; do(newB = 1) makes newD = A OR newB = 1 and sum2 one more.
    cf = SEED.counterfactual((0, 1, 1, 1, 0), {"newB": 1})
    truth = SEED.truth((0, 1, 1, 1, 0))
    assert cf == {**truth, "newB": 1, "newD": 1, "sum2": truth["sum2"] + 2}
    with pytest.raises(KeyError):
        SEED.counterfactual((0, 1, 1, 1, 0), {"A": 1})
    # Positions: the whole prompt, then the completion up to the one that predicts newD.
    assert ic.positions(SEED, "newB") == list(range(SEED.prompt_length + 7))
    assert ic.position_labels(SEED, 16)[:10] == ["A", ",", "B", ",", "C", ",", "D", ",", "E", "⏎"]
    assert ic.position_labels(SEED, 16)[10:] == ["newA", ",", "newB", ",", "newC", ","]
    assert len(ic.pairs_of(SEED, "newB")) == 512  # 16 states with D = 0 times 16 with D = 1, both ways


def test_at_an_inputs_embedding_the_interchange_is_running_the_base_with_that_input_from_the_source(trained):
    loaded = loading.load(trained.final)
    model, tok = loaded.model, loaded.tokenizer
    prep = ic.prepare(model, tok, SEED, loaded.held_out)
    pairs = ic.pairs_of(SEED, "newB")
    ps = ic.pair_set(prep, tok, "newB", pairs)
    d = SEED.inputs.index("D")
    patched = ic.patched_tokens(model, tok, prep, ps, "emb", 2 * d, ic.copy_source(prep, ps, "emb", 2 * d))
    states = SEED.all_states
    hybrids = [states[b][:d] + (states[s][d],) + states[b][d + 1:] for b, s in pairs]
    direct, _ = decoding.greedy(model, tok, SEED, hybrids)
    assert torch.equal(patched, direct)  # every pair, token for token
    # This model is exact on every trained state, and D also feeds sum1: swapping D's
    # embedding changes sum1 as well, which the counterfactual do(newB) does not.
    s = ic.score(tok, prep, ps, patched, 2 * d)
    hybrid_texts = decoding.decode_rows(tok, direct)
    expected = [t == c for t, c in zip(hybrid_texts, ps.counterfactual_texts)]
    assert s["matches"].tolist() == expected
    trained_hybrids = [i for i, h in enumerate(hybrids) if h not in loaded.held_out]
    assert trained_hybrids and not any(expected[i] for i in trained_hybrids)


class _CopyModel(nn.Module):
    """A hand-built 'GPT-2' for the seed's system. Each position's vector is
    [bit, newB slot, D copy]: block 0 writes NOT D into D's position (6) and
    copies D one position on (7); block 1 passes everything on. The head
    writes the completion, reading newB from position 6 and, for sum1, D from
    position `d_from` (7: newB alone is held at position 6; 6: position 6
    holds D for sum1 as well, so only a subspace of it is newB). Its logits are
    smooth in those readings (a value v gives digit k the logit -8 (v - k)^2),
    so an alignment search can learn through it."""

    def __init__(self, tok, d_from: int = 7):
        super().__init__()
        self.tok, self.d_from = tok, d_from
        self.config = types.SimpleNamespace(model_type="gpt2", n_embd=3, use_cache=False)
        self.transformer = nn.Module()
        self.transformer.drop = nn.Identity()
        self.transformer.h = nn.ModuleList([_Block(copy=True), _Block()])
        self.one = tok.convert_tokens_to_ids("1")
        self.digits = torch.tensor(tok.convert_tokens_to_ids([str(k) for k in range(6)]))

    @property
    def device(self):
        return torch.device("cpu")

    def forward(self, input_ids=None, **kwargs):
        x = torch.zeros(*input_ids.shape, 3)
        x[..., 0] = (input_ids == self.one).float()
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)
        batch, length = input_ids.shape
        A, B, C, E = (x[:, 2 * SEED.inputs.index(v), 0] for v in "ABCE")
        newB = x[:, 6, 1]
        D = x[:, self.d_from, 0 if self.d_from == 6 else 2]
        newA, newC = (A - C).abs(), B * E
        newD = A + newB - A * newB
        values = {"newA": newA, "newB": newB, "newC": newC, "newD": newD,
                  "sum1": A + B + C + D + E, "sum2": newA + newB + newC + newD}
        P = SEED.prompt_length
        template = SEED.completion(SEED.all_states[0])
        spans = {span[0]: f for f, (_, span) in SEED.parse_completion(template).items()}
        logits = torch.full((batch, length, len(self.tok)), -50.0)
        for j, ch in enumerate(template + "\0"):
            at = P - 1 + j
            if at >= length:
                break
            if j in spans:
                k = torch.arange(len(self.digits), dtype=torch.float)
                logits[:, at, self.digits] = -8 * (values[spans[j]][:, None] - k) ** 2
            else:
                token = self.tok.eos_token_id if ch == "\0" else self.tok.convert_tokens_to_ids(ch)
                logits[:, at, token] = 20.0
        return types.SimpleNamespace(logits=logits)


class _Block(nn.Module):
    def __init__(self, copy: bool = False):
        super().__init__()
        self.copy = copy

    def forward(self, x):
        x = x.clone()
        if self.copy:
            x[:, 6, 1] = 1 - x[:, 6, 0]  # newB = NOT D, at D's position
            x[:, 7, 2] = x[:, 6, 0]  # D, one position on
        return x


def test_on_a_model_that_holds_newB_in_one_place_iia_is_one_there_and_the_control_is_not():
    tok = tok_mod.build(SEED)
    model = _CopyModel(tok)
    # The hand-built model is right everywhere.
    tokens, _ = decoding.greedy(model, tok, SEED, SEED.all_states)
    assert decoding.decode_rows(tok, tokens) == [SEED.completion(s) for s in SEED.all_states]
    held = HeldOut.parse_list("1,0,1,0,1", SEED)
    out = ic.interchange(model, tok, SEED, held)["newB"]
    assert out["layers"] == ["emb", "0", "1"] and out["pairs"] == 512
    grid, control = out["iia"], out["control"]
    row = out["layers"].index("0")
    assert grid[row][6] == 1.0 and control[row][6] == 0.0
    best = out["best"]
    assert (best["layer"], best["position"], best["specific"]) == ("0", 6, True)
    assert best["iia"] == best["iia_trained"] == best["iia_held_out"] == best["iia_evaluation"] == 1.0
    assert best["control"] == 0.0 and best["specificity"]["do(D)"] == 0.0
    # At the embeddings, D's position carries D for sum1 too: newD follows, sum1 breaks it.
    emb = out["layers"].index("emb")
    assert grid[emb][6] == 0.0 and out["per_field"]["newD"][emb][6] == 1.0 and out["per_field"]["sum1"][emb][6] == 0.0
    # Elsewhere newB never moves (IIA 0). At another input's position the answer
    # changes where that input differs (half the pairs); anywhere else nothing changes.
    inputs = {2 * i for i in range(len(SEED.inputs))}
    for i, layer in enumerate(out["layers"]):
        for j, position in enumerate(out["positions"]):
            if (layer, position) not in (("0", 6), ("1", 6), ("emb", 6), ("0", 7), ("1", 7)):
                expected = 0.5 if position in inputs else 1.0
                assert grid[i][j] == 0.0 and control[i][j] == expected, (layer, position)
    assert grid[out["layers"].index("1")][6] == 1.0  # block 1 passes position 6 on unchanged
    # Fields written before the position are not decoded there, so not scored.
    assert out["per_field"]["newA"][row][10] is None and out["per_field"]["newA"][row][9] is not None


def test_alignment_search_finds_the_one_coordinate_where_the_whole_vector_fails():
    # After block 0, D's position holds [D, NOT D, 0] and sum1 reads D there:
    # swapping the whole vector breaks sum1; swapping one learned direction does not.
    tok = tok_mod.build(SEED)
    model = _CopyModel(tok, d_from=6)
    held = HeldOut.parse_list("1,0,1,0,1", SEED)
    prep = ic.prepare(model, tok, SEED, held)
    ps = ic.pair_set(prep, tok, "newB", ic.pairs_of(SEED, "newB"))
    whole = ic.score(tok, prep, ps, ic.patched_tokens(model, tok, prep, ps, "0", 6, ic.copy_source(prep, ps, "0", 6)), 6)
    assert not whole["matches"].any() and whole["per_field"]["newD"].all()
    found = alignment.search(model, tok, prep, ps, "0", 6, dims=1, steps=80, seed=0)
    assert found["iia_selection"] == found["iia_evaluation"] == found["iia_held_out"] == 1.0
    assert found["random_iia_evaluation"] < 0.5 and found["random_iia_held_out"] is not None


def test_inspect_iia_prints_the_heatmap_and_json_has_the_documented_keys(trained, workdir, capsys):
    assert tui_main(["inspect", "--iia", "--out-dir", str(trained.out)]) == 0
    out = capsys.readouterr().out
    assert "Interchange: where is newB held? (up to newD)" in out and "best site for newB" in out
    assert "control (patching changes nothing)" in out and "Control: pairs left unchanged" in out
    assert tui_main(["inspect", "--iia", "--variable", "newB", "--format", "json", "--out-dir", str(trained.out)]) == 0
    entry = json.loads(capsys.readouterr().out)["iia"]["newB"]
    for key in ("layers", "positions", "pairs", "iia", "per_field", "control", "best"):
        assert key in entry, key
    assert entry["layers"] == ["emb", "0", "1"] and entry["pairs"] == 512
    assert len(entry["iia"]) == 3 and len(entry["iia"][0]) == len(entry["positions"]) == 16
    assert set(entry["best"]) >= {"layer", "position", "iia_trained", "iia_held_out", "iia_selection",
                                  "iia_evaluation", "specific", "specificity"}
    assert entry["pairs_held_out"] == 16 and entry["pairs_trained"] == 496
    assert entry["split"] == {"seed": 0, "selection_pairs": 248, "evaluation_pairs": 248, "same_value_pairs": 256}
    assert len(entry["relative"]["iia"]) == 3 and set(entry["relative"]["per_field"]) >= {"newD", "sum2"}
    assert set(entry["best"]["specificity"]) == {"do(D)", "same value", "unchanged"}


@pytest.mark.parametrize("argv, message", [
    (["inspect", "--variable", "newB"], "--variable applies to interchange interventions: add --iia"),
    (["inspect", "--das"], "--das applies to interchange interventions: add --iia"),
    (["inspect", "--iia", "--das-dims", "2"], "--das-dims applies to the alignment search: add --das"),
    (["inspect", "--iia", "--variable", "newD"], "--variable newD: the intermediate variables of seed are newB"),
])
def test_iia_flags_that_do_not_apply_are_refused(trained, workdir, capsys, argv, message):
    assert tui_main([*argv, "--out-dir", str(trained.out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_shortcuts_give_exactly_the_plain_patched_runs(trained):
    # interchange_tokens runs each distinct patched run once, starts from the
    # base's cached prefix and settles unchanged rows from the patched block on:
    # every pair's completion must be what a plain whole-sequence patched run decodes.
    import copy

    loaded = loading.load(trained.final)
    model, tok = loaded.model, loaded.tokenizer
    prep = ic.prepare(model, tok, SEED, loaded.held_out)
    plain = copy.copy(prep)
    plain.kv = None
    ps = ic.pair_set(prep, tok, "newB", ic.pairs_of(SEED, "newB"))
    for layer, position in (("emb", 6), ("0", 6), ("0", 12), ("1", 11), ("1", 15), ("0", 0)):
        reference = ic.patched_tokens(model, tok, plain, ps, layer, position,
                                      ic.copy_source(prep, ps, layer, position), from_own=False)
        assert torch.equal(ic.interchange_tokens(model, tok, prep, ps, layer, position), reference), (layer, position)
