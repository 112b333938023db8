//! Python's unpickling stack machine, restricted: it builds plain data (None, bools,
//! 64-bit integers, floats, str, bytes, tuples, lists, dicts) and numpy arrays, and has no
//! way to call anything. The only globals it knows are the few numpy (1 and 2 names) and
//! `_codecs` functions numpy's own pickles name; it interprets their REDUCE and BUILD
//! itself ([`super::numpy`]). Any other global, and every opcode that reaches objects or
//! code (PERSID, EXT*, INST, OBJ, NEWOBJ, NEXT_BUFFER, ...), is refused with a message
//! naming it.
//!
//! No crate does this: `serde-pickle` resolves a fixed set of builtins and refuses (or
//! drops to None) every other global, so numpy arrays cannot be read through it.
//!
//! Every input is hostile. Work and memory are linear in the input: each opcode adds at
//! most one value, objects live in one arena (a memo entry or a DUP shares an object, it
//! does not copy it), strings and bytes made are capped at twice the input, and the
//! counts of values, objects, memo entries and open marks are capped.

use std::collections::HashMap;
use std::rc::Rc;

use super::numpy::{self, Array, Dtype};
use crate::nodes::{echo, NodeError};

/// Values made over one decode (each opcode makes at most one): 4 Mi, the sample count of
/// a 16 MiB f32le message.
const MAX_VALUES: usize = 1 << 22;
/// Objects (str, bytes, containers, numpy objects) over one decode.
const MAX_OBJECTS: usize = 1 << 18;
/// Memo entries.
const MAX_MEMO: usize = 1 << 18;
/// Open MARKs at once (each level of a nested container opens one).
const MAX_MARKS: usize = 4 * edgemix_runtime::json::MAX_DEPTH;
/// Characters of a GLOBAL line (a module or a name).
const MAX_GLOBAL_LINE: usize = 256;

/// A value on the stack, in a container or in the memo. Objects are shared by index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Obj(usize),
}

/// The globals a pickle may name: what numpy's pickles of arrays, dtypes and scalars use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Global {
    /// `numpy.core.multiarray._reconstruct` (numpy 2: `numpy._core.multiarray`).
    Reconstruct,
    /// `numpy.ndarray`, only as `_reconstruct`'s first argument.
    Ndarray,
    /// `numpy.dtype`.
    Dtype,
    /// `numpy.core.numeric._frombuffer` (numpy 2: `numpy._core.numeric`), protocol 5.
    FromBuffer,
    /// `numpy.core.multiarray.scalar`: a numpy scalar (`np.float32(…)`, `np.int64(…)`).
    Scalar,
    /// `_codecs.encode(text, "latin1")`: how protocol 2 writes bytes.
    Encode,
}

/// The globals allowed, by (module, name).
const GLOBALS: &[(&str, &str, Global)] = &[
    ("numpy.core.multiarray", "_reconstruct", Global::Reconstruct),
    (
        "numpy._core.multiarray",
        "_reconstruct",
        Global::Reconstruct,
    ),
    ("numpy", "ndarray", Global::Ndarray),
    ("numpy", "dtype", Global::Dtype),
    ("numpy.core.numeric", "_frombuffer", Global::FromBuffer),
    ("numpy._core.numeric", "_frombuffer", Global::FromBuffer),
    ("numpy.core.multiarray", "scalar", Global::Scalar),
    ("numpy._core.multiarray", "scalar", Global::Scalar),
    ("_codecs", "encode", Global::Encode),
];

/// What a pickle holds, for messages.
pub(super) const ACCEPTED: &str = "None, bools, ints (up to 64 bits), floats, str, bytes, tuples, lists, dicts \
     and numpy arrays (globals numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, \
     numpy.core.numeric._frombuffer, numpy.core.multiarray.scalar, their numpy._core names, and _codecs.encode)";

