//! KPUConfig: the hardware a program targets and runs on.

use std::ptr::{self, NonNull};

use crate::buffer;
use crate::error::{check, cstring, static_str, Error, Result, Status};
use crate::sys;

/// The preset `Config::default()` returns.
pub const DEFAULT_PRESET: &str = "swkpu-v1";

pub struct Config {
    raw: NonNull<sys::kpu_config>,
}

// A config has no mutating functions, so moving it to another thread is harmless. kpu.h makes
// no promise about concurrent reads, so it is not Sync.
unsafe impl Send for Config {}

impl Config {
    /// SAFETY: `raw` is a config the caller owns (or NULL, which becomes an error).
    pub(crate) unsafe fn from_raw(raw: *mut sys::kpu_config) -> Result<Config> {
        NonNull::new(raw).map(|raw| Config { raw }).ok_or_else(|| {
            Error::new(Status::Internal, "the library returned KPU_OK but no config")
        })
    }

    pub(crate) fn as_ptr(&self) -> *const sys::kpu_config {
        self.raw.as_ptr()
    }

    pub fn preset(name: &str) -> Result<Config> {
        let name = cstring("preset name", name)?;
        let mut out = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        unsafe {
            check(sys::kpu_config_create_preset(name.as_ptr(), &mut out))?;
            Config::from_raw(out)
        }
    }

    /// From JSON text (protobuf JSON mapping of kpu.ir.KPUConfig) or protobuf binary bytes.
    pub fn parse(bytes: &[u8]) -> Result<Config> {
        let mut out = ptr::null_mut();
        // SAFETY: the slice is valid for its length for the duration of the call.
        unsafe {
            check(sys::kpu_config_parse(bytes.as_ptr().cast(), bytes.len(), &mut out))?;
            Config::from_raw(out)
        }
    }

    /// The names of the built-in presets.
    pub fn presets() -> Vec<&'static str> {
        // SAFETY: names are static storage; NULL past the end.
        unsafe {
            (0..sys::kpu_config_preset_count())
                .filter_map(|i| static_str(sys::kpu_config_preset_name(i)))
                .collect()
        }
    }

    pub fn name(&self) -> String {
        // SAFETY: borrowed from the config, copied before it can go away.
        unsafe { static_str(sys::kpu_config_name(self.as_ptr())) }.unwrap_or("").to_owned()
    }

    pub fn to_json(&self) -> Result<String> {
        // SAFETY: live config; `take` owns the buffer.
        buffer::take_string(|out| unsafe { sys::kpu_config_to_json(self.as_ptr(), out) })
    }
}

impl Default for Config {
    /// The "swkpu-v1" preset.
    ///
    /// # Panics
    /// If the library lacks its own default preset, which would be a broken build.
    fn default() -> Config {
        Config::preset(DEFAULT_PRESET).unwrap_or_else(|e| panic!("default KPU config: {e}"))
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: owned, destroyed once.
        unsafe { sys::kpu_config_destroy(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("name", &self.name()).finish()
    }
}
