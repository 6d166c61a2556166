/* The C ABI as a C program uses it: an op made from the tuned profiles (BURST_PROFILE, or
 * --profile), its selection, the layout it asks for, shard/unshard, strided tensors and the
 * refusals. Built as C (not C++), so burst.h is checked to be a C header.
 *
 *   capi_profile_test --world 4 --seq 256 --heads 2 --kv-heads 2 --head-dim 32 --causal
 *                     [--expect exact|nearest|foreign|defaults] [--mpi | --mpi-split]
 *                     [--profile PATH] [--layout 0|1|2]
 *
 * --mpi runs on a duplicate of MPI_COMM_WORLD; --mpi-split on subgroups of 2 ranks (MPI_Comm_split
 * by world rank / 2), each with its own inputs, so a message crossing groups breaks the results.
 * --layout overrides the entry's ring.layout (0 contiguous, 1 zigzag, 2 striped): the op runs on
 * inputs sharded that way through burst_shard_rows, checked against float64 at each row's position.
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
  int world, causal, mpi; /* mpi: 0 threads, 1 MPI_COMM_WORLD's duplicate, 2 subgroups of 2 */
  int64_t seq, heads, kv_heads, head_dim;
  int expect; /* burst_selection_source, or -1: any */
  const char* profile;
  int layout;    /* -1: the entry's; 0..2: override */
  uint64_t seed; /* added to every input seed (the subgroup's colour under --mpi-split) */
} Options;

static Options g_opt = {2, 0, 0, 256, 2, 2, 32, -1, NULL, -1, 0};

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

/* What one rank works with: the global inputs (identical everywhere), its shards and outputs. */
typedef struct Buffers {
  int64_t N, H, HK, D, n;
  size_t qn, kn, lq, lk;
  float *gq, *gk, *gv, *gdo;
  float *q, *k, *v, *dout, *o, *lse;
  float *qs, *os, *lse_s; /* q, o in (B, H, n, d) memory order; lse of that pass */
  float *dq, *dk, *dv;
} Buffers;

static void buffers_init(Buffers* b, int world) {
  b->N = g_opt.seq, b->H = g_opt.heads, b->HK = g_opt.kv_heads, b->D = g_opt.head_dim;
  b->n = b->N / world;
  b->qn = (size_t)(b->N * b->H * b->D), b->kn = (size_t)(b->N * b->HK * b->D);
  b->lq = (size_t)(b->n * b->H * b->D), b->lk = (size_t)(b->n * b->HK * b->D);
  b->gq = random_tensor(b->qn, 11 + 100 * g_opt.seed, 2.0f);
  b->gk = random_tensor(b->kn, 12 + 100 * g_opt.seed, 2.0f);
  b->gv = random_tensor(b->kn, 13 + 100 * g_opt.seed, 1.0f);
  b->gdo = random_tensor(b->qn, 14 + 100 * g_opt.seed, 1.0f);
  const size_t lse_bytes = (size_t)(b->H * b->n) * 4;
  b->q = malloc(b->lq * 4), b->k = malloc(b->lk * 4), b->v = malloc(b->lk * 4), b->dout = malloc(b->lq * 4);
  b->o = malloc(b->lq * 4), b->lse = malloc(lse_bytes);
  b->qs = malloc(b->lq * 4), b->os = malloc(b->lq * 4), b->lse_s = malloc(lse_bytes);
  b->dq = malloc(b->lq * 4), b->dk = malloc(b->lk * 4), b->dv = malloc(b->lk * 4);
}

static void buffers_free(Buffers* b) {
  float* all[] = {b->gq, b->gk,  b->gv, b->gdo, b->q,     b->k,  b->v,  b->dout,
                  b->o,  b->lse, b->qs, b->os,  b->lse_s, b->dq, b->dk, b->dv};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); ++i) free(all[i]);
}

/* Refusals first: each names what is wrong, and none leaves an op behind. */
static burst_status check_create_refusals(burst_comm* comm, const burst_shape* shape, int rank) {
  burst_op* bad = NULL;
  CHECK(
      burst_op_create_from_profile(comm, shape, 2, g_opt.profile, 7, &bad) == BURST_ERROR_INVALID_ARGUMENT &&
          strstr(burst_last_error(), "layout 7") != NULL && bad == NULL,
      "layout 7 must be refused naming it");
  CHECK(
      burst_op_create_from_profile(comm, shape, 5, g_opt.profile, -1, &bad) == BURST_ERROR_INVALID_ARGUMENT &&
          strstr(burst_last_error(), "pass 5") != NULL,
      "pass 5 must be refused naming it");
  return BURST_OK;
}

