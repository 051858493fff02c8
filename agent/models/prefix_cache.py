"""The KV state of a system prompt, kept on disk so a new process does not evaluate it again.

Each ``agent ask`` is a fresh process whose prompt opens with the same long system message, and
llama-cpp-python reuses a prefix only within one process. So the prefix's KV state (sequence 0,
megabytes) is saved to ``<cache_dir>/kv/<key>.bin`` when first evaluated and restored into an
empty KV cache in the next process, which evaluates only what follows. The prefix is what the
real prompt shares with two probes (the system message, then a user turn "x" or "y"), captured
from the Llama's own chat handler (``_PromptRecorder``), so no template is hard-coded.
Safe: ``Llama.generate`` keeps only the cached tokens that match the prompt, and every failure
(a bad file, a full disk, a handler this cannot run) falls back to evaluating the whole prompt.
One file per entry (magic line, JSON header with tokens and model identity, state bytes),
written to a temporary file and renamed; the folder keeps the newest ``MAX_ENTRIES`` (at most
``MAX_BYTES``).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.errors import NewsAgentError

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the file layout changes: the identity (and so every key) changes with it
MAGIC = b"newsagent-kv\n"
MIN_PREFIX_TOKENS = 64  # a shorter prefix costs less to evaluate than a file round trip is worth
MAX_ENTRIES = 8
MAX_BYTES = 512 * 1024 * 1024  # room for dozens of system prompts, or a few full contexts
STALE_TEMP_SECONDS = 3600  # a temporary file this old was left by a process that died mid-write
_PROBES = ("x", "y")


def model_identity(model_path: str | Path, n_ctx: int, library_version: str) -> str:
    """What a saved state depends on besides its tokens: the exact model file, the context size
    and the llama.cpp build. A changed file (size or mtime) or an upgraded library gets new keys,
    so an old state is never even tried against it."""
    path = Path(model_path).resolve()
    st = path.stat()
    return json.dumps(
        {
            "format": FORMAT,
            "model": str(path),
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "n_ctx": int(n_ctx),
            "llama_cpp": library_version,
        },
        sort_keys=True,
    )


def entry_key(identity: str, tokens: list[int]) -> str:
    """sha256 of the identity and the exact token ids: two prompts share an entry only if llama.cpp
    would have evaluated the very same tokens with the very same model."""
    digest = hashlib.sha256(identity.encode("utf-8"))
    digest.update(b"\0")
    digest.update(",".join(str(int(t)) for t in tokens).encode("ascii"))
    return digest.hexdigest()


def common_prefix_len(*sequences: list[int]) -> int:
    """How many leading tokens all the sequences share."""
    n = 0
    for column in zip(*sequences, strict=False):
        if any(t != column[0] for t in column[1:]):
            break
        n += 1
    return n


class PrefixStore:
    """Saved prefix states of one model (``identity``) in one folder, keyed by their tokens."""

    def __init__(
        self,
        folder: str | Path,
        identity: str,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.folder = Path(folder)
        self.identity = identity
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def path_for(self, tokens: list[int]) -> Path:
        return self.folder / f"{entry_key(self.identity, tokens)}.bin"

    def load(self, tokens: list[int]) -> bytearray | None:
        """The saved state for exactly these tokens, or None. A file that cannot be read back as
        the entry it claims to be is deleted (it would fail the same way next time)."""
        path = self.path_for(tokens)
        try:
            with open(path, "rb") as f:
                state = self._read_entry(f, tokens)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.debug("prefix cache: cannot read %s: %s", path, exc)
            return None
        if state is None:
            log.debug("prefix cache: %s is not a valid entry; deleting it", path)
            self._unlink(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruning removes the least recently used first
        return state

    def _read_entry(self, f: Any, tokens: list[int]) -> bytearray | None:
        if f.read(len(MAGIC)) != MAGIC:
            return None
        raw_len = f.read(4)
        if len(raw_len) != 4:
            return None
        (header_len,) = struct.unpack("<I", raw_len)
        try:
            header = json.loads(f.read(header_len))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(header, dict) or header.get("identity") != self.identity:
            return None
        if header.get("tokens") != tokens:
            return None
        size = header.get("state_bytes")
        if not isinstance(size, int) or size <= 0:
            return None
        state = bytearray(size)
        if f.readinto(state) != size or f.read(1):
            return None
        return state

    def save(self, tokens: list[int], state: bytes | bytearray | memoryview) -> Path | None:
        """Write the entry atomically (temporary file + rename; no fsync: ``load`` rejects a cut
        file), then prune the folder. The entry's path, or None when it could not be written."""
        path = self.path_for(tokens)
        header = json.dumps(
            {"identity": self.identity, "tokens": [int(t) for t in tokens], "state_bytes": len(state)}
        ).encode("utf-8")
        tmp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC)
                f.write(struct.pack("<I", len(header)))
                f.write(header)
                f.write(state)
            os.replace(tmp, path)
        except OSError as exc:
            log.debug("prefix cache: cannot write %s: %s", path, exc)
            if tmp is not None:
                self._unlink(Path(tmp))
            return None
        self.prune(keep=path)
        return path

    def discard(self, tokens: list[int]) -> None:
        self._unlink(self.path_for(tokens))

    def prune(self, keep: Path | None = None) -> None:
        """Keep the most recently used entries within ``max_entries`` and ``max_bytes`` (``keep``,
        the entry just written, always stays); delete temporary files left by dead writers."""
        now = time.time()
        entries: list[tuple[float, int, Path]] = []
        try:
            listing = list(self.folder.iterdir())
        except OSError:
            return
        for p in listing:
            try:
                st = p.stat()
            except OSError:
                continue
            if p.name.endswith(".tmp"):
                if now - st.st_mtime > STALE_TEMP_SECONDS:
                    self._unlink(p)
            elif p.suffix == ".bin":
                entries.append((st.st_mtime, st.st_size, p))
        entries.sort(key=lambda e: (e[2] != keep, -e[0]))  # ``keep`` first, then newest first
        total = 0
        for count, (_mtime, size, p) in enumerate(entries, start=1):
            total += size
            if p != keep and (count > self.max_entries or total > self.max_bytes):
                self._unlink(p)

    @staticmethod
    def _unlink(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


# --- the prompt's tokens, as llama-cpp-python's chat handler makes them -------------------------


class _Captured(NewsAgentError):
    """Control flow, never escapes this module: carries the captured prompt tokens out of the
    chat handler. A NewsAgentError like every exception class of the package."""

    def __init__(self, tokens: Any) -> None:
        super().__init__("prompt captured")
        self.tokens = tokens


class _NotLent(NewsAgentError):
    """The chat handler asked the recorder for more than formatting a prompt needs."""


class _PromptRecorder:
    """Stands in for the ``Llama`` in a chat-handler call: lends the handler the tokenizer and
    what formatting reads, and stops it at ``create_completion`` with the prompt's tokens. Nothing
    that could evaluate a token is lent, so a handler of another shape (one that decodes images
    itself) fails here and the cache is not used instead of doing real work twice."""

    _LENT = frozenset(
        {"tokenize", "detokenize", "token_bos", "token_eos", "verbose", "metadata", "n_ctx", "_model"}
    )

    def __init__(self, llm: Any) -> None:
        self._llm = llm

    def __getattr__(self, name: str) -> Any:
        if name in self._LENT:
            return getattr(self._llm, name)
        raise _NotLent(name)

    def create_completion(self, prompt: Any = None, **_kwargs: Any) -> Any:
        raise _Captured(prompt)


def _chat_handler(llm: Any) -> Any:
    """The handler ``Llama.create_chat_completion`` would use (same lookup order)."""
    from llama_cpp import llama_chat_format

    return (
        llm.chat_handler
        or llm._chat_handlers.get(llm.chat_format)
        or llama_chat_format.get_chat_completion_handler(llm.chat_format)
    )


def prompt_tokens(llm: Any, messages: list[dict[str, Any]]) -> list[int] | None:
    """The token ids ``llm.create_chat_completion(messages=messages)`` would evaluate, or None
    when the chat handler cannot be run without the model."""
    try:
        _chat_handler(llm)(llama=_PromptRecorder(llm), messages=messages)
    except _Captured as captured:
        tokens = captured.tokens
        if isinstance(tokens, list) and all(isinstance(t, int) for t in tokens):
            return tokens
        return None  # a text prompt: create_completion would add BOS by its own rules
    except Exception as exc:  # any handler failure means only: no prefix cache for this call
        log.debug("prefix cache: cannot format the prompt without the model: %r", exc)
    return None


def system_prefix(llm: Any, messages: list[dict[str, Any]]) -> list[int] | None:
    """The prompt's leading tokens that depend only on its system message (what it shares with
    [system, user "x"] and [system, user "y"]), or None: no system message, a prefix too short
    to be worth a file, or the whole prompt."""
    first = messages[0] if messages else None
    if not isinstance(first, dict) or first.get("role") != "system":
        return None
    full = prompt_tokens(llm, messages)
    if full is None or len(full) >= int(llm.n_ctx()):  # create_completion would refuse it
        return None
    probes = [prompt_tokens(llm, [first, {"role": "user", "content": text}]) for text in _PROBES]
    if any(p is None for p in probes):
        return None
    n = common_prefix_len(full, *[p for p in probes if p is not None])
    if n < MIN_PREFIX_TOKENS or n >= len(full):
        return None
    return full[:n]


# --- llama.cpp state --------------------------------------------------------------------------


def _snapshot(llm: Any) -> memoryview | None:
    """Sequence 0's KV cells as bytes (the technique of ``LocalChatModel.keeping_prompt_cache``)."""
    import llama_cpp

    ctx = llm._ctx.ctx
    size = int(llama_cpp.llama_state_seq_get_size(ctx, 0))
    if size <= 0:
        return None
    buf = (ctypes.c_uint8 * size)()
    written = int(llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0))
    return memoryview(buf)[:written] if written > 0 else None


