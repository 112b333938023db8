#!/usr/bin/env python3
"""Writes parity.json: Silero VAD speech probabilities computed by the reference stack,
the `silero-vad` 6.2.3 package's streaming `OnnxWrapper` on onnxruntime, for the Rust
parity test (crates/silero/tests/parity.rs).

The wrapper runs the package's own copy of the network we ship
(`silero_vad/data/silero_vad_op18_ifless.onnx`; see crates/silero/model/extract.py).
As a cross-check it also runs the package's default network (`load_silero_vad(onnx=True)`,
`silero_vad.onnx`) and records the largest difference between the two.

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python generate.py

Input: the committed labelled VAD speech (crates/dsp/tests/vad_set/speech.wav, 16-bit
mono PCM at 48 kHz, samples / 32768), as it is and scaled by 0.05 (−26 dB), each as one
stream from a fresh state. The wrapper is called with 48 kHz chunks of 1536 samples and
sr=48000; it decimates them itself (`x[:, ::3]`, every third sample) to the 512-sample
16 kHz chunks of the network, so the Rust test feeds every third sample at 16 kHz. The
trailing samples that do not fill a chunk are not used.

Output: for each input, the probability of every chunk in order, and the SHA-256 of the
network the package loaded (it must be the one committed in crates/silero/model).
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import wave

import numpy as np
import torch
import silero_vad
from silero_vad import load_silero_vad
from silero_vad.utils_vad import OnnxWrapper

HERE = pathlib.Path(__file__).resolve().parent
SPEECH = HERE.parents[2] / "dsp" / "tests" / "vad_set" / "speech.wav"
CHUNK_48K = 1536
SCALES = {"speech": 1.0, "quiet": 0.05}


def read_speech() -> np.ndarray:
    with wave.open(str(SPEECH), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, 48_000, 2)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / np.float32(32768.0)


def probabilities(model, signal: np.ndarray) -> list[float]:
    model.reset_states()
    out = []
    for start in range(0, len(signal) - CHUNK_48K + 1, CHUNK_48K):
        chunk = torch.from_numpy(signal[start:start + CHUNK_48K].copy())
        out.append(float(model(chunk, 48_000).item()))
    return out


def main() -> None:
    torch.set_num_threads(1)
    path = pathlib.Path(silero_vad.__file__).parent / "data" / "silero_vad_op18_ifless.onnx"
    model = OnnxWrapper(str(path), force_onnx_cpu=True)
    default = load_silero_vad(onnx=True)
    speech = read_speech()
    out = {
        "generator": "crates/silero/tests/reference/generate.py",
        "reference": "silero-vad 6.2.3 OnnxWrapper(silero_vad_op18_ifless.onnx), onnxruntime "
                     + __import__("onnxruntime").__version__,
        "modelSha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "chunk48k": CHUNK_48K,
        "inputs": {},
    }
    for name, scale in SCALES.items():
        signal = speech * np.float32(scale)
        ours = probabilities(model, signal)
        other = probabilities(default, signal)
        gap = float(np.max(np.abs(np.array(ours) - np.array(other))))
        out["inputs"][name] = {"scale": scale, "maxDiffToDefaultModel": gap, "probabilities": ours}
        print(f"{name}: {len(ours)} chunks, mean probability {np.mean(ours):.3f}, max |ifless - default| {gap:.2e}")
    (HERE / "parity.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
