#include "kpu/runtime/executor.h"

#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/residency.h"
#include "kpu/runtime/dfx_interpreter.h"
#include "kpu/runtime/host_memory.h"
#include "kpu/runtime/kernels.h"
#include "kpu/runtime/validator.h"
#include "kpu/sim/analytical_model.h"

namespace kpu::runtime {
namespace {

// Validated programs have sizes that fit; anything else reads as 0 bytes and fails the size checks.
uint64_t TensorBytes(const ir::TensorDescriptor& t) {
  int64_t n = 1;
  for (int64_t d : t.shape()) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return 0;
  }
  auto bytes = BytesFor(t.dtype(), n);
  return bytes.ok() ? *bytes : 0;
}

// Far above any host's memory, so offset + size never wraps; the host-memory limit is the real bound.
constexpr uint64_t kMaxArenaBytes = uint64_t{1} << 62;

}  // namespace

std::string ModeName(Mode mode) {
  switch (mode) {
    case Mode::kFunctional: return "FUNCTIONAL";
    case Mode::kTransactional: return "TRANSACTIONAL";
    case Mode::kCycleAccurate: return "CYCLE_ACCURATE";
    case Mode::kPowerTrace: return "POWER_TRACE";
  }
  return "UNKNOWN";
}

Executor::Executor(Program program, ir::KPUConfig config) : program_(std::move(program)), config_(std::move(config)) {}

absl::StatusOr<std::unique_ptr<Executor>> Executor::Load(const Program& program, const ir::KPUConfig* config) {
  KPU_RETURN_IF_ERROR(ValidateProgram(program));
  ir::KPUConfig cfg = config ? *config : program.proto.metadata().target_config();
  KPU_RETURN_IF_ERROR(ValidateConfig(cfg));
  std::unique_ptr<Executor> e(new Executor(program, std::move(cfg)));
  KPU_RETURN_IF_ERROR(e->Bind());
  return e;
}

