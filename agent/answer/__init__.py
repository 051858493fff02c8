"""The question path after retrieval: passages + question → a verified, cited ``Answer``.

One job per module, in the order an answer goes through them:

* ``from_retrieval`` — what retrieval found → the ``Answer``: the refusals, and answers from the
  nearest or undated coverage labelled as such; what ``Agent.ask`` calls.
* ``ask`` — the LCEL chain: prompt (``prompts/answer.md``) → schema-constrained model call →
  verification; the retry when an answer cited nothing; ``answer_question``.
* ``evidence`` — passages shown as numbered sentences; ``verify`` turns the model's sentence ids
  into citations (quote = the cited sentences, verbatim at their span by construction).
* ``support`` — the pure check that a claim follows from its cited sentence *in context*.
* ``estimates`` — duration questions, whose best guess is shown labelled, never cited.
* ``markers`` — the ``[n]`` marker grammar; ``declines`` — "the passages do not say".
"""

from agent.answer.ask import answer_question, not_in_sources

__all__ = ["answer_question", "not_in_sources"]
