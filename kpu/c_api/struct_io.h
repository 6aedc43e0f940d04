// The struct_size rules of kpu.h for every struct that crosses the ABI, in one place: callers
// built against an older (shorter) or newer (longer) kpu.h keep working, and an uninitialized
// struct_size is an error naming the struct instead of a wild read or write.
#ifndef KPU_C_API_STRUCT_IO_H_
#define KPU_C_API_STRUCT_IO_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "kpu/c_api/kpu.h"

namespace kpu::c_api {

// The bytes of struct_size itself: the least any struct_size may say.
inline constexpr size_t kMinStructSize = sizeof(size_t);
// kpu_tensor has no default for any field, so a caller's struct must hold all of API version 1.
inline constexpr size_t kTensorV1Size = offsetof(kpu_tensor, size_bytes) + sizeof(size_t);

// Fails unless min_size <= struct_size <= KPU_MAX_STRUCT_SIZE. `what` names the struct as the
// caller sees it ("kpu_execute: options", "kpu_execute: inputs[2]").
kpu_status CheckStructSize(const std::string& what, const char* type, size_t struct_size, size_t min_size,
                           size_t library_size);

// Fails if a byte in [from, to) of a caller's struct is set: a newer caller's field this library
// does not know would be silently ignored otherwise.
kpu_status CheckUnknownTail(const std::string& what, const char* type, const void* in, size_t from, size_t to);

// Reads a struct the caller filled into *into, which holds the defaults: the prefix the caller's
// struct_size covers replaces them.
template <class T>
kpu_status ReadInStruct(const std::string& what, const char* type, const T* in, size_t min_size, T* into) {
  size_t size = 0;
  std::memcpy(&size, in, sizeof(size));
  if (kpu_status s = CheckStructSize(what, type, size, min_size, sizeof(T)); s != KPU_OK) return s;
  if (kpu_status s = CheckUnknownTail(what, type, in, sizeof(T), size); s != KPU_OK) return s;
  std::memcpy(static_cast<void*>(into), in, std::min(size, sizeof(T)));
  into->struct_size = sizeof(T);
  return KPU_OK;
}

// Checks the struct_size of a struct the library will fill.
template <class T>
kpu_status CheckOutStruct(const std::string& what, const char* type, const T* out) {
  return CheckStructSize(what, type, out->struct_size, kMinStructSize, sizeof(T));
}

// Writes the prefix an older caller knows (or all of it for a newer one) and says how much.
template <class T>
void WriteOutStruct(const T& value, T* out) {
  const size_t n = std::min(out->struct_size, sizeof(T));
  std::memcpy(static_cast<void*>(out), &value, n);
  out->struct_size = n;
}

}  // namespace kpu::c_api

#endif  // KPU_C_API_STRUCT_IO_H_
