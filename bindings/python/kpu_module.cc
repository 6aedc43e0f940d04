// _kpu: the Python extension of the KPU toolchain, written over kpu.h and nothing else
// (ARCHITECTURE.md decision 6). It stays thin on purpose: handles become Python objects, numpy
// arrays become kpu_tensors, and a failed kpu_* call becomes a Python exception carrying the
// status and kpu_last_error(). Policy (which exception class, torch lowering) lives in the
// Python package `kpu`.
#include <pybind11/eval.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "kpu/c_api/kpu.h"

namespace py = pybind11;

namespace {

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

// Thrown by Check() and turned into a Python exception by the translator in the module init. It
// is not a std::exception so pybind11's default translators never claim it first.
struct NativeError {
  kpu_status status;
  std::string message;
};

// Both are strong references that are never released: the translator may run during
// interpreter teardown, when destroying Python objects from C++ statics is unsafe.
PyObject* g_native_error_type = nullptr;
PyObject* g_error_factory = nullptr;  // set by the kpu package; may stay null

// Must run right after the failing call: kpu_last_error() only holds until the next kpu_* call
// on this thread.
void Check(kpu_status status) {
  if (status != KPU_OK) throw NativeError{status, kpu_last_error()};
}

py::str DecodeText(const std::string& text) {
  // The library's messages are meant to be UTF-8, but a message quoting a hostile file could carry
  // anything; never let decoding hide the real error.
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

// Raises `error` as the package's exception class when a factory is registered, as
// _kpu.KPUNativeError otherwise (or if the factory itself fails).
void RaiseNative(const NativeError& error) {
  py::int_ status(static_cast<int>(error.status));
  py::str name(kpu_status_name(error.status));
  py::str message = DecodeText(error.message);
  py::object exc;
  if (g_error_factory != nullptr) {
    try {
      exc = py::reinterpret_borrow<py::object>(g_error_factory)(status, name, message);
    } catch (py::error_already_set&) {
      exc = py::object();
    }
    if (exc && !PyExceptionInstance_Check(exc.ptr())) exc = py::object();
  }
  if (!exc) {
    try {
      exc = py::reinterpret_borrow<py::object>(g_native_error_type)(status, name, message);
    } catch (py::error_already_set& e) {
      e.restore();
      return;
    }
  }
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
}

const char* kNativeErrorSource = R"(
class KPUNativeError(RuntimeError):
    """A kpu_* call failed. `status` is the kpu_status code, `status_name` its name
    ("KPU_ERROR_SHAPE_MISMATCH"), `message` what kpu_last_error() said."""

    def __init__(self, status, status_name, message):
        super().__init__(message)
        self.status = status
        self.status_name = status_name
        self.message = message
)";

// ------------------------------------------------------------------------------------------------
// Handles and buffers
// ------------------------------------------------------------------------------------------------

using BufferPtr = std::unique_ptr<kpu_buffer, decltype(&kpu_buffer_destroy)>;

py::bytes TakeBytes(kpu_buffer* raw) {
  BufferPtr buffer(raw, kpu_buffer_destroy);
  return py::bytes(static_cast<const char*>(kpu_buffer_data(buffer.get())),
                   kpu_buffer_size(buffer.get()));
}

py::str TakeText(kpu_buffer* raw) {
  BufferPtr buffer(raw, kpu_buffer_destroy);
  return DecodeText(std::string(static_cast<const char*>(kpu_buffer_data(buffer.get())),
                                kpu_buffer_size(buffer.get())));
}

// Bytes from bytes, bytearray, memoryview or str (JSON text). Copied, so the GIL can be dropped
// while the library reads them.
std::string BytesOf(const py::object& data) {
  if (py::isinstance<py::str>(data)) return data.cast<std::string>();
  py::buffer_info info = py::reinterpret_borrow<py::buffer>(data).request();
  return std::string(static_cast<const char*>(info.ptr),
                     static_cast<size_t>(info.size * info.itemsize));
}

// Threads. The slow calls run without the GIL (see ReleasesGil below and the package README),
// so other Python threads run meanwhile, and may reach the same object. kpu.h allows a kpu_graph
// and a kpu_runtime one thread at a time, so those two carry a lock: a graph is read by many
// (compile, serialize) or changed by one, and a runtime serves one call at a time. A program and
// a config are immutable and need none. Locks are taken with the GIL released, and no code
// holding one of them waits for the GIL, so the two cannot deadlock.

// Runs `call`, which touches only C++ data (never a Python object), without the GIL.
template <typename Fn>
auto ReleasesGil(Fn&& call) {
  py::gil_scoped_release release;
  return call();
}

struct Config {
  std::shared_ptr<kpu_config> handle;
};

struct Graph {
  std::shared_ptr<kpu_graph> handle;
  std::shared_ptr<std::shared_mutex> lock = std::make_shared<std::shared_mutex>();

