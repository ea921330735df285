/* The hostile-input matrix (tests/cases/bad_inputs.json) through the C API:
 * each case returns its status (the DESIGN.md table) or OPSKIT_OK with its
 * result, within its deadline; no case may return OPSKIT_ERR_PANIC.
 * Run natively by make c-test and under ASan/UBSan by make sanitize-test.
 * Usage: test_bad_inputs tests/cases/bad_inputs.json */
#define _XOPEN_SOURCE 700
#include <opskit.h>

#include <cjson/cJSON.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "net.h"

static char root[4096];
static char dead_url[64], stalled_url[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void put(const char *rel, const char *data, size_t len) {
  char p[8192];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  mkdirs_for(p);
  FILE *f = fopen(p, "wb");
  if (!f || fwrite(data, 1, len, f) != len) {
    perror(p);
    exit(2);
  }
  fclose(f);
}

/* `text` with {dead_url} and {stalled_url} replaced (malloc'd). */
static char *with_urls(const char *text) {
  size_t cap = strlen(text) * 2 + 256, n = 0;
  char *out = malloc(cap);
  for (const char *p = text; *p;) {
    const char *url = NULL;
    size_t skip = 0;
    if (strncmp(p, "{dead_url}", 10) == 0) url = dead_url, skip = 10;
    if (strncmp(p, "{stalled_url}", 13) == 0) url = stalled_url, skip = 13;
    if (url) {
      n += (size_t)sprintf(out + n, "%s", url);
      p += skip;
    } else {
      out[n++] = *p++;
    }
  }
  out[n] = '\0';
  return out;
}

static void git(const char *args) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd,
           "cd '%s/repo' && git -c user.name=T -c user.email=t@example.invalid -c commit.gpgsign=false %s >/dev/null",
           root, args);
  if (system(cmd) != 0) {
    fprintf(stderr, "failed: %s\n", cmd);
    exit(2);
  }
}

static void build_fixture(const cJSON *f) {
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "files")) {
    char *text = with_urls(e->valuestring);
    put(e->string, text, strlen(text));
    free(text);
  }
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "hex_files")) {
    size_t n = strlen(e->valuestring) / 2;
    char *bytes = malloc(n + 1);
    for (size_t i = 0; i < n; i++) sscanf(e->valuestring + 2 * i, "%2hhx", (unsigned char *)&bytes[i]);
    put(e->string, bytes, n);
    free(bytes);
  }
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "symlinks")) {
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", root, e->string);
    mkdirs_for(p);
    if (symlink(e->valuestring, p) != 0) {
      perror(p);
      exit(2);
    }
  }
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "dirs")) {
    char p[8192];
    snprintf(p, sizeof p, "%s/%s/", root, e->valuestring);
    mkdirs_for(p);
  }
  char repo[8192];
  snprintf(repo, sizeof repo, "%s/repo/", root);
  mkdirs_for(repo);
  git("init -q -b main");
  int i = 0;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "repo")) {
    char rel[64], args[4096];
    snprintf(rel, sizeof rel, "repo/f%d.txt", i++);
    put(rel, "x", 1);
    git("add -A");
    snprintf(args, sizeof args, "commit -q -m '%s'", cJSON_GetObjectItem(e, "message")->valuestring);
    git(args);
  }
}

static char *repeat(const char *s, int times) {
  size_t n = strlen(s);
  char *out = malloc(n * (size_t)times + 1);
  for (int i = 0; i < times; i++) memcpy(out + n * (size_t)i, s, n);
  out[n * (size_t)times] = '\0';
  return out;
}

