/* libburst's C ABI: BurstAttention for callers in any language. No exception crosses it: every
 * function returns a burst_status, and burst_last_error() gives the message of the calling thread's
 * last failure. Tensor conventions are those of burst/attention.hpp (local shards, BSHD, lse as
 * (B, H, n) float32). Enumerations take the values documented beside each field. */
#ifndef BURST_BURST_H
#define BURST_BURST_H

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
void burst_comm_destroy(burst_comm* comm);
int burst_comm_rank(const burst_comm* comm);
int burst_comm_size(const burst_comm* comm);

/* Runs fn on `world` threads of this process, each with its own rank of a local communicator.
 * Returns the first failure of any rank (fn's own non-OK status included). */
typedef burst_status (*burst_rank_fn)(burst_comm* comm, void* user);
burst_status burst_run_local(int world, burst_rank_fn fn, void* user);

burst_status burst_op_create(burst_comm* comm, const burst_shape* shape, const burst_schedule* schedule,
                             burst_op** op);
void burst_op_destroy(burst_op* op);
burst_status burst_op_forward(burst_op* op, const void* q, const void* k, const void* v, void* o, float* lse);
burst_status burst_op_backward(burst_op* op, const void* q, const void* k, const void* v, const void* o,
                               const float* lse, const void* dout, void* dq, void* dk, void* dv);
/* Bytes this rank sent in the op's last pass. */
uint64_t burst_op_last_bytes_sent(const burst_op* op);

#ifdef __cplusplus
}
#endif

#endif /* BURST_BURST_H */