  // A kpu_graph_* call that changes the graph.
  template <typename Fn>
  kpu_status Change(Fn&& call) {
    return ReleasesGil([&] {
      std::unique_lock<std::shared_mutex> hold(*lock);
      return call();
    });
  }
  // A call that only reads the graph (compile, serialize).
  template <typename Fn>
  kpu_status Read(Fn&& call) const {
    return ReleasesGil([&] {
      std::shared_lock<std::shared_mutex> hold(*lock);
      return call();
    });
  }
};

struct Program {
  std::shared_ptr<kpu_program> handle;
};

struct Runtime {
  std::shared_ptr<kpu_runtime> handle;
  // The runtime only needs the program's content, but output buffers are sized from the
  // program's output info, which kpu.h exposes on the program alone.
  std::shared_ptr<kpu_program> program;
  std::shared_ptr<std::mutex> lock = std::make_shared<std::mutex>();

  // Every call on the runtime, one at a time.
  template <typename Fn>
  kpu_status Serialized(Fn&& call) const {
    return ReleasesGil([&] {
      std::lock_guard<std::mutex> hold(*lock);
      return call();
    });
  }
};

Config WrapConfig(kpu_config* c) { return Config{std::shared_ptr<kpu_config>(c, kpu_config_destroy)}; }
Graph WrapGraph(kpu_graph* g) { return Graph{std::shared_ptr<kpu_graph>(g, kpu_graph_destroy), std::make_shared<std::shared_mutex>()}; }
Program WrapProgram(kpu_program* p) {
  return Program{std::shared_ptr<kpu_program>(p, kpu_program_destroy)};
}

// ------------------------------------------------------------------------------------------------
// Element types
// ------------------------------------------------------------------------------------------------

// pybind11 2.10 reads a dtype's item size from numpy 1's struct layout, which numpy 2 changed,
// so sizes are asked of numpy itself.
size_t ItemSize(const py::dtype& dt) { return dt.attr("itemsize").cast<size_t>(); }
size_t NBytes(const py::array& array) { return array.attr("nbytes").cast<size_t>(); }

struct DTypeName {
  kpu_dtype dtype;
  const char* name;
};

// "bfloat16" has no numpy type; it is accepted by name where no array is involved.
constexpr DTypeName kDTypeNames[] = {
    {KPU_DTYPE_FLOAT32, "float32"}, {KPU_DTYPE_FLOAT16, "float16"},
    {KPU_DTYPE_BFLOAT16, "bfloat16"}, {KPU_DTYPE_INT8, "int8"},
    {KPU_DTYPE_UINT8, "uint8"},     {KPU_DTYPE_INT32, "int32"},
    {KPU_DTYPE_INT64, "int64"},     {KPU_DTYPE_BOOL, "bool"},
};

const char* DTypeToName(kpu_dtype dtype) {
  for (const DTypeName& d : kDTypeNames) {
    if (d.dtype == dtype) return d.name;
  }
  return "unspecified";
}

kpu_dtype DTypeFromName(const std::string& name) {
  for (const DTypeName& d : kDTypeNames) {
    if (name == d.name) return d.dtype;
  }
  return KPU_DTYPE_UNSPECIFIED;
}

// The kpu_dtype of a numpy dtype, or UNSPECIFIED if the library has no such type.
kpu_dtype DTypeFromNumpy(const py::dtype& dt) {
  // Big-endian data would be read as garbage: the library takes little-endian bytes.
  if (dt.byteorder() == '>') return KPU_DTYPE_UNSPECIFIED;
  const char kind = dt.kind();
  const size_t size = ItemSize(dt);
  if (kind == 'f' && size == 4) return KPU_DTYPE_FLOAT32;
  if (kind == 'f' && size == 2) return KPU_DTYPE_FLOAT16;
  if (kind == 'i' && size == 1) return KPU_DTYPE_INT8;
  if (kind == 'u' && size == 1) return KPU_DTYPE_UINT8;
  if (kind == 'i' && size == 4) return KPU_DTYPE_INT32;
  if (kind == 'i' && size == 8) return KPU_DTYPE_INT64;
  if (kind == 'b' && size == 1) return KPU_DTYPE_BOOL;
  return KPU_DTYPE_UNSPECIFIED;
}

py::dtype NumpyFromDType(kpu_dtype dtype) {
  if (dtype == KPU_DTYPE_BFLOAT16 || dtype == KPU_DTYPE_UNSPECIFIED) {
    throw py::type_error(std::string("a ") + DTypeToName(dtype) +
                         " tensor has no numpy dtype to hold it");
  }
  return py::dtype(DTypeToName(dtype));
}

// A dtype given as "float32", "bfloat16", numpy.float32, numpy.dtype(...), ...
kpu_dtype DTypeFromObject(const py::object& obj) {
  if (py::isinstance<py::str>(obj)) {
    kpu_dtype named = DTypeFromName(obj.cast<std::string>());
    if (named != KPU_DTYPE_UNSPECIFIED) return named;
  }
  kpu_dtype dtype = DTypeFromNumpy(py::dtype::from_args(obj));
  if (dtype == KPU_DTYPE_UNSPECIFIED) {
    throw py::type_error("dtype " + py::str(obj).cast<std::string>() + " is not a KPU dtype");
  }
  return dtype;
}

py::array CContiguous(const py::handle& value, const std::string& what) {
  py::array array = py::array::ensure(value, py::array::c_style);
  if (!array) throw py::type_error(what + " is not convertible to a numpy array");
  return array;
}

// A new C-contiguous array; strides are given explicitly for the same reason as ItemSize.
py::array NewArray(const py::dtype& dt, const std::vector<ssize_t>& shape) {
  std::vector<ssize_t> strides(shape.size());
  ssize_t stride = static_cast<ssize_t>(ItemSize(dt));
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return py::array(dt, shape, strides);
}

std::vector<int64_t> ShapeOf(const py::array& array) {
  return std::vector<int64_t>(array.shape(), array.shape() + array.ndim());
}

// ------------------------------------------------------------------------------------------------
// Node attributes: a dict {name: int | float | str | list[int] | list[float]}
// ------------------------------------------------------------------------------------------------

// Owns what the kpu_attr pointers point at for the duration of one add_node call. Deques, so
// earlier pointers stay valid as more values are added.
class AttrList {
 public:
  explicit AttrList(const py::dict& attrs) {
    for (const auto& item : attrs) {
      if (!py::isinstance<py::str>(item.first)) throw py::type_error("attribute names must be str");
      Add(item.first.cast<std::string>(), py::reinterpret_borrow<py::object>(item.second));
    }
  }