absl::Status Executor::Bind() {
  // The program's tiles were sized for its target; the config it runs on must hold them.
  const ir::MemoryLevelConfig* l1 = nullptr;
  for (ir::MemoryLevel l : {ir::L1, ir::L2, ir::L3}) {
    if ((l1 = FindLevel(config_, l)) != nullptr) break;
  }
  if (l1 == nullptr) return InvalidArgumentError(absl::StrCat("KPU config '", config_.name(), "' has no on-chip memory"));
  for (const ir::KPUOp& op : program_.proto.operations().ops()) {
    if (op.l1_bytes() > LevelCapacity(*l1)) {
      return MemoryExceededError("SRAM", op.l1_bytes(), LevelCapacity(*l1),
                                 absl::StrCat(LevelName(l1->level()), " of '", config_.name(), "', op '", op.id(), "'"));
    }
  }
  // The validator held the REGISTER tiles against the target's array; a smaller one must hold them too.
  const ir::ComputeConfig& target = program_.proto.metadata().target_config().compute();
  if (static_cast<uint64_t>(config_.compute().array_rows()) * config_.compute().array_cols() <
      static_cast<uint64_t>(target.array_rows()) * target.array_cols()) {
    if (absl::Status s = CheckRegisterCapacity(program_.proto, config_); !s.ok()) {
      return MakeError(ErrorKind::kMemoryExceeded,
                       absl::StrCat("REGISTER memory exceeded: ", absl::StripPrefix(s.message(), "Invalid KPU program: ")));
    }
  }
  // The validator put every tensor inside the declared arena (so these sums cannot wrap); the
  // host-memory limit decides whether that much may be allocated at all, before anything is.
  uint64_t arena_bytes = 0;
  for (const ir::TensorDescriptor& t : program_.proto.tensors().tensors()) {
    KPU_ASSIGN_OR_RETURN(uint64_t bytes, CheckTensorSize(t.name(), t.dtype(), t.shape()));
    const size_t align = std::max<size_t>(DTypeSize(t.dtype()), 1);
    if (t.kind() == ir::TensorDescriptor::WEIGHT) {
      if (t.weight_offset() > program_.weights.size() || bytes > program_.weights.size() - t.weight_offset()) {
        return InvalidProgramError(absl::StrCat("weight '", t.name(), "' lies outside the weights section"));
      }
      if (t.weight_offset() % align != 0) return InvalidProgramError(absl::StrCat("weight '", t.name(), "' is misaligned"));
      continue;
    }
    if (t.home() != ir::EXTERNAL) {
      // The validator bounds a home by its level's capacity in the target config; the config this
      // runtime runs on must hold it too.
      const ir::MemoryLevelConfig* level = FindLevel(config_, t.home());
      if (level == nullptr || t.home_offset() > LevelCapacity(*level) ||
          bytes > LevelCapacity(*level) - t.home_offset()) {
        return MemoryExceededError("SRAM", t.home_offset() + bytes, level == nullptr ? 0 : LevelCapacity(*level),
                                   absl::StrCat(LevelName(t.home()), " of '", config_.name(), "', home of tensor '",
                                                t.name(), "'"));
      }
      if (t.home_offset() % align != 0) return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' is misaligned"));
      continue;
    }
    if (t.arena_offset() > kMaxArenaBytes || bytes > kMaxArenaBytes - t.arena_offset()) {
      return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' lies outside the DRAM arena"));
    }
    arena_bytes = std::max(arena_bytes, t.arena_offset() + bytes);
    if (t.arena_offset() % align != 0) return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' is misaligned"));
  }
  // On-chip homes are host memory too; the validator bounded each level's arena by its capacity.
  const LevelBytes home_arena = HomeArenaBytes(program_.proto);
  const uint64_t home_total = home_arena[ir::L3] + home_arena[ir::L2] + home_arena[ir::L1];
  KPU_RETURN_IF_ERROR(CheckHostMemory(arena_bytes + program_.weights.size() + home_total + 2,
                                      absl::StrCat("loading '", program_.proto.metadata().name(), "' (a ", arena_bytes,
                                                   "-byte DRAM arena, ", home_total, " bytes of on-chip homes and ",
                                                   program_.weights.size(), " bytes of weights)")));
  arena_.assign(arena_bytes + 1, std::byte{0});
  weights_.assign(program_.weights.size() + 1, std::byte{0});
  std::memcpy(weights_.data(), program_.weights.data(), program_.weights.size());
  for (ir::MemoryLevel l : {ir::L3, ir::L2, ir::L1}) {
    if (home_arena[l] != 0) homes_[l].assign(home_arena[l] + 1, std::byte{0});
  }
  home_bytes_ = HomeBytesPerOp(program_.proto);
  // Every tensor's place, fixed for the runtime's life: the arenas and weights never move.
  for (const ir::TensorDescriptor& t : program_.proto.tensors().tensors()) {
    std::byte* data = t.kind() == ir::TensorDescriptor::WEIGHT ? weights_.data() + t.weight_offset()
                      : t.home() != ir::EXTERNAL            ? homes_[t.home()].data() + t.home_offset()
                                                            : arena_.data() + t.arena_offset();
    tensors_[t.name()] = {t.dtype(), ToShape(t.shape()), data, t.has_quant() ? &t.quant() : nullptr,
                          t.kind() == ir::TensorDescriptor::WEIGHT};
    dram_[t.name()] = {ToShape(t.shape()), t.dtype(), data,
                       t.kind() == ir::TensorDescriptor::WEIGHT ? ir::EXTERNAL : t.home()};
  }
  // Kernels are chosen once, by (op type, dtype of the first input), so a program whose dtypes
  // this runtime cannot run fails at load, naming the op and the dtype.
  for (const ir::KPUOp& op : program_.proto.operations().ops()) {
    BoundOp bound;
    for (const std::string& in : op.inputs()) {
      auto it = tensors_.find(in);
      if (it == tensors_.end()) return InvalidProgramError(absl::StrCat("op '", op.id(), "' reads unknown tensor '", in, "'"));
      const BoundTensor& t = it->second;
      bound.inputs.push_back({t.dtype, t.shape, t.data, t.quant, t.constant});
    }
    for (const std::string& out : op.outputs()) {
      auto it = tensors_.find(out);
      if (it == tensors_.end()) return InvalidProgramError(absl::StrCat("op '", op.id(), "' writes unknown tensor '", out, "'"));
      bound.outputs.push_back({it->second.dtype, it->second.shape, it->second.data, it->second.quant});
    }
    if (bound.inputs.empty() || bound.outputs.empty()) {
      return InvalidProgramError(absl::StrCat("op '", op.id(), "' has no inputs or no outputs"));
    }
    auto kernel = FindKernel(op.op_type(), bound.inputs[0].dtype);
    if (!kernel.ok()) return MakeError(KindOf(kernel.status()), absl::StrCat("op '", op.id(), "': ", kernel.status().message()));
    bound.kernel = *kernel;
    ops_.push_back(std::move(bound));
  }
  return absl::OkStatus();
}

std::byte* Executor::TensorData(const std::string& name) { return tensors_.at(name).data; }

