#!/usr/bin/env python3
"""Peer benchmark: the edgemix default chain rebuilt from pedalboard (Spotify, JUCE DSP).

Reads mono float32 little-endian samples (the same .f32 file every contender gets),
cuts them into frames, feeds them frame by frame through
``board(frame, sample_rate, reset=False)`` and times each call with
``time.perf_counter_ns`` after a warm-up. Prints one JSON object on stdout.

The edgemix chain configuration (``MixerChain#config`` as JSON) is mapped onto
pedalboard's parameters by :func:`mapped_plugins`; see bench/README.md for where the
semantics differ. Boards timed:

* ``chain``       NoiseGate, Compressor, LowShelfFilter, PeakFilter, HighShelfFilter,
                  Limiter — the headline peer.
* ``chainGains``  the same plus the two Gain stages edgemix's chain implies but pedalboard
                  lacks as parameters (compressor makeup; limiter ceiling trim).
* ``empty``       Pedalboard([]): the per-call cost of pedalboard itself (numpy
                  conversion, layout detection, GIL release, output allocation).

Usage: peer_pedalboard.py --input FILE [--frames N] [--warmup N] [--frame-samples 960]
                          [--sample-rate 48000] [--config JSON] [--boards chain,empty]
"""

import argparse
import json
import math
import platform
import sys
import time

import numpy as np
import pedalboard
from pedalboard import (
    Compressor,
    Gain,
    HighShelfFilter,
    Limiter,
    LowShelfFilter,
    NoiseGate,
    PeakFilter,
    Pedalboard,
)

# The edgemix defaults (src/typedefs.d.ts); overridden by --config.
DEFAULT_CONFIG = {
    "sampleRate": 48000,
    "gate": {"thresholdDb": -50, "hysteresisDb": 6, "attackMs": 1, "holdMs": 100, "releaseMs": 150, "rangeDb": -40},
    "compressor": {"thresholdDb": -20, "ratio": 3, "kneeDb": 6, "attackMs": 5, "releaseMs": 100, "makeupDb": 3},
    "eq": {
        "lowFreqHz": 100, "lowGainDb": -3,
        "midFreqHz": 3000, "midGainDb": 2, "midQ": 1,
        "highFreqHz": 8000, "highGainDb": 2,
    },
    "limiter": {"ceilingDb": -1, "lookaheadMs": 5, "releaseMs": 60},
}

# RBJ shelf slope S = 1 (what edgemix uses) is Q = 1/sqrt(2) in JUCE's Q-parameterised shelves.
SHELF_Q = 1 / math.sqrt(2)

# Where the gate's range is assumed to be reached: JUCE's NoiseGate is a downward expander
# (gain = (env/threshold)^(ratio-1), no floor), so a level d dB under the threshold loses
# (ratio-1)*d dB. The test signal's pauses sit ~11 dB under -50 dBFS RMS (noise floor
# ~ -61 dBFS RMS); at 10 dB under, rangeDb -40 gives ratio 5.
GATE_RANGE_REACHED_DB_BELOW = 10.0


def mapped_plugins(cfg, with_gains=False):
    """pedalboard plugins approximating the edgemix chain `cfg` (a full MixerConfig)."""
    g, c, e, lim = cfg["gate"], cfg["compressor"], cfg["eq"], cfg["limiter"]
    gate_ratio = 1.0 + (-g["rangeDb"]) / GATE_RANGE_REACHED_DB_BELOW
    plugins = [
        # No hysteresis, no hold, no floor; JUCE's attack/release are ballistics of the
        # level envelope (not gain ramps) — passed at their nominal ms.
        NoiseGate(threshold_db=g["thresholdDb"], ratio=gate_ratio, attack_ms=g["attackMs"], release_ms=g["releaseMs"]),
        # Hard knee, peak-envelope ballistics, no makeup parameter.
        Compressor(threshold_db=c["thresholdDb"], ratio=c["ratio"], attack_ms=c["attackMs"], release_ms=c["releaseMs"]),
    ]
    if with_gains:
        plugins.append(Gain(gain_db=c["makeupDb"]))
    plugins += [
        LowShelfFilter(cutoff_frequency_hz=e["lowFreqHz"], gain_db=e["lowGainDb"], q=SHELF_Q),
        PeakFilter(cutoff_frequency_hz=e["midFreqHz"], gain_db=e["midGainDb"], q=e["midQ"]),
        HighShelfFilter(cutoff_frequency_hz=e["highFreqHz"], gain_db=e["highGainDb"], q=SHELF_Q),
        # No lookahead (so no latency); JUCE normalises the threshold to 0 dBFS and
        # hard-clips there.
        Limiter(threshold_db=lim["ceilingDb"], release_ms=lim["releaseMs"]),
    ]
    if with_gains:
        # Bring JUCE's 0 dBFS clip point back down to the ceiling.
        plugins.append(Gain(gain_db=lim["ceilingDb"]))
    return plugins


