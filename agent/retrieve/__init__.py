"""Retrieval: a question (asked as of a moment) → the passages an answer may cite.

* ``hybrid`` — ``Retriever``: dense (Chroma) + BM25 scores blended, filtered, de-duplicated, gated
  for relevance and fitted to the prompt's token budget.
* ``as_of`` — ``retrieve_as_of``: retrieval that honours the question's time phrase and a replayed
  day (the window as a filter, widening soft windows, the nearest coverage for empty precise ones).

Reading a time phrase ("this week", "in March") into a window, in four modules, each importing
only those below it:

* ``timephrase`` — ``resolve_time`` / ``strip_time_phrase``: runs the rules over a question,
  rejects false positives and comparisons' baselines, chooses one phrase, caps the window;
* ``timerules`` — the phrase grammar: one pattern and one handler per kind of phrase;
* ``timewords`` — month, weekday and number words, the shared date fragments, the date reader;
* ``windows`` — ``TimeWindow`` (and ``widened``), plus the calendar arithmetic all of them share.

Nothing is re-exported here: ``timephrase`` is pure and fast, and importing it must not pull in
bm25s, numpy and the stemmer that ``hybrid`` needs.
"""