  const kpu_attr* data() const { return attrs_.data(); }
  size_t size() const { return attrs_.size(); }

 private:
  static bool IsInt(const py::handle& v) {
    // __index__ admits numpy integers and bool; floats do not have it.
    return PyIndex_Check(v.ptr()) != 0;
  }
  static bool IsFloat(const py::handle& v) { return PyFloat_Check(v.ptr()) != 0; }

  void Add(const std::string& name, const py::object& value) {
    kpu_attr attr{};
    attr.name = Keep(name);
    if (py::isinstance<py::str>(value)) {
      attr.type = KPU_ATTR_STRING;
      attr.s = Keep(value.cast<std::string>());
    } else if (IsInt(value)) {
      attr.type = KPU_ATTR_INT;
      attr.i = value.cast<int64_t>();
    } else if (IsFloat(value)) {
      attr.type = KPU_ATTR_FLOAT;
      attr.f = value.cast<double>();
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
      AddList(attr, py::reinterpret_borrow<py::sequence>(value), name);
    } else {
      throw py::type_error("attribute '" + name + "' must be int, float, str, list[int] or " +
                           "list[float], got " + py::str(py::type::of(value)).cast<std::string>());
    }
    attrs_.push_back(attr);
  }

  void AddList(kpu_attr& attr, const py::sequence& seq, const std::string& name) {
    bool all_int = true;
    for (const auto& v : seq) {
      if (IsInt(v)) continue;
      if (!IsFloat(v)) {
        throw py::type_error("attribute '" + name + "' must hold only ints or only numbers");
      }
      all_int = false;
    }
    // An empty list is taken as ints: the shape-like attributes are the ones that can be empty.
    if (all_int) {
      ints_.emplace_back();
      for (const auto& v : seq) ints_.back().push_back(v.cast<int64_t>());
      attr.type = KPU_ATTR_INTS;
      attr.ints = ints_.back().data();
      attr.n_values = ints_.back().size();
    } else {
      floats_.emplace_back();
      for (const auto& v : seq) floats_.back().push_back(v.cast<double>());
      attr.type = KPU_ATTR_FLOATS;
      attr.floats = floats_.back().data();
      attr.n_values = floats_.back().size();
    }
  }