def percentile_sorted(sorted_ns, q):
    """Nearest-rank on a sorted array, index floor(q*n) — the Rust example's p50 rule."""
    n = len(sorted_ns)
    return float(sorted_ns[min(n - 1, int(q * n))])


def summarize(times_ns):
    s = np.sort(times_ns)
    return {
        "p50": percentile_sorted(s, 0.50),
        "mean": float(times_ns.mean()),
        "p99": percentile_sorted(s, 0.99),
        "min": float(s[0]),
    }


def time_board(board, frames, sample_rate, n, warmup):
    k = len(frames)
    for i in range(warmup):
        board(frames[i % k], sample_rate, reset=False)
    times = np.empty(n, dtype=np.int64)
    clock = time.perf_counter_ns
    for i in range(n):
        frame = frames[i % k]
        t0 = clock()
        board(frame, sample_rate, reset=False)
        times[i] = clock() - t0
    # Batched cross-check: no per-call timer in the loop.
    t0 = clock()
    for i in range(n):
        board(frames[i % k], sample_rate, reset=False)
    batched_mean = (clock() - t0) / n
    out = summarize(times)
    out["batchedMean"] = batched_mean
    return out


def timer_overhead_ns(n=200_000):
    clock = time.perf_counter_ns
    t = np.empty(n, dtype=np.int64)
    for i in range(n):
        t0 = clock()
        t[i] = clock() - t0
    return float(np.median(t))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="mono float32 little-endian samples")
    ap.add_argument("--frames", type=int, default=20_000, help="timed calls per board")
    ap.add_argument("--warmup", type=int, default=1_000)
    ap.add_argument("--frame-samples", type=int, default=960)
    ap.add_argument("--sample-rate", type=float, default=None, help="default: config sampleRate")
    ap.add_argument("--config", default=None, help="edgemix MixerConfig JSON (default: built-in defaults)")
    ap.add_argument("--boards", default="chain,chainGains,empty")
    args = ap.parse_args()

    cfg = json.loads(args.config) if args.config else DEFAULT_CONFIG
    sample_rate = args.sample_rate or float(cfg.get("sampleRate", 48000))
    signal = np.fromfile(args.input, dtype="<f4")
    fs = args.frame_samples
    # Separate C-contiguous (1, fs) arrays: one channel, fs samples, no per-call copy or
    # layout ambiguity.
    frames = [np.ascontiguousarray(signal[i : i + fs].reshape(1, fs)) for i in range(0, len(signal) - fs + 1, fs)]
    if not frames:
        sys.exit(f"input {args.input} holds fewer than {fs} samples")

    factories = {
        "chain": lambda: Pedalboard(mapped_plugins(cfg)),
        "chainGains": lambda: Pedalboard(mapped_plugins(cfg, with_gains=True)),
        "empty": lambda: Pedalboard([]),
    }
    results = {}
    for name in [b for b in args.boards.split(",") if b]:
        board = factories[name]()
        results[name] = time_board(board, frames, sample_rate, args.frames, args.warmup)
        results[name]["plugins"] = [type(p).__name__ for p in board]

    # Output sanity (fresh board, first 50 frames): shape kept and finite.
    check = Pedalboard(mapped_plugins(cfg))
    outs = [check(f, sample_rate, reset=False) for f in frames[:50]]
    sane = all(o.shape == frames[0].shape and np.isfinite(o).all() for o in outs)

    print(json.dumps({
        "frames": args.frames,
        "warmup": args.warmup,
        "frameSamples": fs,
        "sampleRate": sample_rate,
        "boards": results,
        "mapping": {
            "gateRatio": 1.0 + (-cfg["gate"]["rangeDb"]) / GATE_RANGE_REACHED_DB_BELOW,
            "shelfQ": SHELF_Q,
        },
        "outputSane": sane,
        "timerOverheadNs": timer_overhead_ns(),
        "versions": {
            "python": platform.python_version(),
            "pedalboard": pedalboard.__version__,
            "numpy": np.__version__,
        },
    }))


if __name__ == "__main__":
    main()
