//! `pickle`, the Python client's default format: real pickles from Python and numpy
//! (fixtures/pickle, written by its generate.py) decode to what numpy reads from them;
//! replies decode back; every opcode and global outside plain data and numpy arrays is
//! refused with a message naming it, and crafted blow-ups are refused with bounded work,
//! alone and over the wire, where the server keeps serving.

mod support;

use std::path::PathBuf;

use bytes::Bytes;
use edgemix_cloud::{
    decode, encode, CloudErrorCode, Envelope, PickleSamples, PickleShape, PickleWrap, Serialization,
};
use edgemix_cloud::nodes::{Audio, NodeData};
use serde_json::{json, Value};
use support::*;

const PICKLE: Serialization = Serialization::Pickle;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pickle")
}

fn refused(input: &[u8]) -> String {
    match decode(PICKLE, input) {
        Ok((data, _)) => panic!("accepted: {data:?}"),
        Err(err) => err.message,
    }
}

#[test]
fn pickles_from_python_decode_as_numpy_reads_them() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json")).unwrap())
            .unwrap();
    let cases = expected.as_object().unwrap();
    assert_eq!(
        cases.len(),
        128,
        "16 values × protocols 2–5 × numpy 1 and 2 names"
    );
    for (name, want) in cases {
        let bytes = std::fs::read(fixtures().join(format!("{name}.pkl"))).unwrap();
        let (data, envelope) = decode(PICKLE, &bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        match want["kind"].as_str().unwrap() {
            "audio" => {
                let NodeData::Audio(audio) = data else {
                    panic!("{name}: {data:?}")
                };
                let channels: Vec<Vec<f32>> =
                    serde_json::from_value(want["channels"].clone()).unwrap();
                assert_eq!(audio.channels, channels, "{name}");
                assert_eq!(audio.sample_rate, want["sample_rate"].as_f64(), "{name}");
                let Envelope::Pickle(shape) = envelope else {
                    panic!("{name}: {envelope:?}")
                };
                let wrap = match want["wrap"].as_str().unwrap() {
                    "bare" => PickleWrap::Bare,
                    "tuple" => PickleWrap::Tuple,
                    _ => PickleWrap::Dict,
                };
                assert_eq!(shape.wrap, wrap, "{name}");
            }
            "json" => assert_eq!(data, NodeData::Json(want["value"].clone()), "{name}"),
            _ => {
                let bytes: Vec<u8> = serde_json::from_value(want["bytes"].clone()).unwrap();
                assert_eq!(data, NodeData::Bytes(bytes), "{name}");
            }
        }
    }
}

#[test]
fn cut_or_corrupted_fixtures_are_refused_or_read_never_a_panic() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pkl") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for end in 0..bytes.len() {
            let message = refused(&bytes[..end]);
            assert!(message.starts_with("pickle input: "), "{message}");
        }
        for at in 0..bytes.len() {
            let mut corrupt = bytes.clone();
            corrupt[at] ^= 0xa5;
            let _ = decode(PICKLE, &corrupt);
        }
    }
    assert!(refused(&[0x80, 4, 0x8c, 200, b'a']).contains("ends inside the opcode at byte 2"));
}

/// A protocol 4 pickle of `body`, STOP added.
fn p4(body: &[u8]) -> Vec<u8> {
    [&[0x80, 4][..], body, b"."].concat()
}

fn short_str(s: &str) -> Vec<u8> {
    [&[0x8c, s.len() as u8][..], s.as_bytes()].concat()
}

