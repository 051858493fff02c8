"""The package's one text layer: each shared text helper exists once, here.

``sentences`` (segmenter), ``numbers`` (digits, number words, amounts, figures), ``dates``
(dates a user types), ``fold`` (typography folding), ``fence`` (untrusted text in a prompt),
``hashing`` (content hashes, ids, file digests) and ``mentions`` (dates, quotes, speakers).
"""
