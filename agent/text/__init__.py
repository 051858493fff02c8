"""The package's one text layer: each shared text helper exists once, here.

``sentences`` (segmenter), ``numbers`` (digits, number words, amounts, figures), ``dates``
(dates a user types), ``calendar_words`` (month and weekday names), ``fold`` (typography
folding), ``fence`` (untrusted text in a prompt), ``hashing`` (content hashes, ids, file
digests), ``mentions`` (dates, quotes, speakers), ``quotes`` (a quote's span in its article),
``stopwords`` and ``undecodable`` (strings carrying bytes that are not UTF-8).
"""
