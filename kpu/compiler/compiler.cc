#include "kpu/compiler/compiler.h"

#include <climits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kpu/compiler/dependencies.h"
#include "kpu/compiler/emitted_dtypes.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/memory_planner.h"
#include "kpu/compiler/passes.h"
#include "kpu/compiler/residency_planner.h"
#include "kpu/compiler/tiling.h"
#include "kpu/cost/op_cost.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/limits.h"
#include "kpu/ir/object_format.h"
#include "kpu/ir/residency.h"

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

// `detail` says what takes the room ("tensor 'x' takes 4096MB"), when one thing does.
absl::Status CheckDram(uint64_t required, const ir::KPUConfig& config, const std::string& detail = "");

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
    if (!wraps) KPU_RETURN_IF_ERROR(CheckDram(bytes, config, absl::StrCat("tensor '", t.name(), "'")));
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

// The dataflows an op is lowered in: matmul and conv2d run on the array in any of the three (the
// forced one, or all three under AUTO to pick from); every other op has none.
std::vector<ir::Dataflow> DataflowCandidates(const std::string& op_type, ir::Dataflow requested) {
  if (op_type != "matmul" && op_type != "conv2d") return {ir::DATAFLOW_UNSPECIFIED};
  if (requested != ir::DATAFLOW_UNSPECIFIED) return {requested};
  return {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY};
}

// One lowering of an op, with its estimate by kpu/cost and the op ids it took.
struct Lowered {
  ir::KPUOp op;
  cost::OpCost cost;
  uint64_t next_id = 0;
};

// Lowers `node` in every candidate dataflow and keeps the cheapest by the cost model's estimate of
// the lowered kernel (cycles, then energy; ties keep the order OS, WS, IS). The op records every
// candidate, its cost and why it runs or does not (issue 5: the program says which and why).
//
// `keep` (when not DATAFLOW_UNSPECIFIED) is the dataflow an earlier lowering chose: the second
// lowering, with activations homed on chip, keeps it, because the homes were planned around that
// dataflow's tiles in SRAM; every candidate is still priced and recorded as it now costs.
absl::StatusOr<Lowered> LowerInBestDataflow(const ir::Node& node, const ir::KPUOp& skeleton, LoweringContext& ctx,
                                            uint64_t* next_id, ir::Dataflow requested,
                                            const cost::ProgramTensors& tensors,
                                            ir::Dataflow keep = ir::DATAFLOW_UNSPECIFIED) {
  const std::vector<ir::Dataflow> candidates = DataflowCandidates(node.op_type(), requested);
  const uint64_t first_id = *next_id;
  std::vector<absl::StatusOr<Lowered>> results;
  int best = -1;
  for (ir::Dataflow d : candidates) {
    *next_id = first_id;  // every candidate numbers its DFX ops alike; only one is kept
    ctx.dataflow = d == ir::DATAFLOW_UNSPECIFIED ? ir::OUTPUT_STATIONARY : d;
    Lowered l;
    l.op = skeleton;
    absl::Status s = Lowerings().at(node.op_type())(node, ctx, &l.op);
    if (s.ok()) {
      // What the staging levels really hold: the tiling's panels and every tile passing through
      // on its way between DRAM (or a home) and L1.
      l.op.set_staging_bytes(std::max(l.op.staging_bytes(), StagedTileBytes(l.op, ctx.types, ctx.builder.L1())));
      DeriveDependencies(l.op.mutable_dfx());
      absl::StatusOr<cost::OpCost> c = cost::EstimateOp(l.op, tensors, ctx.config);
      if (c.ok()) l.cost = *c; else s = c.status();
    }
    l.next_id = *next_id;
    if (!s.ok()) {
      results.push_back(s);
      continue;
    }
    results.push_back(std::move(l));
    const Lowered& mine = *results.back();
    if (best < 0) {
      best = static_cast<int>(results.size()) - 1;
    } else {
      const Lowered& b = *results[best];
      if (mine.cost.total_cycles < b.cost.total_cycles ||
          (mine.cost.total_cycles == b.cost.total_cycles && mine.cost.energy.total_pj() < b.cost.energy.total_pj())) {
        best = static_cast<int>(results.size()) - 1;
      }
    }
  }
  // Forced, or every candidate failed: the (first) error is the op's.
  if (best < 0) return results.front().status();
  const int cheapest = best;
  if (keep != ir::DATAFLOW_UNSPECIFIED) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i] == keep && results[i].ok()) best = static_cast<int>(i);
    }
  }
  Lowered chosen = std::move(*results[best]);
  *next_id = chosen.next_id;
  if (candidates.size() == 1 && candidates[0] == ir::DATAFLOW_UNSPECIFIED) return chosen;
  for (size_t i = 0; i < results.size(); ++i) {
    ir::DataflowCandidate* out = chosen.op.add_dataflow_candidates();
    out->set_dataflow(candidates[i]);
    out->set_chosen(static_cast<int>(i) == best);
    if (!results[i].ok()) {
      out->set_reason(absl::StrCat("cannot be lowered: ", results[i].status().message()));
      continue;
    }
    out->set_estimated_cycles(results[i]->cost.total_cycles);
    out->set_estimated_energy_pj(results[i]->cost.energy.total_pj());
    if (out->chosen()) {
      out->set_reason(requested != ir::DATAFLOW_UNSPECIFIED ? "forced by the compile options"
                      : best == cheapest                   ? "cheapest"
                                                           : "cheapest before activations were homed on chip; "
                                                             "their homes leave room for its tiles");
    } else {
      out->set_reason(static_cast<int>(i) == cheapest ? "cheaper with activations on chip, but their homes were "
                                                        "planned around the chosen dataflow's tiles"
                                                      : "costlier");
    }
  }
  return chosen;
}