#[test]
fn code_execution_globals_are_refused_by_name() {
    let global = |module: &str, name: &str| format!("c{module}\n{name}\n").into_bytes();
    for (module, name) in [
        ("os", "system"),
        ("builtins", "eval"),
        ("subprocess", "Popen"),
        ("numpy", "load"),
    ] {
        // GLOBAL, then the call that would run it.
        let text = p4(&[global(module, name), short_str("id"), vec![0x85, b'R']].concat());
        assert_mentions(
            &refused(&text),
            &[
                &format!("global \"{module}.{name}\" (GLOBAL at byte 2) is not accepted"),
                "nothing is ever called",
            ],
        );
        let stacked = p4(&[
            short_str(module),
            short_str(name),
            vec![0x93],
            short_str("id"),
            vec![0x85, b'R'],
        ]
        .concat());
        assert_mentions(
            &refused(&stacked),
            &[
                &format!("global \"{module}.{name}\" (STACK_GLOBAL"),
                "numpy.core.multiarray._reconstruct",
            ],
        );
    }
    // REDUCE of anything but an accepted global, and of numpy.ndarray itself.
    assert_mentions(&refused(&p4(b"]\x29R")), &["REDUCE at byte 4 calls a list"]);
    assert_mentions(
        &refused(&p4(b"cnumpy\nndarray\n\x29R")),
        &["calls numpy.ndarray"],
    );
    // _reconstruct of a class other than ndarray; _codecs.encode other than latin1.
    assert_mentions(
        &refused(&p4(b"cnumpy.core.multiarray\n_reconstruct\nN\x85R")),
        &["subclasses are not accepted"],
    );
    assert_mentions(
        &refused(&p4(&[
            &b"c_codecs\nencode\n"[..],
            &short_str("x"),
            &short_str("utf-7"),
            b"\x86R",
        ]
        .concat())),
        &["only as encode(str, \"latin1\")"],
    );
    // BUILD on a dict (instance state) and on a number.
    assert_mentions(&refused(&p4(b"}}b")), &["BUILD at byte 4 on a dict"]);
    assert_mentions(&refused(&p4(b"K\x01}b")), &["BUILD at byte 5 on a int"]);
}

#[test]
fn object_opcodes_are_refused_by_name() {
    for (body, name) in [
        (&b"P1\n"[..], "PERSID (0x50)"),
        (b"NQ", "BINPERSID"),
        (b"\x82\x01", "EXT1"),
        (b"\x83\x01\x00", "EXT2"),
        (b"\x84\x01\x00\x00\x00", "EXT4"),
        (b"(ios\nsystem\n", "INST"),
        (b"(No", "OBJ"),
        (b"N)\x81", "NEWOBJ (0x81)"),
        (b"N)}\x92", "NEWOBJ_EX"),
        (b"\x97", "NEXT_BUFFER"),
        (b"\x8f", "EMPTY_SET"),
        (b"(\x91", "FROZENSET"),
        (b"I1\n", "INT (0x49)"),
        (b"S'x'\n", "STRING"),
        (b"\x80\x02", "PROTO may only come first"),
        (b"\xff", "an unknown opcode"),
    ] {
        assert_mentions(
            &refused(&p4(body)),
            &[name, "is not accepted", "a pickle may hold only"],
        );
    }
    assert_mentions(
        &refused(b"(lp0\nI1\na."),
        &["protocols 0 and 1 are not accepted"],
    );
    assert_mentions(&refused(b"\x80\x06N."), &["protocol 6 is not accepted"]);
    assert_mentions(&refused(b"\x80\x01N."), &["protocol 1 is not accepted"]);
    assert_mentions(
        &refused(&p4(b"\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09")),
        &["9 bytes: ints of up to 64 bits"],
    );
    assert_mentions(
        &refused(&p4(b"h\x07")),
        &["memo entry 7, which was never stored"],
    );
    assert_mentions(&refused(&p4(b"0")), &["pops from an empty stack"]);
    assert_mentions(&refused(&p4(b"t")), &["needs a MARK"]);
    assert_mentions(&refused(&p4(b"\x8c\x02\xff\xfe")), &["not UTF-8"]);
}

/// `numpy.dtype(code)` with `state` (BUILD), protocol 2 text globals.
fn dtype(code: &str) -> Vec<u8> {
    [&b"cnumpy\ndtype\n"[..], &short_str(code), b"\x89\x88\x87R"].concat()
}

