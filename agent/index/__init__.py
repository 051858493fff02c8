"""The index: articles and their chunks as vectors in Chroma, and the embedder that makes them.

Two modules, one job each:

* ``embed`` — text → unit vectors: the ``Embedder`` protocol, the offline ``LocalMiniLMEmbedder``
  (int8 ONNX MiniLM) and ``OpenAIEmbedder``; ``make_embedder`` picks one from the settings.
* ``store`` — the only module that talks to Chroma: ``Store`` (atomic per-article replace,
  recovery, dense search, listing), ``SearchFilters`` and the index-path helpers.

Nothing is re-exported here: importing the package stays free of numpy, onnxruntime and
chromadb until a module is used (``embed`` and ``store`` import their heavy libraries lazily).
"""
