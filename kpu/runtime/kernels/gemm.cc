#include "kpu/runtime/kernels/gemm.h"

#include <cblas.h>

#include "absl/strings/str_cat.h"
#include "dnnl.h"
#include "kpu/ir/errors.h"

namespace kpu::runtime {

absl::Status Sgemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return absl::OkStatus();
  if (static_cast<double>(m) * n * k <= kOpenBlasSingleThreadMacs) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
                a, lda, b, ldb, beta, c, ldc);
    return absl::OkStatus();
  }
  const dnnl_status_t s =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  if (s != dnnl_success) {
    return MakeError(ErrorKind::kInternal, absl::StrCat(op, " kernel: oneDNN sgemm failed (status ", static_cast<int>(s),
                                                        ") on ", m, "x", n, "x", k));
  }
  return absl::OkStatus();
}

}  // namespace kpu::runtime