// The program's DRAM image (arena and weights) must fit the config's DRAM.
absl::Status CheckDram(uint64_t required, const ir::KPUConfig& config, const std::string& detail) {
  const ir::MemoryLevelConfig* dram = FindLevel(config, ir::EXTERNAL);
  const uint64_t available = dram == nullptr ? 0 : LevelCapacity(*dram);
  if (required > available) {
    return MemoryExceededError("DRAM", required, available,
                               absl::StrCat("KPU config '", config.name(), "'", detail.empty() ? "" : "; ", detail));
  }
  return absl::OkStatus();
}

// The residency decision's inputs: every activation passed between ops (never a graph input or
// output, which live in the caller's DRAM buffers; a reshape alias goes with its root), and what
// each op stages in every on-chip level below L1.
absl::StatusOr<std::map<std::string, Home>> PlanHomes(const ir::Graph& graph, const ir::KPUProgram& p,
                                                      const std::set<std::string>& inputs,
                                                      const std::set<std::string>& outputs,
                                                      const std::map<std::string, std::string>& aliases,
                                                      const std::map<std::string, int>& produced_at,
                                                      const std::map<std::string, int>& last_read,
                                                      const ir::KPUConfig& config) {
  std::map<std::string, ResidencyCandidate> roots;
  std::set<std::string> pinned;  // roots an input or output shares bytes with
  for (const ir::Tensor& t : graph.tensors()) {
    if (IsConstant(t)) continue;
    const std::string root = AliasRoot(aliases, t.name());
    if (inputs.count(t.name()) || outputs.count(t.name()) || !produced_at.count(t.name())) {
      pinned.insert(root);
      continue;
    }
    const int first = produced_at.at(t.name());
    const int last = last_read.count(t.name()) ? last_read.at(t.name()) : first;
    auto [it, fresh] = roots.try_emplace(root, ResidencyCandidate{root, 0, first, last});
    if (!fresh) {
      it->second.first_use = std::min(it->second.first_use, first);
      it->second.last_use = std::max(it->second.last_use, last);
    }
    if (t.name() == root) it->second.bytes = NumElements(ToShape(t.shape())) * DTypeSize(t.dtype());
  }
  std::vector<ResidencyCandidate> candidates;
  for (const auto& [name, c] : roots) {
    if (!pinned.count(name) && c.bytes > 0) candidates.push_back(c);
  }
  // Levels below L1, nearest the array first: a home there saves the most hops.
  const std::vector<ir::MemoryLevel> on_chip = OnChipLevels(config);
  std::vector<HomeLevel> levels;
  for (size_t i = on_chip.size() > 1 ? on_chip.size() - 1 : 0; i-- > 0;) {
    HomeLevel l{on_chip[i], LevelCapacity(*FindLevel(config, on_chip[i])), {}};
    for (const ir::KPUOp& op : p.operations().ops()) l.reserved.push_back(op.staging_bytes());
    levels.push_back(std::move(l));
  }
  std::map<std::string, Home> homes = PlanResidency(candidates, levels);
  for (const auto& [alias, root] : aliases) {
    auto it = homes.find(AliasRoot(aliases, alias));
    if (it != homes.end()) homes[alias] = it->second;
  }
  return homes;
}

}  // namespace

