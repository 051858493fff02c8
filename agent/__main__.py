"""``python -m agent`` runs the same CLI as the ``agent`` command (handy in a venv not on PATH)."""

from agent.cli import app

app(prog_name="agent")