/* The selection is what --expect says, names its entry, and is printed once. */
static burst_status check_selection(burst_op* op, int rank, int* layout) {
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
  if (g_opt.layout >= 0)
    CHECK(sched.layout == g_opt.layout, "schedule layout %d, --layout %d", sched.layout, g_opt.layout);
  /* The tuned entries are contiguous (tests/capi/CMakeLists.txt): another layout is an override. */
  if (g_opt.layout > 0 && sel.source != BURST_SELECTION_DEFAULTS)
    CHECK(strstr(sel.explanation, "replaced by the caller's") != NULL,
          "the explanation must say the layout was overridden: %s", sel.explanation);
  *layout = sched.layout;
  return BURST_OK;
}

/* This rank's shards in the op's layout; a sequence the world does not divide is refused. */
static burst_status shard_inputs(Buffers* b, int layout, int rank, int world) {
  const int64_t N = b->N, HD = b->H * b->D, HKD = b->HK * b->D;
  CHECK(burst_shard_rows(b->gq, b->q, 1, N, HD, 4, layout, rank, world) == BURST_OK, "shard q");
  CHECK(burst_shard_rows(b->gk, b->k, 1, N, HKD, 4, layout, rank, world) == BURST_OK, "shard k");
  CHECK(burst_shard_rows(b->gv, b->v, 1, N, HKD, 4, layout, rank, world) == BURST_OK, "shard v");
  CHECK(burst_shard_rows(b->gdo, b->dout, 1, N, HD, 4, layout, rank, world) == BURST_OK, "shard dout");
  CHECK(burst_shard_rows(b->gq, b->q, 1, N + 1, HD, 4, layout, rank, world) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "sequence length") != NULL,
        "a sequence the world does not divide is refused");
  return BURST_OK;
}

/* Global position of local row i, written out from the layouts' definitions (docs/algorithm.md)
 * rather than asked of libburst: contiguous r*n + i; zigzag chunks r and 2w-1-r of N/2w rows;
 * striped i*w + r. */
static int64_t expected_position(int layout, int rank, int world, int64_t seq, int64_t i) {
  const int64_t n = seq / world, c = n / 2;
  if (layout == 1) return i < c ? rank * c + i : (2 * world - 1 - rank) * c + (i - c);
  if (layout == 2) return i * world + rank;
  return rank * n + i;
}

/* Shards and the op's positions follow the layout: local row i of q is global row p of gq, and
 * burst_global_position agrees with the definition. */
static burst_status check_placement(const Buffers* b, int layout, int rank, int world) {
  const int64_t HD = b->H * b->D;
  for (int64_t i = 0; i < b->n; ++i) {
    const int64_t p = expected_position(layout, rank, world, b->N, i);
    int64_t got = -1;
    CHECK(burst_global_position(layout, rank, world, b->N, i, &got) == BURST_OK && got == p,
          "layout %d: local row %lld at position %lld, expected %lld", layout, (long long)i, (long long)got,
          (long long)p);
    CHECK(memcmp(b->q + i * HD, b->gq + p * HD, (size_t)HD * 4) == 0,
          "layout %d: shard of q row %lld is not global row %lld", layout, (long long)i, (long long)p);
  }
  return BURST_OK;
}

/* The forward against float64, row by row at each row's global position. */
static burst_status check_forward(burst_op* op, Buffers* b, int layout, int rank, int world) {
  CHECK(burst_op_forward(op, b->q, b->k, b->v, b->o, b->lse) == BURST_OK, "forward");
  const int64_t HD = b->H * b->D;
  double* ref = malloc((size_t)HD * sizeof(double));
  double max_err = 0.0, max_ref = 0.0;
  int64_t bad_position = -1;
  for (int64_t i = 0; i < b->n && bad_position < 0; ++i) {
    int64_t p = -1;
    if (burst_global_position(layout, rank, world, b->N, i, &p) != BURST_OK || p < 0 || p >= b->N) {
      bad_position = i;
      break;
    }
    reference_row(b->gq, b->gk, b->gv, p, ref);
    for (int64_t j = 0; j < HD; ++j) {
      const double e = fabs((double)b->o[i * HD + j] - ref[j]);
      if (e > max_err || isnan(e)) max_err = isnan(e) ? INFINITY : e;
      if (fabs(ref[j]) > max_ref) max_ref = fabs(ref[j]);
    }
  }
  free(ref);
  CHECK(bad_position < 0, "global position of local row %lld", (long long)bad_position);
  CHECK(max_ref > 0.05, "reference too flat to test anything (%g)", max_ref);
  CHECK(max_err <= 1e-5 * max_ref, "forward vs float64: max error %.3g of max |ref| %.3g", max_err, max_ref);
  return BURST_OK;
}

