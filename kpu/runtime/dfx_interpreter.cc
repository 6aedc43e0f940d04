#include "kpu/runtime/dfx_interpreter.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/kernels.h"

namespace kpu::runtime {
namespace {

// Element strides of a tile stored in `layout`, per logical dimension.
std::vector<int64_t> StorageStrides(const Shape& extent, ir::Layout layout) {
  const int rank = static_cast<int>(extent.size());
  std::vector<int> order(rank);
  for (int d = 0; d < rank; ++d) order[d] = d;
  if (layout == ir::LAYOUT_NHWC && rank == 4) order = {0, 2, 3, 1};
  std::vector<int64_t> strides(rank, 1);
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    strides[order[i]] = s;
    s *= extent[order[i]];
  }
  return strides;
}

// Calls f(tile index, tensor coordinate) for every element of a place, in logical row-major
// order of the tile.
template <typename F>
absl::Status ForEachElement(const Place& p, F&& f) {
  const int rank = static_cast<int>(p.extent.size());
  std::vector<int64_t> i(rank, 0), c(p.origin);
  const int64_t n = p.NumElements();
  for (int64_t e = 0; e < n; ++e) {
    KPU_RETURN_IF_ERROR(f(i, c));
    for (int d = rank - 1; d >= 0; --d) {
      c[d] += p.stride[d];
      if (++i[d] < p.extent[d]) break;
      i[d] = 0;
      c[d] = p.origin[d];
    }
  }
  return absl::OkStatus();
}

// Calls f(c, n) for each run of the place along its last dimension: c is the run's first
// coordinate, n its length (the last extent). Copies by runs where the last stride is 1 cost one
// memcpy a row instead of one per element.
template <typename F>
absl::Status ForEachRun(const Place& p, F&& f) {
  const int rank = static_cast<int>(p.extent.size());
  if (rank == 0) return f(std::vector<int64_t>{}, int64_t{1});
  for (int d = 0; d < rank; ++d) {
    if (p.extent[d] <= 0) return absl::OkStatus();
  }
  std::vector<int64_t> i(rank, 0), c(p.origin);
  const int64_t n = p.extent[rank - 1];
  while (true) {
    KPU_RETURN_IF_ERROR(f(c, n));
    int d = rank - 2;
    for (; d >= 0; --d) {
      c[d] += p.stride[d];
      if (++i[d] < p.extent[d]) break;
      i[d] = 0;
      c[d] = p.origin[d];
    }
    if (d < 0) return absl::OkStatus();
  }
}

bool Inside(const std::vector<int64_t>& c, const Shape& shape) {
  for (size_t d = 0; d < c.size(); ++d) {
    if (c[d] < 0 || c[d] >= shape[d]) return false;
  }
  return true;
}

// One element's bytes (every dtype is at most 8 bytes), kept off the heap: a tile read makes one.
struct PadElement {
  char bytes[8] = {};
};

int64_t RowMajorOffset(const std::vector<int64_t>& c, const Shape& shape) {
  int64_t off = 0;
  for (size_t d = 0; d < c.size(); ++d) off = off * shape[d] + c[d];
  return off;
}

// An integer tile's padding value: -inf (max pooling) is the dtype's least value; anything else
// must be a value of the dtype (a file may say 1e10 or NaN, and converting those is undefined).
template <typename I>
absl::StatusOr<I> IntegerPad(const ir::TensorRegion& r, double v, ir::DataType dtype) {
  if (r.padding() == ir::TensorRegion::PAD_NEG_INF) return std::numeric_limits<I>::min();
  if (!(v >= static_cast<double>(std::numeric_limits<I>::min()) && v <= static_cast<double>(std::numeric_limits<I>::max()))) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' pads with ", v, ", which is not a ",
                                            DTypeName(dtype), " value"));
  }
  return static_cast<I>(v);
}

