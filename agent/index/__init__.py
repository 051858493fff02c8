"""The index: articles and their chunks as vectors in Chroma, and the embedder that makes them.

``store`` is the only module that reads and writes the Chroma collections; ``embed`` makes the
vectors, ``client`` the connection. Nothing is re-exported here, so importing the package loads
no numpy, onnxruntime or chromadb.
"""
