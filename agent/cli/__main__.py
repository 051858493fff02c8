"""``python -m agent.cli`` runs the CLI, as ``python -m agent`` does."""

from agent.cli import app

app()
