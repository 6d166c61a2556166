// Uses an installed libburst the way a training job does: picks the schedule for its attention
// shape from the tuned profiles named by BURST_PROFILE, runs BurstAttention forward and backward on
// 4 local ranks (CPU backend), and checks o, dq, dk, dv against a naive float64 attention.
// Exit status: 0 when every max relative error is <= 1e-5, 1 when one is larger, 2 on an error.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "burst/attention.hpp"
#include "burst/communicator.hpp"
#include "burst/launch.hpp"
#include "burst/profile.hpp"
#include "burst/shard.hpp"
#include "burst/system.hpp"

namespace {

constexpr int world_size = 4;
constexpr double tolerance = 1e-5;

// Naive float64 attention over global BSHD tensors (kv_heads == heads): o, then dq, dk, dv.
struct Reference {
  std::vector<double> o, dq, dk, dv;
};

Reference naive_attention(const burst::AttentionShape& s, const std::vector<float>& q,
                          const std::vector<float>& k, const std::vector<float>& v,
                          const std::vector<float>& dout) {
  const std::int64_t n = s.seq, h = s.heads, d = s.head_dim;
  const double scale = s.scale_or_default();
  const std::size_t total = static_cast<std::size_t>(s.batch * n * h * d);
  Reference r{std::vector<double>(total), std::vector<double>(total), std::vector<double>(total),
              std::vector<double>(total)};
  const auto at = [&](std::int64_t b, std::int64_t t, std::int64_t head) {
    return static_cast<std::size_t>(((b * n + t) * h + head) * d);
  };
  std::vector<double> p(static_cast<std::size_t>(n * n)), dp(static_cast<std::size_t>(n * n));
  for (std::int64_t b = 0; b < s.batch; ++b) {
    for (std::int64_t head = 0; head < h; ++head) {
      // P = softmax(scale * Q K^T) with the causal mask; O = P V.
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t last = s.causal ? i : n - 1;
        double row_max = -INFINITY;
        for (std::int64_t j = 0; j <= last; ++j) {
          double dot = 0.0;
          for (std::int64_t e = 0; e < d; ++e) dot += double(q[at(b, i, head) + e]) * k[at(b, j, head) + e];
          p[i * n + j] = dot * scale;
          row_max = std::max(row_max, p[i * n + j]);
        }
        double sum = 0.0;
        for (std::int64_t j = 0; j < n; ++j) {
          p[i * n + j] = j <= last ? std::exp(p[i * n + j] - row_max) : 0.0;
          sum += p[i * n + j];
        }
        for (std::int64_t j = 0; j < n; ++j) p[i * n + j] /= sum;
        for (std::int64_t e = 0; e < d; ++e) {
          double acc = 0.0;
          for (std::int64_t j = 0; j <= last; ++j) acc += p[i * n + j] * v[at(b, j, head) + e];
          r.o[at(b, i, head) + e] = acc;
        }
      }
      // dP = dO V^T; dS = P * (dP - rowsum(dO * O)); dQ = scale dS K; dK = scale dS^T Q; dV = P^T dO.
      for (std::int64_t i = 0; i < n; ++i) {
        double delta = 0.0;
        for (std::int64_t e = 0; e < d; ++e)
          delta += double(dout[at(b, i, head) + e]) * r.o[at(b, i, head) + e];
        for (std::int64_t j = 0; j < n; ++j) {
          double dot = 0.0;
          for (std::int64_t e = 0; e < d; ++e)
            dot += double(dout[at(b, i, head) + e]) * v[at(b, j, head) + e];
          dp[i * n + j] = p[i * n + j] * (dot - delta);
        }
      }
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t e = 0; e < d; ++e) {
          double acc_q = 0.0, acc_k = 0.0, acc_v = 0.0;
          for (std::int64_t j = 0; j < n; ++j) {
            acc_q += dp[i * n + j] * k[at(b, j, head) + e];
            acc_k += dp[j * n + i] * q[at(b, j, head) + e];
            acc_v += p[j * n + i] * dout[at(b, j, head) + e];
          }
          r.dq[at(b, i, head) + e] = acc_q * scale;
          r.dk[at(b, i, head) + e] = acc_k * scale;
          r.dv[at(b, i, head) + e] = acc_v;
        }
      }
    }
  }
  return r;
}

