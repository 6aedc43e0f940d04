#include "kpu/c_api/execute_args.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/c_api/c_api_internal.h"
#include "kpu/c_api/struct_io.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/shape.h"

namespace kpu::c_api {
namespace {

constexpr char kFn[] = "kpu_execute";

struct Side {
  const char* array;  // "inputs" / "outputs": the argument's name
  const char* kind;   // "input" / "output"
  const char* title;  // "Input" / "Output": seed 004's mismatch messages
  const google::protobuf::RepeatedPtrField<std::string>* ids;
};

// Element i of a caller's array: the stride is the caller's sizeof(kpu_tensor), which an older or
// newer header makes different from ours.
const kpu_tensor* Element(const kpu_tensor* array, size_t stride, size_t i) {
  return reinterpret_cast<const kpu_tensor*>(reinterpret_cast<const char*>(array) + i * stride);
}

kpu_status ReadSide(const Program& program, const Side& side, const kpu_tensor* array, size_t n,
                    std::vector<runtime::HostTensor>* result) {
  if (n == 0) return KPU_OK;
  ABI_REQUIRE(array != nullptr, absl::StrCat(kFn, ": ", side.array, " is NULL with n_", side.array, " ", n));
  std::map<std::string, const ir::TensorDescriptor*> by_name;
  for (const auto& t : program.proto.tensors().tensors()) by_name[t.name()] = &t;
  const size_t stride = array->struct_size;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < n; ++i) {
    const std::string at = absl::StrCat(kFn, ": ", side.array, "[", i, "]");
    const kpu_tensor* raw = Element(array, stride, i);
    // Checked before anything past struct_size is read: a different size means the stride is wrong.
    ABI_REQUIRE(raw->struct_size == stride,
                absl::StrCat(at, ".struct_size is ", raw->struct_size, " but ", side.array, "[0].struct_size is ",
                             stride, "; every element of one array has the same size"));
    kpu_tensor t;
    std::memset(&t, 0, sizeof(t));
    if (kpu_status s = ReadInStruct(at, "kpu_tensor", raw, kTensorV1Size, &t); s != KPU_OK) return s;
    ABI_REQUIRE(t.name != nullptr, at + ".name is NULL");
    const std::string name = t.name;
    const std::string what = absl::StrCat(kFn, ": ", side.kind, " '", name, "'");
    const bool known = std::find(side.ids->begin(), side.ids->end(), name) != side.ids->end() && by_name.count(name);
    if (!known) {
      return Fail(KPU_ERROR_INVALID_ARGUMENT, absl::StrCat(kFn, ": unknown ", side.kind, " '", name, "'; the program's ",
                                                           side.kind, "s are: ", absl::StrJoin(*side.ids, ", ")));
    }
    if (auto [it, fresh] = seen.emplace(name, i); !fresh) {
      return Fail(KPU_ERROR_INVALID_ARGUMENT, absl::StrCat(what, " is given twice (", side.array, "[", it->second,
                                                           "] and ", side.array, "[", i, "])"));
    }
    ABI_REQUIRE(IsTensorDtype(t.dtype), absl::StrCat(what, " has an unknown dtype ", static_cast<int>(t.dtype)));
    ABI_REQUIRE(t.rank <= KPU_MAX_RANK,
                absl::StrCat(what, " has rank ", t.rank, ", more than KPU_MAX_RANK (", KPU_MAX_RANK, ")"));
    ABI_REQUIRE(t.dims != nullptr || t.rank == 0, absl::StrCat(what, " dims is NULL with rank ", t.rank));
    const ir::TensorDescriptor& d = *by_name.at(name);
    const Shape expected(d.shape().begin(), d.shape().end());
    const Shape got(t.dims, t.dims + t.rank);
    if (got != expected) return ToStatus(ShapeMismatchError(side.title, expected, got));
    const auto dtype = static_cast<ir::DataType>(t.dtype);
    if (dtype != d.dtype()) {
      return Fail(KPU_ERROR_INVALID_ARGUMENT, absl::StrCat(side.title, " dtype mismatch for '", name, "': expected ",
                                                           DTypeName(d.dtype()), ", got ", DTypeName(dtype)));
    }
    ABI_REQUIRE(t.data != nullptr, what + " data is NULL");
    int64_t elements = 1;
    for (int64_t dim : expected) {
      ABI_REQUIRE(dim >= 0 && !__builtin_mul_overflow(elements, dim, &elements), "program tensor table is inconsistent");
    }
    auto bytes = BytesFor(d.dtype(), elements);
    if (!bytes.ok()) return ToStatus(bytes.status());
    ABI_REQUIRE(t.size_bytes == *bytes, absl::StrCat(what, " has size_bytes ", t.size_bytes, "; ", DTypeName(d.dtype()),
                                                     " ", FormatShape(expected), " needs ", *bytes));
    runtime::HostTensor h;
    h.name = name;
    h.dtype = dtype;
    h.shape = got;
    h.data = t.data;
    h.size_bytes = t.size_bytes;
    result->push_back(std::move(h));
  }
  return KPU_OK;
}

bool Overlap(const runtime::HostTensor& a, const runtime::HostTensor& b) {
  const auto a0 = reinterpret_cast<uintptr_t>(a.data), b0 = reinterpret_cast<uintptr_t>(b.data);
  return a0 < b0 + b.size_bytes && b0 < a0 + a.size_bytes;
}

}  // namespace

kpu_status ReadExecuteTensors(const Program& program, const kpu_tensor* inputs, size_t n_inputs,
                              const kpu_tensor* outputs, size_t n_outputs, std::vector<runtime::HostTensor>* in,
                              std::vector<runtime::HostTensor>* out) {
  const auto& meta = program.proto.metadata();
  if (kpu_status s = ReadSide(program, {"inputs", "input", "Input", &meta.input_ids()}, inputs, n_inputs, in);
      s != KPU_OK) {
    return s;
  }
  if (kpu_status s = ReadSide(program, {"outputs", "output", "Output", &meta.output_ids()}, outputs, n_outputs, out);
      s != KPU_OK) {
    return s;
  }
  // Outputs are written while inputs may still be read (and a later engine may bind buffers
  // directly), so no output may share a byte with any other buffer.
  for (size_t i = 0; i < out->size(); ++i) {
    const runtime::HostTensor& o = (*out)[i];
    for (const runtime::HostTensor& x : *in) {
      ABI_REQUIRE(!Overlap(o, x), absl::StrCat(kFn, ": output '", o.name, "' buffer overlaps input '", x.name,
                                               "' buffer; outputs must not alias inputs or other outputs"));
    }
    for (size_t j = 0; j < i; ++j) {
      ABI_REQUIRE(!Overlap(o, (*out)[j]), absl::StrCat(kFn, ": output '", o.name, "' buffer overlaps output '",
                                                       (*out)[j].name, "' buffer; outputs must not alias inputs or other outputs"));
    }
  }
  return KPU_OK;
}

}  // namespace kpu::c_api
