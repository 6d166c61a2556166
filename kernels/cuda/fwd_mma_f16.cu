// Tensor-core forward instantiations for f16 (see fwd_mma.cuh; shapes from tile_policy.hpp). One file
// per dtype so a 2-core build compiles them in parallel.
#include "kernels/cuda/fwd_mma.cuh"

namespace burst::kernels::cuda {

template void fwd_mma_launch<DType::f16, 64, 0>(const FwdBlockParams&, void*);
template void fwd_mma_launch<DType::f16, 64, 1>(const FwdBlockParams&, void*);
template void fwd_mma_launch<DType::f16, 128, 0>(const FwdBlockParams&, void*);
template void fwd_mma_launch<DType::f16, 128, 1>(const FwdBlockParams&, void*);

}  // namespace burst::kernels::cuda