  const char* Keep(std::string s) {
    strings_.push_back(std::move(s));
    return strings_.back().c_str();
  }

  std::deque<std::string> strings_;
  std::deque<std::vector<int64_t>> ints_;
  std::deque<std::vector<double>> floats_;
  std::vector<kpu_attr> attrs_;
};

std::vector<const char*> CStrings(const std::vector<std::string>& names) {
  std::vector<const char*> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back(n.c_str());
  return out;
}

// ------------------------------------------------------------------------------------------------
// Programs and tensor info
// ------------------------------------------------------------------------------------------------

using InfoFn = kpu_status (*)(const kpu_program*, size_t, kpu_tensor_info*);

kpu_tensor_info TensorInfo(const kpu_program* program, InfoFn fn, size_t index) {
  kpu_tensor_info info{};
  info.struct_size = sizeof(info);
  Check(fn(program, index, &info));
  return info;
}

py::tuple DimsTuple(const kpu_tensor_info& info) {
  py::tuple dims(info.rank);
  for (size_t i = 0; i < info.rank; ++i) dims[i] = py::int_(info.dims[i]);
  return dims;
}

// [(name, shape tuple, dtype str), ...]
py::list TensorSpecs(const kpu_program* program, bool outputs) {
  const size_t n = outputs ? kpu_program_output_count(program) : kpu_program_input_count(program);
  InfoFn fn = outputs ? kpu_program_output_info : kpu_program_input_info;
  py::list specs;
  for (size_t i = 0; i < n; ++i) {
    kpu_tensor_info info = TensorInfo(program, fn, i);
    specs.append(py::make_tuple(py::str(info.name), DimsTuple(info), DTypeToName(info.dtype)));
  }
  return specs;
}

// ------------------------------------------------------------------------------------------------
// Execution
// ------------------------------------------------------------------------------------------------

py::dict Execute(Runtime& rt, const py::dict& inputs, int mode, int engine) {
  const size_t n_in = inputs.size();
  // Everything a kpu_tensor points at; reserved so the pointers taken below stay valid.
  std::vector<std::string> in_names;
  std::vector<py::array> in_arrays;
  std::vector<std::vector<int64_t>> in_dims;
  std::vector<kpu_tensor> in_tensors;
  in_names.reserve(n_in);
  in_arrays.reserve(n_in);
  in_dims.reserve(n_in);
  in_tensors.reserve(n_in);
  for (const auto& item : inputs) {
    in_names.push_back(py::str(item.first).cast<std::string>());
    const std::string& name = in_names.back();
    in_arrays.push_back(CContiguous(item.second, "input '" + name + "'"));
    py::array& array = in_arrays.back();
    kpu_tensor t{};
    t.struct_size = sizeof(t);
    t.name = name.c_str();
    t.dtype = DTypeFromNumpy(array.dtype());
    if (t.dtype == KPU_DTYPE_UNSPECIFIED) {
      throw py::type_error("input '" + name + "' has dtype " +
                           py::str(array.dtype()).cast<std::string>() + ", not a KPU dtype");
    }
    in_dims.push_back(ShapeOf(array));
    t.rank = in_dims.back().size();
    t.dims = in_dims.back().data();
    t.data = const_cast<void*>(array.data());
    t.size_bytes = NBytes(array);
    in_tensors.push_back(t);
  }

  const kpu_program* program = rt.program.get();
  const size_t n_out = kpu_program_output_count(program);
  std::vector<kpu_tensor_info> out_infos;
  std::vector<py::array> out_arrays;
  std::vector<kpu_tensor> out_tensors;
  out_infos.reserve(n_out);
  out_arrays.reserve(n_out);
  out_tensors.reserve(n_out);
  for (size_t i = 0; i < n_out; ++i) {
    out_infos.push_back(TensorInfo(program, kpu_program_output_info, i));
    const kpu_tensor_info& info = out_infos.back();
    std::vector<ssize_t> shape(info.dims, info.dims + info.rank);
    out_arrays.push_back(NewArray(NumpyFromDType(info.dtype), shape));
    py::array& array = out_arrays.back();
    kpu_tensor t{};
    t.struct_size = sizeof(t);
    t.name = info.name;
    t.dtype = info.dtype;
    t.rank = info.rank;
    t.dims = info.dims;
    t.data = array.mutable_data();
    t.size_bytes = NBytes(array);
    out_tensors.push_back(t);
  }

  kpu_execute_options options;
  kpu_execute_options_init(&options);
  options.struct_size = sizeof(options);
  options.mode = static_cast<kpu_mode>(mode);
  options.engine = static_cast<kpu_engine>(engine);

  // The arrays stay referenced by in_arrays/out_arrays, so their memory outlives the call.
  Check(rt.Serialized([&] {
    return kpu_execute(rt.handle.get(), in_tensors.data(), in_tensors.size(), out_tensors.data(),
                       out_tensors.size(), &options);
  }));

  py::dict outputs;
  for (size_t i = 0; i < n_out; ++i) outputs[py::str(out_infos[i].name)] = out_arrays[i];
  return outputs;
}

py::dict Metrics(const Runtime& rt) {
  kpu_metrics m{};
  m.struct_size = sizeof(m);
  Check(rt.Serialized([&] { return kpu_runtime_metrics(rt.handle.get(), &m); }));
  py::dict d;
  d["total_cycles"] = m.total_cycles;
  d["total_time_us"] = m.total_time_us;
  d["compute_cycles"] = m.compute_cycles;
  d["memory_stall_cycles"] = m.memory_stall_cycles;
  d["other_cycles"] = m.other_cycles;
  d["dram_reads_bytes"] = m.dram_reads_bytes;
  d["dram_writes_bytes"] = m.dram_writes_bytes;
  d["sram_reads_bytes"] = m.sram_reads_bytes;
  d["sram_writes_bytes"] = m.sram_writes_bytes;
  d["l1_hits"] = m.l1_hits;
  d["l1_misses"] = m.l1_misses;
  d["l2_hits"] = m.l2_hits;
  d["l2_misses"] = m.l2_misses;
  d["average_power_watts"] = m.average_power_watts;
  d["total_energy_uj"] = m.total_energy_uj;
  d["compute_utilization"] = m.compute_utilization;
  d["memory_bandwidth_utilization"] = m.memory_bandwidth_utilization;
  d["total_macs"] = m.total_macs;
  return d;
}

Runtime LoadRuntime(const Program& program, const Config* config) {
  kpu_runtime* raw = nullptr;
  kpu_program* p = program.handle.get();
  kpu_config* c = config ? config->handle.get() : nullptr;
  Check(ReleasesGil([&] { return kpu_load(p, c, &raw); }));
  Runtime rt;
  rt.handle = std::shared_ptr<kpu_runtime>(raw, kpu_runtime_destroy);
  rt.program = program.handle;
  return rt;
}

// ------------------------------------------------------------------------------------------------
// Module
// ------------------------------------------------------------------------------------------------

void DefineErrors(py::module_& m) {
  py::dict scope;
  scope["__builtins__"] = py::module_::import("builtins");
  scope["__name__"] = "_kpu";
  py::exec(kNativeErrorSource, scope, scope);
  py::object type = scope["KPUNativeError"];
  g_native_error_type = type.inc_ref().ptr();
  m.attr("KPUNativeError") = type;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const NativeError& e) {
      RaiseNative(e);
    }
  });

  m.def(
      "set_error_factory",
      [](py::object factory) {
        PyObject* old = g_error_factory;
        g_error_factory = factory.is_none() ? nullptr : factory.inc_ref().ptr();
        Py_XDECREF(old);
      },
      py::arg("factory"),
      "Registers factory(status: int, status_name: str, message: str) -> BaseException, used "
      "to build the exception raised for a failed kpu_* call. None restores KPUNativeError.");
  m.def(
      "status_name", [](int status) { return kpu_status_name(static_cast<kpu_status>(status)); },
      py::arg("status"));
}

