#include "kpu/runtime/validator.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/limits.h"
#include "kpu/ir/op_registry.h"
#include "kpu/runtime/kernels.h"
#include "kpu/runtime/validate_homes.h"

namespace kpu::runtime {
namespace {

// A REGISTER region is the array's accumulators (or a stationary operand's part): at most R x C.
absl::Status CheckRegister(const ir::DfxOp& op, const ir::TensorRegion& r, const Place& p,
                           const ir::KPUConfig& config) {
  const int64_t rows = config.compute().array_rows(), cols = config.compute().array_cols();
  if (r.level() != ir::REGISTER || p.NumElements() <= rows * cols) return absl::OkStatus();
  return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " holds ", FormatPlace(p), " of '", r.tensor(),
                                          "' in REGISTER: ", p.NumElements(), " elements, but the ", rows, "x", cols,
                                          " array of KPU config '", config.name(), "' holds ", rows * cols,
                                          " (R x C per fold)"));
}

class RegisterChecker : public DfxVisitor {
 public:
  explicit RegisterChecker(const ir::KPUConfig& config) : config_(config) {}
  absl::Status OnDataMove(const ir::DfxOp& op, const ir::DataMove& move, const Place& src, const Place& dst) override {
    KPU_RETURN_IF_ERROR(CheckRegister(op, move.source(), src, config_));
    return CheckRegister(op, move.destination(), dst, config_);
  }
  absl::Status OnCompute(const ir::DfxOp& op, const ir::Compute& c, const std::vector<Place>& in,
                         const Place& out) override {
    for (int i = 0; i < c.inputs_size() && i < static_cast<int>(in.size()); ++i) {
      KPU_RETURN_IF_ERROR(CheckRegister(op, c.inputs(i), in[i], config_));
    }
    return CheckRegister(op, c.output(), out, config_);
  }

 private:
  const ir::KPUConfig& config_;
};

// Visits every region so an out-of-range tile, an unknown tensor, a move that changes which
// elements it carries, or an array holding more than R x C accumulators is found at load time.
class RegionChecker : public DfxVisitor {
 public:
  RegionChecker(const ir::KPUConfig& config, const std::map<std::string, TensorType>& types,
                const std::map<std::string, ir::MemoryLevel>& homes)
      : config_(config), types_(types), homes_(homes) {}

