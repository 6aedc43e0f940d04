//! The DFG: built node by node, or parsed from a .dfg file.

use std::ffi::CString;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::buffer;
use crate::error::{check, cstring, path_cstring, Error, Result, Status};
use crate::sys;
use crate::types::DType;

/// A node attribute: its name and value. Values are borrowed only for the `add_node` call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attr<'a> {
    Int(&'a str, i64),
    Float(&'a str, f64),
    Str(&'a str, &'a str),
    Ints(&'a str, &'a [i64]),
    Floats(&'a str, &'a [f64]),
}

impl Attr<'_> {
    pub fn name(&self) -> &str {
        match *self {
            Attr::Int(n, _) | Attr::Float(n, _) | Attr::Str(n, _) => n,
            Attr::Ints(n, _) | Attr::Floats(n, _) => n,
        }
    }
}

pub struct Graph {
    raw: NonNull<sys::kpu_graph>,
}

// kpu.h: a graph may be used by one thread at a time, so it may move but not be shared.
unsafe impl Send for Graph {}

impl Graph {
    /// SAFETY: `raw` is a graph the caller owns (or NULL, which becomes an error).
    unsafe fn from_raw(raw: *mut sys::kpu_graph) -> Result<Graph> {
        NonNull::new(raw)
            .map(|raw| Graph { raw })
            .ok_or_else(|| Error::new(Status::Internal, "the library returned KPU_OK but no graph"))
    }

    pub(crate) fn as_ptr(&self) -> *const sys::kpu_graph {
        self.raw.as_ptr()
    }

    pub fn new(name: &str) -> Result<Graph> {
        let name = cstring("graph name", name)?;
        let mut out = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        unsafe {
            check(sys::kpu_graph_create(name.as_ptr(), &mut out))?;
            Graph::from_raw(out)
        }
    }

    /// Parses JSON or protobuf binary; `base_dir` resolves external_data paths.
    pub fn parse(bytes: &[u8], base_dir: Option<&Path>) -> Result<Graph> {
        let base_dir = base_dir.map(path_cstring).transpose()?;
        let base_ptr = base_dir.as_ref().map_or(ptr::null(), |d| d.as_ptr());
        let mut out = ptr::null_mut();
        // SAFETY: the slice and the optional C string outlive the call.
        unsafe {
            check(sys::kpu_graph_parse(bytes.as_ptr().cast(), bytes.len(), base_ptr, &mut out))?;
            Graph::from_raw(out)
        }
    }

