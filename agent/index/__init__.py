"""The index: articles and their chunks as vectors in Chroma, and the embedder that makes them.

Five modules, one job each:

* ``embed`` — text → unit vectors: the ``Embedder`` protocol, the offline ``LocalMiniLMEmbedder``
  (int8 ONNX MiniLM) and ``OpenAIEmbedder``; ``make_embedder`` picks one from the settings.
* ``store`` — the only module that reads and writes the Chroma collections: ``Store`` (atomic
  per-article replace, recovery, dense search, listing).
* ``client`` — the Chroma connection (embedded or server) and the index-path helpers.
* ``records`` — ``Article``/``Chunk`` ↔ Chroma metadata, and the stored content hash.
* ``filters`` — ``SearchFilters`` (the ``where`` clause) and ``to_ts``.

Nothing is re-exported here: importing the package stays free of numpy, onnxruntime and
chromadb until a module is used (``embed`` and ``client``/``store`` import their heavy libraries lazily).
"""
