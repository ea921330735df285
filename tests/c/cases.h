/* Helpers of the shared case files (tests/cases, one JSON file per family) for the C tests:
 * reading a file, making parent folders, and the subset comparison every
 * language uses (every key given must match, arrays element by element). */
#ifndef OPSKIT_TEST_CASES_H
#define OPSKIT_TEST_CASES_H

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole file as a NUL-terminated string (malloc'd), or NULL. */
static inline char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Make the parent folders of `path` (like mkdir -p of its dirname). */
static inline int mkdirs_for(const char *path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
      *p = '/';
    }
  }
  return 0;
}

/* Does `got` contain `want`? */
static inline int subset(const cJSON *got, const cJSON *want) {
  if (cJSON_IsObject(want)) {
    if (!cJSON_IsObject(got)) return 0;
    const cJSON *w;
    cJSON_ArrayForEach(w, want) {
      const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, w->string);
      if (!g || !subset(g, w)) return 0;
    }
    return 1;
  }
  if (cJSON_IsArray(want)) {
    if (!cJSON_IsArray(got) || cJSON_GetArraySize(got) != cJSON_GetArraySize(want)) return 0;
    for (int i = 0; i < cJSON_GetArraySize(want); i++) {
      if (!subset(cJSON_GetArrayItem(got, i), cJSON_GetArrayItem(want, i))) return 0;
    }
    return 1;
  }
  return cJSON_Compare(got, want, 1);
}

#endif