absl::StatusOr<Program> Compile(const ir::Graph& input, const ir::KPUConfig& config, const CompileOptions& options) {
  KPU_RETURN_IF_ERROR(ValidateConfig(config));
  if (!ir::Dataflow_IsValid(options.dataflow)) {
    return InvalidArgumentError(absl::StrCat("unknown dataflow ", static_cast<int>(options.dataflow),
                                             " in the compile options (expected AUTO, OS, WS or IS)"));
  }
  ir::Graph graph = input;
  KPU_RETURN_IF_ERROR(ResolveConstantData(&graph, ""));
  KPU_RETURN_IF_ERROR(CheckSizes(graph, config));
  KPU_RETURN_IF_ERROR(InferGraph(&graph));
  KPU_RETURN_IF_ERROR(CheckSizes(graph, config));
  // The registry has judged the dtypes each op accepts; the compiler emits a subset of them.
  KPU_RETURN_IF_ERROR(CheckEmittedDtypes(graph));
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
    const ir::Tensor* largest_tensor = nullptr;
    for (const ir::Tensor& t : graph.tensors()) {
      const uint64_t bytes = NumElements(ToShape(t.shape())) * DTypeSize(t.dtype());
      if (IsConstant(t)) {
        weights += bytes;
      } else if (bytes > largest || largest_tensor == nullptr) {
        largest = bytes;
        largest_tensor = &t;
      }
    }
    std::string what;  // names the tensor, so a too-large layer of an imported model is found
    if (largest_tensor != nullptr) {
      const std::vector<int64_t> shape(largest_tensor->shape().begin(), largest_tensor->shape().end());
      what = absl::StrCat("weights ", FormatBytes(weights), ", the largest activation '", largest_tensor->name(), "' ",
                          FormatShape(shape), " ", FormatBytes(largest));
    }
    KPU_RETURN_IF_ERROR(CheckDram(weights + largest, config, what));
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
  uint64_t est_cycles = 0, est_compute = 0, est_dram = 0, total_macs = 0;
  double est_energy_pj = 0;
  // Lowers every op with the builder's current homes; run again once the residency pass has
  // chosen them (the tiling, and so each op's SRAM footprint, does not depend on the homes).
  std::map<int, ir::Dataflow> chosen_dataflow;  // per schedule step, from the first lowering
  auto lower_all = [&]() -> absl::Status {
    p.mutable_operations()->clear_ops();
    next_id = 1;
    est_cycles = est_compute = est_dram = total_macs = 0;
    est_energy_pj = 0;
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
      const ir::Dataflow keep = chosen_dataflow.count(step) ? chosen_dataflow.at(step) : ir::DATAFLOW_UNSPECIFIED;
      KPU_ASSIGN_OR_RETURN(Lowered lowered,
                           LowerInBestDataflow(node, *op, ctx, &next_id, options.dataflow, cost_tensors, keep));
      *op = std::move(lowered.op);
      chosen_dataflow[step] = op->tiling().dataflow();
      const cost::OpCost& c = lowered.cost;
      op->set_estimated_cycles(c.total_cycles);
      op->set_estimated_energy_pj(c.energy.total_pj());
      // The MACs its tiles execute, as kpu/cost counts them from the DFX: a banded
      // conv_transpose2d computes some products twice, so this can exceed the layer's own count.
      op->set_macs(c.macs);
      est_cycles += c.total_cycles;
      est_compute += c.compute_cycles;
      est_dram += c.dram_bytes();
      est_energy_pj += c.energy.total_pj();
      total_macs += c.macs;
      for (const std::string& t : node.outputs()) produced_at[t] = step;
      for (const std::string& t : node.inputs()) last_read[t] = step;
    }
    return absl::OkStatus();
  };
  KPU_RETURN_IF_ERROR(lower_all());

  std::set<std::string> inputs(graph.inputs().begin(), graph.inputs().end());
  std::set<std::string> outputs(graph.outputs().begin(), graph.outputs().end());
  const std::map<std::string, std::string> aliases = ReshapeAliases(graph);
  std::map<std::string, Home> homes;
  if (options.enable_residency) {
    KPU_ASSIGN_OR_RETURN(homes, PlanHomes(graph, p, inputs, outputs, aliases, produced_at, last_read, config));
  }
  if (!homes.empty()) {
    std::map<std::string, ir::MemoryLevel> levels;
    for (const auto& [name, h] : homes) levels[name] = h.level;
    builder.SetHomes(std::move(levels));
    KPU_RETURN_IF_ERROR(lower_all());
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

  // Tensors, weights and the DRAM arena (homed tensors are not in DRAM).
  std::vector<BufferRequest> requests;
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
    // An alias shares its root's bytes: no activation memory of its own.
    if (d->kind() == ir::TensorDescriptor::ACTIVATION && !aliases.count(t.name())) activation_bytes += bytes;
    if (auto h = homes.find(t.name()); h != homes.end()) {
      d->set_memory_hint(h->second.level);
      d->set_home(h->second.level);
      d->set_home_offset(h->second.offset);
      continue;
    }
    BufferRequest r{t.name(), bytes, inputs.count(t.name()) ? -1 : produced_at[t.name()],
                    outputs.count(t.name()) ? INT_MAX : (last_read.count(t.name()) ? last_read[t.name()] : produced_at[t.name()])};
    requests.push_back(r);
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
  {
    const LevelBytes peak = PeakSramBytes(p, config);
    const LevelBytes arena_on_chip = HomeArenaBytes(p);
    uint64_t total = 0;
    for (ir::MemoryLevel l : OnChipLevels(config)) {
      ir::LevelSram* s = meta->add_sram_levels();
      s->set_level(l);
      s->set_home_arena_bytes(arena_on_chip[l]);
      s->set_peak_bytes(peak[l]);
      total += peak[l];
    }
    meta->set_peak_sram_bytes(total);
  }
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
