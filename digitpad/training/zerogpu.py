"""Hugging Face ZeroGPU: on such a Space, CUDA exists only inside functions decorated with `spaces.GPU`.

`on_gpu(duration)` is that decorator where the `spaces` package is installed and does nothing
elsewhere (`spaces.GPU` itself returns the function unchanged unless SPACES_ZERO_GPU is set).
On ZeroGPU the decorated function runs in another, forked process: its arguments and what it
yields are pickled across, so they must be plain data (no locks, no threading.Event).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

try:
    import spaces
except ImportError:  # digitpad used as a library without the Space's requirements
    spaces = None

F = TypeVar("F", bound=Callable)


def on_gpu(duration: int | Callable[..., int]) -> Callable[[F], F]:
    """Decorate a function that needs CUDA on ZeroGPU; `duration`: seconds to reserve, or a function
    of the decorated function's arguments that says so."""

    def decorate(fn: F) -> F:
        return fn if spaces is None else spaces.GPU(duration=duration)(fn)

    return decorate