absl::Status Executor::RunFast() {
  const auto& ops = program_.proto.operations().ops();
  for (int i = 0; i < ops.size(); ++i) {
    // Outputs may share arena space with inputs whose lifetime ended; kernels write after reading
    // only when the planner keeps them apart, which it does for an op's own inputs.
    BoundOp& b = ops_[i];
    // A reshape the planner aliased to its input has nothing to do.
    if (ops[i].op_type() == "reshape" && b.inputs[0].data == b.outputs[0].data) continue;
    KernelArgs args{ops[i].attributes(), b.inputs, b.outputs, false, &b.state};
    absl::Status s = b.kernel(args);
    if (!s.ok()) return MakeError(KindOf(s), absl::StrCat("op '", ops[i].id(), "' (", ops[i].op_type(), "): ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status Executor::RunInterpreter(InterpreterOrder order) {
  const auto& ops = program_.proto.operations().ops();
  for (int i = 0; i < ops.size(); ++i) {
    KPU_RETURN_IF_ERROR(InterpretKernel(ops[i], config_, dram_, order, home_bytes_[i]));
  }
  return absl::OkStatus();
}

absl::Status Executor::Execute(const std::vector<HostTensor>& inputs, const std::vector<HostTensor>& outputs,
                               const ExecuteOptions& options) {
  if (options.mode != Mode::kFunctional) {
    return UnimplementedError(absl::StrCat(ModeName(options.mode),
                                           " mode is not implemented yet; only FUNCTIONAL (BEHAVIORAL) timing is available"));
  }
  const ir::KPUProgram& p = program_.proto;
  std::map<std::string, const ir::TensorDescriptor*> by_name;
  for (const auto& t : p.tensors().tensors()) by_name[t.name()] = &t;
  std::map<std::string, const HostTensor*> given;
  for (const HostTensor& in : inputs) {
    auto it = by_name.find(in.name);
    if (it == by_name.end() || it->second->kind() != ir::TensorDescriptor::INPUT) {
      return InvalidArgumentError(absl::StrCat("unknown input '", in.name, "'; the program's inputs are: ",
                                               absl::StrJoin(p.metadata().input_ids(), ", ")));
    }
    const ir::TensorDescriptor& t = *it->second;
    if (in.shape != ToShape(t.shape())) return ShapeMismatchError("Input", ToShape(t.shape()), in.shape);
    if (in.dtype != t.dtype()) {
      return InvalidArgumentError(absl::StrCat("Input dtype mismatch for '", in.name, "': expected ",
                                               DTypeName(t.dtype()), ", got ", DTypeName(in.dtype)));
    }
    if (in.size_bytes != TensorBytes(t) || in.data == nullptr) {
      return InvalidArgumentError(absl::StrCat("input '", in.name, "' has ", in.size_bytes, " bytes of data, needs ", TensorBytes(t)));
    }
    given[in.name] = &in;
  }
  for (const std::string& id : p.metadata().input_ids()) {
    if (!given.count(id)) return InvalidArgumentError(absl::StrCat("missing input '", id, "'"));
  }
  for (const HostTensor& out : outputs) {
    auto it = by_name.find(out.name);
    const bool is_output = it != by_name.end() &&
                           std::find(p.metadata().output_ids().begin(), p.metadata().output_ids().end(), out.name) !=
                               p.metadata().output_ids().end();
    if (!is_output) {
      return InvalidArgumentError(absl::StrCat("unknown output '", out.name, "'; the program's outputs are: ",
                                               absl::StrJoin(p.metadata().output_ids(), ", ")));
    }
    if (out.size_bytes != TensorBytes(*it->second) || out.data == nullptr || out.dtype != it->second->dtype()) {
      return InvalidArgumentError(absl::StrCat("output buffer '", out.name, "' must be ", DTypeName(it->second->dtype()),
                                               " with ", TensorBytes(*it->second), " bytes"));
    }
  }
  for (const auto& [name, in] : given) std::memcpy(TensorData(name), in->data, in->size_bytes);
  KPU_RETURN_IF_ERROR(options.engine == Engine::kFast ? RunFast()
                      : RunInterpreter(options.engine == Engine::kDfxInterpreter ? InterpreterOrder::kProgram
                                                                                 : InterpreterOrder::kLatestReadyFirst));
  for (const HostTensor& out : outputs) std::memcpy(out.data, TensorData(out.name), out.size_bytes);
  if (!timing_) {
    KPU_ASSIGN_OR_RETURN(ir::KPUPerformanceMetrics m, sim::EstimateProgram(p, config_));
    timing_ = std::move(m);
  }
  last_metrics_ = timing_;
  last_metrics_->set_mode(ModeName(options.mode));
  return absl::OkStatus();
}

}  // namespace kpu::runtime