// The bytes an out-of-bounds element of `region` reads as.
absl::StatusOr<PadElement> PadBytes(const ir::TensorRegion& r, ir::DataType dtype) {
  PadElement pad;
  if (r.padding() == ir::TensorRegion::PAD_ZERO) return pad;
  const double v = r.padding() == ir::TensorRegion::PAD_NEG_INF ? -std::numeric_limits<double>::infinity()
                                                                 : r.pad_value();
  switch (dtype) {
    case ir::FLOAT32: {
      const float f = static_cast<float>(v);
      std::memcpy(pad.bytes, &f, sizeof f);
      return pad;
    }
    case ir::INT8: {
      KPU_ASSIGN_OR_RETURN(const int8_t i, IntegerPad<int8_t>(r, v, dtype));
      std::memcpy(pad.bytes, &i, sizeof i);
      return pad;
    }
    case ir::INT32: {
      KPU_ASSIGN_OR_RETURN(const int32_t i, IntegerPad<int32_t>(r, v, dtype));
      std::memcpy(pad.bytes, &i, sizeof i);
      return pad;
    }
    default:
      return UnimplementedError(absl::StrCat("padding ", ir::TensorRegion::Padding_Name(r.padding()), " of ",
                                             DTypeName(dtype), " tiles is not interpreted yet"));
  }
}

TilePosition PositionOf(const Place& p) { return {p.origin, p.stride, p.tensor_shape}; }

// A tile held at an on-chip level: the elements of `place`, stored in `layout`. A buffer is
// normally one fragment; partial writes (fold partial sums) add fragments to it.
struct Fragment {
  Place place;
  ir::Layout layout = ir::LAYOUT_ROW_MAJOR;
  size_t element_size = 4;
  std::vector<int64_t> strides;
  std::vector<char> data;
};

class Interpreter {
 public:
  Interpreter(const ir::KPUOp& op, const ir::KPUConfig& config, DramTensors& dram, const LevelBytes& home_bytes)
      : op_(op), config_(config), dram_(dram) {
    for (ir::MemoryLevel l : {ir::L3, ir::L2, ir::L1}) {
      if (home_bytes[l] != 0) resident_[l] = home_bytes[l];
    }
  }

  absl::Status Run(const ir::DfxOp& dop, const std::vector<Place>& places) {
    switch (dop.kind_case()) {
      case ir::DfxOp::kDataMove: return Move(dop, dop.data_move(), places[0], places[1]);
      case ir::DfxOp::kCompute: return Compute(dop, dop.compute(), places);
      default: return absl::OkStatus();
    }
  }

 private:
  using Key = std::tuple<ir::MemoryLevel, std::string, uint32_t>;

  absl::StatusOr<DramTensor*> Dram(const std::string& tensor) {
    auto it = dram_.find(tensor);
    if (it == dram_.end()) return InvalidProgramError(absl::StrCat("tensor '", tensor, "' has no DRAM image"));
    return &it->second;
  }

