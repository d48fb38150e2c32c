"""do() on the model's own answers.

For each state and each field that another field's rule reads: take the
model's greedy completion up to and including that field's token, write the
other value there instead, and decode the rest greedily. For every later
field g whose rule reads fields: does g *follow* (equal its rule applied to
the answers after the intervention) or *ignore* (equal its answer without the
intervention)? A state is *informative* for g where those two differ. With
newD = A OR newB this tells apart a model that reads the newB it has just
written (follows) from one that computes newD from the inputs (ignores)."""

from __future__ import annotations

from collections import defaultdict

from causal_tui.evaluation import decoding
from causal_tui.interpret.common import Answers, model_answers
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System

def forced_fields(system: System) -> list[str]:
    """Fields some other field's rule reads: the ones worth forcing."""
    return [f for f in system.fields if any(f in system.reads[g] for g in system.fields)]


def intervene(model, tokenizer, system: System, held_out: HeldOut, answers: Answers | None = None) -> list[dict]:
    """One entry per (state, forced field) where the model wrote a bit there."""
    answers = answers or model_answers(model, tokenizer, system, system.all_states)
    entries: dict[tuple[int, str], dict] = {}
    for forced in forced_fields(system):
        later = [g for g in system.composed if system.fields.index(g) > system.fields.index(forced)]
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, text in enumerate(answers.texts):
            value, span = system.parse_completion(text)[forced]
            if value in (0, 1) and span is not None and span[1] - span[0] == 1:
                groups[span].append(i)
        for (start, end), rows in groups.items():
            prefix = answers.tokens[rows, :end].clone()
            for j, i in enumerate(rows):
                prefix[j, start] = tokenizer.convert_tokens_to_ids(str(1 - answers.fields[i][forced]))
            guess = decoding.completion_rows(tokenizer, system, [
                _follows_completion(system, answers.states[i], answers.fields[i], forced) for i in rows])
            tokens, _ = decoding.greedy(model, tokenizer, system, [answers.states[i] for i in rows], prefix=prefix,
                                     guess=guess)
            for i, text in zip(rows, decoding.decode_rows(tokenizer, tokens)):
                state, before = answers.states[i], answers.fields[i]
                after = system.read_fields(text)
                follows, informative = {}, {}
                for g in later:
                    rule = system.rule_on(g, state, after)
                    follows[g] = rule is not None and after[g] == rule
                    informative[g] = rule is not None and rule != before[g]
                entries[(i, forced)] = {
                    "state": system.format_state(state), "forced": forced, "value": 1 - before[forced],
                    "before": dict(before), "after": after, "follows": follows, "informative": informative,
                    "held_out": state in held_out,
                }
    order = {f: k for k, f in enumerate(system.fields)}
    return [entries[k] for k in sorted(entries, key=lambda k: (k[0], order[k[1]]))]


def _follows_completion(system: System, state, before: dict, forced: str) -> str:
    """What a model that reads what it wrote would write after the forced
    token: greedy's first guess (a model that follows then needs one pass)."""
    truth = system.truth(state)
    values = {f: truth[f] if v is None else v for f, v in before.items()}
    values[forced] = 1 - values[forced]
    for g in system.fields[system.fields.index(forced) + 1:]:
        rule = system.rule_on(g, state, values) if g in system.composed else None
        if rule is not None:
            values[g] = rule
    return system.completion_of(values)


def summarize(entries: list[dict]) -> dict:
    """Per (forced field, later field g): follows / ignores / neither over the
    informative states, trained and held-out apart."""
    out: dict = {}
    for e in entries:
        for g, informative in e["informative"].items():
            group = out.setdefault(e["forced"], {}).setdefault(g, {
                part: {"informative": 0, "follows": 0, "ignores": 0, "neither": 0} for part in ("trained", "held_out")})
            if not informative:
                continue
            counts = group["held_out" if e["held_out"] else "trained"]
            counts["informative"] += 1
            if e["follows"][g]:
                counts["follows"] += 1
            elif e["after"][g] == e["before"][g]:
                counts["ignores"] += 1
            else:
                counts["neither"] += 1
    return out