    /// Reads a .dfg file; external data is resolved relative to its folder.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Graph> {
        let path = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        unsafe {
            check(sys::kpu_graph_load_file(path.as_ptr(), &mut out))?;
            Graph::from_raw(out)
        }
    }

    pub fn add_input(&mut self, name: &str, dtype: DType, dims: &[i64]) -> Result<()> {
        let name = cstring("input name", name)?;
        // SAFETY: live graph; name and dims outlive the call.
        check(unsafe {
            sys::kpu_graph_add_input(
                self.raw.as_ptr(),
                name.as_ptr(),
                dtype.to_raw(),
                dims.len(),
                dims.as_ptr(),
            )
        })
    }

    /// A constant from raw little-endian element bytes; the library copies them.
    pub fn add_constant(
        &mut self,
        name: &str,
        dtype: DType,
        dims: &[i64],
        data: &[u8],
    ) -> Result<()> {
        let name = cstring("constant name", name)?;
        // SAFETY: live graph; name, dims and data outlive the call.
        check(unsafe {
            sys::kpu_graph_add_constant(
                self.raw.as_ptr(),
                name.as_ptr(),
                dtype.to_raw(),
                dims.len(),
                dims.as_ptr(),
                data.as_ptr().cast(),
                data.len(),
            )
        })
    }

    pub fn add_constant_f32(&mut self, name: &str, dims: &[i64], data: &[f32]) -> Result<()> {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.add_constant(name, DType::Float32, dims, &bytes)
    }

    /// Adds a node. Unknown op types are accepted here; `Program::compile` reports them.
    pub fn add_node(
        &mut self,
        op_type: &str,
        name: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: &[Attr<'_>],
    ) -> Result<()> {
        let op_type = cstring("op type", op_type)?;
        let name = cstring("node name", name)?;
        let inputs = cstrings("node input", inputs)?;
        let outputs = cstrings("node output", outputs)?;
        let input_ptrs: Vec<*const c_char> = inputs.iter().map(|s| s.as_ptr()).collect();
        let output_ptrs: Vec<*const c_char> = outputs.iter().map(|s| s.as_ptr()).collect();
        // The C strings must stay alive while `raw_attrs` points into them.
        let (_attr_strings, raw_attrs) = lower_attrs(attrs)?;
        // SAFETY: every pointer refers to memory that lives until the end of this function.
        check(unsafe {
            sys::kpu_graph_add_node(
                self.raw.as_ptr(),
                op_type.as_ptr(),
                name.as_ptr(),
                input_ptrs.as_ptr(),
                input_ptrs.len(),
                output_ptrs.as_ptr(),
                output_ptrs.len(),
                raw_attrs.as_ptr(),
                raw_attrs.len(),
            )
        })
    }

    pub fn add_output(&mut self, name: &str) -> Result<()> {
        let name = cstring("output name", name)?;
        // SAFETY: live graph and C string.
        check(unsafe { sys::kpu_graph_add_output(self.raw.as_ptr(), name.as_ptr()) })
    }

    /// Protobuf binary, the .dfg format `parse` reads back.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        // SAFETY: live graph; `take` owns the buffer.
        buffer::take(|out| unsafe { sys::kpu_graph_serialize(self.as_ptr(), 0, out) })
    }

    pub fn to_json(&self) -> Result<String> {
        // SAFETY: live graph; `take_string` owns the buffer.
        buffer::take_string(|out| unsafe { sys::kpu_graph_serialize(self.as_ptr(), 1, out) })
    }
}

impl Drop for Graph {
    fn drop(&mut self) {
        // SAFETY: owned, destroyed once.
        unsafe { sys::kpu_graph_destroy(self.raw.as_ptr()) }
    }
}

fn cstrings(what: &str, items: &[&str]) -> Result<Vec<CString>> {
    items.iter().map(|s| cstring(what, s)).collect()
}

/// Builds the C view of `attrs`. The returned CStrings own the text the raw attrs point to;
/// their heap storage does not move when the Vec holding them grows.
fn lower_attrs(attrs: &[Attr<'_>]) -> Result<(Vec<CString>, Vec<sys::kpu_attr>)> {
    let mut strings = Vec::new();
    let mut raw = Vec::with_capacity(attrs.len());
    for attr in attrs {
        let name = cstring("attribute name", attr.name())?;
        let mut a = sys::kpu_attr {
            name: name.as_ptr(),
            type_: sys::KPU_ATTR_INT,
            i: 0,
            f: 0.0,
            s: ptr::null(),
            ints: ptr::null(),
            floats: ptr::null(),
            n_values: 0,
        };
        strings.push(name);
        match *attr {
            Attr::Int(_, v) => a.i = v,
            Attr::Float(_, v) => {
                a.type_ = sys::KPU_ATTR_FLOAT;
                a.f = v;
            }
            Attr::Str(_, v) => {
                let s = cstring("attribute value", v)?;
                a.type_ = sys::KPU_ATTR_STRING;
                a.s = s.as_ptr();
                strings.push(s);
            }
            Attr::Ints(_, v) => {
                a.type_ = sys::KPU_ATTR_INTS;
                a.ints = v.as_ptr();
                a.n_values = v.len();
            }
            Attr::Floats(_, v) => {
                a.type_ = sys::KPU_ATTR_FLOATS;
                a.floats = v.as_ptr();
                a.n_values = v.len();
            }
        }
        raw.push(a);
    }
    Ok((strings, raw))
}
