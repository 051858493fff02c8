"""Results as HTML pages: self-contained files (``to_html``) and the pages of ``agent serve``.

* ``spans`` — an article's text cut into runs at its citations' character spans (pure).
* ``html`` — the Jinja2 templates in ``templates/`` rendered for a result; ``VIEWS`` maps each
  result type to its template.

Below ``agent.types``, whose ``to_html`` methods call ``html``: this package imports no result
type (it reads results by attribute), so no import goes in a circle. The web app that serves
these pages is ``agent.serve``.
"""
