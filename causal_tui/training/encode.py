"""Token tensors for training: every state encoded once, rows gathered by index."""

from __future__ import annotations

from causal_tui.systems.system import System


def encode_states(tokenizer, system: System):
    """Every state's sequence (prompt, completion, eos) and its labels, as two
    [2**n, L] tensors in the order of system.all_states.

    Prompt positions are labelled -100 so the loss counts completion tokens
    (and the closing eos) only. Where completions differ in length (a sum
    of 10 or more takes two digits) shorter ones are padded at the end, with
    -100 labels: a causal model never looks ahead, so padding after the eos
    changes nothing before it. The seed's completions are all 12 characters:
    no padding at all."""
    import torch

    length = system.sequence_length
    rows, labels = [], []
    for s in system.all_states:
        ids = tokenizer.convert_tokens_to_ids(list(system.prompt(s) + system.completion(s))) + [tokenizer.eos_token_id]
        pad = length - len(ids)
        rows.append(ids + [tokenizer.pad_token_id] * pad)
        labels.append([-100] * system.prompt_length + ids[system.prompt_length:] + [-100] * pad)
    return torch.tensor(rows, dtype=torch.long), torch.tensor(labels, dtype=torch.long)


def encode_split(tokenizer, states, system: System):
    """Token ids and labels for a list of states, as two [N, L] tensors.

    Each state is encoded once and rows are gathered by index: no per-example
    Python work."""
    import torch

    table, table_labels = encode_states(tokenizer, system)
    index = {s: i for i, s in enumerate(system.all_states)}
    rows = torch.tensor([index[s] for s in states], dtype=torch.long)
    return table[rows], table_labels[rows]


class TensorExamples:
    """A map-style dataset over pre-built tensors.

    `__getitems__` lets the DataLoader fetch a whole batch with one index
    operation instead of 16 dict lookups and a collate."""

    def __init__(self, input_ids, labels):
        self.input_ids, self.labels = input_ids, labels

    def __len__(self):
        return len(self.input_ids)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "labels": self.labels[i]}

    def __getitems__(self, indices):
        import torch

        idx = torch.as_tensor(indices)
        return {"input_ids": self.input_ids[idx], "labels": self.labels[idx]}


def collate(batch):
    if isinstance(batch, dict):
        return batch
    from transformers import default_data_collator

    return default_data_collator(batch)