#[test]
fn numpy_objects_outside_audio_are_refused_with_what_is_accepted() {
    assert_mentions(
        &refused(&p4(&dtype("c8"))),
        &[
            "numpy dtype \"c8\" is not accepted",
            "float32 (f4), float64 (f8), int16 (i2)",
        ],
    );
    assert_mentions(&refused(&p4(&dtype("O"))), &["numpy dtype \"O\""]);
    let frombuffer = |code: &str, shape: &[u8], data: &[u8]| {
        p4(&[
            &b"cnumpy._core.numeric\n_frombuffer\n("[..],
            &[&[b'C', data.len() as u8][..], data].concat(),
            &dtype(code),
            shape,
            &short_str("C"),
            b"tR",
        ]
        .concat())
    };
    let ok = frombuffer("f4", b"K\x02\x85", &[0, 0, 0, 0x3f, 0, 0, 0x80, 0xbe]);
    assert_eq!(
        decode(PICKLE, &ok).unwrap().0,
        NodeData::Audio(Audio::mono(vec![0.5, -0.25], None))
    );
    assert_mentions(
        &refused(&frombuffer("i8", b"K\x01\x85", &[1, 0, 0, 0, 0, 0, 0, 0])),
        &["int64 numpy array is not audio", "astype(np.float32)"],
    );
    assert_mentions(
        &refused(&frombuffer("f4", b"K\x01K\x01K\x01\x87", &[0; 4])),
        &["3 dimensions is not accepted"],
    );
    assert_mentions(
        &refused(&frombuffer("f4", b"K\x03\x85", &[0; 8])),
        &["shape [3] and 4-byte elements comes with 8 bytes"],
    );
    // A huge shape whose element count overflows is a mismatch, not an allocation.
    assert_mentions(
        &refused(&frombuffer(
            "f4",
            b"\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x3fK\x08\x86",
            &[0; 8],
        )),
        &["comes with 8 bytes"],
    );
    assert_mentions(
        &refused(&frombuffer("f4", b"K\x01\x85", &[0xff, 0xff, 0xff, 0x7f])),
        &["NaN"],
    );
    // An array inside data is refused (arrays travel as audio).
    assert_mentions(
        &refused(&p4(&[
            &b"}"[..],
            &short_str("a"),
            &ok[2..ok.len() - 1],
            b"s",
        ]
        .concat())),
        &["numpy.ndarray inside a container is not accepted"],
    );
}

/// A list `levels` deep where each level holds the one below `width` times, through the
/// memo: 2 + 5·width bytes per level for width^levels leaves.
fn laughs(levels: usize, width: usize) -> Vec<u8> {
    let mut body = b"G\x3f\xe0\x00\x00\x00\x00\x00\x00r\x00\x00\x00\x00".to_vec(); // 0.5, memo 0
    for level in 1..=levels as u32 {
        body.extend_from_slice(b"0]("); // drop the previous level, open a list
        for _ in 0..width {
            body.push(b'j');
            body.extend_from_slice(&(level - 1).to_le_bytes());
        }
        body.push(b'e');
        body.push(b'r');
        body.extend_from_slice(&level.to_le_bytes());
    }
    p4(&body)
}

#[test]
fn shared_references_and_repeats_cannot_blow_up() {
    // 10^30 leaves as data, and as audio channels (1000 channels × the same 1000 samples).
    assert_mentions(
        &refused(&laughs(30, 10)),
        &["shared references expand to more values than the pickle holds"],
    );
    let mut channels = laughs(1, 1000);
    channels.truncate(channels.len() - 1);
    channels.extend_from_slice(b"0](");
    channels.extend(std::iter::repeat_n(&b"j\x01\x00\x00\x00"[..], 1000).flatten());
    channels.extend_from_slice(b"e.");
    assert_mentions(&refused(&channels), &["shared references expand"]);
    // _codecs.encode of one memoized 64 KiB str, 100 times: copies capped at twice the input.
    let text = "a".repeat(65536);
    let mut encode = [
        &[0x80, 2, b'X'][..],
        &(text.len() as u32).to_le_bytes(),
        text.as_bytes(),
        b"r\x00\x00\x00\x00",
    ]
    .concat();
    for _ in 0..100 {
        encode
            .extend_from_slice(b"c_codecs\nencode\nj\x00\x00\x00\x00X\x06\x00\x00\x00latin1\x86R0");
    }
    encode.extend_from_slice(b"N.");
    assert_mentions(
        &refused(&encode),
        &["more str and bytes data than twice its own size"],
    );
    // A list holding itself; nesting past the JSON depth; too many open MARKs.
    assert_mentions(
        &refused(&p4(b"]r\x00\x00\x00\x00j\x00\x00\x00\x00a")),
        &["shared references expand"],
    );
    assert_mentions(
        &refused(&p4(&[b"]".repeat(101), b"a".repeat(100)].concat())),
        &["nested more than 64 levels deep (or holds itself)"],
    );
    assert_mentions(&refused(&p4(&b"(".repeat(300))), &["more than 256 MARKs"]);
    // Memo entries past the cap, a few bytes each.
    let mut memo = b"N".to_vec();
    for key in 0..(1u32 << 18) + 1 {
        memo.push(b'r');
        memo.extend_from_slice(&key.to_le_bytes());
    }
    assert_mentions(&refused(&p4(&memo)), &["more than 262144 memo entries"]);
    // Values past the cap: DUP repeated.
    assert_mentions(
        &refused(&p4(&[&b"N"[..], &b"2".repeat(1 << 22)].concat())),
        &["more than 4194304 values"],
    );
    // Objects past the cap: empty tuples.
    assert_mentions(
        &refused(&p4(&b")".repeat((1 << 18) + 1))),
        &["more than 262144 objects"],
    );
}

