#include "kpu/runtime/validator.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/op_registry.h"
#include "kpu/runtime/kernels.h"
#include "kpu/runtime/validate_homes.h"

namespace kpu::runtime {
namespace {

// Visits every region so an out-of-range tile, an unknown tensor, a move that changes which
// elements it carries, or an array holding more than R x C accumulators is found at load time.
class RegionChecker : public DfxVisitor {
 public:
  explicit RegionChecker(const ir::KPUConfig& config)
      : register_capacity_(static_cast<int64_t>(config.compute().array_rows()) * config.compute().array_cols()) {}

  absl::Status OnDataMove(const ir::DfxOp& op, const ir::DataMove& move, const Place& src, const Place& dst) override {
    if (src.origin != dst.origin || src.extent != dst.extent || src.stride != dst.stride) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " moves ", FormatPlace(src), " of '",
                                              move.source().tensor(), "' into ", FormatPlace(dst)));
    }
    if (move.source().tensor() != move.destination().tensor()) {
      return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " moves between different tensors"));
    }
    for (const ir::TensorRegion* r : {&move.source(), &move.destination()}) {
      KPU_RETURN_IF_ERROR(CheckRegister(op, *r, r == &move.source() ? src : dst));
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
    for (int i = 0; i < c.inputs_size(); ++i) KPU_RETURN_IF_ERROR(CheckRegister(op, c.inputs(i), in[i]));
    return CheckRegister(op, c.output(), out);
  }

 private:
  absl::Status CheckRegister(const ir::DfxOp& op, const ir::TensorRegion& r, const Place& p) const {
    if (r.level() != ir::REGISTER || p.NumElements() <= register_capacity_) return absl::OkStatus();
    return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " holds ", FormatPlace(p), " of '", r.tensor(),
                                            "' in REGISTER: ", p.NumElements(), " elements, the array holds ",
                                            register_capacity_));
  }

  int64_t register_capacity_;
};

}  // namespace

absl::Status ValidateProgram(const Program& program) {
  const ir::KPUProgram& p = program.proto;
  if (absl::Status s = ValidateConfig(p.metadata().target_config()); !s.ok()) {
    return InvalidProgramError(absl::StrCat("target config: ", s.message()));
  }
  std::map<std::string, TensorType> types;
  std::map<std::string, ir::TensorDescriptor::Kind> kinds;
  ShapeTable shapes;
  for (const ir::TensorDescriptor& t : p.tensors().tensors()) {
    if (t.name().empty() || types.count(t.name())) {
      return InvalidProgramError(absl::StrCat("tensor name '", t.name(), "' is empty or repeated"));
    }
    if (DTypeSize(t.dtype()) == 0) return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' has no dtype"));
    if (t.shape_size() > 8) return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' has rank ", t.shape_size()));
    uint64_t bytes = DTypeSize(t.dtype());
    for (int64_t d : t.shape()) {
      if (d <= 0 || static_cast<uint64_t>(d) > kMaxTensorBytes / bytes) {
        return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' has an invalid or too large shape"));
      }
      bytes *= d;
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
    RegionChecker checker(p.metadata().target_config());
    if (absl::Status s = WalkDfx(op.dfx(), shapes, checker); !s.ok()) {
      return InvalidProgramError(absl::StrCat("op '", op.id(), "': ", absl::StripPrefix(s.message(), "Invalid KPU program: ")));
    }
  }
  for (const std::string& id : p.metadata().output_ids()) {
    if (!defined.count(id)) return InvalidProgramError(absl::StrCat("output '", id, "' is never computed"));
  }
  return ValidateHomes(p);
}

}  // namespace kpu::runtime