  absl::Status OnDataMove(const ir::DfxOp& op, const ir::DataMove& move, const Place& src, const Place& dst) override {
    for (const ir::TensorRegion* r : {&move.source(), &move.destination()}) {
      KPU_RETURN_IF_ERROR(CheckLayout(op, *r));
      KPU_RETURN_IF_ERROR(CheckDtype(op, *r));
    }
    if (src.origin != dst.origin || src.extent != dst.extent || src.stride != dst.stride) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " moves ", FormatPlace(src), " of '",
                                              move.source().tensor(), "' into ", FormatPlace(dst)));
    }
    if (move.source().tensor() != move.destination().tensor()) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " moves between different tensors"));
    }
    for (const ir::TensorRegion* r : {&move.source(), &move.destination()}) {
      KPU_RETURN_IF_ERROR(CheckRegister(op, *r, r == &move.source() ? src : dst, config_));
    }
    return absl::OkStatus();
  }

  absl::Status OnCompute(const ir::DfxOp& op, const ir::Compute& c, const std::vector<Place>& in,
                         const Place& out) override {
    if (!Kernels().count(c.function())) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " computes unknown function '", c.function(), "'"));
    }
    if (in.empty()) return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " has no inputs"));
    const size_t arity = c.type() == ir::Compute::MATMUL_TILE ? 2 : 0;
    if (arity != 0 && in.size() != arity) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), ": ", ir::Compute::Type_Name(c.type()),
                                              " takes ", arity, " inputs, has ", in.size()));
    }
    if (!ir::Dataflow_IsValid(c.dataflow())) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " has an unknown dataflow"));
    }
    for (int i = 0; i < c.inputs_size(); ++i) {
      KPU_RETURN_IF_ERROR(CheckLayout(op, c.inputs(i)));
      KPU_RETURN_IF_ERROR(CheckDtype(op, c.inputs(i)));
      KPU_RETURN_IF_ERROR(CheckRegister(op, c.inputs(i), in[i], config_));
    }
    KPU_RETURN_IF_ERROR(CheckLayout(op, c.output()));
    KPU_RETURN_IF_ERROR(CheckDtype(op, c.output()));
    KPU_RETURN_IF_ERROR(CheckRegister(op, c.output(), out, config_));
    return CheckTileShapes(op, c, in, out);
  }

 private:
  // DRAM and a tensor's on-chip home hold the whole tensor by tensor coordinates in its logical
  // order; only a tile on chip may be stored in another layout. (Unknown layouts and NHWC on a
  // rank other than 4 are refused when the walk resolves the region.)
  absl::Status CheckLayout(const ir::DfxOp& op, const ir::TensorRegion& r) const {
    if (r.layout() == ir::LAYOUT_ROW_MAJOR) return absl::OkStatus();
    auto home = homes_.find(r.tensor());
    if (r.level() != ir::EXTERNAL && (home == homes_.end() || r.level() != home->second)) return absl::OkStatus();
    return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " names '", r.tensor(), "' in ",
                                            LevelName(r.level()), " as ", ir::Layout_Name(r.layout()), ", but ",
                                            r.level() == ir::EXTERNAL ? "DRAM" : "its home buffer",
                                            " holds the tensor row-major; only on-chip tiles take another layout"));
  }

  // A region holds its tensor's elements in the tensor's dtype: no move converts dtypes, and the
  // interpreter sizes a tile's buffer by the region's dtype. (Accumulators in a wider dtype, the
  // int32 partial sums of int8 operands, come with the int8 compiler and its kernels.)
  absl::Status CheckDtype(const ir::DfxOp& op, const ir::TensorRegion& r) const {
    if (r.dtype() == ir::DTYPE_UNSPECIFIED) return absl::OkStatus();
    auto t = types_.find(r.tensor());
    if (t == types_.end() || r.dtype() == t->second.dtype) return absl::OkStatus();  // unknown tensors: the walk says so
    return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " names '", r.tensor(), "' in ", LevelName(r.level()),
                                            " as ", DTypeName(r.dtype()), ", but the tensor is ",
                                            DTypeName(t->second.dtype)));
  }

  // A tile kernel trusts its buffers: the operand count must be the registry's for the function,
  // and the output tile exactly what the function computes from the input tiles (once, a softmax
  // with a smaller output tile wrote past it, and an `add` with one input read past the end).
  absl::Status CheckTileShapes(const ir::DfxOp& op, const ir::Compute& c, const std::vector<Place>& in,
                               const Place& out) {
    const std::string where = absl::StrCat("DFX op ", op.op_id(), ": ", c.function());
    const OpDef* def = OpRegistry::Global().Find(c.function());
    if (def == nullptr) return InvalidProgramError(absl::StrCat(where, " is not a registry op"));
    const int n = static_cast<int>(in.size());
    if (n < def->min_inputs || n > def->max_inputs) {
      return InvalidProgramError(absl::StrCat(where, " takes ", def->min_inputs,
                                              def->min_inputs == def->max_inputs ? "" : absl::StrCat(" to ", def->max_inputs),
                                              " inputs, got ", n));
    }
    if (def->num_outputs == kVariableOutputs) {
      // A split tile writes one output region: its one-way split is a copy of the input tile.
      if (out.extent != in[0].extent) {
        return InvalidProgramError(absl::StrCat(where, " output tile ", FormatShape(out.extent), " differs from the ",
                                                FormatShape(in[0].extent), " it computes from its input tile"));
      }
      return absl::OkStatus();
    }
    // Tiles of one kernel repeat a few shapes: infer each combination once.
    std::string key = absl::StrCat(op.op_id(), ":", FormatShape(out.extent));
    for (const Place& p : in) absl::StrAppend(&key, FormatShape(p.extent));
    if (!checked_.insert(key).second) return absl::OkStatus();
    ir::Node node;
    node.set_name(absl::StrCat("DFX op ", op.op_id()));
    node.set_op_type(c.function());
    *node.mutable_attributes() = c.attributes();
    if (c.type() == ir::Compute::SOFTMAX_TILE) (*node.mutable_attributes())["axis"].set_i(c.axis());
    node.add_outputs("tile");
    std::vector<TensorType> tiles;
    for (int i = 0; i < n; ++i) {
      const ir::TensorRegion& r = c.inputs(i);
      auto t = types_.find(r.tensor());
      const ir::DataType dtype = r.dtype() != ir::DTYPE_UNSPECIFIED ? r.dtype()
                                 : t != types_.end()                ? t->second.dtype
                                                                    : ir::FLOAT32;
      tiles.push_back({dtype, in[i].extent});
    }
    auto inferred = OpRegistry::Global().Infer(node, tiles);
    if (!inferred.ok()) {
      // Accumulator tiles (int32 partial sums of int8 operands) are dtypes the graph-level op
      // does not take; their shapes follow the same rule, so infer those as fp32.
      std::vector<TensorType> as_float = tiles;
      for (TensorType& t : as_float) t.dtype = ir::FLOAT32;
      auto retried = OpRegistry::Global().Infer(node, as_float);
      if (!retried.ok()) return InvalidProgramError(absl::StrCat(where, " tile: ", inferred.status().message()));
      inferred = std::move(retried);
    }
    if (inferred->empty() || (*inferred)[0].shape != out.extent) {
      return InvalidProgramError(absl::StrCat(where, " output tile ", FormatShape(out.extent), " differs from the ",
                                              inferred->empty() ? std::string("nothing") : FormatShape((*inferred)[0].shape),
                                              " it computes from its input tiles"));
    }
    return absl::OkStatus();
  }

  const ir::KPUConfig& config_;
  const std::map<std::string, TensorType>& types_;
  const std::map<std::string, ir::MemoryLevel>& homes_;
  std::set<std::string> checked_;
};

