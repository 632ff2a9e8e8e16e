"""Pick the device and precision for training and inference."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from ..errors import ConfigError

__all__ = ["Device", "Precision", "resolve_device", "resolve_precision", "cpu_supports_bf16"]

Device = Literal["auto", "cpu", "cuda"]
Precision = Literal["auto", "fp32", "bf16"]


@lru_cache(maxsize=1)
def cpu_supports_bf16() -> bool:
    """True when this CPU has native bf16 (AVX512-BF16 or AMX), where bf16 autocast is faster than fp32."""
    import torch

    try:
        capability = str(torch.backends.cpu.get_cpu_capability()).upper()
        if "AVX512" not in capability and "AMX" not in capability:
            return False
        if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return False
    except Exception:
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            flags = fh.read()
    except OSError:
        return True  # not Linux: trust oneDNN's answer
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when available, else ``cpu``."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but torch sees no CUDA GPU.",
                          hint="use device 'auto' or 'cpu' (LSFT_DEVICE), or install a CUDA build of torch.")
    if device not in ("cpu", "cuda"):
        raise ConfigError(f"Unknown device {device!r}.", hint="use 'auto', 'cpu' or 'cuda'.")
    return device


def resolve_precision(precision: str, device: str) -> str:
    """``auto`` -> ``bf16`` on a bf16-capable GPU or CPU, else ``fp32``."""
    import torch

    if precision not in ("auto", "fp32", "bf16"):
        raise ConfigError(f"Unknown precision {precision!r}.", hint="use 'auto', 'fp32' or 'bf16'.")
    if precision != "auto":
        return precision
    if device == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_supports_bf16() else "fp32"