/* Expand the markers of the matrix (see its `about`) into a new cJSON. */
static cJSON *expand(const cJSON *x) {
  if (cJSON_IsObject(x)) {
    const cJSON *m;
    if ((m = cJSON_GetObjectItem(x, "$path"))) {
      char p[8192];
      snprintf(p, sizeof p, "%s/%s", root, m->valuestring);
      return cJSON_CreateString(p);
    }
    int times = cJSON_GetObjectItem(x, "times") ? cJSON_GetObjectItem(x, "times")->valueint : 0;
    if ((m = cJSON_GetObjectItem(x, "$repeat"))) {
      char *s = repeat(m->valuestring, times);
      cJSON *r = cJSON_CreateString(s);
      free(s);
      return r;
    }
    if ((m = cJSON_GetObjectItem(x, "$repeat_value"))) {
      cJSON *a = cJSON_CreateArray();
      for (int i = 0; i < times; i++) cJSON_AddItemToArray(a, expand(m));
      return a;
    }
    if ((m = cJSON_GetObjectItem(x, "$nest"))) {
      int depth = cJSON_GetObjectItem(x, "depth")->valueint;
      cJSON *inner = expand(cJSON_GetObjectItem(x, "inner"));
      char *open = repeat(cJSON_GetArrayItem(m, 0)->valuestring, depth);
      char *close = repeat(cJSON_GetArrayItem(m, 1)->valuestring, depth);
      size_t n = strlen(open) + strlen(inner->valuestring) + strlen(close);
      char *s = malloc(n + 1);
      strcat(strcat(strcpy(s, open), inner->valuestring), close);
      cJSON *r = cJSON_CreateString(s);
      free(s), free(open), free(close);
      cJSON_Delete(inner);
      return r;
    }
    if ((m = cJSON_GetObjectItem(x, "$hex"))) {
      size_t n = strlen(m->valuestring) / 2;
      char *bytes = calloc(n + 1, 1);
      for (size_t i = 0; i < n; i++) sscanf(m->valuestring + 2 * i, "%2hhx", (unsigned char *)&bytes[i]);
      cJSON *r = cJSON_CreateString("");
      free(r->valuestring);
      r->valuestring = bytes; /* cJSON_Delete frees it */
      return r;
    }
    if ((m = cJSON_GetObjectItem(x, "$url"))) {
      return cJSON_CreateString(strcmp(m->valuestring, "dead") == 0 ? dead_url : stalled_url);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_ArrayForEach(m, x) cJSON_AddItemToObject(o, m->string, expand(m));
    return o;
  }
  if (cJSON_IsArray(x)) {
    cJSON *a = cJSON_CreateArray();
    const cJSON *m;
    cJSON_ArrayForEach(m, x) cJSON_AddItemToArray(a, expand(m));
    return a;
  }
  return cJSON_Duplicate(x, 1);
}

static const char *str(const cJSON *a, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(a, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A JSON argument as text (malloc'd; NULL stays NULL). */
static char *json(const cJSON *a, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(a, key);
  return v && !cJSON_IsNull(v) ? cJSON_PrintUnformatted(v) : NULL;
}

/* Call `name` with `a`; the result (JSON text, or "null") in *out. */
static opskit_status call(const char *name, const cJSON *a, char **out) {
  opskit_status st;
  char *o = json(a, "options");
  *out = NULL;
  if (!strcmp(name, "parse_version")) {
    st = opskit_version_parse_version(str(a, "version"), out);
  } else if (!strcmp(name, "bump")) {
    st = opskit_version_bump(str(a, "version"), str(a, "level"), str(a, "channel"), out);
  } else if (!strcmp(name, "satisfies")) {
    bool yes = false;
    st = opskit_version_satisfies(str(a, "version"), str(a, "range"), &yes);
    if (st == OPSKIT_OK) *out = strdup(yes ? "true" : "false");
  } else if (!strcmp(name, "sort_versions")) {
    char *v = json(a, "versions");
    st = opskit_version_sort_versions(v, out);
    free(v);
  } else if (!strcmp(name, "parse_commit_message")) {
    st = opskit_version_parse_commit_message(str(a, "message"), out);
  } else if (!strcmp(name, "next_version")) {
    st = opskit_version_next_version(str(a, "path"), o, out);
  } else if (!strcmp(name, "changelog")) {
    st = opskit_version_changelog(str(a, "path"), o, out);
  } else if (!strcmp(name, "check_branch")) {
    st = opskit_version_check_branch(str(a, "name"), o, out);
  } else if (!strcmp(name, "build_manifest")) {
    st = opskit_backup_build_manifest(str(a, "path"), o, NULL, NULL, out);
  } else if (!strcmp(name, "read_manifest")) {
    st = opskit_backup_read_manifest(str(a, "path"), out);
  } else if (!strcmp(name, "manifest_from_json")) {
    /* C takes manifests as JSON text: chain_hash parses and validates it. */
    st = opskit_backup_chain_hash(str(a, "text"), out);
  } else if (!strcmp(name, "verify_tree")) {
    char *m = read_file(str(a, "manifest"));
    st = opskit_backup_verify_tree(str(a, "path"), m, o, NULL, NULL, out);
    free(m);
  } else if (!strcmp(name, "plan_retention")) {
    char *snaps = json(a, "snapshots"), *policy = json(a, "policy");
    st = opskit_backup_plan_retention(snaps, policy, str(a, "now"), out);
    free(snaps), free(policy);
  } else if (!strcmp(name, "validate_bag")) {
    st = opskit_backup_validate_bag(str(a, "path"), o, out);
  } else if (!strcmp(name, "parse_policy")) {
    st = opskit_health_parse_policy(str(a, "text"), out);
  } else if (!strcmp(name, "evaluate")) {
    char *rules = json(a, "rules");
    opskit_health_evaluator *ev = NULL;
    st = opskit_health_evaluator_new(rules, &ev);
    opskit_health_evaluator_free(ev);
    free(rules);
  } else if (!strcmp(name, "run_probes")) {
    char *probes = json(a, "probes");
    st = opskit_health_run_probes(probes, cJSON_GetObjectItem(a, "deadline")->valuedouble, out);
    free(probes);
  } else if (!strcmp(name, "availability")) {
    char *samples = json(a, "samples");
    st = opskit_health_availability(samples, o, out);
    free(samples);
  } else if (!strcmp(name, "validate_event")) {
    char *event = json(a, "event");
    st = opskit_health_validate_event(event);
    free(event);
  } else if (!strcmp(name, "audit")) {
    st = opskit_docs_audit(str(a, "path"), o, out);
  } else if (!strcmp(name, "scan_markdown")) {
    st = opskit_docs_scan_markdown(str(a, "path"), str(a, "text"), out);
  } else if (!strcmp(name, "scan_html")) {
    st = opskit_docs_scan_html(str(a, "path"), str(a, "text"), out);
  } else if (!strcmp(name, "slugs")) {
    char *h = json(a, "headings");
    st = opskit_docs_slugs(h, out);
    free(h);
  } else {
    fprintf(stderr, "the matrix names a call this runner does not know: %s\n", name);
    exit(2);
  }
  free(o);
  return st;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s tests/cases/bad_inputs.json\n", argv[0]);
    return 2;
  }
  char *text = read_file(argv[1]);
  cJSON *matrix = cJSON_Parse(text);
  free(text);
  if (!matrix) return 2;
  int port;
  int gone = listener(&port);
  close(gone);
  snprintf(dead_url, sizeof dead_url, "http://127.0.0.1:%d/", port);
  /* Listens, never accepts: connections complete and then hear nothing. */
  int stalled = listener(&port);
  snprintf(stalled_url, sizeof stalled_url, "http://127.0.0.1:%d/", port);
  strcpy(root, "/tmp/opskit-c-bad-XXXXXX");
  if (!mkdtemp(root)) return 2;
  build_fixture(cJSON_GetObjectItem(matrix, "fixture"));

  double default_deadline = cJSON_GetObjectItem(matrix, "deadline_seconds")->valuedouble;
  /* Under a sanitizer everything runs several times slower: the deadlines
   * are checked by the native run. */
  int timed = getenv("OPSKIT_TEST_NO_DEADLINES") == NULL;
  int ran = 0, failed = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(matrix, "cases")) {
    const char *name = str(c, "name");
    const cJSON *fronts = cJSON_GetObjectItem(c, "fronts");
    if (fronts) {
      int mine = 0;
      const cJSON *f;
      cJSON_ArrayForEach(f, fronts) mine |= !strcmp(f->valuestring, "c");
      if (!mine) continue;
    }
    ran++;
    cJSON *args = expand(cJSON_GetObjectItem(c, "args"));
    const cJSON *dl = cJSON_GetObjectItem(c, "deadline_seconds");
    double deadline = dl ? dl->valuedouble : default_deadline;
    char *out = NULL;
    double started = now();
    opskit_status st = call(str(c, "call"), args, &out);
    double took = now() - started;
    const char *want_error = str(c, "error");
    const cJSON *want = cJSON_GetObjectItem(c, "result");
    char why[1024] = "";
    if (st == OPSKIT_ERR_PANIC) {
      snprintf(why, sizeof why, "panicked: %s", opskit_last_error_message());
    } else if (want_error) {
      /* "ERR_OPSKIT_X" is the string code of OPSKIT_ERR_X. */
      char expected[128];
      snprintf(expected, sizeof expected, "OPSKIT_ERR_%s", want_error + strlen("ERR_OPSKIT_"));
      if (strcmp(opskit_status_name(st), expected) != 0) {
        snprintf(why, sizeof why, "wanted %s, got %s (%s)", expected, opskit_status_name(st),
                 st == OPSKIT_OK ? "a result" : opskit_last_error_message());
      }
    } else if (st != OPSKIT_OK) {
      snprintf(why, sizeof why, "error %s: %s", opskit_status_name(st), opskit_last_error_message());
    } else if (want) {
      cJSON *got = cJSON_Parse(out ? out : "null");
      if (!got || !subset(got, want)) snprintf(why, sizeof why, "result %.300s", out ? out : "(none)");
      cJSON_Delete(got);
    }
    if (!why[0] && timed && took > deadline) {
      snprintf(why, sizeof why, "took %.1f s, past its %.0f s deadline", took, deadline);
    }
    if (why[0]) {
      fprintf(stderr, "FAIL %s: %s\n", name, why);
      failed++;
    }
    opskit_string_free(out);
    cJSON_Delete(args);
  }
  close(stalled);
  nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  cJSON_Delete(matrix);
  printf("bad-input matrix: %d of %d cases as expected\n", ran - failed, ran);
  return failed || ran < 90 ? 1 : 0;
}
