from __future__ import annotations

import torch

import digitpad.training.device as device
from digitpad.training.device import cpu_bf16_is_faster, device_description, use_bf16


def test_the_description_counts_threads_in_words():
    """The Train tab shows it: "cpu (1 thread)", never "1 threads"; ", bf16" when the run autocast to bf16."""
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert device_description(torch.device("cpu"), bf16=False) == "cpu (1 thread)"
        torch.set_num_threads(2)
        assert device_description(torch.device("cpu"), bf16=True) == "cpu (2 threads, bf16)"
    finally:
        torch.set_num_threads(threads)


def test_a_cpu_run_autocasts_to_bf16_only_where_it_is_native_and_faster(monkeypatch):
    cpu = torch.device("cpu")
    for native, faster, expected in [(True, True, True), (True, False, False), (False, True, False)]:
        monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda native=native: native)
        monkeypatch.setattr(device, "cpu_bf16_is_faster", lambda threads, faster=faster: faster)
        assert use_bf16(cpu) is expected


def test_the_bf16_timing_compares_medians_and_leaves_the_random_state_alone(monkeypatch):
    """bf16 is chosen when its median step takes at most BF16_MARGIN of fp32's; the timing draws its own random
    batch without moving the global generator (seeded runs stay seeded), and keeps the caller's threads."""
    for bf16_share, expected in [(0.5, True), (0.95, False), (1.3, False)]:
        monkeypatch.setattr(device, "step_seconds", lambda model, x, y, bf16, s=bf16_share: s if bf16 else 1.0)
        cpu_bf16_is_faster.cache_clear()
        threads = torch.get_num_threads()
        torch.manual_seed(7)
        assert cpu_bf16_is_faster(1, batch=4, pairs=2) is expected
        assert torch.get_num_threads() == threads
        drawn_after = torch.rand(3)
        torch.manual_seed(7)
        assert torch.equal(drawn_after, torch.rand(3))
    cpu_bf16_is_faster.cache_clear()


def test_the_bf16_timing_really_times_both_in_turn(monkeypatch):
    """Without stand-ins: real steps, fp32 and bf16 in turn (a busy moment slows both), a yes or no."""
    cpu_bf16_is_faster.cache_clear()
    steps, real = [], device.step_seconds

    def timed(*args):
        steps.append((args[3], real(*args)))
        return steps[-1][1]

    monkeypatch.setattr(device, "step_seconds", timed)
    assert cpu_bf16_is_faster(1, batch=8, pairs=2) in (True, False)
    assert [bf16 for bf16, _ in steps] == [False, True] * 3 and all(seconds > 0 for _, seconds in steps)
    cpu_bf16_is_faster.cache_clear()
