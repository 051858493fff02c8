"""Several articles → a cited ``Briefing``: storylines, an overview and what the sources disagree on.

One job per module, in the order a briefing goes through them:

* ``briefing`` — the entry point ``make_briefing``: select → group → write → disagreements.
* ``request`` — ``BriefingRequest``, what a briefing is asked for; ``articles`` — which articles
  it covers (topic or window).
* ``grouping`` — each article's key sentences and the storylines, without the model.
* ``sections`` — one cached call per storyline over its key sentences, cited by id.
* ``citing`` — what a briefing sentence may cite and state; citation numbers in reading order.
* ``conflicts`` — figure conflicts; ``claims`` — conflicting sentences, found by
  ``sentence_pairs``: the same sentence with one name or number changed.
* ``call_cache`` — structured calls cached by their exact input, so a repeated briefing makes none.

Depends on ``agent.summary`` (key sentences, notes, schemas, verification), never the other way round.
"""

from agent.brief.briefing import make_briefing
from agent.brief.request import BriefingRequest

__all__ = ["BriefingRequest", "make_briefing"]