  // A tensor kept on chip is not in DRAM: a move that names it there is a lowering bug.
  absl::Status CheckNotAway(const ir::DfxOp& dop, const ir::TensorRegion& r, const DramTensor& t, const char* verb) {
    if (r.level() != ir::EXTERNAL || t.home == ir::EXTERNAL) return absl::OkStatus();
    return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " ", verb, " '", r.tensor(),
                                            "' in DRAM, but its home is ", LevelName(t.home)));
  }

  // DRAM and a home buffer hold the whole tensor by tensor coordinates, in its logical order: a
  // region naming it there in another layout would have a mover read or write the wrong addresses.
  absl::Status CheckHomeLayout(const ir::DfxOp& dop, const ir::TensorRegion& r, const char* verb) const {
    if (r.layout() == ir::LAYOUT_ROW_MAJOR) return absl::OkStatus();
    return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " ", verb, " '", r.tensor(), "' in ",
                                            LevelName(r.level()), " as ", ir::Layout_Name(r.layout()),
                                            ", but the tensor is held there row-major (its logical order)"));
  }

  ir::DataType TileType(const ir::TensorRegion& r, const DramTensor& t) const {
    return r.dtype() == ir::DTYPE_UNSPECIFIED ? t.dtype : r.dtype();
  }

  // Reads the elements of `place` (region `r`) into a dense tile in logical row-major order. A
  // tile must be resident where it is read: this is the check that catches a kernel reading a
  // tile it never loaded.
  absl::StatusOr<std::vector<char>> Read(const ir::DfxOp& dop, const ir::TensorRegion& r, const Place& place) {
    KPU_ASSIGN_OR_RETURN(DramTensor * t, Dram(r.tensor()));
    const ir::DataType dtype = TileType(r, *t);
    const size_t e = DTypeSize(dtype);
    KPU_ASSIGN_OR_RETURN(const PadElement pad, PadBytes(r, dtype));
    std::vector<char> out(place.NumElements() * e);
    char* dst = out.data();
    KPU_RETURN_IF_ERROR(CheckNotAway(dop, r, *t, "reads"));
    // The tensor's home (DRAM, or its home buffer on chip) holds all of it, by tensor coordinates.
    if (r.level() == t->home) {
      KPU_RETURN_IF_ERROR(CheckHomeLayout(dop, r, "reads"));
      if (dtype != t->dtype) {
        return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " reads '", r.tensor(), "' from ",
                                                LevelName(r.level()), " as ", DTypeName(dtype), ", but it is ",
                                                DTypeName(t->dtype)));
      }
      const char* src = static_cast<const char*>(t->data);
      const int last = static_cast<int>(place.extent.size()) - 1;
      std::vector<int64_t> c;  // the run's coordinates, moved along it (one allocation per read)
      KPU_RETURN_IF_ERROR(ForEachRun(place, [&](const std::vector<int64_t>& start, int64_t n) {
        c = start;
        if (last >= 0 && place.stride[last] == 1) {
          // The run's part inside the tensor in one copy, padding on either side of it.
          const int64_t first = c[last];
          c[last] = std::max<int64_t>(first, 0);
          const int64_t end = std::min<int64_t>(first + n, t->shape[last]);
          const int64_t inside = Inside(c, t->shape) && end > c[last] ? end - c[last] : 0;
          const int64_t before = inside > 0 ? c[last] - first : n;
          for (int64_t k = 0; k < before; ++k, dst += e) std::memcpy(dst, pad.bytes, e);
          if (inside > 0) {
            std::memcpy(dst, src + RowMajorOffset(c, t->shape) * e, inside * e);
            dst += inside * e;
          }
          for (int64_t k = before + inside; k < n; ++k, dst += e) std::memcpy(dst, pad.bytes, e);
          return absl::OkStatus();
        }
        for (int64_t k = 0; k < n; ++k) {
          std::memcpy(dst, Inside(c, t->shape) ? src + RowMajorOffset(c, t->shape) * e : pad.bytes, e);
          dst += e;
          if (last >= 0) c[last] += place.stride[last];
        }
        return absl::OkStatus();
      }));
      return out;
    }
    auto it = buffers_.find(Key{r.level(), r.tensor(), place.slot});
    auto missing = [&]() {
      std::string held;
      if (it != buffers_.end()) {
        for (const Fragment& f : it->second) absl::StrAppend(&held, held.empty() ? "" : " ", FormatPlace(f.place));
      }
      return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " reads ", FormatPlace(place), " of '",
                                              r.tensor(), "' from ", LevelName(r.level()), " slot ", place.slot,
                                              ", which holds ", held.empty() ? std::string("nothing") : held));
    };
    if (it == buffers_.end()) return missing();
    const int rank = static_cast<int>(place.extent.size());
    // Only fragments whose box meets the tile's can hold its elements, newest first. A buffer of
    // partial tiles (a weight panel, partial sums) holds many fragments; looking in each of them
    // for every element made a read cost elements x fragments.
    std::vector<const Fragment*> near;
    for (auto f = it->second.rbegin(); f != it->second.rend(); ++f) {
      bool meets = static_cast<int>(f->place.origin.size()) == rank;
      for (int d = 0; d < rank && meets; ++d) {
        const int64_t lo = place.origin[d], hi = lo + (place.extent[d] - 1) * std::max<int64_t>(place.stride[d], 1);
        const int64_t flo = f->place.origin[d];
        const int64_t fhi = flo + (f->place.extent[d] - 1) * std::max<int64_t>(f->place.stride[d], 1);
        meets = place.extent[d] > 0 && f->place.extent[d] > 0 && lo <= fhi && flo <= hi;
      }
      if (meets) near.push_back(&*f);
    }
    auto element = [&](const std::vector<int64_t>& c) -> absl::Status {
      if (!Inside(c, t->shape)) {
        std::memcpy(dst, pad.bytes, e);
        dst += e;
        return absl::OkStatus();
      }
      // The newest fragment holding the element has its value.
      for (const Fragment* f : near) {
        int64_t off = 0;
        bool held = f->element_size == e;
        for (int d = 0; d < rank && held; ++d) {
          const int64_t rel = c[d] - f->place.origin[d];
          const int64_t j = rel / f->place.stride[d];
          held = rel >= 0 && rel % f->place.stride[d] == 0 && j < f->place.extent[d];
          off += j * f->strides[d];
        }
        if (!held) continue;
        // The reader walks the buffer in the layout its region names; one stored in another layout
        // would hand it other elements (a conversion is a DataMove between two layouts).
        if (f->layout != r.layout()) {
          return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " reads ", FormatPlace(place), " of '",
                                                  r.tensor(), "' from ", LevelName(r.level()), " slot ", place.slot,
                                                  " as ", ir::Layout_Name(r.layout()), ", but the tile there (",
                                                  FormatPlace(f->place), ") is stored ", ir::Layout_Name(f->layout)));
        }
        std::memcpy(dst, f->data.data() + off * e, e);
        dst += e;
        return absl::OkStatus();
      }
      return missing();
    };
    std::vector<int64_t> c;  // the run's coordinates, moved along it (one allocation per read)
    KPU_RETURN_IF_ERROR(ForEachRun(place, [&](const std::vector<int64_t>& start, int64_t n) -> absl::Status {
      c = start;
      // One fragment near the tile (the usual case) that holds the whole run inside the tensor,
      // stored row-major in the reader's layout: one copy for the run.
      const int last = rank - 1;
      if (near.size() == 1 && rank > 0 && place.stride[last] == 1) {
        const Fragment& f = *near[0];
        bool whole = f.element_size == e && f.layout == r.layout() && f.place.stride[last] == 1 &&
                     f.strides[last] == 1 && c[last] >= 0 && c[last] + n <= t->shape[last];
        int64_t off = 0;
        for (int d = 0; d < rank && whole; ++d) {
          const int64_t rel = c[d] - f.place.origin[d];
          const int64_t j = rel / f.place.stride[d];
          whole = c[d] >= 0 && c[d] < t->shape[d] && rel >= 0 && rel % f.place.stride[d] == 0 && j < f.place.extent[d] &&
                  (d != last || j + n <= f.place.extent[d]);
          off += j * f.strides[d];
        }
        if (whole) {
          std::memcpy(dst, f.data.data() + off * e, n * e);
          dst += n * e;
          return absl::OkStatus();
        }
      }
      for (int64_t k = 0; k < n; ++k) {
        KPU_RETURN_IF_ERROR(element(c));
        if (rank > 0) c[last] += place.stride[last];
      }
      return absl::OkStatus();
    }));
    return out;
  }

  // Stores a dense logical tile as the new content of `place` (region `r`). Elements outside the
  // tensor are dropped when the destination is DRAM.
  absl::Status Write(const ir::DfxOp& dop, const ir::TensorRegion& r, const Place& place, std::vector<char> tile) {
    KPU_ASSIGN_OR_RETURN(DramTensor * t, Dram(r.tensor()));
    const size_t e = DTypeSize(TileType(r, *t));
    KPU_RETURN_IF_ERROR(CheckNotAway(dop, r, *t, "writes"));
    if (r.level() == t->home) {
      KPU_RETURN_IF_ERROR(CheckHomeLayout(dop, r, "writes"));
      if (TileType(r, *t) != t->dtype) {
        return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " writes '", r.tensor(), "' to ",
                                                LevelName(r.level()), " in another dtype than its own"));
      }
      char* base = static_cast<char*>(t->data);
      const char* src = tile.data();
      return ForEachElement(place, [&](const std::vector<int64_t>&, const std::vector<int64_t>& c) {
        if (Inside(c, t->shape)) std::memcpy(base + RowMajorOffset(c, t->shape) * e, src, e);
        src += e;
        return absl::OkStatus();
      });
    }
    Fragment b{place, r.layout(), e, StorageStrides(place.extent, r.layout()), {}};
    if (r.layout() == ir::LAYOUT_ROW_MAJOR) {
      b.data = std::move(tile);
    } else {
      b.data.resize(tile.size());
      const char* src = tile.data();
      KPU_RETURN_IF_ERROR(ForEachElement(place, [&](const std::vector<int64_t>& i, const std::vector<int64_t>&) {
        int64_t off = 0;
        for (size_t d = 0; d < i.size(); ++d) off += i[d] * b.strides[d];
        std::memcpy(b.data.data() + off * e, src, e);
        src += e;
        return absl::OkStatus();
      }));
    }
    const Key key{r.level(), r.tensor(), place.slot};
    uint64_t& resident = resident_[r.level()];
    std::vector<Fragment>& fragments = buffers_[key];
    // A whole tile replaces what the buffer held; a partial one replaces only its own earlier self.
    for (auto f = fragments.begin(); f != fragments.end();) {
      if (!r.partial() || f->place == place) {
        resident -= f->data.size();
        f = fragments.erase(f);
      } else {
        ++f;
      }
    }
    resident += b.data.size();
    fragments.push_back(std::move(b));
    if (r.level() == ir::REGISTER) {
      // The array's accumulators: R x C per fold (decision 8).
      const uint64_t cap = static_cast<uint64_t>(config_.compute().array_rows()) * config_.compute().array_cols();
      if (static_cast<uint64_t>(place.NumElements()) > cap) {
        // Counted in elements, not bytes: MemoryExceededError's units would mislead.
        return MakeError(ErrorKind::kMemoryExceeded,
                         absl::StrCat("REGISTER memory exceeded: ", place.NumElements(), " elements required, ", cap,
                                      " available (the accumulators of a ", config_.compute().array_rows(), "x",
                                      config_.compute().array_cols(), " array, op '", op_.id(), "', DFX op ",
                                      dop.op_id(), ")"));
      }
      return absl::OkStatus();
    }
    const ir::MemoryLevelConfig* cfg = FindLevel(config_, r.level());
    if (cfg == nullptr) {
      return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " writes to ", LevelName(r.level()),
                                              ", which the KPU config does not have"));
    }
    if (resident > LevelCapacity(*cfg)) {
      return MemoryExceededError("SRAM", resident, LevelCapacity(*cfg),
                                 absl::StrCat(LevelName(r.level()), ", op '", op_.id(), "', DFX op ", dop.op_id()));
    }
    return absl::OkStatus();
  }

  absl::Status Move(const ir::DfxOp& dop, const ir::DataMove& move, const Place& src, const Place& dst) {
    if (move.transpose()) return UnimplementedError("transposing DataMoves are not interpreted yet");
    KPU_ASSIGN_OR_RETURN(std::vector<char> tile, Read(dop, move.source(), src));
    if (move.type() == ir::DataMove::FLUSH && move.source().level() != ir::EXTERNAL &&
        move.source().level() != dram_.at(move.source().tensor()).home) {
      auto it = buffers_.find(Key{move.source().level(), move.source().tensor(), src.slot});
      if (it != buffers_.end()) {
        for (const Fragment& f : it->second) resident_[move.source().level()] -= f.data.size();
        buffers_.erase(it);
      }
    }
    return Write(dop, move.destination(), dst, std::move(tile));
  }

  absl::Status Compute(const ir::DfxOp& dop, const ir::Compute& c, const std::vector<Place>& places) {
    const Place& output = places.back();
    std::vector<std::vector<char>> in_data;
    std::vector<ConstTensorView> views;
    for (int i = 0; i < c.inputs_size(); ++i) {
      KPU_ASSIGN_OR_RETURN(std::vector<char> tile, Read(dop, c.inputs(i), places[i]));
      in_data.push_back(std::move(tile));
    }
    for (int i = 0; i < c.inputs_size(); ++i) {
      KPU_ASSIGN_OR_RETURN(DramTensor * t, Dram(c.inputs(i).tensor()));
      views.push_back({TileType(c.inputs(i), *t), places[i].extent, in_data[i].data()});
      views.back().position = PositionOf(places[i]);
    }
    KPU_ASSIGN_OR_RETURN(DramTensor * out_tensor, Dram(c.output().tensor()));
    const ir::DataType out_type = TileType(c.output(), *out_tensor);
    std::vector<char> result(output.NumElements() * DTypeSize(out_type), 0);
    if (c.accumulate()) {
      auto held = Read(dop, c.output(), output);
      if (!held.ok() || held->size() != result.size()) {
        return InvalidProgramError(absl::StrCat(
            "DFX op ", dop.op_id(), " accumulates into ", FormatPlace(output), " of '", c.output().tensor(), "', which ",
            LevelName(c.output().level()), " does not hold",
            held.ok() ? std::string() : absl::StrCat(" (", absl::StripPrefix(held.status().message(), "Invalid KPU program: "), ")")));
      }
      result = std::move(*held);
    }
    // A tile op runs the op's kernel on tiles with the Compute's own attributes: the epilogue
    // (bias, activation) is a separate ELEMENTWISE step, and conv padding is already in the tile.
    // (Copied only for softmax, which takes its axis from the Compute: a map copy per tile cost more
    // than many small kernels.)
    AttrMap softmax_attrs;
    if (c.type() == ir::Compute::SOFTMAX_TILE) {
      softmax_attrs = c.attributes();
      softmax_attrs["axis"].set_i(c.axis());
    }
    const AttrMap& attrs = c.type() == ir::Compute::SOFTMAX_TILE ? softmax_attrs : c.attributes();
    KernelArgs args{attrs, views, {{out_type, output.extent, result.data()}}, c.accumulate()};
    args.outputs[0].position = PositionOf(output);
    if (!Kernels().count(c.function())) {
      return InvalidProgramError(absl::StrCat("unknown compute function '", c.function(), "'"));
    }
    absl::Status s = RunKernel(c.function(), args);
    if (!s.ok()) return MakeError(KindOf(s), absl::StrCat("DFX op ", dop.op_id(), ": ", s.message()));
    return Write(dop, c.output(), output, std::move(result));
  }

  const ir::KPUOp& op_;
  const ir::KPUConfig& config_;
  DramTensors& dram_;
  std::map<Key, std::vector<Fragment>> buffers_;
  std::map<ir::MemoryLevel, uint64_t> resident_;
};

