"""Retrieval: a question (asked as of a moment) → the passages an answer may cite.

* ``hybrid`` — ``Retriever``: dense (Chroma) + BM25 scores blended, filtered, de-duplicated, gated
  for relevance and fitted to the prompt's token budget.
* ``as_of`` — ``retrieve_as_of``: retrieval that honours the question's time phrase and a replayed
  day (the window as a filter, widening soft windows, the nearest coverage for empty precise ones).
* ``timephrase`` — ``resolve_time``: a question's time phrase ("this week", "in March") → a
  ``TimeWindow``.

Nothing is re-exported here: ``timephrase`` is pure and fast, and importing it must not pull in
bm25s, numpy and the stemmer that ``hybrid`` needs.
"""