void DefineConstants(py::module_& m) {
  m.attr("HEADER_API_VERSION") = KPU_API_VERSION;
  m.attr("MAX_RANK") = KPU_MAX_RANK;
  m.attr("MODE_FUNCTIONAL") = static_cast<int>(KPU_MODE_FUNCTIONAL);
  m.attr("MODE_BEHAVIORAL") = static_cast<int>(KPU_MODE_BEHAVIORAL);
  m.attr("MODE_TRANSACTIONAL") = static_cast<int>(KPU_MODE_TRANSACTIONAL);
  m.attr("MODE_CYCLE_ACCURATE") = static_cast<int>(KPU_MODE_CYCLE_ACCURATE);
  m.attr("MODE_POWER_TRACE") = static_cast<int>(KPU_MODE_POWER_TRACE);
  m.attr("ENGINE_FAST") = static_cast<int>(KPU_ENGINE_FAST);
  m.attr("ENGINE_DFX_INTERPRETER") = static_cast<int>(KPU_ENGINE_DFX_INTERPRETER);
  m.attr("ENGINE_DFX_INTERPRETER_REORDERED") = static_cast<int>(KPU_ENGINE_DFX_INTERPRETER_REORDERED);
  m.attr("DATAFLOW_AUTO") = static_cast<int>(KPU_DATAFLOW_AUTO);
  m.attr("DATAFLOW_OUTPUT_STATIONARY") = static_cast<int>(KPU_DATAFLOW_OUTPUT_STATIONARY);
  m.attr("DATAFLOW_WEIGHT_STATIONARY") = static_cast<int>(KPU_DATAFLOW_WEIGHT_STATIONARY);
  m.attr("DATAFLOW_INPUT_STATIONARY") = static_cast<int>(KPU_DATAFLOW_INPUT_STATIONARY);
}

