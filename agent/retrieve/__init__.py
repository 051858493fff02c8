"""Retrieval: a question (asked as of a moment) → the passages an answer may cite.

``hybrid`` blends dense (Chroma) and BM25 scores; ``as_of`` applies the question's time phrase,
read by ``timephrase`` with the rules in ``timerules``, the words in ``timewords`` and the
calendar in ``windows`` (each importing only those after it). Nothing is re-exported here, so
the pure time-phrase reader does not pull in bm25s, numpy and the stemmer.
"""
