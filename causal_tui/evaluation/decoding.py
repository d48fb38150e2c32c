"""Greedy decoding of every state at once, exactly: verify-and-correct passes
over guessed completions, cached one-token decoding where many rows are
wrong, and the teacher-forced exactness check behind --until-perfect."""

from __future__ import annotations

from causal_tui.learners import runtime
from causal_tui.systems.system import System


def encode_prompts(tokenizer, system: System, states):
    """The prompts' token ids: each bit's token, a comma's between (what
    tokenizing system.prompt(state) gives, without a tokenizer call per state)."""
    import torch

    zero, one, comma = tokenizer.convert_tokens_to_ids(["0", "1", ","])
    bits = torch.tensor(list(states), dtype=torch.long).reshape(-1, len(system.inputs))
    ids = torch.full((len(bits), system.prompt_length), comma, dtype=torch.long)
    ids[:, 0::2] = torch.where(bits == 1, one, zero)
    return ids


def target_rows(tokenizer, system: System, states):
    """The true completion of each state followed by eos, padded to the longest
    completion plus one: the first guess of `greedy`, as token ids."""
    return completion_rows(tokenizer, system, [system.completion(s) for s in states])


def completion_rows(tokenizer, system: System, completions):
    """Completion texts followed by eos, padded (or cut) to the longest
    completion plus one, as token ids: guesses for `greedy`."""
    import torch

    length = system.completion_length + 1
    rows, seen = [], {}
    for text in completions:
        row = seen.get(text)  # few distinct completions: each encoded once
        if row is None:
            ids = (tokenizer.convert_tokens_to_ids(list(text)) + [tokenizer.eos_token_id])[:length]
            row = seen[text] = ids + [tokenizer.pad_token_id] * (length - len(ids))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.long)


SMALL_REMAINDER = 16
"""After the first verify pass, at most this many unfinished rows go on by
verify-and-correct passes over just those rows (cheap); more go on by
cached one-token-at-a-time decoding, which costs the same however wrong the
model is."""


def greedy(model, tokenizer, system: System, states, prefix=None, guess=None):
    """Greedy completions of every state at once, with the probability of each
    chosen token. Returns (token id rows, probability rows) as tensors of the
    longest completion plus one (the end-of-sequence token).

    First one verify-and-correct (Jacobi) pass: guess every completion (the
    truth), run one forward pass over all of them, and keep each row whose
    argmax agrees with its guess up to its first end-of-sequence token: for a
    model that is mostly right, that is all. The few rows left go on by more
    such passes over just those rows (each fixes at least one more position);
    many rows left (an untrained model) go on by cached incremental decoding.
    Both are exactly greedy decoding (a test compares with `generate`).

    `prefix`, if given, is a [N, k] tensor of completion tokens to force: the
    first k tokens of every row are taken as given (an intervention) and the
    rest is decoded greedily after them; their probabilities read as 1.

    `guess`, if given, replaces the truth as the first guess ([N, L] token ids
    from `completion_rows`): any guess gives the same result, a good one in
    fewer passes."""
    import torch

    device = model.device
    prompts = encode_prompts(tokenizer, system, states).to(device)
    guess = (target_rows(tokenizer, system, states) if guess is None else guess.clone()).to(device)
    fixed = 0
    if prefix is not None:
        fixed = prefix.shape[1]
        guess[:, :fixed] = prefix.to(device)
    eos = tokenizer.eos_token_id
    cached = _caches(model)
    kept = [] if cached else None
    with torch.inference_mode(), runtime.autocast(model):
        shared = _shared_prefix(model, prompts) if cached else None
        tokens, probs, pending = _verify_and_correct(model, prompts, guess, fixed, eos, system.prompt_length, 1,
                                                     past=shared, cache_out=kept)
        rows = pending.nonzero().flatten()
        if len(rows):
            if len(rows) <= SMALL_REMAINDER or not cached:
                sub_t, sub_p, _ = _verify_and_correct(model, prompts[rows], tokens[rows], fixed, eos,
                                                      system.prompt_length, guess.shape[1] + 1)
            else:
                # The first pass computed the prompt (and forced tokens) of every row: decoding
                # goes on from its cache instead of running the prompt again (most of the cost).
                kv = runtime.key_values(kept[0]) if kept else None
                begin = prompts.shape[1] + fixed - 1
                past = (runtime.prefix_cache(kv, rows, begin), begin) if kv is not None and begin > 0 else None
                sub_t, sub_p = _cached(model, prompts[rows], guess[rows, :fixed], guess.shape[1], eos, past=past)
            tokens[rows], probs[rows] = sub_t, sub_p
        return tokens.cpu().clone(), probs.cpu().clone()


