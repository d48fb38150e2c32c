"""Everything `causal-tui inspect` and the Inspect screen show, as one plain-data report.

    {"system": ..., "model": folder, "arch": "gpt2",
     "interventions": [{"state", "forced", "value", "before", "after",
                        "follows", "informative", "held_out"}, ...],
     "intervention_summary": {forced: {g: {"trained"|"held_out":
                              {"informative", "follows", "ignores", "neither"}}}},
     "graph": {field: {input: {"pairs", "readable", "changes", "matches_truth"}}},
     "true_graph": {field: {"depends_on": [...], "changes_with": [...]}},
     "graph_mismatches": [[field, input], ...],
     # with a state:
     "state": "0,1,0,1,1", "completion": the model's own, "held_out": bool,
     "attention": {field: {"field", "position", "tokens", "parents", "rows", "weights"}},
     "logit_lens": {"layers", "fields": {field: [p per layer]}, "truth"},
     "tracing": {field: {input: {"field", "flipped", "tokens", "clean_answer",
                 "corrupted_answer", "clean_prob", "corrupted_prob", "layers",
                 "recovered_prob", "normalized_logit_diff", "note"}}},
     # with --iia:
     "iia": {variable: {"layers", "positions", "position_labels", "pairs", "readers",
             "iia", "iia_trained", "iia_held_out", "iia_selection", "iia_evaluation", "control",
             "per_field": {field: grid}, "per_field_trained", "per_field_held_out", "per_field_evaluation",
             "relative": {"iia", "iia_trained", "iia_held_out", "iia_selection", "iia_evaluation",
                          "per_field": {field: {"trained", "held_out", "evaluation": grid}}, "unreadable"},
             "specificity": {check: {"selection", "evaluation": grid}},
             "split": {"seed", "selection_pairs", "evaluation_pairs", "same_value_pairs"},
             "best": {"layer", "position", "iia_selection", "iia_evaluation", "specific", "specificity",
                      "relative", "strict", "per_field", "iia", "iia_trained", "iia_held_out", "control"},
             "das": {"dims", "sites": [...], "best"}}}}

A part that needs something the learner lacks (attention in an LSTM, a
sequence in an MLP) is {"not_applicable": "why"}."""

from __future__ import annotations

from causal_tui.errors import UserError
from causal_tui.science import graph as graph_mod
from causal_tui.interpret import internals, interventions
from causal_tui.interpret.common import learner_of, model_answers
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import State, System


def overview(model, tokenizer, system: System, held_out: HeldOut) -> dict:
    """Interventions and the input-output graph over every state."""
    answers = model_answers(model, tokenizer, system, system.all_states)
    predictions = {system.format_state(s): f for s, f in zip(answers.states, answers.fields)}
    learner = learner_of(model)
    out: dict = {"arch": learner.name}
    if learner.reads_own_answers:
        entries = interventions.intervene(model, tokenizer, system, held_out, answers)
        out["interventions"] = entries
        out["intervention_summary"] = interventions.summarize(entries)
    else:
        why = "this learner reads the inputs only and never its own answers: nothing to intervene on"
        out["interventions"] = {"not_applicable": why}
        out["intervention_summary"] = {"not_applicable": why}
    g = graph_mod.model_graph(system, predictions)
    truth = graph_mod.true_graph(system)
    out.update(graph=g, true_graph=truth, graph_mismatches=[list(m) for m in graph_mod.mismatches(system, g, truth)])
    out["_answers"] = answers  # for the per-state parts; dropped before printing
    return out


def one_state(model, tokenizer, system: System, state: State, completion: str,
              fields=None, flips=None) -> dict:
    """Attention, logit lens and tracing for one state: every field (or
    `fields`), tracing every input (or `flips`) of each."""
    fields = list(fields or system.fields)
    out: dict = {}

    def guarded(fn):
        try:
            return fn()
        except internals.NotApplicable as e:
            return {"not_applicable": str(e)}
        except ValueError as e:  # the model's completion lacks that field
            return {"not_applicable": str(e)}

    out["attention"] = {f: guarded(lambda f=f: internals.attention(model, tokenizer, system, state, f, completion))
                        for f in fields}
    out["logit_lens"] = guarded(lambda: internals.logit_lens(model, tokenizer, system, state))
    out["tracing"] = {f: {v: guarded(lambda f=f, v=v: internals.trace(model, tokenizer, system, state, f, v, completion))
                          for v in (flips or system.inputs)} for f in fields}
    return out


def iia(model, tokenizer, system: System, held_out: HeldOut, variables=None, das: bool = False, das_dims: int = 1,
        answers=None, progress=None) -> dict:
    """{variable: interchange grids and best site (interchange.py), with
    "das" (alignment.py) when asked}. `progress(text)` as it goes."""
    from causal_tui.interpret import alignment, interchange

    names = list(variables or interchange.variables(system))
    if not names:
        return {}
    prep = interchange.prepare(model, tokenizer, system, held_out, answers)
    report = interchange.interchange(model, tokenizer, system, held_out, names, prep=prep,
                                     progress=_estimating(progress, "interchange"))
    if das:
        for v in names:
            ps = interchange.pair_set(prep, tokenizer, v, interchange.pairs_of(system, v))
            report[v]["das"] = alignment.das(model, tokenizer, system, v, prep, ps, das_dims,
                                             progress=_estimating(progress, f"alignment search for {v}"))
    return report


