/* The C ABI as a C program uses it: an op made from the tuned profiles (BURST_PROFILE, or
 * --profile), its selection, the layout it asks for, shard/unshard, strided tensors and the
 * refusals. Built as C (not C++), so burst.h is checked to be a C header.
 *
 *   capi_profile_test --world 4 --seq 256 --heads 2 --kv-heads 2 --head-dim 32 --causal
 *                     [--expect exact|nearest|foreign|defaults] [--mpi] [--profile PATH]
 *
 * Exit 0 when every check passed, 1 otherwise (each failure is one line on stderr). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burst/burst.h"

#ifdef BURST_TEST_MPI
#include <mpi.h>
#endif

typedef struct Options {
  int world, causal, mpi;
  int64_t seq, heads, kv_heads, head_dim;
  int expect; /* burst_selection_source, or -1: any */
  const char* profile;
} Options;

static Options g_opt = {2, 0, 0, 256, 2, 2, 32, -1, NULL};

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "rank %d: check failed at line %d: ", rank, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                                          \
      fprintf(stderr, " (last error: %s)\n", burst_last_error());            \
      return BURST_ERROR_RUNTIME;                                            \
    }                                                                        \
  } while (0)

/* Deterministic inputs, identical on every rank: a linear congruential generator. */
static float next_value(uint64_t* state, float scale) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return scale * ((float)((*state >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f);
}

static float* random_tensor(size_t count, uint64_t seed, float scale) {
  float* t = malloc(count * sizeof(float));
  for (size_t i = 0; i < count; ++i) t[i] = next_value(&seed, scale);
  return t;
}

/* Float64 attention output of global row `p` (all heads), written to out[h * d + j]. */
static void reference_row(const float* q, const float* k, const float* v, int64_t p, double* out) {
  const int64_t n = g_opt.seq, h = g_opt.heads, hk = g_opt.kv_heads, d = g_opt.head_dim;
  const double scale = 1.0 / sqrt((double)d);
  double* s = malloc((size_t)n * sizeof(double));
  for (int64_t head = 0; head < h; ++head) {
    const int64_t kvh = head / (h / hk);
    const int64_t last = g_opt.causal ? p : n - 1;
    double m = -INFINITY, sum = 0.0;
    for (int64_t t = 0; t <= last; ++t) {
      double dot = 0.0;
      for (int64_t j = 0; j < d; ++j)
        dot += (double)q[(p * h + head) * d + j] * (double)k[(t * hk + kvh) * d + j];
      s[t] = dot * scale;
      if (s[t] > m) m = s[t];
    }
    for (int64_t t = 0; t <= last; ++t) sum += exp(s[t] - m);
    for (int64_t j = 0; j < d; ++j) {
      double acc = 0.0;
      for (int64_t t = 0; t <= last; ++t) acc += exp(s[t] - m) * (double)v[(t * hk + kvh) * d + j];
      out[head * d + j] = acc / sum;
    }
  }
  free(s);
}

static burst_status rank_main(burst_comm* comm, void* user) {
  (void)user;
  const int rank = burst_comm_rank(comm), world = burst_comm_size(comm);
  const int64_t N = g_opt.seq, H = g_opt.heads, HK = g_opt.kv_heads, D = g_opt.head_dim;
  const int64_t n = N / world;
  burst_shape shape = {1, N, H, HK, D, 0, g_opt.causal, 0.0f};

  /* Refusals first: each names what is wrong, and none leaves an op behind. */
  burst_op* bad = NULL;
  CHECK(
      burst_op_create_from_profile(comm, &shape, 2, g_opt.profile, 7, &bad) == BURST_ERROR_INVALID_ARGUMENT &&
          strstr(burst_last_error(), "layout 7") != NULL && bad == NULL,
      "layout 7 must be refused naming it");
  CHECK(burst_op_create_from_profile(comm, &shape, 5, g_opt.profile, -1, &bad) ==
                BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "pass 5") != NULL,
        "pass 5 must be refused naming it");

  burst_op* op = NULL;
  CHECK(burst_op_create_from_profile(comm, &shape, 2, g_opt.profile, -1, &op) == BURST_OK,
        "create from profile");
  burst_selection sel;
  CHECK(burst_op_selection(op, &sel) == BURST_OK, "selection");
  if (rank == 0) {
    printf("selection: source %d, entry %d of \"%s\", fingerprint match %d\n  %s\n", sel.source,
           sel.entry_index, sel.file, sel.fingerprint_match, sel.explanation);
    for (int i = 0; i < sel.warning_count; ++i) printf("  warning: %s\n", burst_op_selection_warning(op, i));
  }
  if (g_opt.expect >= 0)
    CHECK(sel.source == g_opt.expect, "selection source %d, expected %d", sel.source, g_opt.expect);
  if (sel.source != BURST_SELECTION_DEFAULTS) {
    CHECK(sel.entry_index >= 0 && sel.file[0] != '\0', "an entry must name its file and index");
    if (sel.source != BURST_SELECTION_FOREIGN)
      CHECK(sel.fingerprint_match == 1, "a profile tuned here is not foreign");
  }
  CHECK(burst_op_selection_warning(op, sel.warning_count) == NULL, "warning past the end is NULL");
  burst_schedule sched;
  CHECK(burst_op_schedule(op, &sched) == BURST_OK, "schedule");
  const int layout = sched.layout;

  /* Global inputs, this rank's shards in the op's layout. */
  const size_t qn = (size_t)(N * H * D), kn = (size_t)(N * HK * D);
  float* gq = random_tensor(qn, 11, 2.0f);
  float* gk = random_tensor(kn, 12, 2.0f);
  float* gv = random_tensor(kn, 13, 1.0f);
  float* gdo = random_tensor(qn, 14, 1.0f);
  const size_t lq = (size_t)(n * H * D), lk = (size_t)(n * HK * D);
  float *q = malloc(lq * 4), *k = malloc(lk * 4), *v = malloc(lk * 4), *dout = malloc(lq * 4);
  CHECK(burst_shard_rows(gq, q, 1, N, H * D, 4, layout, rank, world) == BURST_OK, "shard q");
  CHECK(burst_shard_rows(gk, k, 1, N, HK * D, 4, layout, rank, world) == BURST_OK, "shard k");
  CHECK(burst_shard_rows(gv, v, 1, N, HK * D, 4, layout, rank, world) == BURST_OK, "shard v");
  CHECK(burst_shard_rows(gdo, dout, 1, N, H * D, 4, layout, rank, world) == BURST_OK, "shard dout");
  CHECK(burst_shard_rows(gq, q, 1, N + 1, H * D, 4, layout, rank, world) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "sequence length") != NULL,
        "a sequence the world does not divide is refused");

  /* Forward, contiguous. */
  float *o = malloc(lq * 4), *lse = malloc((size_t)(H * n) * 4);
  CHECK(burst_op_forward(op, q, k, v, o, lse) == BURST_OK, "forward");

  /* Against float64, row by row at each row's global position. */
  double* ref = malloc((size_t)(H * D) * sizeof(double));
  double max_err = 0.0, max_ref = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t p = -1;
    CHECK(burst_global_position(layout, rank, world, N, i, &p) == BURST_OK && p >= 0 && p < N, "position");
    reference_row(gq, gk, gv, p, ref);
    for (int64_t j = 0; j < H * D; ++j) {
      const double e = fabs((double)o[i * H * D + j] - ref[j]);
      if (e > max_err || isnan(e)) max_err = isnan(e) ? INFINITY : e;
      if (fabs(ref[j]) > max_ref) max_ref = fabs(ref[j]);
    }
  }
  CHECK(max_ref > 0.05, "reference too flat to test anything (%g)", max_ref);
  CHECK(max_err <= 1e-5 * max_ref, "forward vs float64: max error %.3g of max |ref| %.3g", max_err, max_ref);

  /* Unshard and shard back: the same local rows. */
  float* go = calloc(qn, 4);
  float* o2 = malloc(lq * 4);
  CHECK(burst_unshard_rows(o, go, 1, N, H * D, 4, layout, rank, world) == BURST_OK, "unshard o");
  CHECK(burst_shard_rows(go, o2, 1, N, H * D, 4, layout, rank, world) == BURST_OK, "reshard o");
  CHECK(memcmp(o, o2, lq * 4) == 0, "shard(unshard(o)) == o");
  float* glse = calloc((size_t)(H * N), 4);
  float* lse2 = malloc((size_t)(H * n) * 4);
  CHECK(burst_unshard_stats(lse, glse, 1, H, N, layout, rank, world) == BURST_OK, "unshard lse");
  CHECK(burst_shard_stats(glse, lse2, 1, H, N, layout, rank, world) == BURST_OK, "reshard lse");
  CHECK(memcmp(lse, lse2, (size_t)(H * n) * 4) == 0, "shard(unshard(lse)) == lse");

  /* Strided: q and o stored head-major (B, H, n, d) in memory, addressed as (B, n, H, d). */
  float *qs = malloc(lq * 4), *os = malloc(lq * 4), *lse_s = malloc((size_t)(H * n) * 4);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h) memcpy(qs + (h * n + i) * D, q + (i * H + h) * D, (size_t)D * 4);
  burst_tensor tq = {qs, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tk = {k, {0, 0, 0, 0}, -1}, tv = {v, {0, 0, 0, 0}, -1};
  burst_tensor to = {os, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tl = {lse_s, {0, 0, 0, 0}, -1};
  CHECK(burst_op_forward_ex(op, &tq, &tk, &tv, &to, &tl, NULL) == BURST_OK, "strided forward");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h)
      CHECK(memcmp(os + (h * n + i) * D, o + (i * H + h) * D, (size_t)D * 4) == 0,
            "strided o row %lld head %lld differs from the contiguous pass", (long long)i, (long long)h);
  CHECK(memcmp(lse_s, lse, (size_t)(H * n) * 4) == 0, "strided pass lse");

  /* Backward, contiguous and with a strided dq: bit-identical. */
  float *dq = malloc(lq * 4), *dk = malloc(lk * 4), *dv = malloc(lk * 4);
  CHECK(burst_op_backward(op, q, k, v, o, lse, dout, dq, dk, dv) == BURST_OK, "backward");
  double norm = 0.0;
  for (size_t i = 0; i < lq; ++i) norm += fabs((double)dq[i]);
  CHECK(norm > 0.0 && isfinite(norm), "dq must be finite and non-zero (sum |dq| = %g)", norm);
  float *dqs = malloc(lq * 4), *dk2 = malloc(lk * 4), *dv2 = malloc(lk * 4);
  burst_tensor tqo = {o, {0, 0, 0, 0}, -1}, tlse = {lse, {0, 0, 0, 0}, -1}, tdo = {dout, {0, 0, 0, 0}, -1};
  burst_tensor tdq = {dqs, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tdk = {dk2, {0, 0, 0, 0}, -1}, tdv = {dv2, {0, 0, 0, 0}, -1};
  CHECK(burst_op_backward_ex(op, &tq, &tk, &tv, &tqo, &tlse, &tdo, &tdq, &tdk, &tdv, NULL) == BURST_OK,
        "strided backward");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h)
      CHECK(memcmp(dqs + (h * n + i) * D, dq + (i * H + h) * D, (size_t)D * 4) == 0, "strided dq differs");
  CHECK(memcmp(dk2, dk, lk * 4) == 0 && memcmp(dv2, dv, lk * 4) == 0, "dk, dv with strided q");

  /* Device memory and streams are refused by name on this (cpu) runtime; so is an output stride 0. */
  burst_tensor dev = {q, {0, 0, 0, 0}, 0};
  CHECK(burst_op_forward_ex(op, &dev, &tk, &tv, &to, &tl, NULL) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "q: a CUDA device pointer") != NULL,
        "a device pointer is refused naming q");
  int fake_stream = 0;
  CHECK(burst_op_forward_ex(op, &tq, &tk, &tv, &to, &tl, &fake_stream) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "stream") != NULL,
        "a stream with host tensors is refused");
  burst_tensor zero_stride = {os, {0, 0, 1, 1}, -1};
  CHECK(burst_op_forward_ex(op, &tq, &tk, &tv, &zero_stride, &tl, NULL) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "o: stride 0") != NULL,
        "an output stride 0 is refused naming o");

  burst_op_destroy(op);
  free(gq);
  free(gk);
  free(gv);
  free(gdo);
  free(q);
  free(k);
  free(v);
  free(dout);
  free(o);
  free(lse);
  free(ref);
  free(go);
  free(o2);
  free(glse);
  free(lse2);
  free(qs);
  free(os);
  free(lse_s);
  free(dq);
  free(dk);
  free(dv);
  free(dqs);
  free(dk2);
  free(dv2);
  return BURST_OK;
}