/* Unshard and shard back: the same local rows, for outputs and statistics. */
static burst_status check_unshard(const Buffers* b, int layout, int rank, int world) {
  const int64_t N = b->N, H = b->H, HD = b->H * b->D;
  const size_t lse_bytes = (size_t)(H * b->n) * 4;
  float* go = calloc(b->qn, 4);
  float* o2 = malloc(b->lq * 4);
  float* glse = calloc((size_t)(H * N), 4);
  float* lse2 = malloc(lse_bytes);
  const int rows_ok = burst_unshard_rows(b->o, go, 1, N, HD, 4, layout, rank, world) == BURST_OK &&
                      burst_shard_rows(go, o2, 1, N, HD, 4, layout, rank, world) == BURST_OK;
  const int rows_same = rows_ok && memcmp(b->o, o2, b->lq * 4) == 0;
  const int stats_ok = burst_unshard_stats(b->lse, glse, 1, H, N, layout, rank, world) == BURST_OK &&
                       burst_shard_stats(glse, lse2, 1, H, N, layout, rank, world) == BURST_OK;
  const int stats_same = stats_ok && memcmp(b->lse, lse2, lse_bytes) == 0;
  int64_t misplaced = -1, written = 0;
  for (int64_t p = 0; rows_ok && p < N; ++p) written += go[p * HD] != 0.0f || go[p * HD + HD - 1] != 0.0f;
  for (int64_t i = 0; rows_ok && i < b->n && misplaced < 0; ++i) {
    const int64_t p = expected_position(layout, rank, world, N, i);
    if (memcmp(go + p * HD, b->o + i * HD, (size_t)HD * 4) != 0) misplaced = i;
  }
  free(go);
  free(o2);
  free(glse);
  free(lse2);
  CHECK(rows_ok, "unshard/reshard o");
  CHECK(rows_same, "shard(unshard(o)) == o");
  CHECK(misplaced < 0, "unshard put local row %lld of o elsewhere than its position", (long long)misplaced);
  CHECK(written == b->n, "unshard wrote %lld rows of o, this rank has %lld", (long long)written,
        (long long)b->n);
  CHECK(stats_ok, "unshard/reshard lse");
  CHECK(stats_same, "shard(unshard(lse)) == lse");
  return BURST_OK;
}

/* Strided: q and o stored head-major (B, H, n, d) in memory, addressed as (B, n, H, d). */
static burst_status check_strided_forward(burst_op* op, Buffers* b, int rank) {
  const int64_t n = b->n, H = b->H, D = b->D;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h) memcpy(b->qs + (h * n + i) * D, b->q + (i * H + h) * D, (size_t)D * 4);
  burst_tensor tq = {b->qs, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tk = {b->k, {0, 0, 0, 0}, -1}, tv = {b->v, {0, 0, 0, 0}, -1};
  burst_tensor to = {b->os, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tl = {b->lse_s, {0, 0, 0, 0}, -1};
  CHECK(burst_op_forward_ex(op, &tq, &tk, &tv, &to, &tl, NULL) == BURST_OK, "strided forward");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h)
      CHECK(memcmp(b->os + (h * n + i) * D, b->o + (i * H + h) * D, (size_t)D * 4) == 0,
            "strided o row %lld head %lld differs from the contiguous pass", (long long)i, (long long)h);
  CHECK(memcmp(b->lse_s, b->lse, (size_t)(H * n) * 4) == 0, "strided pass lse");
  return BURST_OK;
}

