"""The on-disk KV cache of system prompts (agent.models.prefix_cache).

Unit tests use a fake ``Llama`` (a character tokenizer, a list of "KV cells", llama.cpp's state
calls replaced) but llama-cpp-python's real chat-template handler, so the prompt capture is the
real one. The slow test runs three fresh processes on the real 0.5B model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.models import prefix_cache
from agent.models.prefix_cache import PrefixStore, common_prefix_len, entry_key, model_identity
from tests.gguf_files import write_gguf

# A ChatML template (what Qwen2.5's reduces to without tools), rendered by llama-cpp-python.
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SYSTEM = "You answer questions about news articles using only the passages you are given. " * 3


def _system(text: str = SYSTEM) -> dict[str, str]:
    return {"role": "system", "content": text}


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


class _FakeCtx:
    def __init__(self, llm: FakeLlama) -> None:
        self.ctx = llm  # the state functions below receive this "context" and find the cells
        self.memory = llm

    def kv_cache_seq_rm(self, seq_id: int, p0: int, p1: int) -> bool:
        owner: FakeLlama = self.ctx
        del owner.cells[p0:]
        return True


class FakeLlama:
    """What prefix_cache touches of a ``llama_cpp.Llama``: one character is one token."""

    def __init__(self, model_path: Path, n_ctx: int = 4096) -> None:
        from llama_cpp import llama_chat_format

        self.model_path = str(model_path)
        self._n_ctx = n_ctx
        self.chat_handler = llama_chat_format.Jinja2ChatFormatter(
            template=CHATML, eos_token="<|im_end|>", bos_token=""
        ).to_chat_handler()
        self.chat_format = None
        self._chat_handlers: dict[str, Any] = {}
        self.verbose = False
        self.input_ids = np.zeros(n_ctx, dtype=np.intc)
        self.n_tokens = 0
        self._requires_eval = True
        self.cells: list[int] = []  # the "KV cache": tokens of seq 0 at positions 0..
        self.evaluated: list[int] = []
        self._ctx = _FakeCtx(self)

    def n_ctx(self) -> int:
        return self._n_ctx

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        return [ord(c) for c in text.decode("utf-8")]

    def eval(self, tokens: list[int]) -> None:
        del self.cells[self.n_tokens :]
        self.cells.extend(tokens)
        self.evaluated.extend(tokens)
        self.input_ids[self.n_tokens : self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        self._requires_eval = False


@pytest.fixture
def fake_state(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """llama.cpp's sequence-state calls over ``FakeLlama.cells`` (4 bytes a cell, a 4-byte tag);
    ``refuse`` > 0 makes set_data refuse that many times, as for an incompatible state."""
    import llama_cpp

    knobs = {"refuse": 0, "restores": 0}
    tag = b"KV01"

    def get_size(ctx: FakeLlama, seq: int) -> int:
        return len(tag) + 4 * len(ctx.cells)

    def get_data(ctx: FakeLlama, dst: Any, size: int, seq: int) -> int:
        data = tag + np.asarray(ctx.cells, dtype="<i4").tobytes()
        for i, b in enumerate(data[:size]):
            dst[i] = b
        return min(size, len(data))

    def set_data(ctx: FakeLlama, src: Any, size: int, seq: int) -> int:
        data = bytes(src)[:size]
        if knobs["refuse"] > 0 or not data.startswith(tag):
            knobs["refuse"] = max(0, knobs["refuse"] - 1)
            return 0
        knobs["restores"] += 1
        ctx.cells = np.frombuffer(data[len(tag) :], dtype="<i4").tolist()
        return size

    def pos_min(mem: FakeLlama, seq: int) -> int:
        return 0 if mem.cells else -1

    def pos_max(mem: FakeLlama, seq: int) -> int:
        return len(mem.cells) - 1

    monkeypatch.setattr(llama_cpp, "llama_state_seq_get_size", get_size)
    monkeypatch.setattr(llama_cpp, "llama_state_seq_get_data", get_data)
    monkeypatch.setattr(llama_cpp, "llama_state_seq_set_data", set_data)
    monkeypatch.setattr(llama_cpp, "llama_memory_seq_pos_min", pos_min)
    monkeypatch.setattr(llama_cpp, "llama_memory_seq_pos_max", pos_max)
    return knobs


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "model.gguf")


def _store(tmp_path: Path, **kw: Any) -> PrefixStore:
    return PrefixStore(tmp_path / "kv", identity="model-a", **kw)


# --- keys --------------------------------------------------------------------------------------


def test_the_key_depends_on_every_token_and_on_the_model_identity() -> None:
    key = entry_key("model-a", [1, 2, 3])
    assert key == entry_key("model-a", [1, 2, 3]) and len(key) == 64
    assert key != entry_key("model-a", [1, 2, 4])
    assert key != entry_key("model-a", [1, 2])
    assert key != entry_key("model-a", [12, 3])  # not a plain concatenation of the digits
    assert key != entry_key("model-b", [1, 2, 3])


def test_the_identity_changes_with_the_model_file_the_context_and_the_library(model_file: Path) -> None:
    base = model_identity(model_file, 4096, "0.3.36")
    assert base == model_identity(model_file, 4096, "0.3.36")
    assert base != model_identity(model_file, 2048, "0.3.36")
    assert base != model_identity(model_file, 4096, "0.3.37")
    st = model_file.stat()
    os.utime(model_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    touched = model_identity(model_file, 4096, "0.3.36")
    assert touched != base
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    os.utime(model_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert model_identity(model_file, 4096, "0.3.36") not in (base, touched)


def test_common_prefix_len() -> None:
    assert common_prefix_len([1, 2, 3], [1, 2, 4], [1, 2, 3, 5]) == 2
    assert common_prefix_len([1, 2], [1, 2, 3]) == 2
    assert common_prefix_len([9], [1]) == 0
    assert common_prefix_len([], [1]) == 0


# --- the store ---------------------------------------------------------------------------------


def test_save_then_load_round_trips_the_state(tmp_path: Path) -> None:
    store = _store(tmp_path)
    state = bytes(range(256)) * 40
    path = store.save([5, 6, 7], state)
    assert path is not None and path == store.path_for([5, 6, 7]) and path.parent == tmp_path / "kv"
    loaded = store.load([5, 6, 7])
    assert loaded is not None and bytes(loaded) == state
    assert store.load([5, 6, 8]) is None  # another prefix: another key, no file
    assert not list((tmp_path / "kv").glob("*.tmp"))  # the temporary file was renamed


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "empty", "other tokens", "other model", "trailing bytes"],
)
def test_a_damaged_or_foreign_entry_is_ignored_and_deleted(tmp_path: Path, damage: str) -> None:
    store = _store(tmp_path)
    path = store.save([1, 2, 3], b"s" * 1000)
    assert path is not None
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:-10])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "trailing bytes":
        path.write_bytes(data + b"x")
    else:  # a valid entry of other tokens / another model, found under this entry's name
        other = (
            _store(tmp_path / "o").save([1, 2, 4], b"s" * 1000)
            if damage == "other tokens"
            else PrefixStore(tmp_path / "o", identity="model-b").save([1, 2, 3], b"s" * 1000)
        )
        assert other is not None
        path.write_bytes(other.read_bytes())
    assert store.load([1, 2, 3]) is None
    assert not path.exists()


def test_an_unwritable_folder_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "kv").write_text("a file where the folder should be")
    store = _store(tmp_path)
    assert store.save([1, 2], b"state") is None
    assert store.load([1, 2]) is None


def test_the_folder_keeps_the_most_recently_used_entries(tmp_path: Path) -> None:
    store = _store(tmp_path, max_entries=3)
    paths = []
    for i in range(3):
        path = store.save([i], b"x" * 100)
        assert path is not None
        os.utime(path, (1000 + i, 1000 + i))  # distinct, increasing times
        paths.append(path)
    assert store.load([0]) is not None  # used: now the most recent
    store.save([3], b"x" * 100)
    kept = sorted(p.name for p in (tmp_path / "kv").glob("*.bin"))
    assert kept == sorted([paths[0].name, paths[2].name, store.path_for([3]).name])


def test_the_folder_stays_under_its_byte_cap_but_keeps_the_new_entry(tmp_path: Path) -> None:
    store = _store(tmp_path, max_bytes=2500)
    for i in range(4):
        path = store.save([i], b"x" * 1000)
        assert path is not None
        os.utime(path, (1000 + i, 1000 + i))
    assert {p.name for p in (tmp_path / "kv").glob("*.bin")} == {
        store.path_for([2]).name,
        store.path_for([3]).name,
    }
    big = store.save([9], b"x" * 5000)  # larger than the cap on its own: still written
    assert big is not None and big.exists()
    assert [p.name for p in (tmp_path / "kv").glob("*.bin")] == [big.name]


def test_stale_temporary_files_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (tmp_path / "kv").mkdir()
    stale, fresh = tmp_path / "kv" / ".dead.tmp", tmp_path / "kv" / ".writing.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 2 * prefix_cache.STALE_TEMP_SECONDS
    os.utime(stale, (old, old))
    store.save([1], b"state")
    assert not stale.exists() and fresh.exists()


# --- the prompt's tokens -----------------------------------------------------------------------


def test_prompt_tokens_are_those_the_chat_handler_would_evaluate(model_file: Path) -> None:
    llm = FakeLlama(model_file)
    tokens = prefix_cache.prompt_tokens(llm, [_system("Be brief."), _user("Hi")])
    expected = (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert tokens == [ord(c) for c in expected]
    assert llm.evaluated == [] and llm.n_tokens == 0  # formatting evaluated nothing


def test_the_system_prefix_ends_where_the_users_words_begin(model_file: Path) -> None:
    llm = FakeLlama(model_file)
    prefix = prefix_cache.system_prefix(llm, [_system(), _user("What happened?")])
    expected = f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n"
    assert prefix == [ord(c) for c in expected]
    # the same prefix whatever the question, even one starting like a probe
    assert prefix_cache.system_prefix(llm, [_system(), _user("xylophones?")]) == prefix
    assert prefix_cache.system_prefix(llm, [_system(), _user("y")]) == prefix


def test_no_prefix_without_a_long_system_message_or_when_the_prompt_cannot_fit(model_file: Path) -> None:
    llm = FakeLlama(model_file)
    assert prefix_cache.system_prefix(llm, [_user("Hi")]) is None
    assert prefix_cache.system_prefix(llm, []) is None
    assert prefix_cache.system_prefix(llm, [_system("Short."), _user("Hi")]) is None
    assert prefix_cache.system_prefix(FakeLlama(model_file, n_ctx=200), [_system(), _user("Hi")]) is None


def test_a_handler_that_needs_the_model_gives_no_prefix(model_file: Path) -> None:
    llm = FakeLlama(model_file)

    def decoding_handler(*, llama: Any, messages: Any, **kw: Any) -> Any:
        llama.eval([1, 2, 3])  # e.g. a multimodal handler evaluating an image itself

    llm.chat_handler = decoding_handler
    assert prefix_cache.system_prefix(llm, [_system(), _user("Hi")]) is None
    assert llm.evaluated == []


# --- restore or save ---------------------------------------------------------------------------


def test_a_first_process_saves_the_prefix_and_the_next_restores_it(
    tmp_path: Path, model_file: Path, fake_state: dict[str, int]
) -> None:
    messages = [_system(), _user("What happened?")]
    first = FakeLlama(model_file)
    outcome = prefix_cache.prepare(first, messages, prefix_cache.store_for(first, tmp_path / "kv"))
    prefix = prefix_cache.system_prefix(first, messages)
    assert prefix is not None
    assert outcome.startswith(f"saved {len(prefix)} tokens")
    assert first.evaluated == prefix and first.n_tokens == len(prefix)  # evaluated ahead, once
    assert len(list((tmp_path / "kv").glob("*.bin"))) == 1

    second = FakeLlama(model_file)
    other = [_system(), _user("Who won?")]
    outcome = prefix_cache.prepare(second, other, prefix_cache.store_for(second, tmp_path / "kv"))
    assert outcome.startswith(f"restored {len(prefix)} tokens")
    assert second.evaluated == []
    assert second.n_tokens == len(prefix) and second.cells == prefix
    assert second.input_ids[: len(prefix)].tolist() == prefix
    assert second._requires_eval is True  # no logits restored: generate must decode first


def test_nothing_happens_on_a_warm_cache_or_for_another_model(
    tmp_path: Path, model_file: Path, fake_state: dict[str, int]
) -> None:
    messages = [_system(), _user("What happened?")]
    llm = FakeLlama(model_file)
    llm.eval([1, 2, 3])
    assert prefix_cache.prepare(llm, messages, prefix_cache.store_for(llm, tmp_path / "kv")).startswith(
        "skipped"
    )
    assert not (tmp_path / "kv").exists()

    saver = FakeLlama(model_file)
    prefix_cache.prepare(saver, messages, prefix_cache.store_for(saver, tmp_path / "kv"))
    bigger = FakeLlama(model_file, n_ctx=8192)  # another context size: another identity
    outcome = prefix_cache.prepare(bigger, messages, prefix_cache.store_for(bigger, tmp_path / "kv"))
    assert outcome.startswith("saved") and fake_state["restores"] == 0


def test_a_state_llama_cpp_refuses_is_replaced(
    tmp_path: Path, model_file: Path, fake_state: dict[str, int]
) -> None:
    messages = [_system(), _user("What happened?")]
    saver = FakeLlama(model_file)
    prefix_cache.prepare(saver, messages, prefix_cache.store_for(saver, tmp_path / "kv"))
    fake_state["refuse"] = 1
    llm = FakeLlama(model_file)
    outcome = prefix_cache.prepare(llm, messages, prefix_cache.store_for(llm, tmp_path / "kv"))
    assert outcome.startswith("saved")  # refused, deleted, evaluated and saved again
    assert llm.cells == llm.evaluated and llm.n_tokens == len(llm.evaluated)
    again = FakeLlama(model_file)
    assert prefix_cache.prepare(again, messages, prefix_cache.store_for(again, tmp_path / "kv")).startswith(
        "restored"
    )


def test_a_state_with_other_positions_is_not_trusted(
    tmp_path: Path, model_file: Path, fake_state: dict[str, int]
) -> None:
    messages = [_system(), _user("What happened?")]
    llm = FakeLlama(model_file)
    store = prefix_cache.store_for(llm, tmp_path / "kv")
    prefix = prefix_cache.system_prefix(llm, messages)
    assert prefix is not None
    short = b"KV01" + np.asarray(prefix[:-1], dtype="<i4").tobytes()  # one cell missing
    store.save(prefix, short)
    assert prefix_cache.prepare(llm, messages, store).startswith("saved")
    assert llm.cells == prefix and llm.evaluated == prefix


def test_a_failure_in_the_prefix_cache_never_fails_the_call(
    tmp_path: Path, model_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from agent.models.local import LocalChatModel

    def broken(*args: Any) -> str:
        raise RuntimeError("llama_decode returned -3")

    monkeypatch.setattr(prefix_cache, "prepare", broken)
    model = LocalChatModel(model_path=str(model_file), prefix_cache_dir=str(tmp_path / "kv"))
    llm = FakeLlama(model_file)
    model._reuse_saved_prefix(llm, [_system(), _user("Hi")])
    assert llm.n_tokens == 0 and llm._requires_eval
    assert "prefix cache not used" in caplog.text

    off = LocalChatModel(model_path=str(model_file))  # no folder: nothing is attempted
    off._reuse_saved_prefix(llm, [_system(), _user("Hi")])


# --- the setting -------------------------------------------------------------------------------


def test_the_setting_reaches_the_local_model(
    tmp_path: Path, model_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.models.local import LocalChatModel
    from agent.models.structured import get_chat_model
    from agent.settings import Settings

    common = {"provider": "local", "model_path": model_file, "cache_dir": tmp_path / "cache"}
    on = get_chat_model(Settings(**common))
    assert isinstance(on, LocalChatModel) and on.prefix_cache_dir == str(tmp_path / "cache" / "kv")
    off = get_chat_model(Settings(**common, prefix_cache=False))
    assert isinstance(off, LocalChatModel) and off.prefix_cache_dir is None
    monkeypatch.setenv("NEWSAGENT_MODELS__PREFIX_CACHE", "0")
    assert Settings().models.prefix_cache is False


# --- for real: three fresh processes on the 0.5B -------------------------------------------------

# Prints one JSON line: the answer, the prompt tokens llama.cpp evaluated (its own counter), the
# prompt's length and the prefix cache's debug lines.
_CHILD = r"""
import json, logging, sys
import llama_cpp
from langchain_core.messages import HumanMessage, SystemMessage
from agent.models.local import LocalChatModel
from agent.prompting import load_prompt
from agent.settings import Settings

