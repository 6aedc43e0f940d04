#include "kpu/runtime/dfx_interpreter.h"

#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/kernels.h"

namespace kpu::runtime {
namespace {

struct Buffer {
  Box box;
  std::vector<float> data;  // dense over box, row-major
};

// Copies `box` out of a dense array laid out over `from` into a dense array over `box`
// (to_inner = false), or the reverse (to_inner = true).
void CopyBox(const Box& outer, float* outer_data, const Box& box, float* box_data, bool to_outer) {
  const int rank = static_cast<int>(box.lo.size());
  if (rank == 0) {
    if (to_outer) outer_data[0] = box_data[0]; else box_data[0] = outer_data[0];
    return;
  }
  const Shape ext = box.Extent();
  const Shape outer_ext = outer.Extent();
  std::vector<int64_t> idx(rank, 0);
  const int64_t row = ext[rank - 1];
  const int64_t rows = box.NumElements() / row;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (int d = 0; d < rank; ++d) off = off * outer_ext[d] + (box.lo[d] - outer.lo[d] + idx[d]);
    float* o = outer_data + off;
    float* b = box_data + r * row;
    if (to_outer) std::copy(b, b + row, o); else std::copy(o, o + row, b);
    for (int d = rank - 2; d >= 0; --d) {
      if (++idx[d] < ext[d]) break;
      idx[d] = 0;
    }
  }
}

Box WholeBox(const Shape& shape) {
  Box b;
  b.lo.assign(shape.size(), 0);
  b.hi = shape;
  return b;
}

class Interpreter : public DfxVisitor {
 public:
  Interpreter(const ir::KPUOp& op, const ir::KPUConfig& config, DramTensors& dram)
      : op_(op), config_(config), dram_(dram) {}

  absl::Status OnDataMove(const ir::DfxOp& dop, const ir::DataMove& move, const Place& src, const Place& dst) override {
    if (move.transpose()) return UnimplementedError("transposing DataMoves are not interpreted yet");
    const std::string& tensor = move.source().tensor();
    std::vector<float> tile(src.box.NumElements());
    KPU_RETURN_IF_ERROR(Read(dop, move.source().level(), tensor, src, tile.data()));
    if (move.destination().level() == ir::EXTERNAL) {
      KPU_ASSIGN_OR_RETURN(DramTensor * t, Dram(tensor));
      CopyBox(WholeBox(t->shape), t->data, dst.box, tile.data(), true);
      return absl::OkStatus();
    }
    return Write(move.destination().level(), tensor, dst, Buffer{dst.box, std::move(tile)}, dop);
  }

