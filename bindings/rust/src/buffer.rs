//! kpu_buffer: bytes the library hands out. They are copied into Rust memory and the buffer is
//! freed at once, so no library-owned memory outlives the call that produced it.

use std::ptr;

use crate::error::{check, Error, Result, Status};
use crate::sys;

struct Owned(*mut sys::kpu_buffer);

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the pointer came from the library and is destroyed once; NULL is accepted.
        unsafe { sys::kpu_buffer_destroy(self.0) }
    }
}

/// Calls `produce` with an out-pointer for a buffer and returns a copy of its bytes.
pub(crate) fn take(
    produce: impl FnOnce(*mut *mut sys::kpu_buffer) -> sys::kpu_status,
) -> Result<Vec<u8>> {
    let mut raw: *mut sys::kpu_buffer = ptr::null_mut();
    let status = produce(&mut raw);
    let owned = Owned(raw);
    check(status)?;
    if owned.0.is_null() {
        return Err(Error::new(Status::Internal, "the library returned KPU_OK but no buffer"));
    }
    // SAFETY: a live buffer; its data is valid for `size` bytes until it is destroyed.
    unsafe {
        let size = sys::kpu_buffer_size(owned.0);
        let data = sys::kpu_buffer_data(owned.0) as *const u8;
        if size == 0 || data.is_null() {
            return Ok(Vec::new());
        }
        Ok(std::slice::from_raw_parts(data, size).to_vec())
    }
}

/// Like `take`, for buffers that hold text (JSON, schedules).
pub(crate) fn take_string(
    produce: impl FnOnce(*mut *mut sys::kpu_buffer) -> sys::kpu_status,
) -> Result<String> {
    String::from_utf8(take(produce)?).map_err(|e| {
        Error::new(Status::Internal, format!("the library returned text that is not UTF-8: {e}"))
    })
}
