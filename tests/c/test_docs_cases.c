/* The cases of tests/cases/docs.json through the C API (each audit case's
 * files written into a new folder), then the report functions and bad
 * arguments. Run under valgrind by make c-test.
 * Usage: test_docs_cases tests/cases/docs.json */
#define _XOPEN_SOURCE 700
#include <opskit.h>

#include <cjson/cJSON.h>
#include <ftw.h>
#include <unistd.h>

#include "cases.h"

static const char *s(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

/* Write `files` (path → text) into a new folder; its path in `dir`. */
static int write_tree(const cJSON *files, char *dir) {
  strcpy(dir, "/tmp/opskit-c-docs-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  const cJSON *f;
  cJSON_ArrayForEach(f, files) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, f->string);
    FILE *out = (mkdirs_for(path) == 0) ? fopen(path, "wb") : NULL;
    if (!out) return -1;
    fputs(f->valuestring, out);
    fclose(out);
  }
  return 0;
}

static opskit_status run(const cJSON *c, cJSON **got) {
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(c, "args");
  const char *call = s(c, "call");
  char *out = NULL;
  opskit_status st;
  if (strcmp(call, "slugs") == 0) {
    char *headings = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(args, "headings"));
    st = opskit_docs_slugs(headings, &out);
    cJSON_free(headings);
  } else if (strcmp(call, "scan_markdown") == 0) {
    st = opskit_docs_scan_markdown(s(args, "path"), s(args, "text"), &out);
  } else if (strcmp(call, "audit") == 0) {
    char dir[64];
    if (write_tree(cJSON_GetObjectItemCaseSensitive(args, "files"), dir) != 0) {
      fprintf(stderr, "cannot write the tree\n");
      exit(2);
    }
    char *options = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(args, "options"));
    st = opskit_docs_audit(dir, options, &out);
    cJSON_free(options);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  } else {
    fprintf(stderr, "unknown call %s\n", call);
    exit(2);
  }
  if (st == OPSKIT_OK) {
    *got = cJSON_Parse(out);
    opskit_string_free(out);
  }
  return st;
}

static int failures = 0;
#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
      failures++;                                                                  \
    }                                                                              \
  } while (0)

/* Reports, baselines and bad arguments on one small tree. */
static void reports(void) {
  cJSON *files = cJSON_Parse("{\"README.md\":\"[a](gone.md) [b](ops.md#Rollback)\\n\",\"ops.md\":\"# Ops\\n\\n## Rollback\\n\"}");
  char dir[64], *audit = NULL, *text = NULL, *sarif = NULL, *left = NULL;
  CHECK(write_tree(files, dir) == 0);
  CHECK(opskit_docs_audit(dir, "{\"required_metadata\":[],\"entry_points\":[]}", &audit) == OPSKIT_OK);
  CHECK(opskit_docs_to_text(audit, &text) == OPSKIT_OK);
  CHECK(strstr(text, "README.md\n  1:1 error[broken-link] links to gone.md, which does not exist\n") == text);
  CHECK(strstr(text, "1 error(s), 1 warning(s)\n") != NULL);
  CHECK(opskit_docs_to_sarif(audit, &sarif) == OPSKIT_OK);
  cJSON *log = cJSON_Parse(sarif);
  CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(log, "version")->valuestring, "2.1.0") == 0);
  cJSON_Delete(log);
  CHECK(opskit_docs_apply_baseline(audit, audit, &left) == OPSKIT_OK);
  cJSON *rest = cJSON_Parse(left);
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rest, "findings")) == 0);
  cJSON_Delete(rest);
  opskit_string_free(audit);
  opskit_string_free(text);
  opskit_string_free(sarif);
  opskit_string_free(left);
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  cJSON_Delete(files);

  char *out = NULL;
  CHECK(opskit_docs_audit(NULL, NULL, &out) == OPSKIT_ERR_NULL_ARGUMENT && out == NULL);
  CHECK(opskit_docs_audit("/nonexistent/docs", NULL, &out) == OPSKIT_ERR_NOT_FOUND);
  CHECK(opskit_docs_audit("/tmp", "{\"colour\":1}", &out) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "unknown field") != NULL);
  CHECK(opskit_docs_to_sarif("{}", &out) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(opskit_docs_slugs("[1]", &out) == OPSKIT_ERR_INVALID_INPUT);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s tests/cases/docs.json\n", argv[0]);
    return 2;
  }
  char *text = read_file(argv[1]);
  cJSON *doc = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!doc) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  int n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cases")) {
    n++;
    const char *name = s(c, "name");
    cJSON *got = NULL;
    opskit_status st = run(c, &got);
    const char *error = s(c, "error");
    int ok;
    if (error) {
      char want[64];
      snprintf(want, sizeof want, "OPSKIT_ERR_%s", error + strlen("ERR_OPSKIT_"));
      ok = strcmp(opskit_status_name(st), want) == 0;
      if (!ok) fprintf(stderr, "%s: got %s, want %s\n", name, opskit_status_name(st), want);
    } else if (st != OPSKIT_OK) {
      ok = 0;
      fprintf(stderr, "%s: %s: %s\n", name, opskit_status_name(st), opskit_last_error_message());
    } else {
      ok = subset(got, cJSON_GetObjectItemCaseSensitive(c, "result"));
      if (!ok) {
        char *p = cJSON_Print(got);
        fprintf(stderr, "%s: got %s\n", name, p);
        cJSON_free(p);
      }
    }
    if (!ok) failures++;
    cJSON_Delete(got);
  }
  cJSON_Delete(doc);
  reports();
  if (failures) {
    fprintf(stderr, "FAIL test_docs_cases: %d failure(s)\n", failures);
    return 1;
  }
  printf("PASS test_docs_cases (%d cases, reports)\n", n);
  return 0;
}