  absl::Status OnCompute(const ir::DfxOp& dop, const ir::Compute& c, const std::vector<Place>& inputs,
                         const Place& output) override {
    std::vector<std::vector<float>> in_data(inputs.size());
    std::vector<ConstTensorView> views;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ir::TensorRegion& r = c.inputs(i);
      in_data[i].resize(inputs[i].box.NumElements());
      KPU_RETURN_IF_ERROR(Read(dop, r.level(), r.tensor(), inputs[i], in_data[i].data()));
      views.push_back({ir::FLOAT32, inputs[i].box.Extent(), in_data[i].data()});
    }
    const ir::TensorRegion& out = c.output();
    const Key key{out.level(), out.tensor(), output.slot};
    Buffer result{output.box, std::vector<float>(output.box.NumElements(), 0.0f)};
    if (c.accumulate()) {
      auto it = buffers_.find(key);
      if (it == buffers_.end() || !(it->second.box == output.box)) {
        return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " accumulates into ", FormatBox(output.box),
                                                " of '", out.tensor(), "', which ", LevelName(out.level()),
                                                " does not hold"));
      }
      result.data = it->second.data;
    }
    // A tile op runs the op's kernel on tiles, with the tile's own parameters: the epilogue
    // (bias, activation) is a separate ELEMENTWISE step in DFX.
    AttrMap attrs;
    if (c.type() == ir::Compute::SOFTMAX_TILE) attrs["axis"].set_i(c.axis());
    KernelArgs args{attrs, views, {{ir::FLOAT32, output.box.Extent(), result.data.data()}}, c.accumulate()};
    if (!Kernels().count(c.function())) return InvalidProgramError(absl::StrCat("unknown compute function '", c.function(), "'"));
    KPU_RETURN_IF_ERROR(RunKernel(c.function(), args));
    if (out.level() == ir::EXTERNAL) {
      KPU_ASSIGN_OR_RETURN(DramTensor * t, Dram(out.tensor()));
      CopyBox(WholeBox(t->shape), t->data, output.box, result.data.data(), true);
      return absl::OkStatus();
    }
    return Write(out.level(), out.tensor(), output, std::move(result), dop);
  }

 private:
  using Key = std::tuple<ir::MemoryLevel, std::string, uint32_t>;

  absl::StatusOr<DramTensor*> Dram(const std::string& tensor) {
    auto it = dram_.find(tensor);
    if (it == dram_.end()) return InvalidProgramError(absl::StrCat("tensor '", tensor, "' has no DRAM image"));
    return &it->second;
  }

  // Reads `place` of `tensor` at `level` into `out`: the tile must be resident there. This is the
  // check that catches a kernel reading a tile it never loaded.
  absl::Status Read(const ir::DfxOp& dop, ir::MemoryLevel level, const std::string& tensor, const Place& place,
                    float* out) {
    if (level == ir::EXTERNAL) {
      KPU_ASSIGN_OR_RETURN(DramTensor * t, Dram(tensor));
      CopyBox(WholeBox(t->shape), t->data, place.box, out, false);
      return absl::OkStatus();
    }
    auto it = buffers_.find(Key{level, tensor, place.slot});
    if (it == buffers_.end() || !it->second.box.Contains(place.box)) {
      return InvalidProgramError(absl::StrCat(
          "DFX op ", dop.op_id(), " reads ", FormatBox(place.box), " of '", tensor, "' from ", LevelName(level),
          " slot ", place.slot, ", which holds ",
          it == buffers_.end() ? std::string("nothing") : FormatBox(it->second.box)));
    }
    CopyBox(it->second.box, it->second.data.data(), place.box, out, false);
    return absl::OkStatus();
  }

  absl::Status Write(ir::MemoryLevel level, const std::string& tensor, const Place& place, Buffer buffer,
                     const ir::DfxOp& dop) {
    const Key key{level, tensor, place.slot};
    auto it = buffers_.find(key);
    uint64_t& resident = resident_[level];
    if (it != buffers_.end()) resident -= it->second.data.size() * sizeof(float);
    resident += buffer.data.size() * sizeof(float);
    buffers_[key] = std::move(buffer);
    if (level == ir::REGISTER) return absl::OkStatus();  // accumulators: folds are sequenced by the array
    const ir::MemoryLevelConfig* cfg = FindLevel(config_, level);
    if (cfg == nullptr) {
      return InvalidProgramError(absl::StrCat("DFX op ", dop.op_id(), " writes to ", LevelName(level),
                                              ", which the KPU config does not have"));
    }
    if (resident > LevelCapacity(*cfg)) {
      return MemoryExceededError("SRAM", resident, LevelCapacity(*cfg),
                                 absl::StrCat(LevelName(level), ", op '", op_.id(), "', DFX op ", dop.op_id()));
    }
    return absl::OkStatus();
  }

  const ir::KPUOp& op_;
  const ir::KPUConfig& config_;
  DramTensors& dram_;
  std::map<Key, Buffer> buffers_;
  std::map<ir::MemoryLevel, uint64_t> resident_;
};

}  // namespace

absl::Status InterpretKernel(const ir::KPUOp& op, const ir::KPUConfig& config, DramTensors& dram) {
  ShapeTable shapes;
  for (const auto& [name, t] : dram) shapes[name] = t.shape;
  Interpreter interpreter(op, config, dram);
  return WalkDfx(op.dfx(), shapes, interpreter);
}

}  // namespace kpu::runtime
