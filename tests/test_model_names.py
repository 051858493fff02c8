"""agent/models/structured.py: the one place a chat model's name is read (answers, summaries)."""

from __future__ import annotations

from types import SimpleNamespace

from agent.models.structured import model_label, model_name_of, reported_name
from agent.settings import Settings


def test_reported_name_prefers_model_name_then_model() -> None:
    assert reported_name(SimpleNamespace(model_name="a", model="b")) == "a"
    assert reported_name(SimpleNamespace(model_name="", model="b")) == "b"
    assert reported_name(SimpleNamespace(model=3)) is None
    assert reported_name(object()) is None


def test_summary_label_is_the_settings_label_for_the_configured_model() -> None:
    st = Settings()
    label = model_label(st)
    assert model_name_of(None, st) == label
    assert model_name_of(SimpleNamespace(model_name=f"{st.resolved_model} build"), st) == label
    assert model_name_of(SimpleNamespace(model_name="someone-else"), st) == "someone-else"
    assert model_name_of(SimpleNamespace(), st) == label
