/* The same job as main.cpp through the C ABI only (burst/burst.h), as a caller in C, Fortran or
 * Rust would write it: 4 local ranks (burst_run_local), each creates its op from the profiles named
 * by BURST_PROFILE (burst_op_create_from_profile, pass fwd+bwd), logs the selection, shards the
 * global inputs in the schedule's layout (burst_shard_rows), runs forward and backward, and writes
 * its rows of o, dq, dk, dv back into global order (burst_unshard_rows). The main thread then
 * compares them with a naive float64 attention.
 * Exit status: 0 when every max relative error is <= 1e-5, 1 when one is larger, 2 on an error. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burst/burst.h"

enum { WORLD = 4, BATCH = 2, SEQ = 256, HEADS = 4, DIM = 32 };
#define TOLERANCE 1e-5
#define ELEMS ((size_t)BATCH * SEQ * HEADS * DIM)
#define ROW ((int64_t)HEADS * DIM)

/* Global (B, N, H, d) tensors: the inputs, and the outputs every rank writes its rows of. */
typedef struct Job {
  float *q, *k, *v, *dout;
  float *o, *dq, *dk, *dv;
} Job;

static float* random_tensor(uint64_t seed) {
  float* t = malloc(ELEMS * sizeof(float));
  for (size_t i = 0; t && i < ELEMS; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    t[i] = (float)((double)(seed >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }
  return t;
}

#define TRY(call)                                                            \
  do {                                                                       \
    if ((st = (call)) != BURST_OK) {                                         \
      fprintf(stderr, "rank %d: %s: %s\n", rank, #call, burst_last_error()); \
      goto done;                                                             \
    }                                                                        \
  } while (0)

static burst_status run_rank(burst_comm* comm, void* user) {
  const Job* job = user;
  const int rank = burst_comm_rank(comm), world = burst_comm_size(comm);
  const size_t local = ELEMS / (size_t)world, lse_n = (size_t)BATCH * HEADS * SEQ / (size_t)world;
  const burst_shape shape = {BATCH, SEQ, HEADS, HEADS, DIM, 0 /* fp32 */, 1 /* causal */, 0.0f};
  burst_status st = BURST_OK;
  burst_op* op = NULL;
  float* buf = calloc(9 * local + lse_n, sizeof(float));
  if (!buf) return BURST_ERROR_RUNTIME;
  float *q = buf, *k = q + local, *v = k + local, *dout = v + local, *o = dout + local, *dq = o + local;
  float *dk = dq + local, *dv = dk + local, *lse = dv + local;

  TRY(burst_op_create_from_profile(comm, &shape, 2 /* fwd+bwd */, NULL /* BURST_PROFILE */, -1, &op));
  burst_selection sel;
  burst_schedule s;
  TRY(burst_op_selection(op, &sel));
  TRY(burst_op_schedule(op, &s));
  if (rank == 0) {
    if (sel.entry_index >= 0)
      printf("profile: %s entry %d (%s)\n", sel.file, sel.entry_index,
             sel.fingerprint_match ? "this system" : "foreign_fingerprint");
    else
      printf("profile: none, built-in defaults\n");
    printf("selection: %s\n", sel.explanation);
    for (int i = 0; i < sel.warning_count; ++i) printf("warning: %s\n", burst_op_selection_warning(op, i));
    printf("schedule: layout=%d bwd_comm=%d overlap=%d chunks=%d tile_q=%d tile_kv=%d\n", s.layout,
           s.bwd_comm, s.overlap, s.chunks, s.tile_q, s.tile_kv);
  }
  /* This rank's rows of each input, in the order the schedule's layout gives them. */
  const float* globals[4] = {job->q, job->k, job->v, job->dout};
  float* locals[4] = {q, k, v, dout};
  for (int t = 0; t < 4; ++t)
    TRY(burst_shard_rows(globals[t], locals[t], BATCH, SEQ, ROW, sizeof(float), s.layout, rank, world));
  TRY(burst_op_forward(op, q, k, v, o, lse));
  TRY(burst_op_backward(op, q, k, v, o, lse, dout, dq, dk, dv));
  /* Each rank writes only its own rows, so the ranks' threads share the global outputs safely. */
  const float* outs[4] = {o, dq, dk, dv};
  float* global_outs[4] = {job->o, job->dq, job->dk, job->dv};
  for (int t = 0; t < 4; ++t)
    TRY(burst_unshard_rows(outs[t], global_outs[t], BATCH, SEQ, ROW, sizeof(float), s.layout, rank, world));
done:
  burst_op_destroy(op);
  free(buf);
  return st;
}

/* Naive causal float64 attention of one (batch, head): o, then dq, dk, dv, into double arrays. */
static void reference(const Job* j, int64_t b, int64_t h, double* p, double* o, double* dq, double* dk,
                      double* dv) {
  const double scale = 1.0 / sqrt((double)DIM);
#define AT(t, i, e) (j->t[((b * SEQ + (i)) * HEADS + h) * DIM + (e)])
  for (int64_t i = 0; i < SEQ; ++i) {
    double m = -INFINITY, sum = 0.0;
    for (int64_t c = 0; c <= i; ++c) {
      double dot = 0.0;
      for (int e = 0; e < DIM; ++e) dot += (double)AT(q, i, e) * AT(k, c, e);
      p[i * SEQ + c] = dot * scale;
      if (p[i * SEQ + c] > m) m = p[i * SEQ + c];
    }
    for (int64_t c = 0; c <= i; ++c) sum += p[i * SEQ + c] = exp(p[i * SEQ + c] - m);
    for (int64_t c = 0; c <= i; ++c) p[i * SEQ + c] /= sum;
    for (int e = 0; e < DIM; ++e) {
      double acc = 0.0;
      for (int64_t c = 0; c <= i; ++c) acc += p[i * SEQ + c] * AT(v, c, e);
      o[i * DIM + e] = acc;
    }
  }
  memset(dq, 0, SEQ * DIM * sizeof(double));
  memset(dk, 0, SEQ * DIM * sizeof(double));
  memset(dv, 0, SEQ * DIM * sizeof(double));
  for (int64_t i = 0; i < SEQ; ++i) {
    double delta = 0.0;
    for (int e = 0; e < DIM; ++e) delta += (double)AT(dout, i, e) * o[i * DIM + e];
    for (int64_t c = 0; c <= i; ++c) {
      double dp = 0.0;
      for (int e = 0; e < DIM; ++e) dp += (double)AT(dout, i, e) * AT(v, c, e);
      const double ds = p[i * SEQ + c] * (dp - delta) * scale;
      for (int e = 0; e < DIM; ++e) {
        dq[i * DIM + e] += ds * AT(k, c, e);
        dk[c * DIM + e] += ds * AT(q, i, e);
        dv[c * DIM + e] += p[i * SEQ + c] * AT(dout, i, e);
      }
    }
  }
#undef AT
}

/* max |got - want| / max |want| over one tensor's (b, h) slices, accumulated in err[0..1]. */
static void accumulate(const float* got, const double* want, int64_t b, int64_t h, double* err) {
  for (int64_t i = 0; i < SEQ; ++i)
    for (int e = 0; e < DIM; ++e) {
      const double g = got[((b * SEQ + i) * HEADS + h) * DIM + e], w = want[i * DIM + e];
      if (fabs(g - w) > err[0]) err[0] = fabs(g - w);
      if (fabs(w) > err[1]) err[1] = fabs(w);
    }
}

int main(void) {
  Job job = {random_tensor(1),
             random_tensor(2),
             random_tensor(3),
             random_tensor(4),
             calloc(ELEMS, sizeof(float)),
             calloc(ELEMS, sizeof(float)),
             calloc(ELEMS, sizeof(float)),
             calloc(ELEMS, sizeof(float))};
  double* work = malloc(((size_t)SEQ * SEQ + 4 * (size_t)SEQ * DIM) * sizeof(double));
  if (!job.q || !job.k || !job.v || !job.dout || !job.o || !job.dq || !job.dk || !job.dv || !work) {
    fprintf(stderr, "consumer_c: out of memory\n");
    return 2;
  }
  printf("libburst %s, C ABI: %d local ranks, B=%d N=%d H=%d d=%d, causal, fp32\n", burst_version(), WORLD,
         BATCH, SEQ, HEADS, DIM);
  if (burst_run_local(WORLD, run_rank, &job) != BURST_OK) {
    fprintf(stderr, "consumer_c: %s\n", burst_last_error());
    return 2;
  }
  double err[4][2] = {{0}};
  double *p = work, *o = p + SEQ * SEQ, *dq = o + SEQ * DIM, *dk = dq + SEQ * DIM, *dv = dk + SEQ * DIM;
  for (int64_t b = 0; b < BATCH; ++b)
    for (int64_t h = 0; h < HEADS; ++h) {
      reference(&job, b, h, p, o, dq, dk, dv);
      accumulate(job.o, o, b, h, err[0]);
      accumulate(job.dq, dq, b, h, err[1]);
      accumulate(job.dk, dk, b, h, err[2]);
      accumulate(job.dv, dv, b, h, err[3]);
    }
  static const char* const names[4] = {"o ", "dq", "dk", "dv"};
  int ok = 1;
  for (int t = 0; t < 4; ++t) {
    const double rel = err[t][0] / (err[t][1] > 0.0 ? err[t][1] : 1.0);
    const int good = rel <= TOLERANCE;
    ok &= good;
    printf("%s max relative error %.1e (limit %.0e) %s\n", names[t], rel, TOLERANCE, good ? "ok" : "FAIL");
  }
  puts(ok ? "PASS" : "FAIL");
  free(work);
  free(job.q), free(job.k), free(job.v), free(job.dout), free(job.o), free(job.dq), free(job.dk),
      free(job.dv);
  return ok ? 0 : 1;
}
