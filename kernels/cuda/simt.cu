// SIMT instantiations (see simt.cuh): the fp32 forward, the backward for every dtype, the delta pass.
#include "kernels/cuda/simt.cuh"

namespace burst::kernels::cuda {

template void fwd_simt_launch<64>(const FwdBlockParams&, void*);
template void fwd_simt_launch<128>(const FwdBlockParams&, void*);
template void bwd_simt_launch<DType::f32, 64>(const BwdBlockParams&, void*);
template void bwd_simt_launch<DType::f32, 128>(const BwdBlockParams&, void*);
template void bwd_simt_launch<DType::f16, 64>(const BwdBlockParams&, void*);
template void bwd_simt_launch<DType::f16, 128>(const BwdBlockParams&, void*);
template void bwd_simt_launch<DType::bf16, 64>(const BwdBlockParams&, void*);
template void bwd_simt_launch<DType::bf16, 128>(const BwdBlockParams&, void*);

void delta_launch(const DeltaParams& p, void* stream) {
  BURST_REQUIRE(p.batch >= 0 && p.n >= 0 && p.heads >= 0 && p.head_dim >= 0, "delta_launch: negative shape");
  const LaunchShape shape = delta_launch_shape(p);
  switch (p.dtype) {
    case DType::f32:
      return launch_kernel(&delta_kernel<float>, shape, to_device(p), stream);
    case DType::f16:
      return launch_kernel(&delta_kernel<__half>, shape, to_device(p), stream);
    case DType::bf16:
      return launch_kernel(&delta_kernel<__nv_bfloat16>, shape, to_device(p), stream);
  }
  BURST_THROW(InvalidArgument, "delta_launch: unknown dtype");
}

}  // namespace burst::kernels::cuda