#[derive(Debug)]
pub(super) enum Obj {
    Str(String),
    Bytes(Rc<[u8]>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(Global),
    Dtype(Dtype),
    /// An ndarray from `_reconstruct`, waiting for its BUILD state.
    Blank,
    Array(Array),
}

impl Obj {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Obj::Str(_) => "str",
            Obj::Bytes(_) => "bytes",
            Obj::Tuple(_) => "tuple",
            Obj::List(_) => "list",
            Obj::Dict(_) => "dict",
            Obj::Global(_) => "global",
            Obj::Dtype(_) => "numpy.dtype",
            Obj::Blank | Obj::Array(_) => "numpy.ndarray",
        }
    }
}

/// The objects of a finished decode and its result.
pub(super) struct Decoded {
    pub objects: Vec<Obj>,
    pub top: Value,
    /// Values made while decoding: the most a walk of `top` should visit.
    pub values: usize,
}

impl Decoded {
    pub fn obj(&self, value: Value) -> Option<&Obj> {
        match value {
            Value::Obj(i) => self.objects.get(i),
            _ => None,
        }
    }
}

pub(super) fn invalid(message: impl std::fmt::Display) -> NodeError {
    NodeError::invalid(format!("pickle input: {message}"))
}

struct Machine<'a> {
    input: &'a [u8],
    at: usize,
    /// Offset of the opcode being run, for messages.
    op_at: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    objects: Vec<Obj>,
    values: usize,
    /// Bytes of str, bytes and array data that may still be made.
    bytes_left: usize,
}

/// Runs `input` to its STOP.
pub(super) fn run(input: &[u8]) -> Result<Decoded, NodeError> {
    let mut m = Machine {
        input,
        at: 0,
        op_at: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        objects: Vec::new(),
        values: 0,
        bytes_left: input.len().saturating_mul(2).saturating_add(4096),
    };
    m.protocol()?;
    loop {
        m.op_at = m.at;
        let op = m.u8()?;
        if op == b'.' {
            let top = m.pop()?;
            return Ok(Decoded {
                objects: m.objects,
                top,
                values: m.values,
            });
        }
        m.step(op)?;
    }
}

fn name(op: u8) -> &'static str {
    match op {
        b'(' => "MARK",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        b'i' => "INST",
        b'o' => "OBJ",
        0x81 => "NEWOBJ",
        0x92 => "NEWOBJ_EX",
        0x97 => "NEXT_BUFFER",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        b'I' => "INT",
        b'L' => "LONG",
        b'F' => "FLOAT",
        b'S' => "STRING",
        b'T' => "BINSTRING",
        b'U' => "SHORT_BINSTRING",
        b'V' => "UNICODE",
        b'g' => "GET",
        b'p' => "PUT",
        0x80 => "PROTO",
        _ => "an unknown opcode",
    }
}