def _estimating(progress, what: str):
    """`progress(done, total)` as a line with the time left, measured on the sites done so far."""
    if progress is None:
        return None
    import time

    started = time.perf_counter()
    progress(f"{what}: starting")

    def tell(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        left = elapsed / done * (total - done) if done else None
        estimate = "" if left is None or done == total else f", about {_duration(left)} left"
        progress(f"{what}: site {done} of {total}{estimate}")

    return tell


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def inspect(model, tokenizer, system: System, held_out: HeldOut, state: State | None = None,
            fields=None, flips=None, with_iia: bool = False, variables=None, das: bool = False,
            das_dims: int = 1, progress=None) -> dict:
    report = overview(model, tokenizer, system, held_out)
    answers = report.pop("_answers")
    report["system"] = system.summary()
    if with_iia:
        report["iia"] = iia(model, tokenizer, system, held_out, variables, das, das_dims, answers, progress)
    if state is not None:
        completion = answers.texts[answers.states.index(state)]
        report.update(state=system.format_state(state), completion=completion, held_out=state in held_out)
        report.update(one_state(model, tokenizer, system, state, completion, fields, flips))
    return report


def inspect_saved(folder, state_text: str | None = None, field: str | None = None, flip: str | None = None) -> dict:
    """`inspect` of the model saved in `folder` for one state, one field and
    one input to flip (defaults: the first composed field, default_flip), as
    plain data: the dashboard runs it in its helper process (the model stays
    loaded there). The report says which field and flip it used ("field", "flip")."""
    from causal_tui.interpret.request import InspectRequest
    from causal_tui.learners import loading

    loaded = loading.load_cached(folder)
    system = loaded.system
    request = InspectRequest(folder=folder, state=state_text, field=field if field in system.fields else None,
                             flip=flip if flip in system.inputs else None)
    state, field, flip = request.checked_against(system)
    if request.field is None and state is not None:
        field = default_field_at(system, state, field)
    flip = flip or default_flip(system, state, field)
    report = inspect(loaded.model, loaded.tokenizer, system, loaded.held_out, state, [field], [flip])
    report.update(model=str(folder), field=field, flip=flip)
    return report


def default_field_at(system, state, preferred: str) -> str:
    """The field tracing starts on at this state: `preferred` (the first composed
    field) where flipping some input changes its truth there, else the first
    field where one does (newD is 1 whatever is flipped at 1,0,1,0,1: nothing to recover)."""
    def moves(field: str) -> bool:
        return any(system.truth(state[:i] + (1 - state[i],) + state[i + 1:])[field] != system.truth(state)[field]
                   for i in range(len(state)))

    if moves(preferred):
        return preferred
    return next((f for f in [*system.composed, *system.fields] if moves(f)), preferred)


def default_flip(system, state, field: str) -> str:
    """The input to flip for tracing: the first whose flip changes the field's
    truth at this state (else the first it depends on, else the first input)."""
    if state is not None:
        for i, v in enumerate(system.inputs):
            flipped = state[:i] + (1 - state[i],) + state[i + 1:]
            if system.truth(flipped)[field] != system.truth(state)[field]:
                return v
    return system.depends_on[field][0] if system.depends_on[field] else system.inputs[0]


def iia_saved(folder, progress_file=None) -> dict:
    """`iia` of the model saved in `folder`, as plain data: the dashboard runs
    it in its helper process, which writes its progress line (sites done,
    time left) to `progress_file` for the dashboard to show."""
    from causal_tui.learners import loading

    def tell(line: str) -> None:
        try:
            with open(progress_file, "w") as f:  # a line half written is read again in half a second
                f.write(line)
        except OSError:
            pass  # progress is a courtesy, never a reason to fail

    loaded = loading.load_cached(folder)
    return iia(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out,
               progress=tell if progress_file else None)


def run_inspect(request, progress=None) -> tuple[dict, object, str, str]:
    """What `request` (request.InspectRequest) asks for, from the saved model:
    (the report, the loaded model, the field and the input to flip the
    per-state views show). The command line and `ct.inspect` call this."""
    from causal_tui.learners import loading

    loaded = loading.load(request.folder, request.device)
    system = loaded.system
    state, field, flip = request.checked_against(system)
    if request.das and request.das_dims > loaded.model.config.n_embd * 2:
        raise UserError(f"--das-dims {request.das_dims}: a site of this model has at most "
                        f"{loaded.model.config.n_embd * 2} dimensions")
    flip = flip or default_flip(system, state, field)
    fields, flips = (None, None) if request.every_field else ([field], [flip])
    report = inspect(loaded.model, loaded.tokenizer, system, loaded.held_out, state, fields, flips,
                     with_iia=request.iia, variables=[request.variable] if request.variable else None,
                     das=request.das, das_dims=request.das_dims, progress=progress)
    if request.spectrum:
        report["spectrum"] = spectrum_of(loaded.model, loaded.tokenizer, system, loaded.held_out)
    report["model"] = str(request.folder)
    return report, loaded, field, flip


def spectrum_of(model, tokenizer, system: System, held_out: HeldOut) -> dict:
    """The learned function's spectrum (science/spectrum.py) from the model's own probe."""
    from causal_tui.evaluation import probe
    from causal_tui.science import spectrum

    report = probe.run(model, tokenizer, system, held_out)
    probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
    # A regression head's own values (by value, not by its probabilities' clipped reading).
    raw = model.field_values(tokenizer, system, system.all_states) if hasattr(model, "field_values") else None
    return spectrum.of_model(system, held_out, report.predictions(), probabilities, raw=raw)