// max |got - want| / max |want|: the error relative to the tensor's scale.
double max_relative_error(const std::vector<float>& got, const std::vector<double>& want) {
  double err = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    err = std::max(err, std::abs(double(got[i]) - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return scale > 0.0 ? err / scale : err;
}

std::string describe(const burst::Schedule& s) {
  return "layout=" + std::string(burst::to_string(s.layout)) +
         " overlap=" + std::string(burst::to_string(s.overlap)) + " chunks=" + std::to_string(s.chunks) +
         " topology=" + std::string(burst::to_string(s.topology)) +
         " bwd_comm=" + std::string(burst::to_string(s.bwd_comm)) + " tile_q=" + std::to_string(s.tile_q) +
         " tile_kv=" + std::to_string(s.tile_kv);
}

int run() {
  burst::AttentionShape shape;
  shape.batch = 1;
  shape.seq = 256;
  shape.heads = 4;
  shape.kv_heads = 4;
  shape.head_dim = 32;
  shape.dtype = burst::DType::f32;
  shape.causal = true;

  // The schedule for this shape from BURST_PROFILE (unset: the built-in defaults), chosen the way
  // every libburst caller chooses it: burst::choose_schedule, collective over the ranks that will
  // run the op. One BurstAttention runs both passes, so the query is for "fwd+bwd".
  burst::ScheduleChoice choice;
  burst::comm::run_local(world_size, [&](burst::Communicator& comm) {
    burst::ScheduleChoice mine = burst::choose_schedule(comm, shape, burst::Pass::fwd_bwd);
    if (comm.rank() == 0) choice = std::move(mine);
  });
  const burst::Selection& selection = *choice.selection;
  if (selection.entry) {
    std::printf("profile: %s entry %d (%s)\n", selection.file.c_str(), selection.entry_index,
                std::string(burst::to_string(selection.source)).c_str());
  } else {
    std::printf("profile: none applies, built-in defaults\n");
  }
  std::printf("selection: %s\n", selection.explanation.c_str());
  const burst::Schedule schedule = choice.schedule;
  std::printf("schedule: %s\n", describe(schedule).c_str());
  burst::validate(shape, schedule, world_size);

  // Random inputs in global order, (B, N, H, d).
  const std::int64_t row = shape.heads * shape.head_dim;
  const std::size_t total = static_cast<std::size_t>(shape.batch * shape.seq * row);
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> q(total), k(total), v(total), dout(total);
  for (auto* t : {&q, &k, &v, &dout}) {
    for (float& x : *t) x = normal(rng);
  }

  std::vector<float> o(total), dq(total), dk(total), dv(total);
  burst::comm::run_local(world_size, [&](burst::Communicator& comm) {
    const int rank = comm.rank();
    burst::BurstAttention attention(comm, shape, schedule);
    const std::size_t local = static_cast<std::size_t>(shape.batch * attention.local_seq() * row);
    const auto shard = [&](const std::vector<float>& global) {
      std::vector<float> part(local);
      burst::shard_rows(global.data(), part.data(), shape.batch, shape.seq, row, sizeof(float),
                        schedule.layout, rank, world_size);
      return part;
    };
    const auto unshard = [&](const std::vector<float>& part, std::vector<float>& global) {
      burst::unshard_rows(part.data(), global.data(), shape.batch, shape.seq, row, sizeof(float),
                          schedule.layout, rank, world_size);
    };
    const std::vector<float> lq = shard(q), lk = shard(k), lv = shard(v), ldout = shard(dout);
    std::vector<float> lo(local), ldq(local), ldk(local), ldv(local);
    std::vector<float> lse(static_cast<std::size_t>(shape.batch * shape.heads * attention.local_seq()));
    attention.forward(lq.data(), lk.data(), lv.data(), lo.data(), lse.data());
    attention.backward(lq.data(), lk.data(), lv.data(), lo.data(), lse.data(), ldout.data(), ldq.data(),
                       ldk.data(), ldv.data());
    // Each rank writes only its own rows of the global tensors.
    unshard(lo, o);
    unshard(ldq, dq);
    unshard(ldk, dk);
    unshard(ldv, dv);
  });

  const Reference ref = naive_attention(shape, q, k, v, dout);
  const double errors[] = {max_relative_error(o, ref.o), max_relative_error(dq, ref.dq),
                           max_relative_error(dk, ref.dk), max_relative_error(dv, ref.dv)};
  const char* names[] = {"o", "dq", "dk", "dv"};
  bool ok = true;
  for (int i = 0; i < 4; ++i) {
    const bool good = errors[i] <= tolerance;
    ok = ok && good;
    std::printf("%-2s max relative error %.3e (limit %.0e) %s\n", names[i], errors[i], tolerance,
                good ? "ok" : "FAIL");
  }
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "burst_consumer: %s\n", e.what());
    return 2;
  }
}
