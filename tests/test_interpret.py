"""Looking inside: interventions and the graph on hand-built models whose
answers are known, the internals on a trained model, --inspect, the Inspect screen."""

import json

import pytest
import torch
from stub_model import StubModel, ignores_what_it_wrote, or_instead_of_xor, reads_what_it_wrote

from causal_tui.data import tokenizer as tok_mod
from causal_tui.evaluation import decoding, probe
from causal_tui.science import graph as graph_mod
from causal_tui.interpret import internals, interventions
from causal_tui.learners import loading
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut

TOK = tok_mod.build(SEED)


def stub(answer):
    return StubModel(TOK, answer)


def test_the_stubs_answer_as_built():
    for s in SEED.all_states:
        for answer in (reads_what_it_wrote, ignores_what_it_wrote):
            tokens, _ = decoding.greedy(stub(answer), TOK, SEED, [s])
            assert decoding.decode_rows(TOK, tokens) == [SEED.completion(s)]


def summary_of(answer):
    return interventions.summarize(interventions.intervene(stub(answer), TOK, SEED, HeldOut((), SEED)))


def test_forcing_newB_a_model_that_reads_it_follows_and_one_that_does_not_ignores():
    # newD = A OR newB depends on newB only where A = 0: 16 informative states.
    h1, h2 = summary_of(reads_what_it_wrote), summary_of(ignores_what_it_wrote)
    assert h1["newB"]["newD"]["trained"] == {"informative": 16, "follows": 16, "ignores": 0, "neither": 0}
    assert h2["newB"]["newD"]["trained"] == {"informative": 16, "follows": 0, "ignores": 16, "neither": 0}
    # sum2 adds newA..newD: any forced bit changes it, in all 32 states.
    for forced in ("newA", "newB", "newC", "newD"):
        assert h1[forced]["sum2"]["trained"] == {"informative": 32, "follows": 32, "ignores": 0, "neither": 0}
        assert h2[forced]["sum2"]["trained"] == {"informative": 32, "follows": 0, "ignores": 32, "neither": 0}
    # newA and newC are read by sum2 only; newD is read by no later field but sum2.
    assert set(h1) == {"newA", "newB", "newC", "newD"} and set(h1["newD"]) == {"sum2"}
    assert h1["newA"]["newD"]["trained"]["informative"] == 0  # newD does not read newA


def test_intervention_entries_by_hand():
    entries = interventions.intervene(stub(reads_what_it_wrote), TOK, SEED, held_out=HeldOut([(0, 0, 0, 0, 0)], SEED))
    e = next(e for e in entries if e["state"] == "0,0,0,0,0" and e["forced"] == "newB")
    # 0,0,0,0,0: newB = 1, newD = 1, sum2 = 2. Forced newB = 0: newD = 0, sum2 = 0.
    assert e["value"] == 0 and e["held_out"]
    assert e["before"] == {"newA": 0, "newB": 1, "newC": 0, "newD": 1, "sum1": 0, "sum2": 2}
    assert e["after"] == {"newA": 0, "newB": 0, "newC": 0, "newD": 0, "sum1": 0, "sum2": 0}
    assert e["follows"] == {"newD": True, "sum2": True} and e["informative"] == {"newD": True, "sum2": True}
    assert len(entries) == 32 * 4


def test_the_graph_on_a_truthful_model_matches_the_truth_everywhere():
    predictions = {SEED.format_state(s): SEED.truth(s) for s in SEED.all_states}
    g = graph_mod.model_graph(SEED, predictions)
    assert g["newA"]["A"] == {"pairs": 16, "readable": 16, "changes": 16, "matches_truth": 16}
    assert g["newA"]["B"] == {"pairs": 16, "readable": 16, "changes": 0, "matches_truth": 16}
    # newD = A OR NOT D changes with A only where D = 1 (8 pairs), with D only where A = 0.
    assert g["newD"]["A"]["changes"] == 8 and g["newD"]["D"]["changes"] == 8
    truth = graph_mod.true_graph(SEED)
    assert truth["newD"] == {"depends_on": ["A", "D"], "changes_with": ["A", "D"]}
    assert graph_mod.mismatches(SEED, g, truth) == []


def test_the_graph_of_a_model_that_answers_or_for_xor():
    answers = {SEED.format_state(s): or_instead_of_xor(s, {}) for s in SEED.all_states}
    g = graph_mod.model_graph(SEED, answers)
    # A OR C changes with A only where C = 0 (8 of 16 pairs); there it changes as XOR does.
    assert g["newA"]["A"] == {"pairs": 16, "readable": 16, "changes": 8, "matches_truth": 8}
    mism = graph_mod.mismatches(SEED, g, graph_mod.true_graph(SEED))
    assert ("newA", "A") in mism and ("newA", "C") in mism and ("newA", "B") not in mism
    # sum2 follows its wrong newA: it changes with A and C as A OR C does, not as the truth.
    assert ("sum2", "A") in mism


