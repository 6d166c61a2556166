/* burst/burst.h must compile as plain C. */
#include "burst/burst.h"

int burst_c_header_check(void);
int burst_c_header_check(void) {
  burst_schedule s;
  burst_schedule_default(&s);
  return s.chunks == 1 ? 0 : 1;
}