/* Backward, contiguous and with a strided dq: bit-identical. */
static burst_status check_backward(burst_op* op, Buffers* b, int rank) {
  const int64_t n = b->n, H = b->H, D = b->D;
  CHECK(burst_op_backward(op, b->q, b->k, b->v, b->o, b->lse, b->dout, b->dq, b->dk, b->dv) == BURST_OK,
        "backward");
  double norm = 0.0;
  for (size_t i = 0; i < b->lq; ++i) norm += fabs((double)b->dq[i]);
  CHECK(norm > 0.0 && isfinite(norm), "dq must be finite and non-zero (sum |dq| = %g)", norm);
  float *dqs = malloc(b->lq * 4), *dk2 = malloc(b->lk * 4), *dv2 = malloc(b->lk * 4);
  burst_tensor tq = {b->qs, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tk = {b->k, {0, 0, 0, 0}, -1}, tv = {b->v, {0, 0, 0, 0}, -1};
  burst_tensor to = {b->o, {0, 0, 0, 0}, -1}, tl = {b->lse, {0, 0, 0, 0}, -1};
  burst_tensor tdo = {b->dout, {0, 0, 0, 0}, -1};
  burst_tensor tdq = {dqs, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tdk = {dk2, {0, 0, 0, 0}, -1}, tdv = {dv2, {0, 0, 0, 0}, -1};
  const int ran = burst_op_backward_ex(op, &tq, &tk, &tv, &to, &tl, &tdo, &tdq, &tdk, &tdv, NULL) == BURST_OK;
  int64_t differs = -1;
  for (int64_t i = 0; ran && i < n * H && differs < 0; ++i) {
    const int64_t row = i / H, h = i % H;
    if (memcmp(dqs + (h * n + row) * D, b->dq + (row * H + h) * D, (size_t)D * 4) != 0) differs = i;
  }
  const int kv_same = ran && memcmp(dk2, b->dk, b->lk * 4) == 0 && memcmp(dv2, b->dv, b->lk * 4) == 0;
  free(dqs);
  free(dk2);
  free(dv2);
  CHECK(ran, "strided backward");
  CHECK(differs < 0, "strided dq differs at row %lld head %lld", (long long)(differs / H),
        (long long)(differs % H));
  CHECK(kv_same, "dk, dv with strided q");
  return BURST_OK;
}

/* Device memory and streams are refused by name on this (cpu) runtime; so is an output stride 0. */
static burst_status check_tensor_refusals(burst_op* op, Buffers* b, int rank) {
  const int64_t n = b->n, H = b->H, D = b->D;
  burst_tensor tq = {b->qs, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tk = {b->k, {0, 0, 0, 0}, -1}, tv = {b->v, {0, 0, 0, 0}, -1};
  burst_tensor to = {b->os, {H * n * D, D, n * D, 1}, -1};
  burst_tensor tl = {b->lse_s, {0, 0, 0, 0}, -1};
  burst_tensor dev = {b->q, {0, 0, 0, 0}, 0};
  CHECK(burst_op_forward_ex(op, &dev, &tk, &tv, &to, &tl, NULL) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "q: a CUDA device pointer") != NULL,
        "a device pointer is refused naming q");
  int fake_stream = 0;
  CHECK(burst_op_forward_ex(op, &tq, &tk, &tv, &to, &tl, &fake_stream) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "stream") != NULL,
        "a stream with host tensors is refused");
  burst_tensor zero_stride = {b->os, {0, 0, 1, 1}, -1};
  CHECK(burst_op_forward_ex(op, &tq, &tk, &tv, &zero_stride, &tl, NULL) == BURST_ERROR_INVALID_ARGUMENT &&
            strstr(burst_last_error(), "o: stride 0") != NULL,
        "an output stride 0 is refused naming o");
  return BURST_OK;
}

/* The checks in order, on an op made from the profile; the first failing one ends the rank. */
static burst_status run_checks(burst_comm* comm, Buffers* b, int rank, int world) {
  burst_shape shape = {1, b->N, b->H, b->HK, b->D, 0, g_opt.causal, 0.0f};
  burst_status st = check_create_refusals(comm, &shape, rank);
  if (st != BURST_OK) return st;
  burst_op* op = NULL;
  CHECK(burst_op_create_from_profile(comm, &shape, 2, g_opt.profile, g_opt.layout, &op) == BURST_OK,
        "create from profile");
  int layout = 0;
  st = check_selection(op, rank, &layout);
  if (st == BURST_OK) st = shard_inputs(b, layout, rank, world);
  if (st == BURST_OK) st = check_placement(b, layout, rank, world);
  if (st == BURST_OK) st = check_forward(op, b, layout, rank, world);
  if (st == BURST_OK) st = check_unshard(b, layout, rank, world);
  if (st == BURST_OK) st = check_strided_forward(op, b, rank);
  if (st == BURST_OK) st = check_backward(op, b, rank);
  if (st == BURST_OK) st = check_tensor_refusals(op, b, rank);
  burst_op_destroy(op);
  return st;
}

static burst_status rank_main(burst_comm* comm, void* user) {
  (void)user;
  const int rank = burst_comm_rank(comm), world = burst_comm_size(comm);
  Buffers b;
  buffers_init(&b, world);
  const burst_status st = run_checks(comm, &b, rank, world);
  buffers_free(&b);
  return st;
}

/* --expect NAME -> burst_selection_source, or -2 when NAME is none of them. */
static int expect_of(const char* e) {
  return strcmp(e, "exact") == 0      ? BURST_SELECTION_EXACT
         : strcmp(e, "nearest") == 0  ? BURST_SELECTION_NEAREST_BUCKET
         : strcmp(e, "foreign") == 0  ? BURST_SELECTION_FOREIGN
         : strcmp(e, "defaults") == 0 ? BURST_SELECTION_DEFAULTS
                                      : -2;
}

/* One option with a value; 0 when the name is unknown or the value bad (after saying so). */
static int parse_valued(const char* a, const char* value) {
  if (strcmp(a, "--world") == 0)
    g_opt.world = atoi(value);
  else if (strcmp(a, "--seq") == 0)
    g_opt.seq = atoll(value);
  else if (strcmp(a, "--heads") == 0)
    g_opt.heads = atoll(value);
  else if (strcmp(a, "--kv-heads") == 0)
    g_opt.kv_heads = atoll(value);
  else if (strcmp(a, "--head-dim") == 0)
    g_opt.head_dim = atoll(value);
  else if (strcmp(a, "--profile") == 0)
    g_opt.profile = value;
  else if (strcmp(a, "--layout") == 0) {
    g_opt.layout = atoi(value);
    if (g_opt.layout < 0 || g_opt.layout > 2 || value[0] < '0' || value[0] > '2' || value[1] != '\0') {
      fprintf(stderr, "--layout %s: expected 0 (contiguous), 1 (zigzag) or 2 (striped)\n", value);
      return 0;
    }
  } else if (strcmp(a, "--expect") == 0) {
    g_opt.expect = expect_of(value);
    if (g_opt.expect == -2) {
      fprintf(stderr, "--expect %s: expected exact|nearest|foreign|defaults\n", value);
      return 0;
    }
  } else {
    fprintf(stderr, "unknown argument %s\n", a);
    return 0;
  }
  return 1;
}

static int parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (strcmp(a, "--causal") == 0) {
      g_opt.causal = 1;
    } else if (strcmp(a, "--mpi") == 0) {
      g_opt.mpi = 1;
    } else if (strcmp(a, "--mpi-split") == 0) {
      g_opt.mpi = 2;
    } else if (i + 1 >= argc) {
      fprintf(stderr, "%s: needs a value\n", a);
      return 0;
    } else if (!parse_valued(a, argv[++i])) {
      return 0;
    }
  }
  return 1;
}