#[test]
fn replies_decode_to_what_was_sent() {
    let stereo = Audio {
        channels: vec![vec![0.5, -0.25, 0.125], vec![1.0, 0.0, -1.0]],
        sample_rate: Some(44100.0),
    };
    for wrap in [PickleWrap::Bare, PickleWrap::Tuple, PickleWrap::Dict] {
        for samples in [PickleSamples::Array, PickleSamples::Lists] {
            let shape = PickleShape { wrap, samples };
            let bytes = encode(
                PICKLE,
                &NodeData::Audio(stereo.clone()),
                Envelope::Pickle(shape),
            )
            .unwrap();
            let (NodeData::Audio(back), Envelope::Pickle(got)) = decode(PICKLE, &bytes).unwrap()
            else {
                panic!("{wrap:?} {samples:?}")
            };
            assert_eq!(got, shape);
            assert_eq!(back.channels, stereo.channels);
            let rate = if wrap == PickleWrap::Bare {
                None
            } else {
                Some(44100.0)
            };
            assert_eq!(back.sample_rate, rate);
        }
    }
    let small =
        json!({"label": "speech", "score": 0.75, "n": -3, "list": [null, true], "big": 1u64 << 40});
    let bytes = encode(PICKLE, &NodeData::Json(small.clone()), Envelope::None).unwrap();
    assert_eq!(decode(PICKLE, &bytes).unwrap().0, NodeData::Json(small));
    let matrix = NodeData::Matrix {
        columns: 2,
        values: vec![1.0, 2.0, 3.0, 4.0],
    };
    let (back, _) = decode(PICKLE, &encode(PICKLE, &matrix, Envelope::None).unwrap()).unwrap();
    assert_eq!(
        back,
        NodeData::Audio(Audio {
            channels: vec![vec![1.0, 2.0], vec![3.0, 4.0]],
            sample_rate: None
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_wire_hostile_pickles_are_refused_and_the_server_keeps_serving() {
    let mut server = start().await;
    let client = client(&server);
    let hostile = [
        (p4(b"cos\nsystem\n\x8c\x02id\x85R"), "global \"os.system\""),
        (
            p4(&[short_str("builtins"), short_str("eval"), vec![0x93]].concat()),
            "global \"builtins.eval\"",
        ),
        (p4(b"csubprocess\nPopen\n"), "global \"subprocess.Popen\""),
        (p4(b"]\x29R"), "REDUCE at byte 4 calls a list"),
        (laughs(30, 10), "shared references expand"),
    ];
    let tuple = std::fs::read(fixtures().join("tuple_p4_np2.pkl")).unwrap();
    for (input, expect) in hostile {
        let err = refusal(
            &client,
            "AudioTransform",
            &json!({}),
            PICKLE,
            Bytes::from(input),
        )
        .await;
        assert_eq!(err.code, CloudErrorCode::Rejected, "{err:?}");
        assert_mentions(&err.message, &[expect, "InvalidArgument"]);
        // The next request is served: (float32 array, 48000) through a -6 dB gain.
        let out = execute(
            &client,
            "AudioTransform",
            &json!({"gain_db": -6}),
            PICKLE,
            tuple.clone(),
        )
        .await;
        let (NodeData::Audio(audio), Envelope::Pickle(shape)) = decode(PICKLE, &out).unwrap()
        else {
            panic!("not audio")
        };
        assert_eq!(
            shape,
            PickleShape {
                wrap: PickleWrap::Tuple,
                samples: PickleSamples::Array
            }
        );
        assert_eq!(audio.sample_rate, Some(48000.0));
        let (NodeData::Audio(input), _) = decode(PICKLE, &tuple).unwrap() else {
            panic!()
        };
        let gain = 10f64.powf(-6.0 / 20.0) as f32;
        let want: Vec<f32> = input.channels[0].iter().map(|x| x * gain).collect();
        assert_eq!(audio.channels, vec![want]);
    }
    server.shutdown().await.unwrap();
}
