from __future__ import annotations

import torch

from digitpad.training.device import device_description, use_bf16


def test_the_description_counts_threads_in_words():
    """The Train tab shows it: "cpu (1 thread)", never "1 threads"."""
    threads, bf16 = torch.get_num_threads(), ", bf16" if use_bf16(torch.device("cpu")) else ""
    try:
        torch.set_num_threads(1)
        assert device_description(torch.device("cpu")) == f"cpu (1 thread{bf16})"
        torch.set_num_threads(2)
        assert device_description(torch.device("cpu")) == f"cpu (2 threads{bf16})"
    finally:
        torch.set_num_threads(threads)
