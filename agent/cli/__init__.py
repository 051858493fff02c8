"""The ``agent`` command line, one module per job (see agent/cli/app.py for the layout).

``app`` is exported here so the console scripts (``agent = "agent.cli:app"`` in pyproject.toml)
and ``python -m agent`` keep one stable import path.
"""

from agent.cli.app import app

__all__ = ["app"]