void DefineRegistry(py::module_& m) {
  m.def("version", [] { return std::string(kpu_version()); });
  m.def("api_version", [] { return kpu_api_version(); });
  m.def("op_names", [] {
    std::vector<std::string> names;
    for (size_t i = 0; i < kpu_op_count(); ++i) names.emplace_back(kpu_op_name(i));
    return names;
  });
  m.def("config_presets", [] {
    std::vector<std::string> names;
    for (size_t i = 0; i < kpu_config_preset_count(); ++i) {
      names.emplace_back(kpu_config_preset_name(i));
    }
    return names;
  });
  m.def("dtype_size", [](const py::object& dtype) { return kpu_dtype_size(DTypeFromObject(dtype)); },
        py::arg("dtype"));
}

void DefineConfig(py::module_& m) {
  py::class_<Config>(m, "Config", "A KPU hardware configuration (KPUConfig).")
      .def_static(
          "preset",
          [](const std::string& name) {
            kpu_config* raw = nullptr;
            Check(kpu_config_create_preset(name.c_str(), &raw));
            return WrapConfig(raw);
          },
          py::arg("name"))
      .def_static(
          "parse",
          [](const py::object& data) {
            std::string bytes = BytesOf(data);
            kpu_config* raw = nullptr;
            Check(kpu_config_parse(bytes.data(), bytes.size(), &raw));
            return WrapConfig(raw);
          },
          py::arg("data"), "From JSON text or protobuf binary bytes.")
      .def("to_json",
           [](const Config& c) {
             kpu_buffer* out = nullptr;
             Check(kpu_config_to_json(c.handle.get(), &out));
             return TakeText(out);
           })
      .def_property_readonly("name",
                             [](const Config& c) { return std::string(kpu_config_name(c.handle.get())); })
      .def("__repr__", [](const Config& c) {
        return std::string("<_kpu.Config '") + kpu_config_name(c.handle.get()) + "'>";
      });
}