// DFX op ids are what dependencies name: unique within a kernel, and every reference resolves.
absl::Status CheckDfxIds(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops) {
  std::set<uint64_t> ids;
  std::vector<const ir::DfxOp*> all;
  std::vector<const google::protobuf::RepeatedPtrField<ir::DfxOp>*> lists = {&ops};
  // Iterative: nesting depth is checked by the walk, not trusted here.
  while (!lists.empty()) {
    const auto* list = lists.back();
    lists.pop_back();
    for (const ir::DfxOp& op : *list) {
      if (!ids.insert(op.op_id()).second) return InvalidProgramError(absl::StrCat("DFX op id ", op.op_id(), " repeats"));
      all.push_back(&op);
      if (op.has_tile_loop()) lists.push_back(&op.tile_loop().body());
    }
  }
  for (const ir::DfxOp* op : all) {
    for (uint64_t d : op->depends_on()) {
      if (!ids.count(d)) return InvalidProgramError(absl::StrCat("DFX op ", op->op_id(), " depends on op ", d, ", which does not exist"));
    }
    for (const ir::CarriedDependency& c : op->carried()) {
      if (!ids.count(c.op_id())) {
        return InvalidProgramError(absl::StrCat("DFX op ", op->op_id(), " depends on op ", c.op_id(), ", which does not exist"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateProgram(const Program& program) {
  const ir::KPUProgram& p = program.proto;
  if (absl::Status s = ValidateConfig(p.metadata().target_config()); !s.ok()) {
    return InvalidProgramError(absl::StrCat("target config: ", s.message()));
  }
  // The arena the planner laid out: peak DRAM less the weights. It must fit the target's DRAM, and
  // every tensor must lie inside it, so the binder's pointers stay in its buffer.
  const uint64_t peak_dram = p.metadata().peak_dram_bytes();
  if (peak_dram < program.weights.size()) {
    return InvalidProgramError(absl::StrCat("peak DRAM of ", peak_dram, " bytes is less than the ",
                                            program.weights.size(), "-byte weights section"));
  }
  const uint64_t arena_bytes = peak_dram - program.weights.size();
  if (const ir::MemoryLevelConfig* dram = FindLevel(p.metadata().target_config(), ir::EXTERNAL);
      dram == nullptr || peak_dram > LevelCapacity(*dram)) {
    return InvalidProgramError(absl::StrCat("peak DRAM of ", peak_dram, " bytes does not fit the target config's ",
                                            dram == nullptr ? 0 : LevelCapacity(*dram), "-byte DRAM"));
  }
  std::map<std::string, TensorType> types;
  std::map<std::string, ir::TensorDescriptor::Kind> kinds;
  std::map<std::string, ir::MemoryLevel> homes;
  ShapeTable shapes;
  for (const ir::TensorDescriptor& t : p.tensors().tensors()) {
    if (t.name().empty() || types.count(t.name())) {
      return InvalidProgramError(absl::StrCat("tensor name '", t.name(), "' is empty or repeated"));
    }
    auto size = CheckTensorSize(t.name(), t.dtype(), t.shape());
    if (!size.ok()) return InvalidProgramError(std::string(size.status().message()));
    const uint64_t bytes = *size;
    // A tensor homed on chip has no DRAM bytes; ValidateHomes bounds it by its level instead.
    if (t.kind() != ir::TensorDescriptor::WEIGHT && t.home() == ir::EXTERNAL &&
        (t.arena_offset() > arena_bytes || bytes > arena_bytes - t.arena_offset())) {
      return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' (arena offset ", t.arena_offset(), ", ", bytes,
                                              " bytes) lies outside the ", arena_bytes, "-byte DRAM arena the program declares"));
    }
    if (t.kind() == ir::TensorDescriptor::WEIGHT) {
      if (t.weight_size() != bytes || t.weight_offset() > program.weights.size() ||
          t.weight_size() > program.weights.size() - t.weight_offset()) {
        return InvalidProgramError(absl::StrCat("weight '", t.name(), "' (offset ", t.weight_offset(), ", ",
                                                t.weight_size(), " bytes) does not fit its shape or the ",
                                                program.weights.size(), "-byte weights section"));
      }
    }
    types[t.name()] = {t.dtype(), ToShape(t.shape())};
    kinds[t.name()] = t.kind();
    homes[t.name()] = t.home();
    shapes[t.name()] = ToShape(t.shape());
  }
  for (const std::string& id : p.metadata().input_ids()) {
    if (!kinds.count(id) || kinds[id] != ir::TensorDescriptor::INPUT) {
      return InvalidProgramError(absl::StrCat("input '", id, "' is not an INPUT tensor"));
    }
  }
  if (p.metadata().output_ids_size() == 0) return InvalidProgramError("program has no outputs");
  for (const std::string& id : p.metadata().output_ids()) {
    if (!kinds.count(id)) return InvalidProgramError(absl::StrCat("output '", id, "' is not a tensor"));
  }
  std::set<std::string> defined;
  for (const auto& [name, kind] : kinds) {
    if (kind == ir::TensorDescriptor::INPUT || kind == ir::TensorDescriptor::WEIGHT) defined.insert(name);
  }
  std::set<std::string> op_ids;
  uint64_t total_steps = 0;
  for (const ir::KPUOp& op : p.operations().ops()) {
    if (!op_ids.insert(op.id()).second) return InvalidProgramError(absl::StrCat("op id '", op.id(), "' repeats"));
    if (!Kernels().count(op.op_type())) return UnsupportedOpsError({op.op_type()});
    ir::Node node;
    node.set_name(op.id());
    node.set_op_type(op.op_type());
    *node.mutable_attributes() = op.attributes();
    std::vector<TensorType> in_types;
    for (const std::string& in : op.inputs()) {
      if (!defined.count(in)) {
        return InvalidProgramError(absl::StrCat("op '", op.id(), "' reads '", in, "' before anything defines it"));
      }
      in_types.push_back(types[in]);
      node.add_inputs(in);
    }
    node.mutable_outputs()->CopyFrom(op.outputs());
    auto inferred = OpRegistry::Global().Infer(node, in_types);
    if (!inferred.ok()) return InvalidProgramError(std::string(inferred.status().message()));
    for (int o = 0; o < op.outputs_size(); ++o) {
      const std::string& out = op.outputs(o);
      if (!types.count(out) || defined.count(out)) {
        return InvalidProgramError(absl::StrCat("op '", op.id(), "' writes '", out, "', which is undeclared or already defined"));
      }
      if (types[out].shape != (*inferred)[o].shape || types[out].dtype != (*inferred)[o].dtype) {
        return InvalidProgramError(absl::StrCat("op '", op.id(), "' output '", out, "' is declared ",
                                                FormatShape(types[out].shape), " but computes ",
                                                FormatShape((*inferred)[o].shape)));
      }
      defined.insert(out);
    }
    // Kernels are chosen by (op, dtype of the first input): say which pair this runtime lacks.
    if (auto kernel = FindKernel(op.op_type(), types[op.inputs(0)].dtype); !kernel.ok()) {
      return InvalidProgramError(absl::StrCat("op '", op.id(), "': ", kernel.status().message()));
    }
    // The whole program's walk is bounded too, not only each kernel's.
    auto steps = CountDfxSteps(op.dfx());
    if (steps.ok() && (total_steps += std::min(*steps, kMaxDfxSteps)) > kMaxDfxSteps) {
      return InvalidProgramError(absl::StrCat("op '", op.id(), "': the program's DFX kernels take more than the limit of ",
                                              kMaxDfxSteps, " steps together"));
    }
    RegionChecker checker(p.metadata().target_config(), types, homes);
    absl::Status s = WalkDfx(op.dfx(), shapes, checker);
    if (s.ok()) s = CheckDfxIds(op.dfx());
    if (!s.ok()) {
      return InvalidProgramError(absl::StrCat("op '", op.id(), "': ", absl::StripPrefix(s.message(), "Invalid KPU program: ")));
    }
  }
  for (const std::string& id : p.metadata().output_ids()) {
    if (!defined.count(id)) return InvalidProgramError(absl::StrCat("output '", id, "' is never computed"));
  }
  // Edges between ops run forward in schedule order; one that points back closes a cycle.
  std::map<std::string, int> position;
  for (int i = 0; i < p.operations().ops_size(); ++i) position[p.operations().ops(i).id()] = i;
  for (const ir::DependencyEdge& e : p.dependencies().edges()) {
    auto from = position.find(e.from_op()), to = position.find(e.to_op());
    if (from == position.end() || to == position.end()) {
      return InvalidProgramError(absl::StrCat("dependency edge '", e.from_op(), "' -> '", e.to_op(), "' names an unknown op"));
    }
    if (from->second >= to->second) {
      return InvalidProgramError(absl::StrCat("dependency edge '", e.from_op(), "' -> '", e.to_op(),
                                              "' points back in the schedule: the ops form a cycle"));
    }
  }
  return ValidateHomes(p);
}

absl::Status CheckRegisterCapacity(const ir::KPUProgram& program, const ir::KPUConfig& config) {
  ShapeTable shapes;
  for (const ir::TensorDescriptor& t : program.tensors().tensors()) shapes[t.name()] = ToShape(t.shape());
  for (const ir::KPUOp& op : program.operations().ops()) {
    RegisterChecker checker(config);
    if (absl::Status s = WalkDfx(op.dfx(), shapes, checker); !s.ok()) {
      return InvalidProgramError(absl::StrCat("op '", op.id(), "': ", absl::StripPrefix(s.message(), "Invalid KPU program: ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace kpu::runtime
