"""What is new since the last digest: storylines, updates to earlier ones, every sentence cited.

A digest is a briefing with memory: it reuses the briefing's steps (``agent.brief``) and adds
wire-copy merging, continuity with earlier digests and figure changes. One job per module:

* ``digest`` — the entry point ``make_digest`` and ``DigestRequest``: the steps in order.
* ``window`` — where the window starts and which articles are in it (watch sightings, dates).
* ``copies`` — wire copy: one story republished by several outlets, found by shingle containment.
* ``storylines`` — copies merged into items, items grouped into storylines, storylines ranked.
* ``told`` — what earlier digests told, sentence by sentence; ``continuity`` — which earlier
  storyline a storyline continues; ``changes`` — figures that moved since then.
* ``footer`` — feeds checked, new articles and failures from the watch runs in the window.
* ``memory`` and ``store`` — a kept digest (the digest and what the next one compares with),
  one JSON file each.

Depends on ``agent.brief`` and ``agent.summary``, never the other way round; knows the watched
feeds only through the sightings and run reports it is given.
"""

from agent.digest.digest import MAX_ARTICLES, MAX_WRITTEN, DigestRequest, make_digest
from agent.digest.store import DigestStore, digest_folder

__all__ = ["MAX_ARTICLES", "MAX_WRITTEN", "DigestRequest", "DigestStore", "digest_folder", "make_digest"]
