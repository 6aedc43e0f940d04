#include "kpu/c_api/struct_io.h"

#include "absl/strings/str_cat.h"
#include "kpu/c_api/c_api_internal.h"

namespace kpu::c_api {

kpu_status CheckStructSize(const std::string& what, const char* type, size_t struct_size, size_t min_size,
                           size_t library_size) {
  if (struct_size < min_size) {
    return Fail(KPU_ERROR_INVALID_ARGUMENT,
                absl::StrCat(what, ".struct_size is ", struct_size, ", less than the ", min_size,
                             " bytes any ", type, " holds; set it to sizeof(", type, ") (", library_size,
                             " in this library) or call its _init function"));
  }
  if (struct_size > KPU_MAX_STRUCT_SIZE) {
    return Fail(KPU_ERROR_INVALID_ARGUMENT,
                absl::StrCat(what, ".struct_size is ", struct_size, ", more than KPU_MAX_STRUCT_SIZE (",
                             KPU_MAX_STRUCT_SIZE, "): is the ", type, " initialized? sizeof(", type, ") is ",
                             library_size, " in this library"));
  }
  return KPU_OK;
}

kpu_status CheckUnknownTail(const std::string& what, const char* type, const void* in, size_t from, size_t to) {
  const auto* bytes = static_cast<const unsigned char*>(in);
  for (size_t i = from; i < to; ++i) {
    if (bytes[i] != 0) {
      return Fail(KPU_ERROR_INVALID_ARGUMENT,
                  absl::StrCat(what, " sets byte ", i, " of a ", to, "-byte ", type, "; this library (API version ",
                               KPU_API_VERSION, ") knows only its first ", from,
                               " bytes and would ignore the field there"));
    }
  }
  return KPU_OK;
}

}  // namespace kpu::c_api
