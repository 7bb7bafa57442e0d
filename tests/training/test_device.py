from __future__ import annotations

import pytest
import torch

import digitpad.training.device as device
from digitpad.training.device import BF16_MARGIN, cpu_bf16_is_faster, device_description, use_bf16


@pytest.fixture(autouse=True)
def fresh_bf16_timing():
    """Each test times (or stands in for) the bf16 timing afresh; none leaves its answer cached for later tests."""
    cpu_bf16_is_faster.cache_clear()
    yield
    cpu_bf16_is_faster.cache_clear()


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


def test_cuda_always_autocasts_and_other_devices_never_time_it(monkeypatch):
    def no_timing(threads):
        raise AssertionError("timed bf16 for a device that is not a CPU")

    monkeypatch.setattr(device, "cpu_bf16_is_faster", no_timing)
    assert use_bf16(torch.device("cuda")) is True
    assert use_bf16(torch.device("mps")) is False


@pytest.mark.parametrize("bf16_share, expected", [(0.5, True), (BF16_MARGIN, True), (0.95, False), (1.3, False)])
def test_the_bf16_timing_compares_medians_and_leaves_the_random_state_alone(bf16_share, expected, monkeypatch):
    """bf16 is chosen when its median step takes at most BF16_MARGIN of fp32's; the timing draws its own random
    batch without moving the global generator (seeded runs stay seeded), and keeps the caller's threads."""
    monkeypatch.setattr(device, "step_seconds", lambda model, x, y, bf16: bf16_share if bf16 else 1.0)
    threads = torch.get_num_threads()
    torch.manual_seed(7)
    assert cpu_bf16_is_faster(1, batch=4, pairs=2) is expected
    assert torch.get_num_threads() == threads
    drawn_after = torch.rand(3)
    torch.manual_seed(7)
    assert torch.equal(drawn_after, torch.rand(3))


def test_the_bf16_timing_times_real_steps_in_turn_and_once_per_thread_count(monkeypatch):
    """Without stand-ins: real steps, fp32 and bf16 in turn (a busy moment slows both); asked again with the same
    threads, the answer is remembered, not timed again."""
    steps, real = [], device.step_seconds

    def timed(*args):
        steps.append((args[3], real(*args)))
        return steps[-1][1]

    monkeypatch.setattr(device, "step_seconds", timed)
    first = cpu_bf16_is_faster(1, batch=8, pairs=2)
    assert [bf16 for bf16, _ in steps] == [False, True] * 3 and all(seconds > 0 for _, seconds in steps)
    assert cpu_bf16_is_faster(1, batch=8, pairs=2) is first and len(steps) == 6
