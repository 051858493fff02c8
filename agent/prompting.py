"""Prompt files: every prompt lives in ``prompts/<name>.md``, versioned in its front matter.

Why files: prompts change more often than code and are reviewed like text; the version in the
front matter lets results (and caches, e.g. summaries) record which prompt produced them.

File format::

    ---
    name: answer
    version: 1
    ---
    # system
    ...fixed system prompt (no per-call placeholders, so a local model's KV cache reuses it)...
    # user
    ...template with {placeholders}...

The wheel ships the folder as package ``agent.prompts`` (hence this module's name); a source
checkout reads ``<repo>/prompts``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from langchain_core.messages import SystemMessage
from langchain_core.prompts import ChatPromptTemplate, HumanMessagePromptTemplate

from agent.errors import ConfigError

_REPO_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<meta>.*?)\n---\s*\n(?P<body>.*)\Z", re.DOTALL)
_SECTION = re.compile(r"^# (system|user)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    """A parsed prompt file."""

    name: str
    version: int
    system: str
    user: str
    meta: dict[str, str]

    @property
    def id(self) -> str:
        """``answer@1``: what results record as the prompt that made them."""
        return f"{self.name}@{self.version}"

    def chat_template(self) -> ChatPromptTemplate:
        """System message verbatim (never templated, so braces in it are safe) + user template,
        whose substituted values (article text) are never re-parsed as template syntax."""
        return ChatPromptTemplate.from_messages(
            [
                SystemMessage(content=self.system),
                HumanMessagePromptTemplate.from_template(self.user),
            ]
        )


def _read_text(name: str) -> str:
    filename = f"{name}.md"
    try:
        return resources.files("agent.prompts").joinpath(filename).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, TypeError):
        pass
    path = _REPO_PROMPTS / filename
    if not path.is_file():
        raise ConfigError(
            f"prompt file {filename!r} not found in package agent.prompts or {_REPO_PROMPTS}: "
            "reinstall newsagent or restore the prompts/ folder"
        )
    return path.read_text(encoding="utf-8")


def parse_prompt(text: str, name: str = "prompt") -> Prompt:
    """Parse a prompt file's text (front matter + ``# system`` / ``# user`` sections)."""
    m = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not m:
        raise ConfigError(f"prompt {name!r} has no '---' front matter: add name and version")
    meta: dict[str, str] = {}
    for line in m.group("meta").splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            meta[key.strip()] = value.strip()
    parts = _SECTION.split(m.group("body"))
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if "system" not in sections or "user" not in sections:
        raise ConfigError(f"prompt {name!r} needs both a '# system' and a '# user' section")
    try:
        version = int(meta.get("version", ""))
    except ValueError:
        raise ConfigError(f"prompt {name!r} needs an integer 'version:' in its front matter") from None
    return Prompt(
        name=meta.get("name", name),
        version=version,
        system=sections["system"],
        user=sections["user"],
        meta=meta,
    )


@lru_cache(maxsize=32)
def load_prompt(name: str) -> Prompt:
    """The prompt ``prompts/<name>.md`` (cached: files don't change while running)."""
    return parse_prompt(_read_text(name), name)
