"""Looking inside a trained model: interventions on its own answers, its
attention, the logit lens, causal tracing, interchange interventions and
alignment search (the input-output graph is computed in science/graph.py).

Plain transformers and torch: the model's own outputs (`output_attentions`,
`output_hidden_states`) and forward hooks. Each function returns plain data
(what `causal-tui inspect --format json` prints); inspect.py gathers them.

May import: training, science, evaluation, settings, learners, data, store, systems, errors."""