void DefineGraph(py::module_& m) {
  py::class_<Graph>(m, "Graph", "A dataflow graph (DFG) under construction or parsed from a .dfg.")
      .def(py::init([](const std::string& name) {
             kpu_graph* raw = nullptr;
             Check(kpu_graph_create(name.c_str(), &raw));
             return WrapGraph(raw);
           }),
           py::arg("name") = "graph")
      .def_static(
          "create",
          [](const std::string& name) {
            kpu_graph* raw = nullptr;
            Check(kpu_graph_create(name.c_str(), &raw));
            return WrapGraph(raw);
          },
          py::arg("name") = "graph")
      .def_static(
          "parse",
          [](const py::object& data, const py::object& base_dir) {
            std::string bytes = BytesOf(data);
            std::string dir = base_dir.is_none() ? "" : py::str(base_dir).cast<std::string>();
            kpu_graph* raw = nullptr;
            const char* base = base_dir.is_none() ? nullptr : dir.c_str();
            Check(ReleasesGil([&] { return kpu_graph_parse(bytes.data(), bytes.size(), base, &raw); }));
            return WrapGraph(raw);
          },
          py::arg("data"), py::arg("base_dir") = py::none())
      .def_static(
          "load_file",
          [](const py::object& path) {
            std::string p = py::str(path).cast<std::string>();
            kpu_graph* raw = nullptr;
            Check(ReleasesGil([&] { return kpu_graph_load_file(p.c_str(), &raw); }));
            return WrapGraph(raw);
          },
          py::arg("path"))
      .def(
          "add_input",
          [](Graph& g, const std::string& name, const std::vector<int64_t>& shape,
             const py::object& dtype) {
            const kpu_dtype dt = DTypeFromObject(dtype);
            Check(g.Change([&] {
              return kpu_graph_add_input(g.handle.get(), name.c_str(), dt, shape.size(), shape.data());
            }));
          },
          py::arg("name"), py::arg("shape"), py::arg("dtype") = "float32")
      .def(
          "add_constant",
          [](Graph& g, const std::string& name, const py::object& value) {
            // ensure() copies only when the array is not already C-contiguous; the library then
            // copies the bytes into the graph.
            py::array array = CContiguous(value, "constant '" + name + "'");
            kpu_dtype dtype = DTypeFromNumpy(array.dtype());
            if (dtype == KPU_DTYPE_UNSPECIFIED) {
              throw py::type_error("constant '" + name + "' has dtype " +
                                   py::str(array.dtype()).cast<std::string>() +
                                   ", not a KPU dtype");
            }
            std::vector<int64_t> dims = ShapeOf(array);
            const void* data = array.data();
            const size_t n = NBytes(array);
            Check(g.Change([&] {
              return kpu_graph_add_constant(g.handle.get(), name.c_str(), dtype, dims.size(),
                                            dims.data(), data, n);
            }));
          },
          py::arg("name"), py::arg("value"))
      .def(
          "add_node",
          [](Graph& g, const std::string& op_type, const std::string& name,
             const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
             const py::dict& attrs) {
            AttrList attr_list(attrs);
            std::vector<const char*> in = CStrings(inputs);
            std::vector<const char*> out = CStrings(outputs);
            Check(g.Change([&] {
              return kpu_graph_add_node(g.handle.get(), op_type.c_str(), name.c_str(), in.data(),
                                        in.size(), out.data(), out.size(), attr_list.data(),
                                        attr_list.size());
            }));
          },
          py::arg("op_type"), py::arg("name"), py::arg("inputs"), py::arg("outputs"),
          py::arg("attrs") = py::dict())
      .def(
          "add_output",
          [](Graph& g, const std::string& name) {
            Check(g.Change([&] { return kpu_graph_add_output(g.handle.get(), name.c_str()); }));
          },
          py::arg("name"))
      .def(
          "serialize",
          [](const Graph& g, bool json) {
            kpu_buffer* out = nullptr;
            Check(g.Read([&] { return kpu_graph_serialize(g.handle.get(), json ? 1 : 0, &out); }));
            return TakeBytes(out);
          },
          py::arg("json") = false, "Protobuf binary bytes, or JSON text as bytes with json=True.")
      .def("to_json", [](const Graph& g) {
        kpu_buffer* out = nullptr;
        Check(g.Read([&] { return kpu_graph_serialize(g.handle.get(), 1, &out); }));
        return TakeText(out);
      });
}

