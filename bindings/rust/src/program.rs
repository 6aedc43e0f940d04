//! A compiled program (.kpu): immutable, so it may be shared between threads.

use std::path::Path;
use std::ptr::{self, NonNull};

use crate::buffer;
use crate::config::Config;
use crate::error::{check, path_cstring, static_str, Error, Result, Status};
use crate::graph::Graph;
use crate::sys;
use crate::types::{DType, Dataflow, TensorInfo};

/// Compiler knobs (`kpu_compile_options`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    pub dataflow: Dataflow,
    /// MatMul+Add(+ReLU) fusion.
    pub enable_fusion: bool,
}

impl Default for CompileOptions {
    fn default() -> CompileOptions {
        CompileOptions { dataflow: Dataflow::Auto, enable_fusion: true }
    }
}

impl CompileOptions {
    fn to_raw(self) -> sys::kpu_compile_options {
        let mut raw = sys::kpu_compile_options {
            struct_size: std::mem::size_of::<sys::kpu_compile_options>(),
            dataflow: 0,
            enable_fusion: 0,
        };
        // Let the library fill fields a newer header may add before overriding ours.
        // SAFETY: a valid, sized struct.
        unsafe { sys::kpu_compile_options_init(&mut raw) };
        raw.struct_size = std::mem::size_of::<sys::kpu_compile_options>();
        raw.dataflow = self.dataflow.to_raw();
        raw.enable_fusion = self.enable_fusion as i32;
        raw
    }
}

pub struct Program {
    raw: NonNull<sys::kpu_program>,
}

// SAFETY: kpu.h: "A kpu_program is immutable after creation and may be shared between
// threads." Every `&self` method below calls a kpu_* function that only reads the program
// (kpu_load copies what the runtime needs; serialize, to_json, config and the tensor infos build
// new values), and the library keeps its error message per thread, so concurrent calls on one
// program are sound; tests/threads_test.cc runs them from 8 threads under ThreadSanitizer and
// tests/threads.rs from 8 Rust threads. Only drop frees the program, and it takes it by value.
// A Runtime is Send but not Sync (one thread at a time, as kpu.h says); Graph and Config
// likewise, since kpu.h promises nothing about concurrent calls on them.
unsafe impl Send for Program {}
unsafe impl Sync for Program {}

impl Program {
    /// SAFETY: `raw` is a program the caller owns (or NULL, which becomes an error).
    unsafe fn from_raw(raw: *mut sys::kpu_program) -> Result<Program> {
        NonNull::new(raw).map(|raw| Program { raw }).ok_or_else(|| {
            Error::new(Status::Internal, "the library returned KPU_OK but no program")
        })
    }

    pub(crate) fn as_ptr(&self) -> *const sys::kpu_program {
        self.raw.as_ptr()
    }

    /// Compiles for `config`, or for the default KPU ("swkpu-v1") when None.
    pub fn compile(graph: &Graph, config: Option<&Config>) -> Result<Program> {
        Program::compile_with(graph, config, CompileOptions::default())
    }

    pub fn compile_with(
        graph: &Graph,
        config: Option<&Config>,
        options: CompileOptions,
    ) -> Result<Program> {
        let options = options.to_raw();
        let config = config.map_or(ptr::null(), Config::as_ptr);
        let mut out = ptr::null_mut();
        // SAFETY: live graph, optional live config, options on the stack.
        unsafe {
            check(sys::kpu_compile(graph.as_ptr(), config, &options, &mut out))?;
            Program::from_raw(out)
        }
    }

    /// Validates and loads .kpu bytes; malformed input gives Status::InvalidProgram.
    pub fn deserialize(bytes: &[u8]) -> Result<Program> {
        let mut out = ptr::null_mut();
        // SAFETY: the slice is valid for its length during the call.
        unsafe {
            check(sys::kpu_program_deserialize(bytes.as_ptr().cast(), bytes.len(), &mut out))?;
            Program::from_raw(out)
        }
    }

    pub fn load_file(path: impl AsRef<Path>) -> Result<Program> {
        let path = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        unsafe {
            check(sys::kpu_program_load_file(path.as_ptr(), &mut out))?;
            Program::from_raw(out)
        }
    }

    /// The .kpu bytes.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        // SAFETY: live program; `take` owns the buffer.
        buffer::take(|out| unsafe { sys::kpu_program_serialize(self.as_ptr(), out) })
    }

    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path_cstring(path.as_ref())?;
        // SAFETY: live program and C string.
        check(unsafe { sys::kpu_program_save(self.as_ptr(), path.as_ptr()) })
    }

    /// Metadata, tensors, DFX operations, dependencies and hints; not weights.
    pub fn to_json(&self) -> Result<String> {
        // SAFETY: live program; `take_string` owns the buffer.
        buffer::take_string(|out| unsafe { sys::kpu_program_to_json(self.as_ptr(), out) })
    }

    /// The config the program was compiled for.
    pub fn config(&self) -> Result<Config> {
        let mut out = ptr::null_mut();
        // SAFETY: live program, valid out-pointer; we own the result.
        unsafe {
            check(sys::kpu_program_config(self.as_ptr(), &mut out))?;
            Config::from_raw(out)
        }
    }

    pub fn inputs(&self) -> Result<Vec<TensorInfo>> {
        // SAFETY: live program.
        let n = unsafe { sys::kpu_program_input_count(self.as_ptr()) };
        (0..n).map(|i| self.info(i, sys::kpu_program_input_info)).collect()
    }

    pub fn outputs(&self) -> Result<Vec<TensorInfo>> {
        // SAFETY: live program.
        let n = unsafe { sys::kpu_program_output_count(self.as_ptr()) };
        (0..n).map(|i| self.info(i, sys::kpu_program_output_info)).collect()
    }

    fn info(
        &self,
        index: usize,
        get: unsafe extern "C" fn(
            *const sys::kpu_program,
            usize,
            *mut sys::kpu_tensor_info,
        ) -> sys::kpu_status,
    ) -> Result<TensorInfo> {
        let mut raw = sys::kpu_tensor_info {
            struct_size: std::mem::size_of::<sys::kpu_tensor_info>(),
            name: ptr::null(),
            dtype: sys::KPU_DTYPE_UNSPECIFIED,
            rank: 0,
            dims: [0; sys::KPU_MAX_RANK],
            size_bytes: 0,
        };
        // SAFETY: live program and a sized out-struct; the name is borrowed from the program
        // and copied while `self` is borrowed.
        unsafe {
            check(get(self.as_ptr(), index, &mut raw))?;
            if raw.rank > sys::KPU_MAX_RANK {
                return Err(Error::new(
                    Status::Internal,
                    format!("tensor {index} has rank {} > KPU_MAX_RANK", raw.rank),
                ));
            }
            Ok(TensorInfo {
                name: static_str(raw.name).unwrap_or("").to_owned(),
                dtype: DType::from_library(raw.dtype)?,
                dims: raw.dims[..raw.rank].to_vec(),
                size_bytes: raw.size_bytes,
            })
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: owned, destroyed once.
        unsafe { sys::kpu_program_destroy(self.raw.as_ptr()) }
    }
}
