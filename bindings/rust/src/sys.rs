//! Raw declarations mirroring `kpu/c_api/kpu.h` one to one.
//!
//! C enums are plain `c_int` aliases with constants rather than Rust enums: `kpu_mode` has two
//! names for the value 0, and a newer library may return values this crate does not know yet
//! (the header is additive only), which would be undefined behaviour in a Rust enum.
#![allow(non_camel_case_types)]

use std::ffi::c_void;
use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::{c_char, c_int};

pub const KPU_API_VERSION: u32 = 3;
pub const KPU_MAX_STRUCT_SIZE: usize = 4096;
pub const KPU_MAX_RANK: usize = 8;

pub type kpu_status = c_int;
pub const KPU_OK: kpu_status = 0;
pub const KPU_ERROR_INVALID_ARGUMENT: kpu_status = 1;
pub const KPU_ERROR_UNSUPPORTED_OP: kpu_status = 2;
pub const KPU_ERROR_COMPILATION: kpu_status = 3;
pub const KPU_ERROR_MEMORY_EXCEEDED: kpu_status = 4;
pub const KPU_ERROR_SHAPE_MISMATCH: kpu_status = 5;
pub const KPU_ERROR_INVALID_PROGRAM: kpu_status = 6;
pub const KPU_ERROR_IO: kpu_status = 7;
pub const KPU_ERROR_UNIMPLEMENTED: kpu_status = 8;
pub const KPU_ERROR_INTERNAL: kpu_status = 9;

pub type kpu_dtype = c_int;
pub const KPU_DTYPE_UNSPECIFIED: kpu_dtype = 0;
pub const KPU_DTYPE_FLOAT32: kpu_dtype = 1;
pub const KPU_DTYPE_FLOAT16: kpu_dtype = 2;
pub const KPU_DTYPE_BFLOAT16: kpu_dtype = 3;
pub const KPU_DTYPE_INT8: kpu_dtype = 4;
pub const KPU_DTYPE_UINT8: kpu_dtype = 5;
pub const KPU_DTYPE_INT32: kpu_dtype = 6;
pub const KPU_DTYPE_INT64: kpu_dtype = 7;
pub const KPU_DTYPE_BOOL: kpu_dtype = 8;

pub type kpu_attr_type = c_int;
pub const KPU_ATTR_INT: kpu_attr_type = 0;
pub const KPU_ATTR_FLOAT: kpu_attr_type = 1;
pub const KPU_ATTR_STRING: kpu_attr_type = 2;
pub const KPU_ATTR_INTS: kpu_attr_type = 3;
pub const KPU_ATTR_FLOATS: kpu_attr_type = 4;

pub type kpu_dataflow = c_int;
pub const KPU_DATAFLOW_AUTO: kpu_dataflow = 0;
pub const KPU_DATAFLOW_OUTPUT_STATIONARY: kpu_dataflow = 1;
pub const KPU_DATAFLOW_WEIGHT_STATIONARY: kpu_dataflow = 2;
pub const KPU_DATAFLOW_INPUT_STATIONARY: kpu_dataflow = 3;

pub type kpu_mode = c_int;
pub const KPU_MODE_FUNCTIONAL: kpu_mode = 0;
pub const KPU_MODE_BEHAVIORAL: kpu_mode = 0;
pub const KPU_MODE_TRANSACTIONAL: kpu_mode = 1;
pub const KPU_MODE_CYCLE_ACCURATE: kpu_mode = 2;
pub const KPU_MODE_POWER_TRACE: kpu_mode = 3;

pub type kpu_engine = c_int;
pub const KPU_ENGINE_FAST: kpu_engine = 0;
pub const KPU_ENGINE_DFX_INTERPRETER: kpu_engine = 1;
pub const KPU_ENGINE_DFX_INTERPRETER_REORDERED: kpu_engine = 2;

