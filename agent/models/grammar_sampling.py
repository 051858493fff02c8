"""Grammar-last sampling for the embedded model: schema-constrained output at free-text speed.

llama-cpp-python checks the grammar against the whole vocabulary before every pick, which on a
CPU costs about as much as the model. llama.cpp's own tools (``common_sampler_sample``) pick from
the unconstrained distribution, ask the grammar about that one token, and only when it is
refused constrain the whole vocabulary and pick again. Greedy decoding (temperature 0) gives the
same token either way, so the output is identical; with sampling the fallback draws from the
constrained distribution, as llama.cpp does. ``install(llm)`` wraps one ``Llama``'s sampler
factory (the private ``Llama._init_sampler`` of the pinned version; a real-model test checks
output and speed).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import weakref
from collections.abc import Callable
from typing import Any


class GrammarLastSampler:
    """A drop-in for ``llama_cpp._internals.LlamaSampler`` in ``Llama.generate``: ``sample``
    and ``close`` are all ``generate`` uses. ``fallbacks`` counts tokens the grammar rejected."""

    def __init__(self, free_chain: Any, model: Any, grammar: Any, n_vocab: int) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._llama_cpp = llama_cpp
        self._free = free_chain  # penalties + greedy/top-k/…/dist, without the grammar
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise ValueError("llama.cpp rejected the grammar")
        self._n_vocab = n_vocab
        self._all = _internals.LlamaTokenDataArray(n_vocab=n_vocab)
        self._one_data = (llama_cpp.llama_token_data * 1)()
        self._one = llama_cpp.llama_token_data_array(data=self._one_data, size=1, selected=-1, sorted=False)
        self.steps = 0
        self.fallbacks = 0

    def _pick(self, logits: Any, with_grammar: bool) -> int:
        """Run the chain (optionally after the grammar) over the full vocabulary."""
        self._all.copy_logits(logits)
        self._all.candidates.selected = -1
        candidates = ctypes.byref(self._all.candidates)
        if with_grammar:
            self._llama_cpp.llama_sampler_apply(self._grammar, candidates)
        self._llama_cpp.llama_sampler_apply(self._free.sampler, candidates)
        selected = int(self._all.candidates.selected)
        if selected < 0:
            raise RuntimeError("no token is allowed by the output grammar")
        return int(self._all.candidates.data[selected].id)  # through the pointer llama.cpp left

    def _allowed(self, token: int) -> bool:
        """Ask the grammar about one token (the cheap check that replaces the full-vocabulary one)."""
        self._one_data[0].id = token  # type: ignore[assignment]  # ctypes converts the int
        self._one_data[0].logit = 0.0
        self._one_data[0].p = 0.0
        self._one.size = 1
        self._one.selected = -1
        self._one.sorted = False
        self._llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(self._one))
        return not math.isinf(self._one_data[0].logit)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        import numpy as np

        self.steps += 1
        pointer = self._llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))
        token = self._pick(logits, with_grammar=False)
        if not self._allowed(token):
            self.fallbacks += 1
            token = self._pick(logits, with_grammar=True)
        self._llama_cpp.llama_sampler_accept(self._grammar, token)
        self._llama_cpp.llama_sampler_accept(self._free.sampler, token)
        return token

    def close(self) -> None:
        if self._grammar:
            self._llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None
        self._free.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: nothing left to free into
            self.close()


def install(llm: Any) -> None:
    """Make ``llm`` (a ``llama_cpp.Llama``) check its grammar after picking a token, not before.

    Generations with a custom ``logits_processor`` keep llama-cpp-python's own order (the
    processor must see the grammar-masked logits there)."""
    original: Callable[..., Any] = type(llm)._init_sampler
    owner = weakref.ref(llm)  # no llm -> closure -> llm cycle: unloading frees the model at once

    def init_sampler(**kwargs: Any) -> Any:
        this = owner()
        if this is None:  # pragma: no cover - the model is being freed
            raise RuntimeError("the model was unloaded")
        grammar = kwargs.pop("grammar", None)
        if grammar is None or kwargs.get("logits_processor") is not None:
            return original(this, grammar=grammar, **kwargs)
        free_chain = original(this, grammar=None, **kwargs)
        sampler = GrammarLastSampler(free_chain, this._model, grammar, this._n_vocab)
        this.last_grammar_sampler = sampler  # inspected by tests and benchmarks
        return sampler

    llm._init_sampler = init_sampler
