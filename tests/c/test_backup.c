/* The backup family through the C API: manifests of a real tree with a
 * progress callback (on the caller's thread), verify, diff, signatures,
 * chains, retention, BagIt, checksum lines, drills, and bad input.
 * JSON results are inspected with cJSON. Run under valgrind by make c-test. */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures = 0;
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
              opskit_last_error_message() ? opskit_last_error_message() : "");   \
      failures++;                                                                \
    }                                                                            \
  } while (0)

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

struct progress_seen {
  int calls;
  uint64_t last_bytes;
  pthread_t caller;
  int other_thread;
};

static void on_progress(const opskit_progress *p, void *user_data) {
  struct progress_seen *s = user_data;
  s->calls++;
  s->last_bytes = p->bytes_done;
  if (!pthread_equal(pthread_self(), s->caller)) s->other_thread = 1;
}

static cJSON *parse(char *json) {
  cJSON *v = cJSON_Parse(json);
  opskit_string_free(json);
  return v;
}

static const char *str_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

int main(void) {
  char dir[] = "/tmp/opskit-c-backup-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  char tree[512], path[600];
  snprintf(tree, sizeof tree, "%s/tree", dir);
  mkdir(tree, 0755);
  snprintf(path, sizeof path, "%s/db", tree);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/db/orders.sql", tree);
  write_file(path, "abc");
  snprintf(path, sizeof path, "%s/db/users.sql", tree);
  write_file(path, "insert 2;\n");

  /* Build with progress, on this thread. */
  struct progress_seen seen = {0, 0, pthread_self(), 0};
  char *manifest = NULL;
  CHECK(opskit_backup_build_manifest(tree, "{\"algorithms\":[\"blake3\",\"sha256\"],\"created\":\"2026-12-02T00:00:00Z\"}",
                               on_progress, &seen, &manifest) == OPSKIT_OK);
  CHECK(manifest && strstr(manifest, "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"));
  CHECK(seen.calls > 0 && seen.last_bytes == 13 && !seen.other_thread);

  /* Write, read back: the same canonical text. */
  char mfile[600];
  snprintf(mfile, sizeof mfile, "%s/m.json", dir);
  CHECK(opskit_backup_write_manifest(manifest, mfile) == OPSKIT_OK);
  char *again = NULL;
  CHECK(opskit_backup_read_manifest(mfile, &again) == OPSKIT_OK);
  CHECK(again && strcmp(again, manifest) == 0);
  opskit_string_free(again);

  /* Verify: exact, then changed. */
  char *report = NULL;
  CHECK(opskit_backup_verify_tree(tree, manifest, NULL, NULL, NULL, &report) == OPSKIT_OK);
  cJSON *r = parse(report);
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(r, "exact")));
  cJSON_Delete(r);
  snprintf(path, sizeof path, "%s/db/orders.sql", tree);
  write_file(path, "abd");
  report = NULL;
  CHECK(opskit_backup_verify_tree(tree, manifest, "{\"mode\":\"full\"}", NULL, NULL, &report) == OPSKIT_OK);
  r = parse(report);
  CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r, "exact")));
  CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "counts"), "content")->valueint == 1);
  cJSON_Delete(r);

  /* Diff against a new manifest. */
  char *second = NULL;
  CHECK(opskit_backup_build_manifest(tree, "{\"algorithms\":[\"blake3\",\"sha256\"]}", NULL, NULL, &second) == OPSKIT_OK);
  char *diff = NULL;
  CHECK(opskit_backup_diff_manifests(manifest, second, &diff) == OPSKIT_OK);
  cJSON *d = parse(diff);
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(d, "modified")) == 1);
  cJSON_Delete(d);
  opskit_string_free(second);

  /* HMAC signature; a changed manifest is an integrity error. */
  const char *key = "0123456789abcdef0123456789abcdef";
  char *sig = NULL;
  CHECK(opskit_backup_sign_manifest(manifest, (const uint8_t *)key, strlen(key), "daily", NULL, &sig) == OPSKIT_OK);
  CHECK(opskit_backup_check_signature(manifest, sig, (const uint8_t *)key, strlen(key)) == OPSKIT_OK);
  char *forged = strdup(manifest);
  char *at = strstr(forged, "\"root\": \"");
  if (at) at[9] = at[9] == 'x' ? 'y' : 'x';
  CHECK(opskit_backup_check_signature(forged, sig, (const uint8_t *)key, strlen(key)) == OPSKIT_ERR_INTEGRITY);
  CHECK(opskit_last_error_message() && strstr(opskit_last_error_message(), "changed"));
  free(forged);
  opskit_string_free(sig);
  CHECK(opskit_backup_sign_manifest(manifest, (const uint8_t *)"short", 5, "k", NULL, &sig) == OPSKIT_ERR_INVALID_INPUT);

  /* Chains. */
  char *hash = NULL;
  CHECK(opskit_backup_chain_hash(manifest, &hash) == OPSKIT_OK);
  char opts[256];
  snprintf(opts, sizeof opts, "{\"previous\":\"%s\"}", hash ? hash : "");
  char *next = NULL;
  CHECK(opskit_backup_build_manifest(tree, opts, NULL, NULL, &next) == OPSKIT_OK);
  opskit_string_free(hash);
  size_t len = strlen(manifest) + strlen(next) + 8;
  char *chain = malloc(len);
  snprintf(chain, len, "[%s,%s]", manifest, next);
  CHECK(opskit_backup_check_chain(chain) == OPSKIT_OK);
  snprintf(chain, len, "[%s,%s]", next, manifest);
  CHECK(opskit_backup_check_chain(chain) == OPSKIT_ERR_INTEGRITY);
  free(chain);
  opskit_string_free(next);

  /* Retention. */
  char *plan = NULL;
  CHECK(opskit_backup_plan_retention("[{\"id\":\"a\",\"time\":\"2026-12-01T01:00:00Z\"},{\"id\":\"b\",\"time\":\"2026-11-30T01:00:00Z\"}]",
                                "{\"keep_daily\":1}", "2026-12-02T00:00:00Z", &plan) == OPSKIT_OK);
  cJSON *p = parse(plan);
  CHECK(strcmp(str_at(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "keep"), 0), "snapshot"), "id"), "a") == 0);
  cJSON_Delete(p);
  CHECK(opskit_backup_plan_retention("[]", "{}", NULL, &plan) == OPSKIT_ERR_INVALID_INPUT);

  /* Bags. */
  char bag[600], bag_opts[700];
  snprintf(bag, sizeof bag, "%s/bag", dir);
  snprintf(bag_opts, sizeof bag_opts, "{\"dest\":\"%s\",\"bagging_date\":\"2026-12-02\"}", bag);
  char *made = NULL;
  CHECK(opskit_backup_make_bag(tree, bag_opts, &made) == OPSKIT_OK);
  opskit_string_free(made);
  char *valid = NULL;
  CHECK(opskit_backup_validate_bag(bag, NULL, &valid) == OPSKIT_OK);
  cJSON *v = parse(valid);
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(v, "valid")));
  cJSON_Delete(v);

  /* Checksum lines and a drill on the current tree. */
  char *current = NULL;
  CHECK(opskit_backup_build_manifest(tree, "{\"algorithms\":[\"sha256\"]}", NULL, NULL, &current) == OPSKIT_OK);
  char *lines = NULL;
  CHECK(opskit_backup_checksum_lines(current, "sha256sum", &lines) == OPSKIT_OK);
  CHECK(lines && strstr(lines, "  db/orders.sql\n"));
  opskit_string_free(lines);
  CHECK(opskit_backup_checksum_lines(current, "b3sum", &lines) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(opskit_backup_checksum_lines(current, "md5", &lines) == OPSKIT_ERR_INVALID_INPUT);
  char *drill = NULL;
  seen.calls = 0;
  CHECK(opskit_backup_restore_drill(tree, current, "{\"rto\":\"1h\",\"restore_time\":\"10m\"}", on_progress, &seen, &drill) == OPSKIT_OK);
  cJSON *dr = parse(drill);
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(dr, "passed")));
  CHECK(strncmp(str_at(dr, "summary"), "restore drill PASSED", 20) == 0);
  CHECK(seen.calls > 0);
  cJSON_Delete(dr);
  opskit_string_free(current);

  /* Bad input: NULLs, hostile manifests, missing paths. */
  char *out = NULL;
  CHECK(opskit_backup_build_manifest(NULL, NULL, NULL, NULL, &out) == OPSKIT_ERR_NULL_ARGUMENT);
  CHECK(opskit_backup_build_manifest(tree, NULL, NULL, NULL, NULL) == OPSKIT_ERR_NULL_ARGUMENT);
  CHECK(opskit_backup_build_manifest("/nonexistent/opskit", NULL, NULL, NULL, &out) == OPSKIT_ERR_NOT_FOUND);
  CHECK(opskit_backup_build_manifest(tree, "{\"bogus\":1}", NULL, NULL, &out) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(out == NULL);
  CHECK(opskit_backup_verify_tree(tree, "{\"format\":\"opskit-manifest\",\"version\":3}", NULL, NULL, NULL, &out) == OPSKIT_ERR_UNSUPPORTED);
  CHECK(opskit_backup_read_manifest("/nonexistent/m.json", &out) == OPSKIT_ERR_NOT_FOUND);
  CHECK(opskit_backup_sign_manifest(manifest, NULL, 3, "k", NULL, &out) == OPSKIT_ERR_INVALID_INPUT);

  opskit_string_free(manifest);
  char rm[700];
  snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
  if (system(rm) != 0) fprintf(stderr, "cannot remove %s\n", dir);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("PASS test_backup\n");
  return 0;
}
