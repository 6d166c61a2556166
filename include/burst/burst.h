/* libburst's C ABI: BurstAttention for callers in any language. No exception crosses it: every
 * function returns a burst_status, and burst_last_error() gives the message of the calling thread's
 * last failure. Tensor conventions are those of burst/attention.hpp (local shards, BSHD, lse as
 * (B, H, n) float32). Enumerations take the values documented beside each field. */
#ifndef BURST_BURST_H
#define BURST_BURST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum burst_status {
  BURST_OK = 0,
  BURST_ERROR_INVALID_ARGUMENT = 1, /* bad shape, schedule, pointer or value */
  BURST_ERROR_TIMEOUT = 2,          /* a peer did not answer before the deadline */
  BURST_ERROR_RUNTIME = 3           /* any other failure (communication, system) */
} burst_status;

typedef struct burst_shape {
  int64_t batch, seq, heads, kv_heads, head_dim; /* seq: global N; kv_heads 0 = heads */
  int dtype;                                     /* 0 fp32, 1 fp16, 2 bf16 */
  int causal;                                    /* 0 or 1 */
  float scale;                                   /* 0: 1/sqrt(head_dim) */
} burst_shape;

typedef struct burst_schedule {
  int layout;      /* 0 contiguous, 1 zigzag, 2 striped */
  int bwd_comm;    /* 0 q, 1 kv */
  int overlap;     /* 0 none, 1 double_buffer, 2 chunk_pipeline */
  int chunks;      /* 1..8 */
  int topology;    /* 0 flat, 1 double */
  int group_size;  /* ranks per group for topology double */
  int accum_dtype; /* 0 fp32, 1 input */
  int tile_q, tile_kv, threads;
} burst_schedule;

typedef struct burst_comm burst_comm;
typedef struct burst_op burst_op;

/* How an op's schedule was chosen from the tuned profiles (docs/profiles.md, "Selection"). */
typedef enum burst_selection_source {
  BURST_SELECTION_EXACT = 0,          /* an entry of this system whose sequence range holds N */
  BURST_SELECTION_NEAREST_BUCKET = 1, /* an entry of this system, nearest sequence range */
  BURST_SELECTION_FOREIGN = 2,        /* an entry measured on another system (policy warn/ignore) */
  BURST_SELECTION_DEFAULTS = 3        /* no entry: the built-in defaults */
} burst_selection_source;

typedef struct burst_selection {
  int source;              /* burst_selection_source */
  int entry_index;         /* index in the file's "entries"; -1 for the defaults */
  int fingerprint_match;   /* 1 when the entry was measured on this system */
  int warning_count;       /* burst_op_selection_warning(op, 0..warning_count-1) */
  const char* file;        /* the profile file ("" for the defaults); valid while the op lives */
  const char* explanation; /* one line: which entry and why; valid while the op lives */
} burst_selection;

/* A tensor argument with its memory and strides. strides: in elements, outermost first, for the
 * dimensions of the argument (q/k/v/o/dout/dq/dk/dv: (B, n, H, d), 4 strides; lse: (B, H, n), the
 * first 3); all zero means contiguous. device: -1 host memory; >= 0 a CUDA device pointer on that
 * device (needs the CUDA backend). */
typedef struct burst_tensor {
  void* data;
  int64_t strides[4];
  int device;
} burst_tensor;

const char* burst_version(void);
/* Message of this thread's last failed call ("" when none). */
const char* burst_last_error(void);

void burst_schedule_default(burst_schedule* schedule);

/* The parameter table (burst/params.hpp): how many parameters, the name of parameter i
 * ("kernel.tile_q"; NULL when out of range) and what it allows ("16..256, multiple of 16"). */
int burst_param_count(void);
const char* burst_param_name(int index);
const char* burst_param_allowed(int index);
/* Sets a parameter of `schedule` by name from text as profiles spell it ("ring.overlap",
 * "chunk_pipeline"); BURST_ERROR_INVALID_ARGUMENT naming the parameter and what is allowed
 * otherwise (burst_last_error). CUDA launch-shape parameters (kernel.warps, kernel.stages) are
 * accepted and have no effect on the cpu backend. */
burst_status burst_schedule_set(burst_schedule* schedule, const char* name, const char* value);

/* The MPI world (initialises MPI when needed). */
burst_status burst_comm_create_mpi(burst_comm** comm);
/* A communicator over the caller's MPI communicator, for instance the context-parallel subgroup of
 * a job that also runs data or tensor parallelism: `mpi_comm` points to an MPI_Comm (kept by the
 * caller; libburst duplicates it). MPI must grant MPI_THREAD_MULTIPLE. */
burst_status burst_comm_create_mpi_comm(const void* mpi_comm, burst_comm** comm);
/* A communicator of NCCL device transfers on `device` (CUDA builds with NCCL), collective over
 * `host` (an MPI or local communicator, kept by the caller and alive as long as this one): rank 0
 * makes the NCCL unique id and broadcasts it through `host`. */
