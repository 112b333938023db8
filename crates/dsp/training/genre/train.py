#!/usr/bin/env python3
"""Trains the genre classifier and writes crates/dsp/src/genre/weights.rs, report.json
and report.md (this folder).

    .venv/bin/python train.py            # from this folder; see README.md

Steps (deterministic: fixed seeds; sklearn's L-BFGS):
  1. corpus.py WORK (skipped when WORK/manifest.json exists; GENRE_CORPUS_DIR sets WORK,
     default /tmp/edgemix-genre-corpus): 24 clips of 8 s per genre and soundfont.
  2. `cargo run --release --example genre_features`: the feature vector of every 3 s
     window (one per second) of every clip, computed by the Rust code that classifies.
  3. Leave-one-soundfont-out: for each of the three soundfonts, fit on the clips of the
     other two (speech: the other two voice groups) and test on the held-out one; window
     accuracy, clip accuracy (mean of the window probabilities, as `classify` does) and
     the clip confusion matrix. A multinomial logistic regression is evaluated the same
     way for comparison.
  4. The shipped model: the same network fitted on all three soundfonts.

The figures are synthetic-benchmark accuracies: rendered MIDI and synthetic speech, not
recordings. They say nothing about accuracy on real music.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
WORK = os.environ.get("GENRE_CORPUS_DIR", "/tmp/edgemix-genre-corpus")
OUT = os.path.join(ROOT, "crates", "dsp", "src", "genre", "weights.rs")
GENRES = ["speech", "rock", "jazz", "electronic", "classical"]
FOLDS = ["timgm6mb", "musescore", "fluidr3"]
FEATURES = 40
HIDDEN = 24
SEED = 20_251_121


def feature_names() -> list[str]:
    src = open(os.path.join(ROOT, "crates", "dsp", "src", "genre", "window.rs")).read()
    block = src[src.index("FEATURE_NAMES: [&str; FEATURES] = [") :]
    block = block[block.index("[", block.index("=")) + 1 : block.index("];")]
    names = [n.strip().strip('"') for n in block.replace("\n", " ").split(",") if n.strip()]
    assert len(names) == FEATURES, names
    return names


def prepare():
    manifest_path = os.path.join(WORK, "manifest.json")
    if not os.path.exists(manifest_path):
        subprocess.run([sys.executable, os.path.join(HERE, "corpus.py"), WORK], check=True)
    table = os.path.join(WORK, "features.f32")
    subprocess.run(
        ["cargo", "run", "--release", "-q", "--target", "x86_64-unknown-linux-gnu", "-p", "edgemix-dsp",
         "--example", "genre_features", "--", WORK, table],
        check=True,
        cwd=ROOT,
    )
    rows = np.fromfile(table, dtype="<f4").reshape(-1, FEATURES + 1).astype(np.float64)
    clips = json.load(open(manifest_path))["clips"]
    return rows[:, :FEATURES], rows[:, FEATURES].astype(int), clips


def network():
    return MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="lbfgs", alpha=1.0,
                         max_iter=3000, random_state=SEED)


def logistic():
    return LogisticRegression(C=1.0, max_iter=5000)


def standardise(train: np.ndarray):
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std < 1e-9] = 1.0
    return mean, 1.0 / std


def evaluate(make, x, y, clip, fold_of_clip, n_clips):
    folds = []
    for held in FOLDS:
        test = fold_of_clip[clip] == held
        mean, inv = standardise(x[~test])
        model = make().fit((x[~test] - mean) * inv, y[~test])
        proba = model.predict_proba((x[test] - mean) * inv)
        window_acc = float(np.mean(proba.argmax(axis=1) == y[test]))
        # clip decision: mean of the window probabilities
        confusion = np.zeros((5, 5), dtype=int)
        for c in np.unique(clip[test]):
            rows = clip[test] == c
            truth = y[test][rows][0]
            confusion[truth, proba[rows].mean(axis=0).argmax()] += 1
        clip_acc = float(np.trace(confusion) / confusion.sum())
        folds.append({"held_out": held, "window_accuracy": round(window_acc, 4), "clip_accuracy": round(clip_acc, 4),
                      "windows": int(test.sum()), "clips": int(confusion.sum()), "confusion": confusion.tolist()})
    return {
        "folds": folds,
        "mean_window_accuracy": round(float(np.mean([f["window_accuracy"] for f in folds])), 4),
        "mean_clip_accuracy": round(float(np.mean([f["clip_accuracy"] for f in folds])), 4),
        "confusion_sum": np.sum([f["confusion"] for f in folds], axis=0).tolist(),
    }


def rust_array(name: str, values: np.ndarray) -> str:
    flat = [str(v) for v in np.asarray(values, dtype=np.float32).ravel()]
    lines = [", ".join(flat[i : i + 8]) for i in range(0, len(flat), 8)]
    body = ",\n    ".join(lines)
    return f"pub(crate) static {name}: [f32; {len(flat)}] = [\n    {body},\n];\n"


def write_weights(model, mean, inv, summary: str):
    w1 = model.coefs_[0].T  # HIDDEN x FEATURES
    w2 = model.coefs_[1].T  # 5 x HIDDEN
    src = (
        "//! GENERATED by crates/dsp/training/genre/train.py — do not edit; run it again (see the\n"
        "//! README beside it). Weights of the genre network.\n//!\n"
        f"//! {summary}\n\n"
        "#![allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]\n\n"
        f"pub(crate) const HIDDEN: usize = {HIDDEN};\n"
        + rust_array("MEAN", mean)
        + rust_array("INV_STD", inv)
        + rust_array("W1", w1)
        + rust_array("B1", model.intercepts_[0])
        + rust_array("W2", w2)
        + rust_array("B2", model.intercepts_[1])
    )
    with open(OUT, "w") as f:
        f.write(src)


def markdown(report: dict) -> str:
    net, lr = report["network"], report["logistic_regression"]
    out = [
        "# Genre classifier: synthetic-benchmark evaluation",
        "",
        "Written by `train.py`. **Synthetic-benchmark accuracy**: the corpus is stylised MIDI",
        "rendered with General-MIDI soundfonts and espeak-ng speech (see `corpus.py`). These",
        "figures are not real-world genre accuracy; real recordings are far more varied.",
        "",
        f"Corpus: {report['clips']} clips of {report['clip_seconds']} s, {report['windows']} windows of 3 s "
        "(one per second). Leave-one-soundfont-out: fit on two soundfonts, test on the third "
        "(speech: on a voice group never seen in the fit).",
        "",
        f"Network {FEATURES} -> {HIDDEN} (ReLU) -> 5 (softmax):",
        "",
        "| held-out soundfont | window accuracy | clip accuracy | clips |",
        "| --- | --- | --- | --- |",
    ]
    for f in net["folds"]:
        out.append(f"| {f['held_out']} | {f['window_accuracy']:.3f} | {f['clip_accuracy']:.3f} | {f['clips']} |")
    out.append(f"| **mean** | **{net['mean_window_accuracy']:.3f}** | **{net['mean_clip_accuracy']:.3f}** | |")
    out += [
        "",
        f"Logistic regression for comparison: mean window accuracy {lr['mean_window_accuracy']:.3f}, "
        f"clip accuracy {lr['mean_clip_accuracy']:.3f}.",
        "",
        "Clip confusion matrix of the network, summed over the three folds (rows: truth, columns: decision):",
        "",
        "| | " + " | ".join(GENRES) + " |",
        "| --- |" + " --- |" * 5,
    ]
    for g, row in zip(GENRES, net["confusion_sum"]):
        out.append(f"| {g} | " + " | ".join(str(v) for v in row) + " |")
    out += ["", f"The shipped weights are fitted on all three soundfonts ({report['windows']} windows).", ""]
    return "\n".join(out)


def main():
    x, clip, clips = prepare()
    y = np.array([GENRES.index(clips[c]["genre"]) for c in clip])
    fold_of_clip = np.array([c["fold"] for c in clips])
    report = {
        "benchmark": "synthetic (rendered MIDI + espeak-ng speech); not real-world accuracy",
        "clips": len(clips),
        "clip_seconds": json.load(open(os.path.join(WORK, "manifest.json")))["seconds"],
        "windows": int(len(x)),
        "features": feature_names(),
        "network": evaluate(network, x, y, clip, fold_of_clip, len(clips)),
        "logistic_regression": evaluate(logistic, x, y, clip, fold_of_clip, len(clips)),
    }
    mean, inv = standardise(x)
    model = network().fit((x - mean) * inv, y)
    report["final_training_window_accuracy"] = round(float(model.score((x - mean) * inv, y)), 4)
    net = report["network"]
    summary = (f"Leave-one-soundfont-out synthetic-benchmark accuracy: clips {net['mean_clip_accuracy']:.3f}, "
               f"windows {net['mean_window_accuracy']:.3f} (mean of 3 folds); fitted on {len(x)} windows.")
    write_weights(model, mean, inv, summary)
    with open(os.path.join(HERE, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(HERE, "report.md"), "w") as f:
        f.write(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
