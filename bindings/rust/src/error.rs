//! Errors: the library's status code plus the message it kept for this thread.

use std::ffi::{CStr, CString};
use std::fmt;

use crate::sys;

/// Mirrors `kpu_status`. `Unknown` keeps codes added by a newer library (the ABI is additive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    Ok,
    InvalidArgument,
    UnsupportedOp,
    Compilation,
    MemoryExceeded,
    ShapeMismatch,
    InvalidProgram,
    Io,
    Unimplemented,
    Internal,
    Unknown(i32),
}

impl Status {
    pub fn from_raw(code: sys::kpu_status) -> Status {
        match code {
            sys::KPU_OK => Status::Ok,
            sys::KPU_ERROR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::KPU_ERROR_UNSUPPORTED_OP => Status::UnsupportedOp,
            sys::KPU_ERROR_COMPILATION => Status::Compilation,
            sys::KPU_ERROR_MEMORY_EXCEEDED => Status::MemoryExceeded,
            sys::KPU_ERROR_SHAPE_MISMATCH => Status::ShapeMismatch,
            sys::KPU_ERROR_INVALID_PROGRAM => Status::InvalidProgram,
            sys::KPU_ERROR_IO => Status::Io,
            sys::KPU_ERROR_UNIMPLEMENTED => Status::Unimplemented,
            sys::KPU_ERROR_INTERNAL => Status::Internal,
            other => Status::Unknown(other),
        }
    }

    pub fn code(self) -> sys::kpu_status {
        match self {
            Status::Ok => sys::KPU_OK,
            Status::InvalidArgument => sys::KPU_ERROR_INVALID_ARGUMENT,
            Status::UnsupportedOp => sys::KPU_ERROR_UNSUPPORTED_OP,
            Status::Compilation => sys::KPU_ERROR_COMPILATION,
            Status::MemoryExceeded => sys::KPU_ERROR_MEMORY_EXCEEDED,
            Status::ShapeMismatch => sys::KPU_ERROR_SHAPE_MISMATCH,
            Status::InvalidProgram => sys::KPU_ERROR_INVALID_PROGRAM,
            Status::Io => sys::KPU_ERROR_IO,
            Status::Unimplemented => sys::KPU_ERROR_UNIMPLEMENTED,
            Status::Internal => sys::KPU_ERROR_INTERNAL,
            Status::Unknown(code) => code,
        }
    }

    /// The library's name for the code, e.g. "KPU_ERROR_UNSUPPORTED_OP".
    pub fn name(self) -> String {
        // SAFETY: kpu_status_name accepts any value and returns static storage (or NULL).
        unsafe { static_str(sys::kpu_status_name(self.code())) }
            .map(str::to_owned)
            .unwrap_or_else(|| format!("kpu_status({})", self.code()))
    }
}

/// A failed call: its status and the library's message, read right after the call so that no
/// later call on this thread can overwrite it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(Status::InvalidArgument, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.name(), self.message)
    }
}

impl std::error::Error for Error {}

/// Turns a status into a Result. Must be called before any other kpu_* call on this thread.
pub(crate) fn check(code: sys::kpu_status) -> Result<()> {
    if code == sys::KPU_OK {
        return Ok(());
    }
    // SAFETY: kpu_last_error returns a thread-local string valid until the next kpu_* call.
    let mut message = unsafe { static_str(sys::kpu_last_error()) }.unwrap_or("").to_owned();
    let status = Status::from_raw(code);
    if message.is_empty() {
        message = status.name();
    }
    Err(Error { status, message })
}

/// Names cross the ABI as C strings; an interior NUL would silently cut them, so refuse it.
pub(crate) fn cstring(what: &str, s: &str) -> Result<CString> {
    CString::new(s)
        .map_err(|_| Error::invalid_argument(format!("{what} {s:?} contains a NUL byte")))
}

/// Reads a borrowed C string. Returns None for NULL or non-UTF-8 text.
///
/// SAFETY: `p` must be NULL or point to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn static_str<'a>(p: *const std::os::raw::c_char) -> Option<&'a str> {
    if p.is_null() {
        None
    } else {
        CStr::from_ptr(p).to_str().ok()
    }
}

/// Paths cross the ABI as bytes; on Unix any byte string but one with a NUL is a valid path.
pub(crate) fn path_cstring(path: &std::path::Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| Error::invalid_argument(format!("path {path:?} is not valid UTF-8")))?
        .as_bytes()
        .to_vec();
    CString::new(bytes)
        .map_err(|_| Error::invalid_argument(format!("path {path:?} contains a NUL byte")))
}
