"""Looking inside a trained model: interventions on its own answers, its
input-output graph, attention, the logit lens and causal tracing.

Plain transformers and torch: the model's own outputs (`output_attentions`,
`output_hidden_states`) and forward hooks. Each function returns plain data
(what `causal-tui inspect --format json` prints); inspect.py gathers them.

May import: evaluation, settings, learners, data, store, systems, errors."""