model_path, kv_dir, question, mode = sys.argv[1:5]
lines = []
class Keep(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("prefix cache"):
            lines.append(record.getMessage())
logger = logging.getLogger("agent.models.local")
logger.setLevel(logging.DEBUG)
logger.addHandler(Keep())
model = LocalChatModel(
    model_path=model_path, n_ctx=2048, n_threads=Settings().models.threads, max_tokens=24,
    prefix_cache_dir=kv_dir or None,
)
messages = [SystemMessage(load_prompt("answer").system), HumanMessage(question)]
if mode == "stream":
    chunks = list(model.stream(messages))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk  # the usage rides on one chunk, not necessarily the last
    text, usage = str(total.content), total.usage_metadata
else:
    reply = model.invoke(messages)
    text, usage = str(reply.content), reply.usage_metadata
perf = llama_cpp.llama_perf_context(model._loaded().llm._ctx.ctx)
print(json.dumps({"text": text, "n_p_eval": perf.n_p_eval, "prompt_tokens": usage["input_tokens"],
                  "log": lines}))
"""

PASSAGE = (
    '<passage id="1" date="2026-03-12">[1] Heavy rain flooded the harbour district on Tuesday. '
    "[2] The council approved a 5% budget increase on Monday, citing road repairs.</passage>"
)


def _ask(model_path: Path, kv_dir: Path | None, question: str, mode: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(model_path), str(kv_dir or ""), question, mode],
        capture_output=True, text=True, timeout=600, env=env, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_a_new_process_restores_the_system_prompt_and_answers_the_same(tmp_path: Path) -> None:
    from agent.errors import ModelFileError
    from tests.llama_server import fast_model_path

    try:
        model_path = fast_model_path()
    except ModelFileError as exc:
        pytest.skip(f"the fast model is not installed: {exc}")
    kv = tmp_path / "kv"
    q1 = f"{PASSAGE}\n\nQuestion: What flooded on Tuesday?"
    q2 = f"{PASSAGE}\n\nQuestion: What did the council approve?"

    first = _ask(model_path, kv, q1, "invoke")
    saved = [line for line in first["log"] if line.startswith("prefix cache: saved ")]
    assert saved, first["log"]
    n_prefix = int(saved[0].split()[3])
    assert n_prefix >= 300  # the answer prompt's system message, ~465 tokens for Qwen
    assert first["n_p_eval"] >= first["prompt_tokens"]  # nothing to reuse: all evaluated
    assert len(list(kv.glob("*.bin"))) == 1

    second = _ask(model_path, kv, q2, "stream")
    restored = f"prefix cache: restored {n_prefix} tokens"
    assert any(line.startswith(restored) for line in second["log"]), second["log"]
    without = _ask(model_path, None, q2, "stream")
    assert not without["log"]
    assert second["prompt_tokens"] == without["prompt_tokens"]
    # llama.cpp's own count of evaluated prompt tokens: the restored prefix was not evaluated
    assert without["n_p_eval"] - second["n_p_eval"] == n_prefix, (second, without)
    assert second["text"] == without["text"] and second["text"].strip()
    print(
        f"\nprompt tokens evaluated: first process {first['n_p_eval']} of {first['prompt_tokens']}, "
        f"second {second['n_p_eval']} of {second['prompt_tokens']}, without the cache "
        f"{without['n_p_eval']} of {without['prompt_tokens']}; prefix {n_prefix} tokens"
    )
