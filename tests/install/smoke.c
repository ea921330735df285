/* Built against an installed opskit (pkg-config), dynamically and statically:
 * one call of each family, from a scratch folder. Usage: smoke VERSION */
#define _XOPEN_SOURCE 700
#include <opskit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c)                                                                             \
  do {                                                                                       \
    if (!(c)) {                                                                              \
      const char *m_ = opskit_last_error_message();                                          \
      fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, #c, m_ ? m_ : "");        \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
}

int main(int argc, char **argv) {
  CHECK(argc == 2 && strcmp(opskit_version(), argv[1]) == 0);
  char *out = NULL, *manifest = NULL, *snap = NULL;

  /* Versioning. */
  CHECK(opskit_version_bump("1.2.3", "minor", NULL, &out) == OPSKIT_OK && strcmp(out, "1.3.0") == 0);
  opskit_string_free(out);

  /* Health: a snapshot of this host. */
  opskit_health_collector *c = NULL;
  CHECK(opskit_health_collector_new(NULL, &c) == OPSKIT_OK);
  CHECK(opskit_health_collector_snapshot(c, &snap) == OPSKIT_OK && strstr(snap, "\"memory\"") != NULL);
  opskit_string_free(snap);
  opskit_health_collector_free(c);

  /* Backup manifests and docs audits on a scratch tree. */
  char dir[] = "/tmp/opskit-smoke-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256];
  snprintf(path, sizeof path, "%s/README.md", dir);
  put(path, "# KB\n\n[gone](gone.md)\n");
  CHECK(opskit_backup_build_manifest(dir, NULL, NULL, NULL, &manifest) == OPSKIT_OK);
  CHECK(opskit_backup_verify_tree(dir, manifest, "{\"mode\":\"full\"}", NULL, NULL, &out) == OPSKIT_OK);
  CHECK(strstr(out, "\"exact\":true") != NULL);
  opskit_string_free(out);
  opskit_string_free(manifest);
  CHECK(opskit_docs_audit(dir, "{\"required_metadata\":[]}", &out) == OPSKIT_OK);
  CHECK(strstr(out, "\"rule\":\"broken-link\"") != NULL);
  opskit_string_free(out);
  CHECK(remove(path) == 0 && rmdir(dir) == 0);

  /* Errors. */
  CHECK(opskit_version_bump("x", "minor", NULL, &out) == OPSKIT_ERR_INVALID_INPUT);
  printf("PASS smoke.c against opskit %s\n", opskit_version());
  return 0;
}
