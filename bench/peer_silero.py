#!/usr/bin/env python3
"""The Silero VAD peer: the same network (crates/silero/model/silero_vad_op18_ifless.onnx, the export crates/silero ships)
on onnxruntime, the reference engine, driven as the silero-vad package's OnnxWrapper
drives it (48 kHz decimated by taking every third sample, 512-sample chunks with 64
samples of context and the [2, 1, 128] state carried between calls, one thread), on the
four VAD conditions written by `cargo run --release -p edgemix-dsp --example
vad_conditions -- DIR`.

    bench/.venv/bin/python bench/peer_silero.py DIR

Frames: the same rule as crates/silero (a 20 ms frame's probability is the mean of the
probabilities of the 32 ms chunks it overlaps, weighted by overlap; speech when >= 0.5).
Prints JSON { "<condition>": { "accuracy", "usPerFrame" } }; usPerFrame: wall time of the
decimation and every session.run over the whole condition, best of 3 runs, per 20 ms
frame.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = ROOT / "crates" / "silero" / "model" / "silero_vad_op18_ifless.onnx"
CHUNK, CONTEXT, FRAME_16K = 512, 64, 320
RUNS = 3


def chunk_probabilities(session: ort.InferenceSession, signal48k: np.ndarray) -> np.ndarray:
    x = signal48k[::3]
    x = np.concatenate([x, np.zeros((-len(x)) % CHUNK, np.float32)])
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros(CONTEXT, np.float32)
    sr = np.array(16000, np.int64)
    out = np.empty(len(x) // CHUNK, np.float32)
    for k in range(len(out)):
        chunk = x[k * CHUNK:(k + 1) * CHUNK]
        p, state = session.run(None, {"input": np.concatenate([context, chunk])[None, :], "state": state, "sr": sr})
        out[k] = p[0, 0]
        context = chunk[-CONTEXT:]
    return out


def frame_probabilities(chunks: np.ndarray, frames: int) -> np.ndarray:
    out = np.empty(frames)
    for i in range(frames):
        a, b = FRAME_16K * i, FRAME_16K * (i + 1)
        k0, k1 = a // CHUNK, (b - 1) // CHUNK
        if k0 == k1:
            out[i] = chunks[k0]
        else:
            split = k1 * CHUNK
            out[i] = (chunks[k0] * (split - a) + chunks[k1] * (b - split)) / FRAME_16K
    return out


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    meta = json.loads((folder / "labels.json").read_text())
    labels = np.array([c == "1" for c in meta["labels"]])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(MODEL), sess_options=options, providers=["CPUExecutionProvider"])
    result = {}
    for name in meta["conditions"]:
        signal = np.fromfile(folder / f"{name}.f32", dtype="<f4")
        best = float("inf")
        for _ in range(RUNS):
            start = time.perf_counter()
            chunks = chunk_probabilities(session, signal)
            best = min(best, time.perf_counter() - start)
        speech = frame_probabilities(chunks, len(labels)) >= 0.5
        result[name] = {"accuracy": round(float(np.mean(speech == labels)), 4),
                        "usPerFrame": round(best / len(labels) * 1e6, 2)}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
