"""Where the DNN types keep XLA's compiled programs between processes: JAX's persistent compilation cache.

Compiling the training and prediction programs is most of what a small DNN's CREATE MODEL costs (XLA on
CPU; the epochs themselves take milliseconds), and a new process compiles them all again. With a cache
directory set, JAX writes every compiled program there and a later CREATE MODEL of the same shapes, in
this process or another, loads it instead of compiling.

``use(directory)`` names the directory; ``warehouse.connect`` (and the dbt plugin) call it with
``Settings.cache_dir / "jax"``, a library user with a connection of their own may call it too. It is
process-wide (JAX has one cache per process) and takes effect once ``network`` has imported JAX
(``attach``), or at once if it already has. The thresholds are lowered so that CPU programs, which
compile in well under JAX's default minimum of one second, are written too; ``MAX_BYTES`` bounds the
directory (least recently used entries go first), and setting a bound makes JAX lock the directory
(``filelock``) around every read and write, so several processes (pytest-xdist workers, two CLI
commands) share it safely.

This module imports neither JAX nor Keras: ``warehouse.connect`` must stay cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: the cache's size bound in bytes (a CPU program of a small network is tens to hundreds of kB)
MAX_BYTES = 512 * 1024 * 1024

_directory: Path | None = None
#: JAX's config and its cache's reset, once ``network`` has imported JAX (``attach``)
_jax: tuple[Any, Callable[[], None]] | None = None


def use(directory: Path | str) -> None:
    """Keep compiled programs in ``directory`` (created on first write) from now on, in this process."""
    global _directory
    _directory = Path(directory)
    _apply()


def directory() -> Path | None:
    """The directory ``use`` named, if any."""
    return _directory


def attach(config: Any, reset: Callable[[], None]) -> None:
    """Called by ``network`` once JAX is imported: its ``jax.config`` and ``compilation_cache.reset_cache``
    (JAX opens its cache once per process: a directory changed after that needs it reopened)."""
    global _jax
    _jax = (config, reset)
    _apply()


def _apply() -> None:
    if _directory is None or _jax is None:
        return
    config, reset = _jax
    wanted = str(_directory)
    if config.jax_compilation_cache_dir == wanted:
        return
    config.update("jax_compilation_cache_dir", wanted)
    config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    config.update("jax_compilation_cache_max_size", MAX_BYTES)
    reset()
