#include "kpu/ir/dfx_walk.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/errors.h"

namespace kpu {

int64_t Box::NumElements() const {
  int64_t n = 1;
  for (size_t d = 0; d < lo.size(); ++d) n *= hi[d] - lo[d];
  return n;
}

Shape Box::Extent() const {
  Shape s(lo.size());
  for (size_t d = 0; d < lo.size(); ++d) s[d] = hi[d] - lo[d];
  return s;
}

bool Box::Contains(const Box& o) const {
  if (o.lo.size() != lo.size()) return false;
  for (size_t d = 0; d < lo.size(); ++d) {
    if (o.lo[d] < lo[d] || o.hi[d] > hi[d]) return false;
  }
  return true;
}

std::string FormatBox(const Box& box) {
  std::vector<std::string> dims;
  for (size_t d = 0; d < box.lo.size(); ++d) dims.push_back(absl::StrCat(box.lo[d], ":", box.hi[d]));
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

namespace {

using Vars = std::map<std::string, int64_t>;

absl::StatusOr<Box> ResolveBox(const ir::TensorRegion& r, const ShapeTable& shapes, const Vars& vars) {
  auto it = shapes.find(r.tensor());
  if (it == shapes.end()) return InvalidProgramError(absl::StrCat("DFX names unknown tensor '", r.tensor(), "'"));
  const Shape& shape = it->second;
  if (r.index_size() != static_cast<int>(shape.size()) || r.tile_shape_size() != static_cast<int>(shape.size())) {
    return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' has rank ", r.index_size(), "/",
                                            r.tile_shape_size(), ", the tensor has rank ", shape.size()));
  }
  Box box;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t index = r.index(d).constant();
    if (!r.index(d).var().empty()) {
      auto v = vars.find(r.index(d).var());
      if (v == vars.end()) {
        return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' uses loop variable '",
                                                r.index(d).var(), "' outside its loop"));
      }
      index += v->second;
    }
    const int64_t tile = r.tile_shape(d);
    if (tile <= 0 || index < 0 || tile > shape[d] || index > shape[d] / tile + 1 || index * tile >= shape[d]) {
      return InvalidProgramError(absl::StrCat("tile ", index, " of size ", tile, " lies outside dimension ", d,
                                              " (", shape[d], ") of '", r.tensor(), "'"));
    }
    box.lo.push_back(index * tile);
    box.hi.push_back(std::min(index * tile + tile, shape[d]));
  }
  return box;
}

absl::StatusOr<Place> Resolve(const ir::TensorRegion& r, const ShapeTable& shapes, const Vars& vars) {
  Place place;
  KPU_ASSIGN_OR_RETURN(place.box, ResolveBox(r, shapes, vars));
  place.slot = r.slot();
  if (!r.slot_var().empty()) {
    auto v = vars.find(r.slot_var());
    if (v == vars.end() || r.slot_count() == 0 || r.slot_count() > 64) {
      return InvalidProgramError(absl::StrCat("region of '", r.tensor(), "' has slot variable '", r.slot_var(),
                                              "' with ", r.slot_count(), " slots outside its loop"));
    }
    place.slot += static_cast<uint32_t>(v->second % r.slot_count());
  }
  return place;
}

struct Walker {
  const ShapeTable& shapes;
  DfxVisitor* visitor;  // null when only counting
  Vars vars;
  uint64_t steps = 0;

  absl::Status Walk(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, int depth) {
    if (depth > 16) return InvalidProgramError("TileLoops nested deeper than 16");
    for (const ir::DfxOp& op : ops) {
      if (++steps > kMaxDfxSteps) {
        return InvalidProgramError(absl::StrCat("DFX program exceeds ", kMaxDfxSteps, " steps"));
      }
      switch (op.kind_case()) {
        case ir::DfxOp::kTileLoop: {
          const ir::TileLoop& loop = op.tile_loop();
          if (loop.step() <= 0 || loop.start() < 0 || loop.end() < loop.start()) {
            return InvalidProgramError(absl::StrCat("TileLoop '", loop.induction_var(), "' has bounds [",
                                                    loop.start(), ", ", loop.end(), ") step ", loop.step()));
          }
          if (loop.induction_var().empty() || vars.count(loop.induction_var())) {
            return InvalidProgramError(absl::StrCat("TileLoop variable '", loop.induction_var(),
                                                    "' is empty or shadows an outer loop"));
          }
          const uint64_t trips = static_cast<uint64_t>((loop.end() - loop.start() + loop.step() - 1) / loop.step());
          if (trips > kMaxDfxSteps) return InvalidProgramError("TileLoop trip count is too large");
          for (int64_t i = loop.start(); i < loop.end(); i += loop.step()) {
            vars[loop.induction_var()] = i;
            KPU_RETURN_IF_ERROR(Walk(loop.body(), depth + 1));
          }
          vars.erase(loop.induction_var());
          break;
        }
        case ir::DfxOp::kDataMove: {
          if (visitor == nullptr) break;
          KPU_ASSIGN_OR_RETURN(Place src, Resolve(op.data_move().source(), shapes, vars));
          KPU_ASSIGN_OR_RETURN(Place dst, Resolve(op.data_move().destination(), shapes, vars));
          KPU_RETURN_IF_ERROR(visitor->OnDataMove(op, op.data_move(), src, dst));
          break;
        }
        case ir::DfxOp::kCompute: {
          if (visitor == nullptr) break;
          std::vector<Place> inputs;
          for (const auto& in : op.compute().inputs()) {
            KPU_ASSIGN_OR_RETURN(Place p, Resolve(in, shapes, vars));
            inputs.push_back(std::move(p));
          }
          KPU_ASSIGN_OR_RETURN(Place out, Resolve(op.compute().output(), shapes, vars));
          KPU_RETURN_IF_ERROR(visitor->OnCompute(op, op.compute(), inputs, out));
          break;
        }
        case ir::DfxOp::kBarrier:
          if (visitor != nullptr) KPU_RETURN_IF_ERROR(visitor->OnBarrier(op));
          break;
        default:
          return InvalidProgramError(absl::StrCat("DFX op ", op.op_id(), " has no kind"));
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

absl::Status WalkDfx(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, const ShapeTable& shapes,
                     DfxVisitor& visitor) {
  Walker w{shapes, &visitor, {}};
  return w.Walk(ops, 0);
}

absl::StatusOr<uint64_t> CountDfxSteps(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops) {
  static const ShapeTable kNone;
  Walker w{kNone, nullptr, {}};
  KPU_RETURN_IF_ERROR(w.Walk(ops, 0));
  return w.steps;
}

}  // namespace kpu