burst_status burst_comm_create_nccl(burst_comm* host, int device, burst_comm** comm);
/* The same from an NCCL unique id the caller made (ncclGetUniqueId on one rank) and distributed
 * itself, for jobs whose launcher already does that (torch.distributed, a framework's own store):
 * every one of the `size` ranks passes the same id (`id_bytes` must be NCCL_UNIQUE_ID_BYTES, 128),
 * its own `rank` and `device`. Collective (ncclCommInitRank). With no host communicator, the host
 * collectives libburst needs run over NCCL too. Builds without NCCL return BURST_ERROR_RUNTIME
 * ("built without NCCL"); on failure *comm is NULL. */
burst_status burst_comm_create_nccl_id(const void* unique_id, size_t id_bytes, int rank, int size, int device,
                                       burst_comm** comm);
void burst_comm_destroy(burst_comm* comm);
int burst_comm_rank(const burst_comm* comm);
int burst_comm_size(const burst_comm* comm);

/* Runs fn on `world` threads of this process, each with its own rank of a local communicator.
 * Returns the first failure of any rank (fn's own non-OK status included). */
typedef burst_status (*burst_rank_fn)(burst_comm* comm, void* user);
burst_status burst_run_local(int world, burst_rank_fn fn, void* user);

burst_status burst_op_create(burst_comm* comm, const burst_shape* shape, const burst_schedule* schedule,
                             burst_op** op);
/* Creates an op whose schedule comes from the tuned profiles: `profile` is a search path as
 * BURST_PROFILE takes it (files and directories separated by ':'), or NULL / "" for BURST_PROFILE
 * itself (BURST_PROFILE_POLICY applies to both). pass: 0 fwd, 1 bwd, 2 fwd+bwd (what the op will
 * run; 2 for training). layout: -1 keeps the entry's ring.layout, 0..2 overrides it (for inputs
 * already sharded that way). Collective over comm: every rank calls it, in the same order. */
burst_status burst_op_create_from_profile(burst_comm* comm, const burst_shape* shape, int pass,
                                          const char* profile, int layout, burst_op** op);
/* Which entry an op's schedule came from (defaults for ops made by burst_op_create). */
burst_status burst_op_selection(const burst_op* op, burst_selection* selection);
/* Warning i of the selection (NULL when out of range); valid while the op lives. */
const char* burst_op_selection_warning(const burst_op* op, int index);
/* The schedule the op runs (its layout is the one to shard the inputs with). */
burst_status burst_op_schedule(const burst_op* op, burst_schedule* schedule);
void burst_op_destroy(burst_op* op);
burst_status burst_op_forward(burst_op* op, const void* q, const void* k, const void* v, void* o, float* lse);
burst_status burst_op_backward(burst_op* op, const void* q, const void* k, const void* v, const void* o,
                               const float* lse, const void* dout, void* dq, void* dk, void* dv);
/* The same passes with strided tensors and an optional CUDA stream (NULL: the default stream; must
 * be NULL for host tensors). Host tensors with strides are gathered into the op's contiguous
 * buffers and outputs scattered back; device tensors need the CUDA backend. */
burst_status burst_op_forward_ex(burst_op* op, const burst_tensor* q, const burst_tensor* k,
                                 const burst_tensor* v, const burst_tensor* o, const burst_tensor* lse,
                                 void* stream);
burst_status burst_op_backward_ex(burst_op* op, const burst_tensor* q, const burst_tensor* k,
                                  const burst_tensor* v, const burst_tensor* o, const burst_tensor* lse,
                                  const burst_tensor* dout, const burst_tensor* dq, const burst_tensor* dk,
                                  const burst_tensor* dv, void* stream);
/* Bytes this rank sent in the op's last pass. */
uint64_t burst_op_last_bytes_sent(const burst_op* op);

/* Global order <-> this rank's local order under a layout (0 contiguous, 1 zigzag, 2 striped), for
 * a (B, N, row_elems) tensor of elem_size-byte elements (q/k/v: row_elems = heads * head_dim) whose
 * shard is (B, N / world, row_elems); and for (B, H, N) float32 statistics (lse). */
burst_status burst_shard_rows(const void* global, void* local, int64_t batch, int64_t seq, int64_t row_elems,
                              size_t elem_size, int layout, int rank, int world);
burst_status burst_unshard_rows(const void* local, void* global, int64_t batch, int64_t seq,
                                int64_t row_elems, size_t elem_size, int layout, int rank, int world);
burst_status burst_shard_stats(const float* global, float* local, int64_t batch, int64_t heads, int64_t seq,
                               int layout, int rank, int world);
burst_status burst_unshard_stats(const float* local, float* global, int64_t batch, int64_t heads, int64_t seq,
                                 int layout, int rank, int world);
/* Global position of local row `local_row` of `rank` (for position embeddings). */
burst_status burst_global_position(int layout, int rank, int world, int64_t seq, int64_t local_row,
                                   int64_t* position);

#ifdef __cplusplus
}
#endif

#endif /* BURST_BURST_H */
