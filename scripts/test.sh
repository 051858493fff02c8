#!/usr/bin/env bash
# The whole test suite, real local models and real servers included (~21 min on 2 cores).
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -m "not slow"  for the quick part.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1
.venv/bin/ruff check agent tests bench notebooks
.venv/bin/mypy agent
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