// Opaque handles: zero-sized, neither Send, Sync nor Unpin, so only pointers to them are usable.
macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}
opaque!(kpu_buffer, kpu_config, kpu_graph, kpu_program, kpu_runtime);

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_attr {
    pub name: *const c_char,
    pub type_: kpu_attr_type,
    pub i: i64,
    pub f: f64,
    pub s: *const c_char,
    pub ints: *const i64,
    pub floats: *const f64,
    pub n_values: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_compile_options {
    pub struct_size: usize,
    pub dataflow: kpu_dataflow,
    pub enable_fusion: c_int,
    pub enable_residency: c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_tensor_info {
    pub struct_size: usize,
    pub name: *const c_char,
    pub dtype: kpu_dtype,
    pub rank: usize,
    pub dims: [i64; KPU_MAX_RANK],
    pub size_bytes: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_op_estimate {
    pub struct_size: usize,
    pub id: *const c_char,
    pub op_type: *const c_char,
    pub output: *const c_char,
    pub dataflow: kpu_dataflow,
    pub cycles: u64,
    pub compute_cycles: u64,
    pub stall_cycles: u64,
    pub dram_bytes: u64,
    pub macs: u64,
    pub energy_pj: f64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_graph_parse_options {
    pub struct_size: usize,
    pub base_dir: *const c_char,
    pub allow_external_paths: c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_execute_options {
    pub struct_size: usize,
    pub mode: kpu_mode,
    pub engine: kpu_engine,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kpu_tensor {
    pub struct_size: usize,
    pub name: *const c_char,
    pub dtype: kpu_dtype,
    pub rank: usize,
    pub dims: *const i64,
    pub data: *mut c_void,
    pub size_bytes: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct kpu_metrics {
    pub struct_size: usize,
    pub total_cycles: u64,
    pub total_time_us: f64,
    pub compute_cycles: u64,
    pub memory_stall_cycles: u64,
    pub other_cycles: u64,
    pub dram_reads_bytes: u64,
    pub dram_writes_bytes: u64,
    pub sram_reads_bytes: u64,
    pub sram_writes_bytes: u64,
    pub l1_hits: u64,
    pub l1_misses: u64,
    pub l2_hits: u64,
    pub l2_misses: u64,
    pub average_power_watts: f64,
    pub total_energy_uj: f64,
    pub compute_utilization: f64,
    pub memory_bandwidth_utilization: f64,
    pub total_macs: u64,
    pub peak_l3_bytes: u64,
    pub peak_l2_bytes: u64,
    pub peak_l1_bytes: u64,
}

extern "C" {
    // Status and errors
    pub fn kpu_last_error() -> *const c_char;
    pub fn kpu_status_name(status: kpu_status) -> *const c_char;
    pub fn kpu_api_version() -> u32;
    pub fn kpu_version() -> *const c_char;

    // Buffers
    pub fn kpu_buffer_data(buffer: *const kpu_buffer) -> *const c_void;
    pub fn kpu_buffer_size(buffer: *const kpu_buffer) -> usize;
    pub fn kpu_buffer_destroy(buffer: *mut kpu_buffer);

    // Element types and the op registry
    pub fn kpu_dtype_size(dtype: kpu_dtype) -> usize;
    pub fn kpu_op_count() -> usize;
    pub fn kpu_op_name(index: usize) -> *const c_char;

    // Hardware configuration
    pub fn kpu_config_preset_count() -> usize;
    pub fn kpu_config_preset_name(index: usize) -> *const c_char;
    pub fn kpu_config_create_preset(name: *const c_char, out: *mut *mut kpu_config) -> kpu_status;
    pub fn kpu_config_parse(
        data: *const c_void,
        size: usize,
        out: *mut *mut kpu_config,
    ) -> kpu_status;
    pub fn kpu_config_to_json(config: *const kpu_config, out: *mut *mut kpu_buffer) -> kpu_status;
    pub fn kpu_config_name(config: *const kpu_config) -> *const c_char;
    pub fn kpu_config_compute_shape(
        config: *const kpu_config,
        rows: *mut i64,
        cols: *mut i64,
        tiles: *mut i64,
    ) -> kpu_status;
    pub fn kpu_config_destroy(config: *mut kpu_config);

    // Graphs
    pub fn kpu_graph_create(name: *const c_char, out: *mut *mut kpu_graph) -> kpu_status;
    pub fn kpu_graph_parse(
        data: *const c_void,
        size: usize,
        base_dir: *const c_char,
        out: *mut *mut kpu_graph,
    ) -> kpu_status;
    pub fn kpu_graph_load_file(path: *const c_char, out: *mut *mut kpu_graph) -> kpu_status;
    pub fn kpu_graph_parse_options_init(options: *mut kpu_graph_parse_options);
    pub fn kpu_graph_parse_with_options(
        data: *const c_void,
        size: usize,
        options: *const kpu_graph_parse_options,
        out: *mut *mut kpu_graph,
    ) -> kpu_status;
    pub fn kpu_graph_destroy(graph: *mut kpu_graph);
    pub fn kpu_graph_add_input(
        graph: *mut kpu_graph,
        name: *const c_char,
        dtype: kpu_dtype,
        rank: usize,
        dims: *const i64,
    ) -> kpu_status;
    pub fn kpu_graph_add_constant(
        graph: *mut kpu_graph,
        name: *const c_char,
        dtype: kpu_dtype,
        rank: usize,
        dims: *const i64,
        data: *const c_void,
        size_bytes: usize,
    ) -> kpu_status;
    pub fn kpu_graph_add_node(
        graph: *mut kpu_graph,
        op_type: *const c_char,
        name: *const c_char,
        inputs: *const *const c_char,
        n_inputs: usize,
        outputs: *const *const c_char,
        n_outputs: usize,
        attrs: *const kpu_attr,
        n_attrs: usize,
    ) -> kpu_status;
    pub fn kpu_graph_add_output(graph: *mut kpu_graph, name: *const c_char) -> kpu_status;
    pub fn kpu_graph_serialize(
        graph: *const kpu_graph,
        json: c_int,
        out: *mut *mut kpu_buffer,
    ) -> kpu_status;
    pub fn kpu_graph_import_scalesim_topology(
        data: *const c_void,
        size: usize,
        source: *const c_char,
        out: *mut *mut kpu_graph,
    ) -> kpu_status;

    // Compiling
    pub fn kpu_compile_options_init(options: *mut kpu_compile_options);
    pub fn kpu_compile(
        graph: *const kpu_graph,
        config: *const kpu_config,
        options: *const kpu_compile_options,
        out: *mut *mut kpu_program,
    ) -> kpu_status;
    pub fn kpu_program_serialize(
        program: *const kpu_program,
        out: *mut *mut kpu_buffer,
    ) -> kpu_status;
    pub fn kpu_program_save(program: *const kpu_program, path: *const c_char) -> kpu_status;
    pub fn kpu_program_deserialize(
        data: *const c_void,
        size: usize,
        out: *mut *mut kpu_program,
    ) -> kpu_status;
    pub fn kpu_program_load_file(path: *const c_char, out: *mut *mut kpu_program) -> kpu_status;
    pub fn kpu_program_to_json(
        program: *const kpu_program,
        out: *mut *mut kpu_buffer,
    ) -> kpu_status;
    pub fn kpu_program_config(program: *const kpu_program, out: *mut *mut kpu_config)
        -> kpu_status;
    pub fn kpu_program_destroy(program: *mut kpu_program);
    pub fn kpu_program_input_count(program: *const kpu_program) -> usize;
    pub fn kpu_program_output_count(program: *const kpu_program) -> usize;
    pub fn kpu_program_input_info(
        program: *const kpu_program,
        index: usize,
        out: *mut kpu_tensor_info,
    ) -> kpu_status;
    pub fn kpu_program_output_info(
        program: *const kpu_program,
        index: usize,
        out: *mut kpu_tensor_info,
    ) -> kpu_status;
    pub fn kpu_program_op_count(program: *const kpu_program) -> usize;
    pub fn kpu_program_op_estimate(
        program: *const kpu_program,
        index: usize,
        out: *mut kpu_op_estimate,
    ) -> kpu_status;

    // Running
    pub fn kpu_load(
        program: *const kpu_program,
        config: *const kpu_config,
        out: *mut *mut kpu_runtime,
    ) -> kpu_status;
    pub fn kpu_runtime_destroy(runtime: *mut kpu_runtime);
    pub fn kpu_execute_options_init(options: *mut kpu_execute_options);
    pub fn kpu_execute(
        runtime: *mut kpu_runtime,
        inputs: *const kpu_tensor,
        n_inputs: usize,
        outputs: *mut kpu_tensor,
        n_outputs: usize,
        options: *const kpu_execute_options,
    ) -> kpu_status;
    pub fn kpu_runtime_metrics(runtime: *const kpu_runtime, out: *mut kpu_metrics) -> kpu_status;
    pub fn kpu_runtime_metrics_json(
        runtime: *const kpu_runtime,
        out: *mut *mut kpu_buffer,
    ) -> kpu_status;
    pub fn kpu_runtime_schedule_text(
        runtime: *const kpu_runtime,
        out: *mut *mut kpu_buffer,
    ) -> kpu_status;
}
