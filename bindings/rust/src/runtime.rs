//! A loaded program, ready to run: inputs in, outputs and metrics out.

use std::collections::HashMap;
use std::ffi::CString;
use std::ptr::{self, NonNull};

use crate::buffer;
use crate::config::Config;
use crate::error::{check, cstring, Error, Result, Status};
use crate::program::Program;
use crate::sys;
use crate::types::{DType, Engine, Metrics, Mode, TensorInfo};

/// An input passed to `Runtime::execute`: borrowed element bytes in native byte order.
#[derive(Clone, Copy, Debug)]
pub struct TensorRef<'a> {
    pub name: &'a str,
    pub dtype: DType,
    pub dims: &'a [i64],
    pub data: &'a [u8],
}

impl<'a> TensorRef<'a> {
    pub fn new(name: &'a str, dtype: DType, dims: &'a [i64], data: &'a [u8]) -> TensorRef<'a> {
        TensorRef { name, dtype, dims, data }
    }

    pub fn f32(name: &'a str, dims: &'a [i64], data: &'a [f32]) -> TensorRef<'a> {
        // SAFETY: f32 has no padding and every byte pattern is a valid u8.
        let bytes = unsafe {
            std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), std::mem::size_of_val(data))
        };
        TensorRef { name, dtype: DType::Float32, dims, data: bytes }
    }
}

/// An output the runtime produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub dtype: DType,
    pub dims: Vec<i64>,
    /// Element bytes in native byte order.
    pub data: Vec<u8>,
}

