#!/usr/bin/env python3
"""Analysis peers: MFCC batch with librosa and integrated loudness with pyloudnorm.

Reads mono float32 little-endian samples (the same 60 s .f32 file every analysis
contender gets) and times, each after one untimed warm-up call:

* ``mfcc``      librosa.feature.mfcc(S=librosa.power_to_db(melspectrogram(y, sr, n_fft=1024,
                hop_length=960, center=False, n_mels=40), top_db=None), n_mfcc=13) over the
                whole signal: edgemix's default configuration (issue 3), batch. y is the
                float32 signal as read (librosa keeps float32 through the STFT).
                top_db=None as in edgemix and its parity fixtures: power_to_db's default
                top_db=80 clips every band more than 80 dB below the loudest band of the
                whole clip, which changes the test signal's quiet pause frames by up to
                ~2 in c1–c12 (the timing does not depend on it: one np.maximum).
* ``loudness``  pyloudnorm.Meter(sr).integrated_loudness(x) over the whole signal (BS.1770-4
                K-weighting and gating; no true peak, no short-term series). x is the signal
                as float64, converted once before timing (what soundfile.read hands over
                by default).

Each timed run is one whole call measured with ``time.perf_counter_ns``. With
``--reference FILE`` (edgemix's extractMfccSync output, frame-major float32) it also
reports how far librosa's coefficients are from it. Prints one JSON object on stdout.

Usage: peer_analysis.py --input FILE [--runs 5] [--sample-rate 48000] [--reference FILE]
                        [--only mfcc,loudness]
"""

import argparse
import importlib.metadata
import json
import platform
import time

import numpy as np

# Imported at start (not timed): librosa loads its submodules lazily, numba-compiled
# helpers come from numba's cache after the first ever run.
import librosa
import numba
import pyloudnorm
import scipy

N_FFT = 1024
HOP = 960
N_MELS = 40
N_MFCC = 13


def mfcc(y, sr):
    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=N_FFT, hop_length=HOP, center=False, n_mels=N_MELS)
    return librosa.feature.mfcc(S=librosa.power_to_db(S, top_db=None), n_mfcc=N_MFCC)


def time_runs(fn, runs):
    """One untimed warm-up call, then `runs` timed calls (ns each); returns the last result."""
    out = fn()
    clock = time.perf_counter_ns
    times = []
    for _ in range(runs):
        t0 = clock()
        out = fn()
        times.append(clock() - t0)
    return out, times


def summary(times):
    s = sorted(times)
    return {"runsNs": times, "p50Ns": float(s[len(s) // 2]), "meanNs": float(np.mean(times)), "minNs": float(s[0])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="mono float32 little-endian samples")
    ap.add_argument("--runs", type=int, default=5, help="timed calls per contender (after 1 warm-up)")
    ap.add_argument("--sample-rate", type=int, default=48000)
    ap.add_argument("--reference", default=None, help="edgemix MFCCs, frame-major float32 (parity check)")
    ap.add_argument("--only", default="mfcc,loudness")
    args = ap.parse_args()

    sr = args.sample_rate
    y = np.fromfile(args.input, dtype="<f4")
    which = set(filter(None, args.only.split(",")))
    result = {
        "samples": int(y.size),
        "seconds": y.size / sr,
        "sampleRate": sr,
        "runs": args.runs,
        "versions": {
            "python": platform.python_version(),
            "librosa": librosa.__version__,
            "pyloudnorm": importlib.metadata.version("pyloudnorm"),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "numba": numba.__version__,
        },
    }

    if "mfcc" in which:
        # First call of the process: librosa's lazy imports, numba cache loads, FFT setup.
        t0 = time.perf_counter_ns()
        mfcc(y, sr)
        first_ns = time.perf_counter_ns() - t0
        coeffs, times = time_runs(lambda: mfcc(y, sr), args.runs)
        frames = coeffs.shape[1]
        m = {"frames": int(frames), "nMfcc": int(coeffs.shape[0]), "dtype": str(coeffs.dtype), "firstCallNs": first_ns, **summary(times)}
        m["p50NsPerFrame"] = m["p50Ns"] / frames
        m["meanNsPerFrame"] = m["meanNs"] / frames
        m["finite"] = bool(np.isfinite(coeffs).all())
        if args.reference:
            ours = np.fromfile(args.reference, dtype="<f4")
            if ours.size == coeffs.size:
                ours = ours.reshape(frames, N_MFCC).T.astype(np.float64)
                ref = coeffs.astype(np.float64)
                m["parity"] = {
                    "maxAbsDiffC1to12": float(np.abs(ours[1:] - ref[1:]).max()),
                    "maxRelDiffC0": float((np.abs(ours[0] - ref[0]) / np.maximum(np.abs(ref[0]), 1e-12)).max()),
                }
            else:
                m["parity"] = {"error": f"reference holds {ours.size} values, librosa {coeffs.size}"}
        result["mfcc"] = m

    if "loudness" in which:
        x = y.astype(np.float64)
        meter = pyloudnorm.Meter(sr)  # BS.1770-4 K-weighting, 400 ms blocks, 75 % overlap
        lufs, times = time_runs(lambda: meter.integrated_loudness(x), args.runs)
        result["loudness"] = {"integratedLufs": float(lufs), **summary(times)}

    print(json.dumps(result))


if __name__ == "__main__":
    main()