#ifdef BURST_TEST_MPI
/* --mpi: a duplicate of MPI_COMM_WORLD. --mpi-split: MPI_Comm_split by world rank / 2, so 4 ranks
 * make two groups of 2 that each run the op on their own communicator and inputs (seeds of the
 * group's colour); the group's rank and size are those of the split, not of the world. */
static burst_status run_mpi(int* argc, char*** argv) {
  int provided = 0, world_rank = 0, world_size = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  MPI_Comm mine;
  burst_status st = BURST_OK;
  if (g_opt.mpi == 2) {
    g_opt.seed = (uint64_t)(world_rank / 2);
    MPI_Comm_split(MPI_COMM_WORLD, world_rank / 2, world_rank, &mine);
  } else {
    MPI_Comm_dup(MPI_COMM_WORLD, &mine);
  }
  burst_comm* comm = NULL;
  st = burst_comm_create_mpi_comm(&mine, &comm);
  if (st == BURST_OK && g_opt.mpi == 2) {
    const int want_size = world_size - world_rank / 2 * 2 >= 2 ? 2 : 1;
    if (burst_comm_size(comm) != want_size || burst_comm_rank(comm) != world_rank % 2) {
      fprintf(stderr, "rank %d: subgroup communicator is rank %d of %d, expected %d of %d\n", world_rank,
              burst_comm_rank(comm), burst_comm_size(comm), world_rank % 2, want_size);
      st = BURST_ERROR_RUNTIME;
    }
  }
  if (st == BURST_OK) st = rank_main(comm, NULL);
  burst_comm_destroy(comm);
  MPI_Comm_free(&mine);
  /* Every rank's verdict: a failed group fails the job, whatever rank prints the last line. */
  int ok = st == BURST_OK, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  MPI_Finalize();
  if (!all_ok && st == BURST_OK) {
    fprintf(stderr, "rank %d: another rank failed (its message is above)\n", world_rank);
    st = BURST_ERROR_RUNTIME;
  }
  return st;
}
#endif

int main(int argc, char** argv) {
  if (!parse(argc, argv)) return 2;
  burst_status st;
  if (g_opt.mpi) {
#ifdef BURST_TEST_MPI
    st = run_mpi(&argc, &argv);
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
  static const char* const modes[] = {"threads", "mpi", "mpi subgroup"};
  printf("capi_profile_test: ok (%s)\n", modes[g_opt.mpi]);
  return 0;
}