static int parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--causal") == 0)
      g_opt.causal = 1;
    else if (strcmp(a, "--mpi") == 0)
      g_opt.mpi = 1;
    else if (next == NULL) {
      fprintf(stderr, "%s: needs a value\n", a);
      return 0;
    } else if (strcmp(a, "--world") == 0)
      g_opt.world = atoi(argv[++i]);
    else if (strcmp(a, "--seq") == 0)
      g_opt.seq = atoll(argv[++i]);
    else if (strcmp(a, "--heads") == 0)
      g_opt.heads = atoll(argv[++i]);
    else if (strcmp(a, "--kv-heads") == 0)
      g_opt.kv_heads = atoll(argv[++i]);
    else if (strcmp(a, "--head-dim") == 0)
      g_opt.head_dim = atoll(argv[++i]);
    else if (strcmp(a, "--profile") == 0)
      g_opt.profile = argv[++i];
    else if (strcmp(a, "--expect") == 0) {
      const char* e = argv[++i];
      g_opt.expect = strcmp(e, "exact") == 0      ? BURST_SELECTION_EXACT
                     : strcmp(e, "nearest") == 0  ? BURST_SELECTION_NEAREST_BUCKET
                     : strcmp(e, "foreign") == 0  ? BURST_SELECTION_FOREIGN
                     : strcmp(e, "defaults") == 0 ? BURST_SELECTION_DEFAULTS
                                                  : -2;
      if (g_opt.expect == -2) {
        fprintf(stderr, "--expect %s: expected exact|nearest|foreign|defaults\n", e);
        return 0;
      }
    } else {
      fprintf(stderr, "unknown argument %s\n", a);
      return 0;
    }
  }
  return 1;
}

int main(int argc, char** argv) {
  if (!parse(argc, argv)) return 2;
  burst_status st;
  if (g_opt.mpi) {
#ifdef BURST_TEST_MPI
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm mine;
    MPI_Comm_dup(MPI_COMM_WORLD, &mine);
    burst_comm* comm = NULL;
    st = burst_comm_create_mpi_comm(&mine, &comm);
    if (st == BURST_OK) st = rank_main(comm, NULL);
    burst_comm_destroy(comm);
    MPI_Comm_free(&mine);
    MPI_Finalize();
#else
    fprintf(stderr, "--mpi: this test was built without MPI\n");
    return 2;
#endif
  } else {
    st = burst_run_local(g_opt.world, rank_main, NULL);
  }
  if (st != BURST_OK) {
    fprintf(stderr, "capi_profile_test: FAILED: %s\n", burst_last_error());
    return 1;
  }
  printf("capi_profile_test: ok (%s)\n", g_opt.mpi ? "mpi" : "threads");
  return 0;
}