def greedy_batch(model, prompts, guess, fixed: int, eos: int, prompt_length: int, before_pass=None, past=None,
                 verify_passes: int = 1):
    """Greedy completions of `prompts` ([N, P] ids) after `fixed` forced
    completion tokens, exactly: one verify-and-correct pass over every row,
    then, for the rows still wrong, more such passes (a few rows, or a model
    without a cache) or cached one-token decoding. `before_pass(rows, offset)`,
    if given, is told before every forward pass which rows (an index tensor)
    it runs and the position its first token stands at: a hook that changes
    one position's activation acts the same in each. `verify_passes`: how
    many passes before the rows left go on by cached decoding (more where the
    guess is usually nearly right). `past(rows)`, if given,
    returns (a key-value cache of those rows' first `start` positions, start):
    the passes then run from there on (the prefix they share is computed once).
    Returns the token id rows."""
    import torch

    tokens = guess.clone()
    rows = torch.arange(len(prompts), device=prompts.device)
    cached = _caches(model)
    with torch.inference_mode(), runtime.autocast(model):
        for done in range(guess.shape[1] + 1):  # each pass fixes at least one more position of each row
            prefix = past(rows) if past is not None else None
            if before_pass is not None:
                before_pass(rows, prefix[1] if prefix else 0)
            if cached and len(rows) > SMALL_REMAINDER and done >= verify_passes:
                sub, _ = _cached(model, prompts[rows], tokens[rows, :fixed], guess.shape[1], eos,
                                 on_step=None if before_pass is None else lambda offset: before_pass(rows, offset),
                                 past=prefix)
                tokens[rows] = sub
                break
            sub, _, pending = _verify_and_correct(model, prompts[rows], tokens[rows], fixed, eos, prompt_length, 1,
                                                  past=prefix)
            tokens[rows] = sub
            rows = rows[pending]
            if not len(rows):
                break
    return tokens


SHARED_FROM = 4
"""Prompt positions every row shares from which they are computed once."""


def _shared_prefix(model, prompts):
    """Where every prompt begins with the same tokens (a chunk of a large
    cube in truth-table order shares its first inputs: 16 of a 16-input
    prompt's 31 positions in a chunk of 256), those positions are computed
    once: (a cache of them for every row, their count); None where fewer than
    SHARED_FROM are shared or the model's cache is of another shape."""
    import torch

    if len(prompts) < 2:
        return None
    same = (prompts == prompts[:1]).all(0).long().cumprod(0)
    # The last prompt position is left to the pass: its logits are the first answer's.
    shared = min(int(same.sum()), prompts.shape[1] - 1)
    if shared < SHARED_FROM:
        return None
    kv = runtime.key_values(getattr(model(input_ids=prompts[:1, :shared], use_cache=True), "past_key_values", None))
    if kv is None:
        return None
    return runtime.prefix_cache(kv, torch.zeros(len(prompts), dtype=torch.long, device=prompts.device), shared), shared


def _caches(model) -> bool:
    """Whether the model can decode one token at a time from a key-value cache."""
    # A learner that declares a cache decodes from it whatever its config's
    # use_cache says (the Trainer saves it off); our LSTM and MLP have none.
    from causal_tui.learners import registry

    return bool(registry.of_model(model).uses_cache or getattr(model, "_supports_cache_class", False)
                or getattr(model.config, "use_cache", False))


def _verify_and_correct(model, prompts, guess, fixed: int, eos: int, prompt_length: int, passes: int, past=None,
                        cache_out: list | None = None):
    """Up to `passes` verify-and-correct passes. Returns (tokens, probabilities,
    rows not yet known to be greedy). `past`: (cache, start), see greedy_batch
    (one pass: a forward pass extends the cache). `cache_out`: a list that
    receives the first pass's key-value cache (its prompt part is every row's,
    whatever the guess)."""
    import torch

    length = guess.shape[1]
    positions = torch.arange(length, device=guess.device)
    start = prompt_length - 1
    pending = torch.ones(len(guess), dtype=torch.bool, device=guess.device)
    top_p = torch.ones(guess.shape, device=guess.device)
    with torch.inference_mode():
        for _ in range(passes):
            # The last guessed token predicts nothing we need: leave it out.
            ids = torch.cat([prompts, guess[:, :-1]], 1)
            keep = cache_out is not None and not cache_out
            if past is None:
                out = model(input_ids=ids, **({"use_cache": True} if keep else {}))
                logits = out.logits[:, start:]
            else:
                cache, begin = past
                out = model(input_ids=ids[:, begin:], past_key_values=cache, **({"use_cache": True} if keep else {}))
                logits = out.logits
                # Index i of these logits is position begin + i; keep those from `start` on, and
                # stand-ins before `begin` (forced tokens there: never compared).
                if begin > start:
                    logits = torch.cat([logits.new_zeros(len(ids), begin - start, logits.shape[-1]), logits], 1)
                else:
                    logits = logits[:, start - begin:]
            if keep:
                cache_out.append(getattr(out, "past_key_values", None))
            top_p, top = logits.float().softmax(-1).max(-1)
            guess, pending = correct(top, guess, fixed, eos)
            if not pending.any():
                break
    probs = torch.where(positions[None, :] < fixed, torch.ones_like(top_p), top_p)
    return guess, probs, pending


