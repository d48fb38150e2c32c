"""The learners (GPT-2, an LSTM, an MLP, and any registered) as Hugging Face
models, each declaring what it can do and its intervention sites; building
one, registering them with the Auto classes, loading a saved model folder,
and the precision a model object runs in.

May import: data, store, systems, errors."""
