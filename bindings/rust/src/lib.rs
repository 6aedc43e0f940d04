//! Safe Rust bindings to the KPU toolchain, over the C ABI in `kpu/c_api/kpu.h` and nothing
//! else (ARCHITECTURE.md decision 6).
//!
//! ```no_run
//! use kpu::{Attr, DType, Engine, Graph, Mode, Program, Runtime};
//! # fn main() -> kpu::Result<()> {
//! let mut g = Graph::new("tiny")?;
//! g.add_input("x", DType::Float32, &[1, 4])?;
//! g.add_node("softmax", "sm", &["x"], &["y"], &[Attr::Int("axis", -1)])?;
//! g.add_output("y")?;
//! let program = Program::compile(&g, None)?;
//! let mut rt = Runtime::load(&program, None)?;
//! let out = rt.execute_f32(&[("x", &[1, 4], &[1.0, 2.0, 3.0, 4.0])], Mode::Functional, Engine::Fast)?;
//! println!("{:?} in {} cycles", out["y"], rt.metrics()?.total_cycles);
//! # Ok(()) }
//! ```
//!
//! Every fallible call returns `Result<T, Error>`; the error carries the library's status and
//! the message it left for the calling thread. Handles are freed on drop.
//!
//! Linking: set `KPU_LIB_DIR` to the folder holding libkpu.so when building. The build script
//! adds an rpath for this crate's own tests only; binaries of crates that depend on this one
//! need LD_LIBRARY_PATH (or their own rpath) to find the library at run time.

mod buffer;
mod config;
mod error;
mod graph;
mod program;
mod runtime;
pub mod sys;
mod types;

use error::static_str;

pub use config::{Config, DEFAULT_PRESET};
pub use error::{Error, Result, Status};
pub use graph::{Attr, Graph};
pub use program::{CompileOptions, Program};
pub use runtime::{Runtime, Tensor, TensorRef};
pub use types::{DType, Dataflow, Engine, Metrics, Mode, TensorInfo};

/// The KPU_API_VERSION these bindings were written against.
pub const API_VERSION: u32 = sys::KPU_API_VERSION;

/// The KPU_API_VERSION the library was built with.
pub fn api_version() -> u32 {
    // SAFETY: no arguments, no state.
    unsafe { sys::kpu_api_version() }
}

/// The library's release, e.g. "0.1.0".
pub fn version() -> &'static str {
    // SAFETY: static storage.
    unsafe { static_str(sys::kpu_version()) }.unwrap_or("")
}

/// The op types the library compiles and runs, sorted.
pub fn ops() -> Vec<&'static str> {
    // SAFETY: static storage; NULL past the end.
    unsafe { (0..sys::kpu_op_count()).filter_map(|i| static_str(sys::kpu_op_name(i))).collect() }
}
