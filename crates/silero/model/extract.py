#!/usr/bin/env python3
"""Extracts the Silero VAD network committed here from its pinned upstream wheel and
checks both SHA-256 digests.

    python3 model/extract.py            # downloads silero-vad==6.2.3 with pip, extracts, verifies
    python3 model/extract.py --check    # only verifies the committed file

The model is `silero_vad/data/silero_vad_op18_ifless.onnx` of the `silero-vad` 6.2.3
wheel (MIT License, Silero Team; LICENSE beside this script is the wheel's license
file): the streaming network (one chunk of 64 context + 512 new samples at 16 kHz, the
`[2, 1, 128]` recurrent state, the sample rate) exported at ONNX opset 18 with a single
`If` on the sample rate. tract runs it. It cannot run the package's default
`silero_vad.onnx` (opset 16) nor `silero_vad_16k_op15.onnx`: their exports carry `If`
nodes whose branches squeeze a dimension or not depending on a tensor shape, and tract
requires both branches of an `If` to have the same output shape.
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
WHEEL = "silero_vad-6.2.3-py3-none-any.whl"
WHEEL_SHA256 = "7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8"
MEMBERS = {
    "silero_vad/data/silero_vad_op18_ifless.onnx": ("silero_vad_op18_ifless.onnx",
                                                    "7671cd04b004e9076da0d4a7b1a5aec36adf161c39230c1cb94a4fd5db6bbd28"),
    "silero_vad-6.2.3.dist-info/licenses/LICENSE": ("LICENSE", None),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check() -> None:
    for name, digest in MEMBERS.values():
        if digest is not None:
            actual = sha256((HERE / name).read_bytes())
            if actual != digest:
                sys.exit(f"{name}: SHA-256 {actual}, expected {digest}")
    print("model verified")


def extract() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--dest", tmp, "silero-vad==6.2.3"], check=True)
        wheel = pathlib.Path(tmp) / WHEEL
        actual = sha256(wheel.read_bytes())
        if actual != WHEEL_SHA256:
            sys.exit(f"{WHEEL}: SHA-256 {actual}, expected {WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as archive:
            for member, (name, _) in MEMBERS.items():
                (HERE / name).write_bytes(archive.read(member))
    check()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    args = parser.parse_args()
    check() if args.check else extract()
