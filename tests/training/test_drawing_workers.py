"""digitpad.training.drawing_workers: contiguous chunks, drawn in processes, the results in order."""

from __future__ import annotations

from digitpad.training import drawing_workers
from digitpad.training.drawing_workers import draw_in_processes


def first_and_length(chunk: list, first: int) -> tuple[int, int, int]:
    return first, len(chunk), sum(chunk)


def test_chunks_cover_the_items_in_order_one_process_each(monkeypatch):
    monkeypatch.setattr(drawing_workers, "PER_WORKER", 10)
    parts = draw_in_processes(first_and_length, list(range(25)), workers=3)
    assert [(first, length) for first, length, _ in parts] == [(0, 8), (8, 8), (16, 9)]
    assert sum(total for _, _, total in parts) == sum(range(25))


def test_few_items_are_drawn_here_in_one_chunk():
    assert draw_in_processes(first_and_length, [1, 2, 3], workers=8) == [(0, 3, 6)]
    assert draw_in_processes(first_and_length, [], workers=2) == [(0, 0, 0)]
