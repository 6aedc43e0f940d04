//! Plain value types shared by graphs, programs and runtimes.

use crate::error::{Error, Result, Status};
use crate::sys;

/// Element types (`kpu_dtype`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    Unspecified,
    Float32,
    Float16,
    BFloat16,
    Int8,
    UInt8,
    Int32,
    Int64,
    Bool,
}

impl DType {
    pub fn to_raw(self) -> sys::kpu_dtype {
        match self {
            DType::Unspecified => sys::KPU_DTYPE_UNSPECIFIED,
            DType::Float32 => sys::KPU_DTYPE_FLOAT32,
            DType::Float16 => sys::KPU_DTYPE_FLOAT16,
            DType::BFloat16 => sys::KPU_DTYPE_BFLOAT16,
            DType::Int8 => sys::KPU_DTYPE_INT8,
            DType::UInt8 => sys::KPU_DTYPE_UINT8,
            DType::Int32 => sys::KPU_DTYPE_INT32,
            DType::Int64 => sys::KPU_DTYPE_INT64,
            DType::Bool => sys::KPU_DTYPE_BOOL,
        }
    }

    /// None for a code this crate does not know (added by a newer library).
    pub fn from_raw(code: sys::kpu_dtype) -> Option<DType> {
        Some(match code {
            sys::KPU_DTYPE_UNSPECIFIED => DType::Unspecified,
            sys::KPU_DTYPE_FLOAT32 => DType::Float32,
            sys::KPU_DTYPE_FLOAT16 => DType::Float16,
            sys::KPU_DTYPE_BFLOAT16 => DType::BFloat16,
            sys::KPU_DTYPE_INT8 => DType::Int8,
            sys::KPU_DTYPE_UINT8 => DType::UInt8,
            sys::KPU_DTYPE_INT32 => DType::Int32,
            sys::KPU_DTYPE_INT64 => DType::Int64,
            sys::KPU_DTYPE_BOOL => DType::Bool,
            _ => return None,
        })
    }

    pub(crate) fn from_library(code: sys::kpu_dtype) -> Result<DType> {
        DType::from_raw(code).ok_or_else(|| {
            Error::new(
                Status::Unimplemented,
                format!("dtype code {code} is newer than these bindings"),
            )
        })
    }

    /// Bytes per element, as the library counts them; 0 for Unspecified.
    pub fn size(self) -> usize {
        // SAFETY: a pure function of its argument.
        unsafe { sys::kpu_dtype_size(self.to_raw()) }
    }
}

/// Timing fidelity (`kpu_mode`). Every mode computes the true outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    #[default]
    Functional,
    Transactional,
    CycleAccurate,
    PowerTrace,
}

impl Mode {
    /// The seeds' other name for Functional (same value in kpu.h).
    #[allow(non_upper_case_globals)]
    pub const Behavioral: Mode = Mode::Functional;

    pub fn to_raw(self) -> sys::kpu_mode {
        match self {
            Mode::Functional => sys::KPU_MODE_FUNCTIONAL,
            Mode::Transactional => sys::KPU_MODE_TRANSACTIONAL,
            Mode::CycleAccurate => sys::KPU_MODE_CYCLE_ACCURATE,
            Mode::PowerTrace => sys::KPU_MODE_POWER_TRACE,
        }
    }
}

/// How output values are computed (`kpu_engine`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// Whole ops with optimized kernels.
    #[default]
    Fast,
    /// The DFX program tile by tile (slow; verifies the tiling).
    DfxInterpreter,
    /// The tile interpreter in another order the program's dependencies allow (newest ready first).
    DfxInterpreterReordered,
}

impl Engine {
    pub fn to_raw(self) -> sys::kpu_engine {
        match self {
            Engine::Fast => sys::KPU_ENGINE_FAST,
            Engine::DfxInterpreter => sys::KPU_ENGINE_DFX_INTERPRETER,
            Engine::DfxInterpreterReordered => sys::KPU_ENGINE_DFX_INTERPRETER_REORDERED,
        }
    }
}

/// Dataflow choice for the systolic array (`kpu_dataflow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Dataflow {
    #[default]
    Auto,
    OutputStationary,
    WeightStationary,
    InputStationary,
}

impl Dataflow {
    pub fn to_raw(self) -> sys::kpu_dataflow {
        match self {
            Dataflow::Auto => sys::KPU_DATAFLOW_AUTO,
            Dataflow::OutputStationary => sys::KPU_DATAFLOW_OUTPUT_STATIONARY,
            Dataflow::WeightStationary => sys::KPU_DATAFLOW_WEIGHT_STATIONARY,
            Dataflow::InputStationary => sys::KPU_DATAFLOW_INPUT_STATIONARY,
        }
    }
}

/// A program input or output as the program declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: DType,
    pub dims: Vec<i64>,
    pub size_bytes: usize,
}

/// KPUPerformanceMetrics of the last run (`kpu_metrics`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
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
    /// Peak bytes each SRAM level holds (activations kept on chip plus the running op's tiles).
    pub peak_l3_bytes: u64,
    pub peak_l2_bytes: u64,
    pub peak_l1_bytes: u64,
}

impl From<&sys::kpu_metrics> for Metrics {
    fn from(m: &sys::kpu_metrics) -> Metrics {
        Metrics {
            total_cycles: m.total_cycles,
            total_time_us: m.total_time_us,
            compute_cycles: m.compute_cycles,
            memory_stall_cycles: m.memory_stall_cycles,
            other_cycles: m.other_cycles,
            dram_reads_bytes: m.dram_reads_bytes,
            dram_writes_bytes: m.dram_writes_bytes,
            sram_reads_bytes: m.sram_reads_bytes,
            sram_writes_bytes: m.sram_writes_bytes,
            l1_hits: m.l1_hits,
            l1_misses: m.l1_misses,
            l2_hits: m.l2_hits,
            l2_misses: m.l2_misses,
            average_power_watts: m.average_power_watts,
            total_energy_uj: m.total_energy_uj,
            compute_utilization: m.compute_utilization,
            memory_bandwidth_utilization: m.memory_bandwidth_utilization,
            total_macs: m.total_macs,
            peak_l3_bytes: m.peak_l3_bytes,
            peak_l2_bytes: m.peak_l2_bytes,
            peak_l1_bytes: m.peak_l1_bytes,
        }
    }
}
