// AttentionShape helpers (burst/schedule.hpp).
#include "burst/schedule.hpp"

#include <cmath>

namespace burst {

float AttentionShape::scale_or_default() const {
  return scale > 0.0f ? scale : 1.0f / std::sqrt(static_cast<float>(head_dim));
}

}  // namespace burst