impl Tensor {
    pub fn to_f32(&self) -> Result<Vec<f32>> {
        if self.dtype != DType::Float32 {
            return Err(Error::invalid_argument(format!(
                "output {} is {:?}, not Float32",
                self.name, self.dtype
            )));
        }
        Ok(self
            .data
            .chunks_exact(4)
            .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

pub struct Runtime {
    raw: NonNull<sys::kpu_runtime>,
    // Copied at load time so outputs can be allocated after the program is gone.
    inputs: Vec<TensorInfo>,
    outputs: Vec<TensorInfo>,
}

// kpu.h: a runtime is used by one thread at a time. It may move; `&mut self` on execute and
// the missing Sync impl keep it to one thread at a time.
unsafe impl Send for Runtime {}

impl Runtime {
    /// Loads `program` to run on `config`, or on the program's target config when None.
    pub fn load(program: &Program, config: Option<&Config>) -> Result<Runtime> {
        let inputs = program.inputs()?;
        let outputs = program.outputs()?;
        let config = config.map_or(ptr::null(), Config::as_ptr);
        let mut out = ptr::null_mut();
        // SAFETY: live program, optional live config, valid out-pointer.
        check(unsafe { sys::kpu_load(program.as_ptr(), config, &mut out) })?;
        let raw = NonNull::new(out).ok_or_else(|| {
            Error::new(Status::Internal, "the library returned KPU_OK but no runtime")
        })?;
        Ok(Runtime { raw, inputs, outputs })
    }

    pub fn inputs(&self) -> &[TensorInfo] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[TensorInfo] {
        &self.outputs
    }

    /// Runs the program once; returns every output, in the program's output order.
    pub fn execute(
        &mut self,
        inputs: &[TensorRef<'_>],
        mode: Mode,
        engine: Engine,
    ) -> Result<Vec<Tensor>> {
        let input_names = inputs
            .iter()
            .map(|t| cstring("input name", t.name))
            .collect::<Result<Vec<CString>>>()?;
        let raw_inputs: Vec<sys::kpu_tensor> = inputs
            .iter()
            .zip(&input_names)
            .map(|(t, name)| sys::kpu_tensor {
                struct_size: std::mem::size_of::<sys::kpu_tensor>(),
                name: name.as_ptr(),
                dtype: t.dtype.to_raw(),
                rank: t.dims.len(),
                dims: t.dims.as_ptr(),
                // The library only reads input data; the field is shared with outputs.
                data: t.data.as_ptr() as *mut _,
                size_bytes: t.data.len(),
            })
            .collect();

        let output_names = self
            .outputs
            .iter()
            .map(|t| cstring("output name", &t.name))
            .collect::<Result<Vec<CString>>>()?;
        // u64 storage so kernels writing whole elements get aligned memory.
        let mut storage: Vec<Vec<u64>> =
            self.outputs.iter().map(|t| vec![0u64; t.size_bytes.div_ceil(8)]).collect();
        let mut raw_outputs: Vec<sys::kpu_tensor> = self
            .outputs
            .iter()
            .zip(&output_names)
            .zip(storage.iter_mut())
            .map(|((t, name), buf)| sys::kpu_tensor {
                struct_size: std::mem::size_of::<sys::kpu_tensor>(),
                name: name.as_ptr(),
                dtype: t.dtype.to_raw(),
                rank: t.dims.len(),
                dims: t.dims.as_ptr(),
                data: buf.as_mut_ptr().cast(),
                size_bytes: t.size_bytes,
            })
            .collect();

        let mut options = sys::kpu_execute_options { struct_size: 0, mode: 0, engine: 0 };
        // SAFETY: a valid struct; init fills defaults for fields a newer header may add.
        unsafe { sys::kpu_execute_options_init(&mut options) };
        options.struct_size = std::mem::size_of::<sys::kpu_execute_options>();
        options.mode = mode.to_raw();
        options.engine = engine.to_raw();

        // SAFETY: every pointer in the tensor arrays refers to memory alive until the end of
        // this function; output buffers hold at least `size_bytes` bytes.
        check(unsafe {
            sys::kpu_execute(
                self.raw.as_ptr(),
                raw_inputs.as_ptr(),
                raw_inputs.len(),
                raw_outputs.as_mut_ptr(),
                raw_outputs.len(),
                &options,
            )
        })?;

        Ok(self
            .outputs
            .iter()
            .zip(storage)
            .map(|(t, buf)| Tensor {
                name: t.name.clone(),
                dtype: t.dtype,
                dims: t.dims.clone(),
                data: buf.iter().flat_map(|w| w.to_ne_bytes()).take(t.size_bytes).collect(),
            })
            .collect())
    }

    /// Float32 convenience: inputs as (name, dims, values), outputs by name.
    pub fn execute_f32(
        &mut self,
        inputs: &[(&str, &[i64], &[f32])],
        mode: Mode,
        engine: Engine,
    ) -> Result<HashMap<String, Vec<f32>>> {
        let refs: Vec<TensorRef<'_>> =
            inputs.iter().map(|&(n, d, v)| TensorRef::f32(n, d, v)).collect();
        self.execute(&refs, mode, engine)?
            .into_iter()
            .map(|t| Ok((t.name.clone(), t.to_f32()?)))
            .collect()
    }

    /// Metrics of the last successful run; Status::InvalidArgument before the first one.
    pub fn metrics(&self) -> Result<Metrics> {
        let mut raw = sys::kpu_metrics {
            struct_size: std::mem::size_of::<sys::kpu_metrics>(),
            ..Default::default()
        };
        // SAFETY: live runtime and a sized out-struct.
        check(unsafe { sys::kpu_runtime_metrics(self.raw.as_ptr(), &mut raw) })?;
        Ok(Metrics::from(&raw))
    }

    /// The same metrics as JSON, with the per-op breakdown.
    pub fn metrics_json(&self) -> Result<String> {
        // SAFETY: live runtime; `take_string` owns the buffer.
        buffer::take_string(|out| unsafe { sys::kpu_runtime_metrics_json(self.raw.as_ptr(), out) })
    }

    /// The DFX schedule as readable text (the loader's --dry-run).
    pub fn schedule_text(&self) -> Result<String> {
        // SAFETY: live runtime; `take_string` owns the buffer.
        buffer::take_string(|out| unsafe { sys::kpu_runtime_schedule_text(self.raw.as_ptr(), out) })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // SAFETY: owned, destroyed once.
        unsafe { sys::kpu_runtime_destroy(self.raw.as_ptr()) }
    }
}
