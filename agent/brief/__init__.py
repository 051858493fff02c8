"""Several articles → a cited ``Briefing``: storylines, an overview and what the sources disagree on.

One job per module:

* ``brief`` — the entry point ``make_briefing`` and the summaries-based design
  (``briefing_from_summaries``): sections and overview written from summaries' notes.
* ``storyline`` — the default design: one cached call per storyline over its key sentences.
* ``storylines`` — articles grouped into storylines and their sentences picked, model-free.
* ``articles`` — which articles a briefing covers (topic or window).
* ``citing`` — what a briefing sentence may cite and state; citation numbers in reading order.
* ``conflicts`` — figure conflicts and conflicting claims; ``sentence_pairs`` — the model-free
  test for the same sentence with one name or number changed.
* ``call_cache`` — structured calls cached by their exact input, so a repeated briefing makes none.

Depends on ``agent.summary`` (notes, schemas, verification), never the other way round.
"""

from agent.brief.brief import make_briefing

__all__ = ["make_briefing"]
