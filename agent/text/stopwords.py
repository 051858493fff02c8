"""The stop words every lexical "is this about the same thing?" check ignores.

One list, so the support check of answers (``agent.answer.support``), the briefing's sentence
pairing and the benchmarks' overlap judge agree on what a content word is.
"""

from __future__ import annotations

STOPWORDS = frozenset(
    (
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from",
        "with", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do",
        "does", "did", "not", "no", "it", "its", "this", "that", "these", "those", "there", "their",
        "they", "them", "he", "she", "his", "her", "him", "we", "our", "you", "your", "i", "me", "my",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "than", "then", "so",
        "such", "also", "very", "more", "most", "less", "least", "over", "under", "about", "into",
        "after", "before", "during", "while", "said", "says", "say", "will", "would", "could",
        "should", "can", "may", "might", "must", "just", "only", "other", "some", "any", "each", "all",
        "both", "one",
    )
)
