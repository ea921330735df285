/* The same calls from many pthreads at once give the same results as one
 * at a time, and each thread's last error message is its own. Run under
 * valgrind (make c-test) and under ASan/UBSan (make sanitize-test).
 * Usage: test_concurrency */
#define _XOPEN_SOURCE 700
#include <opskit.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS 6
#define CALLS 4

static char repo[64], kb[64];
static char *alone[CALLS];
static int failures = 0;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, int call) {
  pthread_mutex_lock(&mu);
  fprintf(stderr, "FAIL %s (call %d)\n", what, call);
  failures++;
  pthread_mutex_unlock(&mu);
}

static opskit_status call(int which, char **out) {
  switch (which) {
    case 0: return opskit_version_bump("1.2.3", "preminor", "rc", out);
    case 1: return opskit_version_changelog(repo, "{\"range\":\"all\"}", out);
    case 2: return opskit_docs_audit(kb, "{\"required_metadata\":[],\"entry_points\":[]}", out);
    default: return opskit_docs_slugs("[\"Roll back\",\"Roll back\",\"Émoji 🚀\"]", out);
  }
}

static void *worker(void *arg) {
  long id = (long)arg;
  for (int r = 0; r < ROUNDS; r++) {
    for (int c = 0; c < CALLS; c++) {
      char *out = NULL;
      int which = (int)((c + id + r) % CALLS);
      if (call(which, &out) != OPSKIT_OK || strcmp(out, alone[which]) != 0) fail("result differs", which);
      opskit_string_free(out);
    }
    /* This thread's own error, whatever the others do meanwhile. */
    char bad[64], *out = NULL;
    snprintf(bad, sizeof bad, "bad-%ld-%d", id, r);
    if (opskit_version_bump(bad, "minor", NULL, &out) != OPSKIT_ERR_INVALID_INPUT) fail("no error", -1);
    sched_yield(); /* let the others run between the error and its read */
    const char *m = opskit_last_error_message();
    if (m == NULL || strstr(m, bad) == NULL) fail("another thread's error message", -1);
  }
  return NULL;
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) exit(2);
  fputs(text, f);
  fclose(f);
}

int main(void) {
  strcpy(repo, "/tmp/opskit-c-conc-XXXXXX");
  strcpy(kb, "/tmp/opskit-c-kb-XXXXXX");
  if (!mkdtemp(repo) || !mkdtemp(kb)) return 2;
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "cd %s && git init -q -b main . && G='git -c user.name=T -c user.email=t@example.com' && "
           "$G commit -q --allow-empty -m 'feat: a' && git tag v1.0.0 && "
           "$G commit -q --allow-empty -m 'fix(api): b' && $G commit -q --allow-empty -m 'feat!: c'",
           repo);
  if (system(cmd) != 0) return 2;
  for (int i = 0; i < 20; i++) {
    char path[128], text[256];
    snprintf(path, sizeof path, "%s/p%d.md", kb, i);
    snprintf(text, sizeof text, "# P%d\n\n[next](p%d.md#p%d) [gone](gone%d.md)\n", i, i + 1, i + 1, i % 3);
    put(path, text);
  }
  for (int c = 0; c < CALLS; c++) {
    if (call(c, &alone[c]) != OPSKIT_OK) {
      fprintf(stderr, "call %d: %s\n", c, opskit_last_error_message());
      return 1;
    }
  }
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (int c = 0; c < CALLS; c++) opskit_string_free(alone[c]);
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", repo, kb);
  if (system(cmd) != 0) return 2;
  if (failures) {
    fprintf(stderr, "FAIL test_concurrency: %d failure(s)\n", failures);
    return 1;
  }
  printf("PASS test_concurrency (%d threads x %d rounds x %d calls)\n", THREADS, ROUNDS, CALLS);
  return 0;
}
