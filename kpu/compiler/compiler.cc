#include "kpu/compiler/compiler.h"

#include <climits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kpu/compiler/dependencies.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/memory_planner.h"
#include "kpu/compiler/passes.h"
#include "kpu/compiler/tiling.h"
#include "kpu/cost/dataflow.h"
#include "kpu/cost/op_cost.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/limits.h"
#include "kpu/ir/object_format.h"

namespace kpu::compiler {
namespace {

std::string Fnv1aHex(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", h);
}

absl::Status RunPasses(ir::Graph* graph, const CompileOptions& options, std::vector<FusionRecord>* fused) {
  KPU_RETURN_IF_ERROR(CanonicalizeLinear(graph));
  KPU_RETURN_IF_ERROR(PretransposeConstantWeights(graph));
  if (options.enable_fusion) {
    // BN first: it needs the conv's output to itself; the residual before the activation,
    // because the contract applies the activation after the residual add.
    KPU_RETURN_IF_ERROR(FoldBatchNorm(graph, fused));
    KPU_RETURN_IF_ERROR(FuseConvResidual(graph, fused));
    KPU_RETURN_IF_ERROR(FuseConvActivation(graph, fused));
    KPU_RETURN_IF_ERROR(FuseMatmulEpilogues(graph, fused));
  }
  KPU_RETURN_IF_ERROR(EliminateDeadCode(graph));
  return InferGraph(graph);
}

// Every op must reach the hardware through a lowering; report all that cannot, together.
absl::Status CheckLowerable(const ir::Graph& graph) {
  std::vector<std::string> missing;
  std::set<std::string> seen;
  for (const ir::Node& n : graph.nodes()) {
    if (!Lowerings().count(n.op_type()) && seen.insert(n.op_type()).second) missing.push_back(n.op_type());
  }
  return missing.empty() ? absl::OkStatus() : UnsupportedOpsError(missing);
}

absl::Status CheckDram(uint64_t required, const ir::KPUConfig& config);

// Every tensor must be one the runtime accepts, and a graph input's leading (batch) dimension
// must be one the KPU config accepts. Only inputs of rank 3 and more ([N, C, H, W], [N, T, D]) have
// a batch dimension by convention; a rank-2 input may be a GEMM operand whose rows are no batch.
absl::Status CheckSizes(const ir::Graph& graph, const ir::KPUConfig& config) {
  for (const ir::Tensor& t : graph.tensors()) {
    // Before inference, produced tensors may not know their dtype yet; the call after it checks them.
    if (t.dtype() == ir::DTYPE_UNSPECIFIED) continue;
    // The runtime's limit (kpu/ir/limits.h): a program the compiler writes is one a runtime loads.
    auto size = CheckTensorSize(t.name(), t.dtype(), t.shape());
    if (size.ok()) continue;
    // A tensor the device's DRAM cannot hold is reported in the memory words users expect.
    uint64_t bytes = DTypeSize(t.dtype());
    bool wraps = false;
    for (int64_t d : t.shape()) wraps |= d <= 0 || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes);
    if (!wraps) KPU_RETURN_IF_ERROR(CheckDram(bytes, config));
    return size.status();
  }
  const uint64_t max_batch = config.max_batch_size();
  for (const std::string& name : graph.inputs()) {
    for (const ir::Tensor& t : graph.tensors()) {
      if (t.name() != name || t.shape_size() < 3 || max_batch == 0) continue;
      if (static_cast<uint64_t>(t.shape(0)) > max_batch) {
        return InvalidArgumentError(absl::StrCat("Batch size ", t.shape(0), " of input '", name,
                                                 "' exceeds the maximum batch size ", max_batch, " of KPU config '",
                                                 config.name(), "'"));
      }
    }
  }
  return absl::OkStatus();
}

// The op's work as GEMMs on the array (im2col for conv2d), if it runs on the array.
bool ArrayGemm(const ir::KPUOp& op, const std::map<std::string, TensorType>& types, cost::Gemm* gemm, int64_t* batch) {
  if (op.op_type() == "matmul" && op.inputs_size() >= 2) {
    const Shape& a = types.at(op.inputs(0)).shape;
    const Shape& y = types.at(op.outputs(0)).shape;
    *gemm = {a[a.size() - 2], y.back(), a.back()};
    *batch = NumElements(Shape(a.begin(), a.end() - 2));
    return true;
  }
  if (op.op_type() == "conv2d" && op.inputs_size() >= 2) {
    const Shape& w = types.at(op.inputs(1)).shape;
    const Shape& y = types.at(op.outputs(0)).shape;
    const int64_t groups = std::max<int64_t>(1, GetInt(op.attributes(), "groups", 1));
    *gemm = {y[0] * y[2] * y[3], w[0] / groups, w[1] * w[2] * w[3]};
    *batch = groups;
    return true;
  }
  return false;
}

// Records every dataflow the cost model priced for an array op, and why the lowered one runs
// (issue 5: the program says which dataflow and why).
absl::Status RecordDataflowCandidates(ir::KPUOp* op, const std::map<std::string, TensorType>& types,
                                      ir::Dataflow requested, const ir::KPUConfig& config) {
  cost::Gemm gemm;
  int64_t batch = 1;
  if (!ArrayGemm(*op, types, &gemm, &batch)) return absl::OkStatus();
  KPU_ASSIGN_OR_RETURN(std::vector<cost::DataflowCandidate> ranked,
                       cost::RankDataflows(gemm, batch, DTypeSize(types.at(op->inputs(0)).dtype), config));
  const ir::Dataflow lowered = op->tiling().dataflow();
  for (const cost::DataflowCandidate& c : ranked) {
    ir::DataflowCandidate* out = op->add_dataflow_candidates();
    out->set_dataflow(cost::ToIr(c.dataflow));
    out->set_estimated_cycles(c.total_cycles);
    out->set_chosen(cost::ToIr(c.dataflow) == lowered);
    if (out->chosen()) {
      out->set_reason(requested == lowered ? "forced by the compile options"
                      : &c == &ranked.front() ? "cheapest"
                                              : "the only dataflow the compiler lowers yet");
    } else {
      out->set_reason(cost::ToIr(c.dataflow) == ir::OUTPUT_STATIONARY ? "costlier"
                                                                     : "not lowered yet (priced only)");
    }
  }
  return absl::OkStatus();
}

// The program's DRAM image (arena and weights) must fit the config's DRAM.
absl::Status CheckDram(uint64_t required, const ir::KPUConfig& config) {
  const ir::MemoryLevelConfig* dram = FindLevel(config, ir::EXTERNAL);
  const uint64_t available = dram == nullptr ? 0 : LevelCapacity(*dram);
  if (required > available) {
    return MemoryExceededError("DRAM", required, available, absl::StrCat("KPU config '", config.name(), "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Program> Compile(const ir::Graph& input, const ir::KPUConfig& config, const CompileOptions& options) {
  KPU_RETURN_IF_ERROR(ValidateConfig(config));
  if (options.dataflow == ir::WEIGHT_STATIONARY || options.dataflow == ir::INPUT_STATIONARY) {
    return UnimplementedError(absl::StrCat(ir::Dataflow_Name(options.dataflow),
                                           " dataflow is not supported yet; use OUTPUT_STATIONARY"));
  }
  ir::Graph graph = input;
  KPU_RETURN_IF_ERROR(ResolveConstantData(&graph, ""));
  KPU_RETURN_IF_ERROR(CheckSizes(graph, config));
  KPU_RETURN_IF_ERROR(InferGraph(&graph));
  KPU_RETURN_IF_ERROR(CheckSizes(graph, config));
  const std::string source_hash = Fnv1aHex(SerializeDeterministic(graph));
  std::vector<FusionRecord> fused;
  // A reshape of a weight is a weight (the passes see it as one); other reshapes alias their
  // input in the arena below.
  KPU_RETURN_IF_ERROR(FoldConstantReshapes(&graph));
  KPU_RETURN_IF_ERROR(RunPasses(&graph, options, &fused));
  KPU_RETURN_IF_ERROR(CheckLowerable(graph));
  {
    // Before any tiling: the weights plus the largest activation already bound what DRAM must
    // hold, so a model far too big for the device fails here, not after tiling it.
    uint64_t weights = 0, largest = 0;
    for (const ir::Tensor& t : graph.tensors()) {
      const uint64_t bytes = NumElements(ToShape(t.shape())) * DTypeSize(t.dtype());
      if (IsConstant(t)) weights += bytes; else largest = std::max(largest, bytes);
    }
    KPU_RETURN_IF_ERROR(CheckDram(weights + largest, config));
  }

  std::map<std::string, TensorType> types;
  for (const ir::Tensor& t : graph.tensors()) types[t.name()] = {t.dtype(), ToShape(t.shape())};

  Program program;
  ir::KPUProgram& p = program.proto;
  uint64_t next_id = 1;
  DfxBuilder builder(config, &next_id);
  LoweringContext ctx{config, types, builder};
  KPU_ASSIGN_OR_RETURN(std::vector<int> order, TopologicalOrder(graph));

  // The estimates come from kpu/cost, the same call the analytical mode makes (decision 10).
  cost::ProgramTensors cost_tensors;
  for (const ir::Tensor& t : graph.tensors()) {
    cost_tensors.shapes[t.name()] = ToShape(t.shape());
    cost_tensors.dtypes[t.name()] = t.dtype();
  }
  std::map<std::string, int> produced_at, last_read;
  uint64_t peak_sram = 0, est_cycles = 0, est_compute = 0, est_dram = 0, total_macs = 0;
  double est_energy_pj = 0;
  const size_t staging_levels = OnChipLevels(config).size() > 1 ? OnChipLevels(config).size() - 1 : 0;
  for (int step = 0; step < static_cast<int>(order.size()); ++step) {
    const ir::Node& node = graph.nodes(order[step]);
    ir::KPUOp* op = p.mutable_operations()->add_ops();
    op->set_id(absl::StrCat("op", step, "_", node.name().empty() ? node.op_type() : node.name()));
    op->set_op_type(node.op_type());
    op->mutable_inputs()->CopyFrom(node.inputs());
    op->mutable_outputs()->CopyFrom(node.outputs());
    *op->mutable_attributes() = node.attributes();
    op->set_schedule_order(step);
    for (const FusionRecord& f : fused) {
      if (f.into == node.name()) op->add_fused_with(f.fused);
    }
    KPU_RETURN_IF_ERROR(Lowerings().at(node.op_type())(node, ctx, op));
    DeriveDependencies(op->mutable_dfx());
    KPU_RETURN_IF_ERROR(RecordDataflowCandidates(op, types, options.dataflow, config));
    KPU_ASSIGN_OR_RETURN(const cost::OpCost c, cost::EstimateOp(*op, cost_tensors, config));
    op->set_estimated_cycles(c.total_cycles);
    op->set_estimated_energy_pj(c.energy.total_pj());
    peak_sram = std::max(peak_sram, op->l1_bytes() + op->staging_bytes() * staging_levels);
    est_cycles += c.total_cycles;
    est_compute += c.compute_cycles;
    est_dram += c.dram_bytes();
    est_energy_pj += c.energy.total_pj();
    total_macs += c.macs;
    for (const std::string& t : node.outputs()) produced_at[t] = step;
    for (const std::string& t : node.inputs()) last_read[t] = step;
  }

  // Dependencies between ops, through the tensors they pass.
  std::map<std::string, std::string> producer_op;
  for (const ir::KPUOp& op : p.operations().ops()) {
    for (const std::string& in : op.inputs()) {
      auto it = producer_op.find(in);
      if (it == producer_op.end()) continue;
      ir::DependencyEdge* e = p.mutable_dependencies()->add_edges();
      e->set_from_op(it->second);
      e->set_to_op(op.id());
      e->set_tensor(in);
    }
    for (const std::string& out : op.outputs()) producer_op[out] = op.id();
  }

  // Tensors, weights and the DRAM arena.
  std::set<std::string> inputs(graph.inputs().begin(), graph.inputs().end());
  std::set<std::string> outputs(graph.outputs().begin(), graph.outputs().end());
  std::vector<BufferRequest> requests;
  const std::map<std::string, std::string> aliases = ReshapeAliases(graph);
  uint64_t weight_bytes = 0, activation_bytes = 0;
  for (const ir::Tensor& t : graph.tensors()) {
    ir::TensorDescriptor* d = p.mutable_tensors()->add_tensors();
    d->set_name(t.name());
    d->set_dtype(t.dtype());
    d->mutable_shape()->CopyFrom(t.shape());
    if (t.has_quant()) *d->mutable_quant() = t.quant();  // decision 11: quantization travels with the tensor
    d->set_memory_hint(ir::EXTERNAL);
    const uint64_t bytes = NumElements(ToShape(t.shape())) * DTypeSize(t.dtype());
    if (IsConstant(t)) {
      d->set_kind(ir::TensorDescriptor::WEIGHT);
      program.weights.resize((program.weights.size() + kWeightsAlignment - 1) / kWeightsAlignment * kWeightsAlignment, '\0');
      d->set_weight_offset(program.weights.size());
      d->set_weight_size(t.raw_data().size());
      program.weights += t.raw_data();
      weight_bytes += bytes;
      continue;
    }
    d->set_kind(inputs.count(t.name()) ? ir::TensorDescriptor::INPUT
                : outputs.count(t.name()) ? ir::TensorDescriptor::OUTPUT
                                          : ir::TensorDescriptor::ACTIVATION);
    BufferRequest r{t.name(), bytes, inputs.count(t.name()) ? -1 : produced_at[t.name()],
                    outputs.count(t.name()) ? INT_MAX : (last_read.count(t.name()) ? last_read[t.name()] : produced_at[t.name()])};
    requests.push_back(r);
    // An alias shares its root's bytes: no activation memory of its own.
    if (d->kind() == ir::TensorDescriptor::ACTIVATION && !aliases.count(t.name())) activation_bytes += bytes;
  }
  ArenaPlan arena = PlanArena(requests, aliases);
  for (ir::TensorDescriptor& d : *p.mutable_tensors()->mutable_tensors()) {
    if (arena.offsets.count(d.name())) d.set_arena_offset(arena.offsets[d.name()]);
  }

  ir::ProgramMetadata* meta = p.mutable_metadata();
  meta->set_name(graph.name().empty() ? "graph" : graph.name());
  meta->set_version("1.0");
  meta->set_source_model(options.source_model);
  meta->set_source_hash(source_hash);
  *meta->mutable_target_config() = config;
  meta->set_precision("fp32");
  meta->set_compiler_version(kCompilerVersion);
  meta->mutable_input_ids()->CopyFrom(graph.inputs());
  meta->mutable_output_ids()->CopyFrom(graph.outputs());
  meta->set_peak_sram_bytes(peak_sram);
  meta->set_peak_dram_bytes(arena.arena_bytes + program.weights.size());
  KPU_RETURN_IF_ERROR(CheckDram(meta->peak_dram_bytes(), config));
  meta->set_weight_bytes(weight_bytes);
  meta->set_activation_bytes(activation_bytes);
  meta->set_estimated_total_cycles(est_cycles);
  meta->set_estimated_total_energy_uj(est_energy_pj * 1e-6);

  ir::Hints* hints = p.mutable_hints();
  hints->set_estimated_dram_bytes(est_dram);
  hints->set_estimated_compute_cycles(est_compute);
  hints->set_parallelism_degree(config.compute().compute_tiles());
  hints->set_total_macs(total_macs);
  return program;
}

}  // namespace kpu::compiler
