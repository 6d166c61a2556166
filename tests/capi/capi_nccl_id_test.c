/* burst_comm_create_nccl_id from C: the refusals that need no device, each one line naming the
 * argument, with *comm left NULL. In a build without NCCL every well-formed call is the "built
 * without NCCL" status of burst_comm_create_nccl. Built as C11 like capi_profile_test.
 *
 *   capi_nccl_id_test        exit 0 when every check passed, 1 otherwise (one line per failure) */
#include <stdio.h>
#include <string.h>

#include "burst/burst.h"

static int g_failures = 0;

/* One call's status and message against what is expected; *out must stay NULL. */
static void expect(const char* what, const void* id, size_t bytes, int rank, int size, int device,
                   burst_status want, const char* text) {
  static int sentinel;
  burst_comm* out = (burst_comm*)&sentinel;
  const burst_status st = burst_comm_create_nccl_id(id, bytes, rank, size, device, &out);
  const char* msg = burst_last_error();
  if (st != want || strstr(msg, text) == NULL || out != NULL) {
    fprintf(stderr, "%s: status %d (expected %d), message \"%s\" (expected \"%s\"), out %s\n", what, (int)st,
            (int)want, msg, text, out == NULL ? "NULL" : "not NULL");
    ++g_failures;
  } else {
    printf("%s: %s\n", what, msg);
  }
}

int main(void) {
  unsigned char id[128] = {0};
  if (burst_comm_create_nccl_id(id, sizeof id, 0, 1, 0, NULL) != BURST_ERROR_INVALID_ARGUMENT) {
    fprintf(stderr, "a NULL comm must be refused\n");
    ++g_failures;
  }
  expect("NULL id", NULL, 128, 0, 1, 0, BURST_ERROR_INVALID_ARGUMENT, "NULL argument");
#ifdef BURST_TEST_NCCL
  expect("id_bytes 127", id, 127, 0, 1, 0, BURST_ERROR_INVALID_ARGUMENT,
         "id_bytes 127 is not NCCL_UNIQUE_ID_BYTES (128)");
  expect("id_bytes 0", id, 0, 0, 1, 0, BURST_ERROR_INVALID_ARGUMENT, "id_bytes 0 is not");
  expect("size 0", id, 128, 0, 0, 0, BURST_ERROR_INVALID_ARGUMENT, "size 0 must be >= 1");
  expect("rank -1", id, 128, -1, 2, 0, BURST_ERROR_INVALID_ARGUMENT, "rank -1 is outside 0..1");
  expect("rank 2 of 2", id, 128, 2, 2, 0, BURST_ERROR_INVALID_ARGUMENT, "rank 2 is outside 0..1");
  expect("device -1", id, 128, 0, 1, -1, BURST_ERROR_INVALID_ARGUMENT, "device -1 is not a CUDA device");
#else
  expect("no NCCL", id, 128, 0, 1, 0, BURST_ERROR_RUNTIME, "built without NCCL");
  expect("no NCCL (bad size)", id, 127, 0, 1, 0, BURST_ERROR_RUNTIME, "built without NCCL");
#endif
  if (g_failures) {
    fprintf(stderr, "capi_nccl_id_test: %d check(s) FAILED\n", g_failures);
    return 1;
  }
  printf("capi_nccl_id_test: ok\n");
  return 0;
}
