"""The stop words every lexical "is this about the same thing?" check ignores.

One list, so the support check of answers (``agent.answer.support``), the briefing's sentence
pairing and the benchmarks' overlap judge agree on what a content word is. ``FUNCTION_WORDS``,
its core, is the list key-sentence selection's bag-of-words vectors drop (its weights were
chosen with it).
"""

from __future__ import annotations

FUNCTION_WORDS = frozenset(
    (
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as",
        "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its", "this", "that", "these",
        "those", "he", "she", "they", "his", "her", "their", "we", "you", "i", "not", "no", "said", "says",
        "will", "would", "could",
    )
)
STOPWORDS = FUNCTION_WORDS | frozenset(
    (
        "being", "do", "does", "did", "there", "them", "him", "our", "your", "me", "my",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "than", "then", "so",
        "such", "also", "very", "more", "most", "less", "least", "over", "under", "about", "into",
        "after", "before", "during", "while", "say", "should", "can", "may", "might", "must", "just",
        "only", "other", "some", "any", "each", "all", "both", "one",
    )
)