def correct(top, guess, fixed: int, eos: int):
    """One verify-and-correct step: `top` [N, L] is the argmax at each
    completion position given `guess`. Returns (the guess kept up to its first
    wrong position and `top` from there, rows that were wrong)."""
    import torch

    positions = torch.arange(guess.shape[1], device=guess.device)
    # Forced tokens stay; positions after a kept end-of-sequence do not matter.
    is_eos = (guess == eos).long()
    after_eos = (torch.cumsum(is_eos, 1) - is_eos) > 0
    wrong = (top != guess) & ~after_eos & (positions[None, :] >= fixed)
    pending = wrong.any(1)
    first = torch.where(pending, wrong.float().argmax(1), torch.full_like(pending, guess.shape[1], dtype=torch.long))
    return torch.where(positions[None, :] < first[:, None], guess, top), pending


def _cached(model, prompts, forced, length: int, eos: int, on_step=None, past=None):
    """Plain greedy decoding with the model's key-value cache, after `forced`
    completion tokens; stops early once every row has ended. `on_step(offset)`
    before each one-token step: the position that token stands at."""
    import torch

    fixed = forced.shape[1]
    tokens = [forced] if fixed else []
    probs = [torch.ones(forced.shape, device=prompts.device)] if fixed else []
    ended = (forced == eos).any(1) if fixed else torch.zeros(len(prompts), dtype=torch.bool, device=prompts.device)
    with torch.inference_mode():
        ids = torch.cat([prompts, forced], 1)
        if past is None:
            out = model(input_ids=ids, use_cache=True)
        else:
            out = model(input_ids=ids[:, past[1]:], past_key_values=past[0], use_cache=True)
        for step in range(length - fixed):
            p, t = out.logits[:, -1].float().softmax(-1).max(-1)
            tokens.append(t[:, None])
            probs.append(p[:, None])
            ended |= t == eos
            if ended.all() or step == length - fixed - 1:
                break
            if on_step is not None:
                on_step(prompts.shape[1] + fixed + step)
            out = model(input_ids=t[:, None], past_key_values=out.past_key_values, use_cache=True)
    done = torch.cat(tokens, 1)
    p = torch.cat(probs, 1)
    if done.shape[1] < length:  # every row ended: what would follow is never read
        pad = length - done.shape[1]
        done = torch.cat([done, torch.full((len(done), pad), eos, dtype=done.dtype, device=done.device)], 1)
        p = torch.cat([p, torch.ones((len(p), pad), device=p.device)], 1)
    return done, p


def decode_rows(tokenizer, token_rows) -> list[str]:
    """Token id rows as text, up to each row's end-of-sequence token ('?' for
    any other special token)."""
    special = set(tokenizer.all_special_ids)
    eos = tokenizer.eos_token_id
    texts, seen = [], {}
    for ids in map(tuple, token_rows.tolist()):
        text = seen.get(ids)  # a large cube's rows repeat a few completions: each decoded once
        if text is None:
            chars = []
            for t in ids:
                if t == eos:
                    break
                chars.append("?" if t in special else tokenizer.convert_ids_to_tokens(t))
            text = seen[ids] = "".join(chars)
        texts.append(text)
    return texts


def teacher_forced_exact(model, sequences, labels) -> bool:
    """Whether greedy decoding would reproduce every sequence's completion."""
    return bool(teacher_forced_rows(model, sequences, labels).all())


def teacher_forced_rows(model, sequences, labels):
    """Per sequence: would greedy decoding reproduce its completion?

    Greedy decoding yields the target if and only if, fed the target, the
    argmax at every completion position (through the eos) is the next target
    token: so one forward pass over [N, L] token ids checks all N states at
    once. `labels` marks those positions (-100 elsewhere: prompt, padding)."""
    return teacher_forced(model, sequences, labels)[0]


def teacher_forced(model, sequences, labels):
    """teacher_forced_rows, and each position's top probability: where a row
    is exact those are the probabilities greedy decoding gives its tokens."""
    import torch

    with torch.inference_mode(), runtime.autocast(model):
        logits = model(input_ids=sequences.to(model.device)).logits
    top_p, predicted = logits[:, :-1].float().softmax(-1).max(-1)
    target = labels[:, 1:].to(predicted.device)
    return ((predicted == target) | (target == -100)).all(1).cpu(), top_p.cpu()


def known_rows(system: System, sequences, top_p):
    """Greedy's (token ids, probabilities) rows of exact teacher-forced
    sequences: their completions (with eos) and the top probabilities there."""
    start, length = system.prompt_length, system.completion_length + 1
    return sequences[:, start:start + length], top_p[:, start - 1:start - 1 + length]
