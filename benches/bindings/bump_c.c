/* Cost of one cheap call (opskit_version_bump + opskit_string_free) from C. */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <stdio.h>
#include <time.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void) {
  const int n = 200000;
  double best = 1e18;
  for (int r = 0; r < 5; r++) {
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
      char *out = NULL;
      if (opskit_version_bump("1.2.3", "minor", NULL, &out) != OPSKIT_OK) return 1;
      opskit_string_free(out);
    }
    double per = (now_ns() - t0) / n;
    if (per < best) best = per;
  }
  printf("c       bump: %8.0f ns/call\n", best);
  return 0;
}
