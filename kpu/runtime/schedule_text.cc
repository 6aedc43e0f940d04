// The loader's dry run: what the runtime will do, bound to concrete resources, without running.
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/runtime/executor.h"

namespace kpu::runtime {
namespace {

std::string Affine(const ir::AffineExpr& e) {
  std::vector<std::string> parts;
  for (const ir::AffineTerm& t : e.terms()) {
    parts.push_back(t.coeff() == 1 ? t.var() : absl::StrCat(t.coeff(), "*", t.var()));
  }
  if (e.constant() != 0 || parts.empty()) parts.push_back(absl::StrCat(e.constant()));
  return absl::StrJoin(parts, "+");
}

std::string Region(const ir::TensorRegion& r) {
  std::vector<std::string> dims;
  for (const ir::RegionDim& d : r.dims()) {
    std::string dim = absl::StrCat(Affine(d.origin()), ":+", d.extent());
    if (d.stride() > 1) absl::StrAppend(&dim, ":", d.stride());
    if (d.halo_lo() || d.halo_hi()) absl::StrAppend(&dim, " halo ", d.halo_lo(), "/", d.halo_hi());
    dims.push_back(dim);
  }
  std::string slot = r.slot_var().empty() ? absl::StrCat(r.slot())
                                           : absl::StrCat(r.slot(), "+", r.slot_var(), "%", r.slot_count());
  std::string extra;
  if (r.padding() != ir::TensorRegion::PAD_ZERO) absl::StrAppend(&extra, " pad ", ir::TensorRegion::Padding_Name(r.padding()));
  if (r.layout() != ir::LAYOUT_ROW_MAJOR) absl::StrAppend(&extra, " ", ir::Layout_Name(r.layout()));
  if (r.dtype() != ir::DTYPE_UNSPECIFIED) absl::StrAppend(&extra, " ", DTypeName(r.dtype()));
  return absl::StrCat(r.tensor(), "@", LevelName(r.level()), "[", absl::StrJoin(dims, ", "), "] slot ", slot, extra);
}

// Binds each DataMove to one engine of its class, round robin: the loader's choice of which DMA
// engine, BlockMover or Streamer carries it.
class Binder {
 public:
  explicit Binder(const ir::KPUConfig& c)
      : counts_{{"DMA", c.dma_engines()}, {"BLOCK_MOVER", c.block_movers()}, {"STREAMER", c.streamers()}} {}
  std::string Bind(const std::string& engine_class) {
    uint32_t n = counts_.count(engine_class) ? counts_[engine_class] : 0;
    if (n == 0) n = 1;
    return absl::StrCat(engine_class, "[", next_[engine_class]++ % n, "]");
  }

 private:
  std::map<std::string, uint32_t> counts_;
  std::map<std::string, uint32_t> next_;
};

void Print(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, int depth, Binder& binder, std::ostream& out) {
  const std::string pad(2 * depth + 4, ' ');
  for (const ir::DfxOp& op : ops) {
    std::string deps = op.depends_on().empty() ? "" : absl::StrCat("  after ", absl::StrJoin(op.depends_on(), ","));
    switch (op.kind_case()) {
      case ir::DfxOp::kTileLoop: {
        const auto& l = op.tile_loop();
        out << pad << "#" << op.op_id() << " for " << l.induction_var() << " in [" << l.start() << ", " << l.end()
            << ") step " << l.step() << ":\n";
        Print(l.body(), depth + 1, binder, out);
        break;
      }
      case ir::DfxOp::kDataMove: {
        const auto& m = op.data_move();
        // A move between two layouts is a conversion the mover performs: say so.
        const std::string converts = m.destination().layout() == m.source().layout()
                                         ? ""
                                         : absl::StrCat(" as ", ir::Layout_Name(m.destination().layout()));
        out << pad << "#" << op.op_id() << " " << ir::DataMove::Type_Name(m.type()) << " " << Region(m.source())
            << " -> " << LevelName(m.destination().level()) << converts << " via " << binder.Bind(m.engine()) << deps
            << "\n";
        break;
      }
      case ir::DfxOp::kCompute: {
        const auto& c = op.compute();
        std::vector<std::string> ins;
        for (const auto& i : c.inputs()) ins.push_back(Region(i));
        out << pad << "#" << op.op_id() << " " << ir::Compute::Type_Name(c.type()) << "(" << c.function() << ") "
            << absl::StrJoin(ins, ", ") << " -> " << Region(c.output()) << (c.accumulate() ? " (accumulate)" : "")
            << deps << "\n";
        break;
      }
      case ir::DfxOp::kBarrier:
        out << pad << "#" << op.op_id() << " BARRIER " << op.barrier().label() << "\n";
        break;
      default:
        break;
    }
  }
}

}  // namespace

std::string Executor::ScheduleText() const {
  std::ostringstream out;
  const ir::KPUProgram& p = program_.proto;
  out << "program " << p.metadata().name() << " on " << config_.name() << " (" << config_.compute().array_rows() << "x"
      << config_.compute().array_cols() << " array, " << config_.compute().clock_ghz() << " GHz)\n";
  out << "Tensors (DRAM arena, or an on-chip home):\n";
  for (const auto& t : p.tensors().tensors()) {
    out << "  " << ir::TensorDescriptor::Kind_Name(t.kind()) << " " << t.name() << " " << DTypeName(t.dtype()) << "("
        << absl::StrJoin(t.shape(), ",") << ") at "
        << (t.kind() == ir::TensorDescriptor::WEIGHT ? absl::StrCat("weights+", t.weight_offset())
            : t.home() != ir::EXTERNAL ? absl::StrCat(LevelName(t.home()), " home+", t.home_offset())
                                       : absl::StrCat("arena+", t.arena_offset()))
        << "\n";
  }
  Binder binder(config_);
  for (const ir::KPUOp& op : p.operations().ops()) {
    std::vector<std::string> tiles;
    for (const auto& name : op.tiling().loop_order()) {
      auto it = op.tiling().tile_sizes().find(name);
      if (it != op.tiling().tile_sizes().end()) tiles.push_back(absl::StrCat(name, "=", it->second));
    }
    out << "op " << op.id() << ": " << op.op_type() << "(" << absl::StrJoin(op.inputs(), ", ") << ") -> "
        << absl::StrJoin(op.outputs(), ", ");
    if (!op.fused_with().empty()) out << "  fused: " << absl::StrJoin(op.fused_with(), ", ");
    out << "\n  tiles " << absl::StrJoin(tiles, " ") << ", L1 " << op.l1_bytes() << " B, staging " << op.staging_bytes()
        << " B, estimated " << op.estimated_cycles() << " cycles\n";
    Print(op.dfx(), 0, binder, out);
  }
  return out.str();
}

}  // namespace kpu::runtime
