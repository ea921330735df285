/* A deliberate heap use-after-free and a signed overflow: make sanitize-test
 * requires this program to fail, proving the sanitizers are really on. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  (void)argv;
  int *p = malloc(sizeof *p);
  *p = argc;
  free(p);
  int big = INT_MAX - 1 + argc;
  printf("%d %d\n", *p, big + 1); /* both are errors */
  return 0;
}
