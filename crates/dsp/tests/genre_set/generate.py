#!/usr/bin/env python3
"""Makes the committed held-out clips of crates/dsp/tests/genre_set: one 6 s clip per
genre for the TimGM6mb and MuseScore soundfonts (speech: voice groups 0 and 1,
named speech-voices0/1), 16 kHz
16-bit mono, from seeds never used for training (corpus.py --heldout), plus labels.json.

    ../../training/genre/.venv/bin/python generate.py   # the genre training venv (corpus.py)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = HERE
CORPUS = os.path.abspath(os.path.join(HERE, "..", "..", "training", "genre", "corpus.py"))
KEEP = ("timgm6mb", "musescore")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, CORPUS, tmp, "--clips", "1", "--heldout"], check=True)
        manifest = json.load(open(os.path.join(tmp, "manifest.json")))
        clips = []
        for clip in manifest["clips"]:
            if clip["fold"] not in KEEP:
                continue
            # speech has voice groups in place of soundfonts
            source = f"voices{KEEP.index(clip['fold'])}" if clip["genre"] == "speech" else clip["fold"]
            name = f"{clip['genre']}-{source}.wav"
            shutil.copy(os.path.join(tmp, clip["path"]), os.path.join(OUT, name))
            clips.append({"file": name, **{k: v for k, v in clip.items() if k != "path"}})
    with open(os.path.join(OUT, "labels.json"), "w") as f:
        json.dump({"rate": manifest["rate"], "seconds": manifest["seconds"], "generator": "crates/dsp/tests/genre_set/generate.py",
                   "clips": clips}, f, indent=1)


if __name__ == "__main__":
    main()