def _restore(llm: Any, tokens: list[int], state: bytearray) -> bool:
    """Put ``state`` into the (empty) KV cache as the evaluated ``tokens``; False when llama.cpp
    refuses it or it does not hold exactly ``len(tokens)`` cells."""
    import llama_cpp

    ctx = llm._ctx.ctx
    buf = (ctypes.c_uint8 * len(state)).from_buffer(state)
    ok = int(llama_cpp.llama_state_seq_set_data(ctx, buf, len(state), 0)) == len(state)
    if ok:
        mem = llm._ctx.memory
        ok = (
            int(llama_cpp.llama_memory_seq_pos_min(mem, 0)) == 0
            and int(llama_cpp.llama_memory_seq_pos_max(mem, 0)) == len(tokens) - 1
        )
    if not ok:
        forget(llm)
        return False
    llm.input_ids[: len(tokens)] = tokens
    llm.n_tokens = len(tokens)
    llm._requires_eval = True  # logits are not in the state: generate decodes before sampling
    return True


def forget(llm: Any) -> None:
    """Empty the KV cache and llama-cpp-python's view of it (after a failed restore)."""
    llm._ctx.kv_cache_seq_rm(-1, 0, -1)
    llm.n_tokens = 0
    llm._requires_eval = True


def prepare(llm: Any, messages: list[dict[str, Any]], store: PrefixStore) -> str:
    """Before a chat completion on an empty KV cache: restore the system prefix's saved state, or
    evaluate the prefix now (``generate`` then evaluates only the rest) and save its state.
    Returns what was done, for the debug log."""
    if int(llm.n_tokens) != 0:
        return "skipped: the KV cache is in use"
    if getattr(llm, "_is_recurrent", False) or getattr(llm, "_is_hybrid", False):
        return "skipped: a recurrent model's state cannot be cut back to a prefix"
    prefix = system_prefix(llm, messages)
    if prefix is None:
        return "skipped: no system prefix worth caching"
    state = store.load(prefix)
    if state is not None:
        if _restore(llm, prefix, state):
            return f"restored {len(prefix)} tokens from {store.path_for(prefix)}"
        log.debug("prefix cache: llama.cpp refused %s; deleting it", store.path_for(prefix))
        store.discard(prefix)
    llm.eval(prefix)
    snapshot = _snapshot(llm)
    if snapshot is None:
        return f"evaluated {len(prefix)} prefix tokens; llama.cpp gave no state to save"
    saved = store.save(prefix, snapshot)
    if saved is None:
        return f"evaluated {len(prefix)} prefix tokens; could not save them"
    return f"saved {len(prefix)} tokens to {saved}"


def store_for(llm: Any, folder: str | Path) -> PrefixStore:
    """The store for this loaded ``Llama`` (its file, context size and library build)."""
    import llama_cpp

    return PrefixStore(folder, model_identity(llm.model_path, llm.n_ctx(), llama_cpp.__version__))