impl Machine<'_> {
    fn truncated(&self, wanted: usize) -> NodeError {
        invalid(format!(
            "the stream ends inside the opcode at byte {}: it needs {wanted} more bytes, {} are left (a truncated pickle?)",
            self.op_at,
            self.input.len() - self.at
        ))
    }

    fn take(&mut self, n: usize) -> Result<&[u8], NodeError> {
        if self.input.len() - self.at < n {
            return Err(self.truncated(n));
        }
        let bytes = &self.input[self.at..self.at + n];
        self.at += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], NodeError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn u8(&mut self) -> Result<u8, NodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, NodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, NodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// The first opcode: PROTO 2 to 5 (protocols 0 and 1 start without one).
    fn protocol(&mut self) -> Result<(), NodeError> {
        if self.input.first() != Some(&0x80) {
            return Err(invalid(
                "it does not start with PROTO: protocols 0 and 1 are not accepted; send protocol 2 to 5 (pickle.dumps' default is 4 or 5)",
            ));
        }
        self.at = 1;
        let version = self.u8()?;
        if !(2..=5).contains(&version) {
            return Err(invalid(format!(
                "protocol {version} is not accepted: protocols 2 to 5 are"
            )));
        }
        Ok(())
    }

    fn refuse(&self, op: u8, why: &str) -> NodeError {
        invalid(format!(
            "opcode {} (0x{op:02x}) at byte {} is not accepted: {why}; a pickle may hold only {ACCEPTED}",
            name(op),
            self.op_at
        ))
    }

    fn push(&mut self, value: Value) -> Result<(), NodeError> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(invalid(format!("it makes more than {MAX_VALUES} values")));
        }
        self.stack.push(value);
        Ok(())
    }

    fn new_obj(&mut self, obj: Obj) -> Result<Value, NodeError> {
        if self.objects.len() >= MAX_OBJECTS {
            return Err(invalid(format!(
                "it makes more than {MAX_OBJECTS} objects (str, bytes, containers, arrays)"
            )));
        }
        self.objects.push(obj);
        Ok(Value::Obj(self.objects.len() - 1))
    }

    fn push_obj(&mut self, obj: Obj) -> Result<(), NodeError> {
        let value = self.new_obj(obj)?;
        self.push(value)
    }

    /// Charges `n` bytes of str, bytes or array data to the decode.
    fn spend(&mut self, n: usize) -> Result<(), NodeError> {
        self.bytes_left = self.bytes_left.checked_sub(n).ok_or_else(|| {
            invalid("it makes more str and bytes data than twice its own size (repeated conversions of shared data?)")
        })?;
        Ok(())
    }

    fn pop(&mut self) -> Result<Value, NodeError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(invalid(format!(
                "the opcode at byte {} pops from an empty stack",
                self.op_at
            )));
        }
        Ok(self.stack.pop().expect("checked non-empty"))
    }

    fn top(&self) -> Result<Value, NodeError> {
        self.stack.last().copied().ok_or_else(|| {
            invalid(format!(
                "the opcode at byte {} needs a value and the stack is empty",
                self.op_at
            ))
        })
    }

    /// The values pushed since the last MARK, which is removed.
    fn pop_mark(&mut self) -> Result<Vec<Value>, NodeError> {
        let mark = self.marks.pop().ok_or_else(|| {
            invalid(format!(
                "the opcode at byte {} needs a MARK and none is open",
                self.op_at
            ))
        })?;
        Ok(self.stack.split_off(mark))
    }

    fn text(&mut self, len: usize) -> Result<(), NodeError> {
        self.spend(len)?;
        let at = self.op_at;
        let text = std::str::from_utf8(self.take(len)?)
            .map_err(|e| invalid(format!("the str at byte {at} is not UTF-8: {e}")))?
            .to_owned();
        self.push_obj(Obj::Str(text))
    }

    fn bytes(&mut self, len: usize) -> Result<(), NodeError> {
        self.spend(len)?;
        let bytes: Rc<[u8]> = self.take(len)?.into();
        self.push_obj(Obj::Bytes(bytes))
    }

    fn length(&mut self, width: u8) -> Result<usize, NodeError> {
        let len = match width {
            1 => u64::from(self.u8()?),
            4 => u64::from(self.u32()?),
            _ => self.u64()?,
        };
        // More than is left is a truncated stream: say so before allocating anything.
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > self.input.len() - self.at {
            return Err(self.truncated(len));
        }
        Ok(len)
    }

    fn long(&mut self, len: usize) -> Result<(), NodeError> {
        if len > 8 {
            return Err(invalid(format!(
                "the int at byte {} has {len} bytes: ints of up to 64 bits are accepted",
                self.op_at
            )));
        }
        let bytes = self.take(len)?;
        let value = if bytes.is_empty() {
            0
        } else {
            // Little-endian two's complement, sign-extended to 64 bits.
            let fill = if bytes[len - 1] & 0x80 != 0 { 0xff } else { 0 };
            let mut wide = [fill; 8];
            wide[..len].copy_from_slice(bytes);
            i64::from_le_bytes(wide)
        };
        self.push(Value::Int(value))
    }

    fn memo_put(&mut self, key: u32) -> Result<(), NodeError> {
        let value = self.top()?;
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&key) {
            return Err(invalid(format!("it has more than {MAX_MEMO} memo entries")));
        }
        self.memo.insert(key, value);
        Ok(())
    }

    fn memo_get(&mut self, key: u32) -> Result<(), NodeError> {
        let value = *self.memo.get(&key).ok_or_else(|| {
            invalid(format!(
                "the opcode at byte {} reads memo entry {key}, which was never stored",
                self.op_at
            ))
        })?;
        self.push(value)
    }

    fn obj_mut(&mut self, value: Value) -> Option<&mut Obj> {
        match value {
            Value::Obj(i) => self.objects.get_mut(i),
            _ => None,
        }
    }

    fn kind(&self, value: Value) -> &'static str {
        match value {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Obj(i) => self.objects[i].kind(),
        }
    }

    fn append(&mut self, items: Vec<Value>) -> Result<(), NodeError> {
        let target = self.top()?;
        let kind = self.kind(target);
        match self.obj_mut(target) {
            Some(Obj::List(list)) => {
                list.extend(items);
                Ok(())
            }
            _ => Err(invalid(format!(
                "APPEND at byte {} on a {kind}: only lists are appended to",
                self.op_at
            ))),
        }
    }

    fn set_items(&mut self, items: Vec<Value>) -> Result<(), NodeError> {
        if items.len() % 2 != 0 {
            return Err(invalid(format!(
                "SETITEMS at byte {} has an odd number of keys and values",
                self.op_at
            )));
        }
        let target = self.top()?;
        let kind = self.kind(target);
        let pairs = items.chunks_exact(2).map(|kv| (kv[0], kv[1]));
        match self.obj_mut(target) {
            Some(Obj::Dict(dict)) => {
                dict.extend(pairs);
                Ok(())
            }
            _ => Err(invalid(format!(
                "SETITEM at byte {} on a {kind}: only dicts take items",
                self.op_at
            ))),
        }
    }

    fn line(&mut self) -> Result<String, NodeError> {
        let rest = &self.input[self.at..];
        let end = rest
            .iter()
            .take(MAX_GLOBAL_LINE + 1)
            .position(|&b| b == b'\n')
            .ok_or_else(|| {
                invalid(format!(
                    "GLOBAL at byte {} has no line end within {MAX_GLOBAL_LINE} bytes",
                    self.op_at
                ))
            })?;
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.at += end + 1;
        Ok(line)
    }

    fn global(&mut self, module: &str, name: &str, op: &str) -> Result<(), NodeError> {
        let Some(&(_, _, global)) = GLOBALS.iter().find(|(m, n, _)| *m == module && *n == name)
        else {
            return Err(invalid(format!(
                "global {} ({op} at byte {}) is not accepted: a pickle may name only the numpy globals of arrays \
                 (numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, numpy.core.numeric._frombuffer, \
                 numpy.core.multiarray.scalar, their numpy._core names) and _codecs.encode; nothing is ever called",
                echo(&format!("{module}.{name}")),
                self.op_at
            )));
        };
        self.push_obj(Obj::Global(global))
    }

    fn string(&self, value: Value) -> Option<&str> {
        match value {
            Value::Obj(i) => match &self.objects[i] {
                Obj::Str(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    fn reduce(&mut self) -> Result<(), NodeError> {
        let args = self.pop()?;
        let callable = self.pop()?;
        let at = self.op_at;
        let view = self.view();
        let Some(Obj::Global(global)) = view.obj(callable) else {
            return Err(invalid(format!(
                "REDUCE at byte {at} calls a {}: only the accepted numpy globals are interpreted",
                self.kind(callable)
            )));
        };
        let Some(args) = view.tuple(args) else {
            return Err(invalid(format!(
                "REDUCE at byte {at} has {} arguments, not a tuple",
                self.kind(args)
            )));
        };
        let made = match global {
            Global::Ndarray => {
                return Err(invalid(format!(
                    "REDUCE at byte {at} calls numpy.ndarray: it is accepted only as _reconstruct's first argument"
                )))
            }
            Global::Reconstruct => match args.first().and_then(|&first| view.obj(first)) {
                Some(Obj::Global(Global::Ndarray)) => Obj::Blank,
                _ => {
                    return Err(invalid(format!(
                        "_reconstruct at byte {at} builds something other than numpy.ndarray (subclasses are not accepted)"
                    )))
                }
            },
            Global::Dtype => {
                let name = args.first().and_then(|&name| view.str(name)).ok_or_else(|| {
                    invalid(format!("numpy.dtype at byte {at} needs a type code str"))
                })?;
                Obj::Dtype(Dtype::named(name)?)
            }
            Global::FromBuffer => Obj::Array(numpy::from_buffer(view, args)?),
            Global::Scalar => {
                let value = numpy::scalar(view, args)?;
                return self.push(value);
            }
            Global::Encode => {
                let text = match args {
                    [text, encoding] if matches!(view.str(*encoding), Some("latin1" | "latin-1")) => {
                        view.str(*text)
                    }
                    _ => None,
                }
                .ok_or_else(|| {
                    invalid(format!(
                        "_codecs.encode at byte {at} is accepted only as encode(str, \"latin1\"), how protocol 2 writes bytes"
                    ))
                })?;
                let bytes = text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect::<Option<Rc<[u8]>>>()
                    .ok_or_else(|| invalid(format!("_codecs.encode at byte {at}: the text is not latin1")))?;
                self.spend(bytes.len())?;
                Obj::Bytes(bytes)
            }
        };
        self.push_obj(made)
    }

    fn view(&self) -> View<'_> {
        View {
            objects: &self.objects,
        }
    }

    fn build(&mut self) -> Result<(), NodeError> {
        let state = self.pop()?;
        let target = self.top()?;
        let at = self.op_at;
        match self.obj_mut(target) {
            Some(Obj::Dtype(_)) => {
                let dtype = numpy::dtype_state(self.view(), target, state)?;
                *self.obj_mut(target).expect("checked") = Obj::Dtype(dtype);
                Ok(())
            }
            Some(Obj::Blank) => {
                let array = numpy::array_state(self.view(), state)?;
                *self.obj_mut(target).expect("checked") = Obj::Array(array);
                Ok(())
            }
            _ => Err(invalid(format!(
                "BUILD at byte {at} on a {}: only numpy dtypes and arrays take a state",
                self.kind(target)
            ))),
        }
    }

    fn step(&mut self, op: u8) -> Result<(), NodeError> {
        match op {
            0x95 => {
                // FRAME: a length hint for buffered readers; the whole input is here.
                self.u64()?;
            }
            b'(' => {
                if self.marks.len() >= MAX_MARKS {
                    return Err(invalid(format!(
                        "more than {MAX_MARKS} MARKs are open at byte {} (nested too deeply)",
                        self.op_at
                    )));
                }
                self.marks.push(self.stack.len());
            }
            b'0' => {
                self.pop()?;
            }
            b'1' => {
                self.pop_mark()?;
            }
            b'2' => {
                let top = self.top()?;
                self.push(top)?;
            }
            b'N' => self.push(Value::None)?,
            0x88 => self.push(Value::Bool(true))?,
            0x89 => self.push(Value::Bool(false))?,
            b'J' => {
                let v = i32::from_le_bytes(self.array()?);
                self.push(Value::Int(v.into()))?
            }
            b'K' => {
                let v = self.u8()?;
                self.push(Value::Int(v.into()))?
            }
            b'M' => {
                let v = u16::from_le_bytes(self.array()?);
                self.push(Value::Int(v.into()))?
            }
            0x8a => {
                let len = self.u8()?;
                self.long(len.into())?
            }
            0x8b => {
                let len = i32::from_le_bytes(self.array()?);
                self.long(usize::try_from(len).unwrap_or(usize::MAX))?
            }
            b'G' => {
                let v = f64::from_be_bytes(self.array()?);
                self.push(Value::Float(v))?
            }
            0x8c | b'X' | 0x8d => {
                let width = match op {
                    0x8c => 1,
                    b'X' => 4,
                    _ => 8,
                };
                let len = self.length(width)?;
                self.text(len)?
            }
            b'C' | b'B' | 0x8e | 0x96 => {
                let width = match op {
                    b'C' => 1,
                    b'B' => 4,
                    _ => 8,
                };
                let len = self.length(width)?;
                self.bytes(len)?
            }
            0x98 => {
                // READONLY_BUFFER: marks an in-band buffer read-only; nothing to do.
                self.top()?;
            }
            b')' => self.push_obj(Obj::Tuple(Vec::new()))?,
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                let floor = self.marks.last().copied().unwrap_or(0);
                if self.stack.len() < floor + n {
                    return Err(invalid(format!(
                        "TUPLE{n} at byte {} needs {n} values on the stack",
                        self.op_at
                    )));
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push_obj(Obj::Tuple(items))?
            }
            b't' => {
                let items = self.pop_mark()?;
                self.push_obj(Obj::Tuple(items))?
            }
            b']' => self.push_obj(Obj::List(Vec::new()))?,
            b'l' => {
                let items = self.pop_mark()?;
                self.push_obj(Obj::List(items))?
            }
            b'a' => {
                let item = self.pop()?;
                self.append(vec![item])?
            }
            b'e' => {
                let items = self.pop_mark()?;
                self.append(items)?
            }
            b'}' => self.push_obj(Obj::Dict(Vec::new()))?,
            b'd' => {
                let items = self.pop_mark()?;
                self.push_obj(Obj::Dict(Vec::new()))?;
                self.set_items(items)?
            }
            b's' => {
                let value = self.pop()?;
                let key = self.pop()?;
                self.set_items(vec![key, value])?
            }
            b'u' => {
                let items = self.pop_mark()?;
                self.set_items(items)?
            }
            b'q' => {
                let key = self.u8()?;
                self.memo_put(key.into())?
            }
            b'r' => {
                let key = self.u32()?;
                self.memo_put(key)?
            }
            0x94 => {
                let key = u32::try_from(self.memo.len()).unwrap_or(u32::MAX);
                self.memo_put(key)?
            }
            b'h' => {
                let key = self.u8()?;
                self.memo_get(key.into())?
            }
            b'j' => {
                let key = self.u32()?;
                self.memo_get(key)?
            }
            b'c' => {
                let module = self.line()?;
                let name = self.line()?;
                self.global(&module, &name, "GLOBAL")?
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(module), Some(name)) = (self.string(module), self.string(name)) else {
                    return Err(invalid(format!(
                        "STACK_GLOBAL at byte {} needs a module and a name as str",
                        self.op_at
                    )));
                };
                let (module, name) = (module.to_owned(), name.to_owned());
                self.global(&module, &name, "STACK_GLOBAL")?
            }
            b'R' => self.reduce()?,
            b'b' => self.build()?,
            0x80 => return Err(self.refuse(op, "PROTO may only come first")),
            b'P' | b'Q' => {
                return Err(self.refuse(op, "persistent ids name objects outside the pickle"))
            }
            0x82..=0x84 => {
                return Err(self.refuse(op, "the extension registry names arbitrary objects"))
            }
            b'i' | b'o' | 0x81 | 0x92 => {
                return Err(self.refuse(op, "it creates instances of classes"))
            }
            0x97 => return Err(self.refuse(op, "out-of-band buffers do not travel over gRPC")),
            0x8f | 0x90 | 0x91 => return Err(self.refuse(op, "sets are not accepted")),
            b'I' | b'L' | b'F' | b'S' | b'T' | b'U' | b'V' | b'g' | b'p' => {
                return Err(self.refuse(
                    op,
                    "text opcodes of protocols 0 and 1 and Python 2 strings are not accepted",
                ))
            }
            _ => return Err(self.refuse(op, "it is not a pickle opcode this reader knows")),
        }
        Ok(())
    }
}

/// Read access to the objects for the numpy interpreters.
#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    pub objects: &'a [Obj],
}

impl<'a> View<'a> {
    pub fn obj(&self, value: Value) -> Option<&'a Obj> {
        match value {
            Value::Obj(i) => self.objects.get(i),
            _ => None,
        }
    }

    pub fn str(&self, value: Value) -> Option<&'a str> {
        match self.obj(value) {
            Some(Obj::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn tuple(&self, value: Value) -> Option<&'a [Value]> {
        match self.obj(value) {
            Some(Obj::Tuple(items)) => Some(items),
            _ => None,
        }
    }

    pub fn bytes(&self, value: Value) -> Option<&'a Rc<[u8]>> {
        match self.obj(value) {
            Some(Obj::Bytes(b)) => Some(b),
            _ => None,
        }
    }

    pub fn dtype(&self, value: Value) -> Option<Dtype> {
        match self.obj(value) {
            Some(Obj::Dtype(d)) => Some(*d),
            _ => None,
        }
    }
}
