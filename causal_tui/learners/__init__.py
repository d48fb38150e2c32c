"""The learners (GPT-2, an LSTM, an MLP) as Hugging Face models: their names and
default sizes, building one, registering them with the Auto classes, loading
a saved model folder, and the precision a model object runs in.

May import: data, store, systems, errors."""