class StreamingVisitor : public DfxVisitor {
 public:
  explicit StreamingVisitor(Interpreter& i) : interpreter_(i) {}
  absl::Status OnDataMove(const ir::DfxOp& op, const ir::DataMove&, const Place& src, const Place& dst) override {
    return interpreter_.Run(op, {src, dst});
  }
  absl::Status OnCompute(const ir::DfxOp& op, const ir::Compute&, const std::vector<Place>& in,
                         const Place& out) override {
    std::vector<Place> places = in;
    places.push_back(out);
    return interpreter_.Run(op, places);
  }

 private:
  Interpreter& interpreter_;
};

// The interpreter holds every instance of the kernel at once in this order; test programs are small.
constexpr uint64_t kMaxReorderedInstances = 20'000'000;

}  // namespace

absl::Status InterpretKernel(const ir::KPUOp& op, const ir::KPUConfig& config, DramTensors& dram,
                             InterpreterOrder order, const LevelBytes& home_bytes) {
  ShapeTable shapes;
  for (const auto& [name, t] : dram) shapes[name] = t.shape;
  Interpreter interpreter(op, config, dram, home_bytes);
  if (order == InterpreterOrder::kProgram) {
    StreamingVisitor visitor(interpreter);
    return WalkDfx(op.dfx(), shapes, visitor);
  }
  KPU_ASSIGN_OR_RETURN(std::vector<DfxInstance> instances, ExpandDfx(op.dfx(), shapes, kMaxReorderedInstances));
  // Kahn's algorithm, always taking the newest ready instance: work of later iterations runs as
  // early as the edges allow, so a missing edge shows up as a wrong value or a missing tile.
  std::vector<std::vector<size_t>> users(instances.size());
  std::vector<size_t> pending(instances.size(), 0);
  for (size_t i = 0; i < instances.size(); ++i) {
    for (size_t w : instances[i].waits_for) {
      users[w].push_back(i);
      ++pending[i];
    }
  }
  std::vector<size_t> ready;
  for (size_t i = 0; i < instances.size(); ++i) {
    if (pending[i] == 0) ready.push_back(i);
  }
  size_t done = 0;
  while (!ready.empty()) {
    const size_t i = ready.back();
    ready.pop_back();
    KPU_RETURN_IF_ERROR(interpreter.Run(*instances[i].op, instances[i].places));
    ++done;
    for (size_t u : users[i]) {
      if (--pending[u] == 0) ready.push_back(u);
    }
  }
  if (done != instances.size()) return InvalidProgramError(absl::StrCat("op '", op.id(), "' has a dependency cycle"));
  return absl::OkStatus();
}

}  // namespace kpu::runtime
