"""A learner of one's own, registered from this file alone: a one-layer GRU
language model, with its intervention sites (the embeddings at each
position). It trains, probes, is inspected and runs a 2-seed sweep through
the same paths as the built-in learners: nothing outside learners/ asks a
learner's name. (Sweep workers import this module by its name to know it.)"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput

import causal_tui as ct
from causal_tui.learners import registry
from causal_tui.learners.registry import Learner
from causal_tui.learners.sites import Sites


class ToyConfig(PretrainedConfig):
    model_type = "causal-tui-test-toy"

    def __init__(self, vocab_size: int = 16, n_embd: int = 32, **kwargs):
        self.vocab_size, self.n_embd = vocab_size, n_embd
        super().__init__(**kwargs)


class ToyLM(PreTrainedModel, GenerationMixin):
    config_class = ToyConfig

    def __init__(self, config: ToyConfig):
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.gru = nn.GRU(config.n_embd, config.n_embd, batch_first=True)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size)
        self.post_init()

    def forward(self, input_ids=None, labels=None, attention_mask=None, **kwargs):
        hidden, _ = self.gru(self.embed(input_ids))
        logits = self.lm_head(hidden)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                               labels[:, 1:].reshape(-1), ignore_index=-100)
        return CausalLMOutput(loss=loss, logits=logits)

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        return {"input_ids": input_ids}


AutoConfig.register(ToyConfig.model_type, ToyConfig, exist_ok=True)
AutoModelForCausalLM.register(ToyConfig, ToyLM, exist_ok=True)


def build(config, tokenizer, system) -> ToyLM:
    return ToyLM(ToyConfig(vocab_size=len(tokenizer), n_embd=config.n_embd, pad_token_id=tokenizer.pad_token_id,
                           eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.eos_token_id))


def _capture(model, ids):
    with torch.inference_mode():
        return {"emb": model.embed(ids).detach()}, None


@contextmanager
def _patching(model, patch):
    def hook(module, inputs, output):
        p = patch.at(output.shape[1])
        if p is None:
            return output
        output = output.clone()
        output[:, p] = patch.value(patch.rows, output[:, p]).to(output.dtype)
        return output

    handle = model.embed.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def sites(model) -> Sites:
    return Sites("toy", ["emb"], model.config.n_embd, True, _capture, _patching)


registry.register(Learner(name="toy", sizes={"n_embd": 32, "n_layer": 1}, build=build, model_type=ToyConfig.model_type,
                          module=__name__, reads_own_answers=True, sites=sites,
                          describe=lambda c: f"GRU {c.get('n_embd')}"))

SMALL = dict(arch="toy", epochs=4, lr=1e-2, batch_size=32, n_embd=64, until_perfect=True, precision="fp32", train_size=6000, valid_size=50,
             test_size=16)


def test_a_learner_registered_here_trains_probes_is_inspected_and_sweeps(workdir):
    run = ct.train("seed", holdout="1,0,1,0,1", progress=False, **SMALL)
    assert run.record["arch"] == "toy" and run.manifest["config"]["arch"] == "toy"
    assert len(run.probe) == 32 * 6 and run.report.exact(held_out=False)[1] == 31
    assert run.report.exact(held_out=False)[0] >= 20  # it learned most of its trained states

    report = ct.inspect(run, state="0,1,0,1,1", iia=True, variable="newB")
    assert report["arch"] == "toy"
    assert "not_applicable" in report["attention"]["newD"]  # it declares no attention
    assert isinstance(report["interventions"], list) and report["interventions"]  # it reads its own answers
    assert report["iia"]["newB"]["layers"] == ["emb"]  # its own sites

    sweep = ct.sweep("seed", holdout="A=1&C=1", seeds=2, jobs=2, progress=False, **SMALL)
    card = sweep.scorecard.raw
    assert card["seeds"] == [0, 1] and card["settings"]["config"]["arch"] == "toy"
    for k in (0, 1):
        seed = json.loads((sweep.folder / f"seed-{k}" / "probe.json").read_text())
        assert seed["iia"]["newB"]["layer"] == "emb"


def test_a_learner_that_does_not_read_its_answers_is_not_intervened_on():
    learner = registry.of_model(type("M", (), {"config": type("C", (), {"model_type": "causal-tui-mlp"})()})())
    assert learner.name == "mlp" and not learner.reads_own_answers and not learner.has_attention


@pytest.mark.parametrize("name", ["gpt2", "lstm", "mlp"])
def test_the_built_in_learners_declare_their_sites(name):
    assert registry.get(name).sites is not None