def test_forcing_a_token_continues_as_generate_does(trained):
    loaded = loading.load(trained.final)
    entries = interventions.intervene(loaded.model, loaded.tokenizer, SEED, loaded.held_out)
    assert entries
    checked = 0
    for e in entries[:: max(1, len(entries) // 12)]:  # a dozen spread over states and fields
        state = SEED.parse_state(e["state"])
        own = probe.run(loaded.model, loaded.tokenizer, SEED, loaded.held_out).result(state).completion
        start = SEED.parse_completion(own)[e["forced"]][1][0]
        prefix = SEED.prompt(state) + own[:start] + str(e["value"])
        ids = torch.tensor([loaded.tokenizer.convert_tokens_to_ids(list(prefix))])
        out = loaded.model.generate(ids, max_new_tokens=SEED.sequence_length - len(prefix), do_sample=False,
                                    eos_token_id=loaded.tokenizer.eos_token_id,
                                    pad_token_id=loaded.tokenizer.pad_token_id)
        text = own[:start] + str(e["value"]) + loaded.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        assert SEED.read_fields(text) == e["after"], e
        checked += 1
    assert checked >= 10


def test_attention_rows_sum_to_one_and_point_at_the_parents(trained):
    loaded = loading.load(trained.final)
    state = (0, 1, 1, 0, 1)
    own = probe.run(loaded.model, loaded.tokenizer, SEED, loaded.held_out).result(state).completion
    att = internals.attention(loaded.model, loaded.tokenizer, SEED, state, "newD", own)
    n_rows = loaded.model.config.n_layer * loaded.model.config.n_head
    assert len(att["rows"]) == n_rows == len(att["weights"])
    for w in att["weights"]:
        assert len(w) == att["position"] + 1 and sum(w) == pytest.approx(1.0, abs=1e-4)
    # newD = A OR newB: A is prompt position 0; newB is the 2nd output, completion character 3.
    assert att["parents"] == [0, SEED.prompt_length + 3]
    assert loaded.model.config._attn_implementation != "eager"  # switched back after


def test_the_logit_lens_at_the_last_layer_is_the_models_own_probability(trained):
    loaded = loading.load(trained.final)
    state = (1, 1, 0, 0, 1)
    lens = internals.logit_lens(loaded.model, loaded.tokenizer, SEED, state)
    truth = SEED.completion(state)
    ids = torch.tensor([loaded.tokenizer.convert_tokens_to_ids(list(SEED.prompt(state) + truth))])
    with torch.inference_mode():
        probs = loaded.model(input_ids=ids).logits[0].softmax(-1)
    spans = SEED.parse_completion(truth)
    for f in SEED.fields:
        start = spans[f][1][0]
        own = float(probs[SEED.prompt_length + start - 1, loaded.tokenizer.convert_tokens_to_ids(truth[start])])
        assert lens["fields"][f][-1] == pytest.approx(own, abs=1e-5), f
        assert len(lens["fields"][f]) == loaded.model.config.n_layer + 1


def test_tracing_with_nothing_flipped_restores_everything(trained):
    loaded = loading.load(trained.final)
    state = (0, 0, 0, 1, 0)
    own = probe.run(loaded.model, loaded.tokenizer, SEED, loaded.held_out).result(state).completion
    tr = internals.trace(loaded.model, loaded.tokenizer, SEED, state, "newD", None, own)
    assert tr["clean_prob"] == tr["corrupted_prob"] and tr["normalized_logit_diff"] is None
    for row in tr["recovered_prob"]:
        assert row == pytest.approx([tr["clean_prob"]] * len(row), abs=1e-5)
    # Flipping D flips newB and so newD's truth: restoring the embeddings at D's position brings it all back.
    tr = internals.trace(loaded.model, loaded.tokenizer, SEED, state, "newD", "D", own)
    d_pos = 2 * SEED.inputs.index("D")
    assert tr["recovered_prob"][0][d_pos] == pytest.approx(tr["clean_prob"], abs=1e-5)
    assert len(tr["recovered_prob"]) == loaded.model.config.n_layer + 1


def test_inspect_json_from_the_command_line(trained, capsys):
    from causal_tui.cli.main import tui_main

    assert tui_main(["inspect", "1,0,1,0,1", "--format", "json", "--out-dir", str(trained.out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"interventions", "graph", "attention", "logit_lens", "tracing", "intervention_summary"} <= set(data)
    e = data["interventions"][0]
    assert set(e) == {"state", "forced", "value", "before", "after", "follows", "informative", "held_out"}
    assert data["graph"]["newA"]["A"].keys() >= {"pairs", "changes", "matches_truth"}
    assert set(data["attention"]) == set(SEED.fields) and set(data["tracing"]["sum2"]) == set(SEED.inputs)
    assert data["held_out"] is True and data["state"] == "1,0,1,0,1"
    assert any(e["held_out"] for e in data["interventions"])


def test_inspect_tables_and_bad_input(trained, capsys):
    from causal_tui.cli.main import tui_main

    assert tui_main(["inspect", "0,0,0,1,0", "--out-dir", str(trained.out), "--field", "newD"]) == 0
    out = capsys.readouterr().out
    for title in ("do() on its own answers", "Input-output graph", "Attention → newD", "Logit lens",
                  "Causal tracing: newD, A flipped"):
        assert title in out, title
    for argv, fragment in ((["inspect", "1,0,1"], "has 3 values"), (["inspect", "--field", "newZ"], "--field newZ"),
                           (["inspect", "--flip", "Q"], "--flip Q"), (["inspect", "--model", "nowhere"], "no model at")):
        assert tui_main([*argv, "--out-dir", str(trained.out)]) == 2
        err = capsys.readouterr().err
        assert fragment in err and len(err.strip().splitlines()) == 1, err


def test_tracing_starts_on_a_field_a_flip_can_change():
    from causal_tui.interpret.inspect import default_field_at, default_flip

    # At 1,0,1,0,1 newD = A OR NOT D is 1 whatever one input does: nothing to recover there.
    state = (1, 0, 1, 0, 1)
    field = default_field_at(SEED, state, "newD")
    assert field != "newD" and field in SEED.fields
    flip = default_flip(SEED, state, field)
    i = SEED.inputs.index(flip)
    assert SEED.truth(state[:i] + (1 - state[i],) + state[i + 1:])[field] != SEED.truth(state)[field]
    assert default_field_at(SEED, (0, 0, 1, 0, 1), "newD") == "newD"  # D flips it there
