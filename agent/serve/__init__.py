"""``agent serve``: the local web app over one ``Agent``.

* ``guard`` — which requests are answered: the bound Host, same-origin pages, the token.
* ``jobs`` — the one worker thread the model runs in, and the queue in front of it.
* ``app`` — the Starlette routes and the streamed pages (templates in agent/views/templates/serve).
"""