void DefineProgram(py::module_& m) {
  py::class_<Program>(m, "Program",
                      "A compiled, immutable KPU program (.kpu); may be shared by threads. "
                      "deserialize, load_file, serialize, save and to_json release the GIL.")
      .def_static(
          "deserialize",
          [](const py::object& data) {
            std::string bytes = BytesOf(data);
            kpu_program* raw = nullptr;
            Check(ReleasesGil([&] { return kpu_program_deserialize(bytes.data(), bytes.size(), &raw); }));
            return WrapProgram(raw);
          },
          py::arg("data"))
      .def_static(
          "load_file",
          [](const py::object& path) {
            std::string p = py::str(path).cast<std::string>();
            kpu_program* raw = nullptr;
            Check(ReleasesGil([&] { return kpu_program_load_file(p.c_str(), &raw); }));
            return WrapProgram(raw);
          },
          py::arg("path"))
      .def("serialize",
           [](const Program& p) {
             kpu_buffer* out = nullptr;
             Check(ReleasesGil([&] { return kpu_program_serialize(p.handle.get(), &out); }));
             return TakeBytes(out);
           })
      .def(
          "save",
          [](const Program& p, const py::object& path) {
            std::string s = py::str(path).cast<std::string>();
            Check(ReleasesGil([&] { return kpu_program_save(p.handle.get(), s.c_str()); }));
          },
          py::arg("path"))
      .def("to_json",
           [](const Program& p) {
             kpu_buffer* out = nullptr;
             Check(ReleasesGil([&] { return kpu_program_to_json(p.handle.get(), &out); }));
             return TakeText(out);
           })
      .def("config",
           [](const Program& p) {
             kpu_config* raw = nullptr;
             Check(kpu_program_config(p.handle.get(), &raw));
             return WrapConfig(raw);
           })
      .def("inputs", [](const Program& p) { return TensorSpecs(p.handle.get(), false); },
           "[(name, shape, dtype), ...]")
      .def("outputs", [](const Program& p) { return TensorSpecs(p.handle.get(), true); },
           "[(name, shape, dtype), ...]");

  m.def(
      "compile",
      [](const Graph& graph, const Config* config, int dataflow, bool fusion) {
        kpu_compile_options options;
        kpu_compile_options_init(&options);
        options.struct_size = sizeof(options);
        options.dataflow = static_cast<kpu_dataflow>(dataflow);
        options.enable_fusion = fusion ? 1 : 0;
        kpu_program* raw = nullptr;
        kpu_config* c = config ? config->handle.get() : nullptr;
        Check(graph.Read([&] { return kpu_compile(graph.handle.get(), c, &options, &raw); }));
        return WrapProgram(raw);
      },
      py::arg("graph"), py::arg("config") = py::none(), py::arg("dataflow") = 0,
      py::arg("fusion") = true,
      "Compiles a graph for a config (None: the default KPU). Releases the GIL while compiling; "
      "the graph cannot be changed by another thread meanwhile.");
}

void DefineRuntime(py::module_& m) {
  py::class_<Runtime>(m, "Runtime",
                      "A program loaded for execution. Its calls run without the GIL and one at a time; "
                      "load one Runtime per thread (from a shared Program) to run in parallel.")
      .def(py::init(&LoadRuntime), py::arg("program"), py::arg("config") = py::none())
      .def_static("load", &LoadRuntime, py::arg("program"), py::arg("config") = py::none())
      .def("execute", &Execute, py::arg("inputs"), py::arg("mode") = 0, py::arg("engine") = 0,
           "Runs the program on {name: array}; returns {name: array} for every output. Releases "
           "the GIL while the program runs.")
      .def("metrics", &Metrics, "kpu_metrics of the last execute, as a dict.")
      .def("metrics_json",
           [](const Runtime& rt) {
             kpu_buffer* out = nullptr;
             Check(rt.Serialized([&] { return kpu_runtime_metrics_json(rt.handle.get(), &out); }));
             return TakeText(out);
           })
      .def("schedule_text",
           [](const Runtime& rt) {
             kpu_buffer* out = nullptr;
             Check(rt.Serialized([&] { return kpu_runtime_schedule_text(rt.handle.get(), &out); }));
             return TakeText(out);
           })
      .def("inputs", [](const Runtime& rt) { return TensorSpecs(rt.program.get(), false); })
      .def("outputs", [](const Runtime& rt) { return TensorSpecs(rt.program.get(), true); });
}

}  // namespace

PYBIND11_MODULE(_kpu, m) {
  m.doc() = "Thin bindings over kpu.h, the C ABI of the KPU toolchain.";
  DefineErrors(m);
  DefineConstants(m);
  DefineRegistry(m);
  DefineConfig(m);
  DefineGraph(m);
  DefineProgram(m);
  DefineRuntime(m);
}
