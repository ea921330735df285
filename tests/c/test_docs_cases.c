/* The cases of tests/cases/docs.json through the C API (each audit case's
 * files written into a new folder), then the report functions and bad
 * arguments, and external links against a server on 127.0.0.1 (a thread of
 * this process). Run under valgrind by make c-test.
 * Usage: test_docs_cases tests/cases/docs.json */
#define _XOPEN_SOURCE 700
#include <opskit.h>

#include <cjson/cJSON.h>
#include <ftw.h>
#include <pthread.h>
#include <unistd.h>

#include "cases.h"
#include "net.h"

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
  if (!files) return 0;
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
  } else if (strcmp(call, "scan_html") == 0) {
    st = opskit_docs_scan_html(s(args, "path"), s(args, "text"), &out);
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
  /* The summary first, then the findings by file. */
  CHECK(strstr(text, "1 error(s), 1 warning(s), 0 note(s)\n  error         1  broken-link\n") != NULL);
  CHECK(strstr(text, "\nREADME.md\n  1:1 error[broken-link] links to gone.md, which does not exist\n") != NULL);
  CHECK(opskit_docs_to_sarif(audit, &sarif) == OPSKIT_OK);
  cJSON *log = cJSON_Parse(sarif);
  CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(log, "version")->valuestring, "2.1.0") == 0);
  cJSON_Delete(log);
  CHECK(opskit_docs_apply_baseline(audit, audit, &left) == OPSKIT_OK);
  char *none = NULL;
  CHECK(opskit_docs_apply_baseline(audit, sarif, &none) == OPSKIT_ERR_INVALID_INPUT && none == NULL);
  CHECK(strstr(opskit_last_error_message(), "SARIF log") != NULL);
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

/* A TOML policy read by core feeds the audit; the rule catalogue lists
 * every rule once; a bad policy names its key. */
static void policy_and_rules(void) {
  cJSON *files = cJSON_Parse("{\"README.md\":\"[a](gone.md) [b](ops.md#rollback)\\n\",\"ops.md\":\"# Ops\\n\"}");
  char dir[64], *options = NULL, *audit = NULL, *rules = NULL;
  CHECK(write_tree(files, dir) == 0);
  CHECK(opskit_docs_parse_policy("required_metadata = []\nentry_points = []\n[severity]\nbroken-anchor = \"off\"\n",
                                 &options) == OPSKIT_OK);
  CHECK(opskit_docs_audit(dir, options, &audit) == OPSKIT_OK);
  cJSON *a = cJSON_Parse(audit);
  cJSON *findings = cJSON_GetObjectItemCaseSensitive(a, "findings");
  CHECK(cJSON_GetArraySize(findings) == 1);
  CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(findings, 0), "rule")->valuestring,
               "broken-link") == 0);
  cJSON_Delete(a);
  CHECK(opskit_docs_rules(&rules) == OPSKIT_OK);
  cJSON *r = cJSON_Parse(rules);
  CHECK(cJSON_GetArraySize(r) >= 15);
  CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(r, 0), "id")->valuestring, "DOCS001") == 0);
  cJSON_Delete(r);
  char *bad = NULL;
  CHECK(opskit_docs_parse_policy("colour = 1\n", &bad) == OPSKIT_ERR_INVALID_INPUT && bad == NULL);
  CHECK(strstr(opskit_last_error_message(), "colour") != NULL);
  CHECK(opskit_docs_parse_policy(NULL, &bad) == OPSKIT_ERR_NULL_ARGUMENT);
  CHECK(opskit_docs_rules(NULL) == OPSKIT_ERR_NULL_ARGUMENT);
  opskit_string_free(options);
  opskit_string_free(audit);
  opskit_string_free(rules);
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  cJSON_Delete(files);
}

/* A one-thread HTTP server on 127.0.0.1 answering by path: /ok 200, /gone
 * 404, /no-head 405 to HEAD and 200 to GET, /stall never answers (its
 * connection is held open). It records "METHOD path" of each request and
 * stops when its listening socket is shut down. */
struct link_server {
  int fd;
  int held[8], nheld;
  pthread_mutex_t mu; /* guards seen and nseen, read by the test's thread */
  char seen[16][64];
  int nseen;
};

static void *serve_links(void *arg) {
  struct link_server *srv = arg;
  for (;;) {
    int c = accept(srv->fd, NULL, NULL);
    if (c < 0) return NULL;
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1) {
      ssize_t n = read(c, req + got, sizeof req - 1 - got);
      if (n <= 0) break;
      got += (size_t)n;
      req[got] = '\0';
      if (strstr(req, "\r\n\r\n")) break;
    }
    req[got] = '\0';
    char method[16] = "", path[32] = "";
    sscanf(req, "%15s %31s", method, path);
    pthread_mutex_lock(&srv->mu);
    if (srv->nseen < 16) snprintf(srv->seen[srv->nseen++], 64, "%s %s", method, path);
    pthread_mutex_unlock(&srv->mu);
    if (strcmp(path, "/stall") == 0 && srv->nheld < 8) {
      srv->held[srv->nheld++] = c;
      continue;
    }
    const char *status = strcmp(path, "/ok") == 0 ? "200 OK"
                         : strcmp(path, "/no-head") == 0
                             ? (strcmp(method, "HEAD") == 0 ? "405 Method Not Allowed" : "200 OK")
                             : "404 Not Found";
    char answer[128];
    int n = snprintf(answer, sizeof answer, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
    if (write(c, answer, (size_t)n) < 0) perror("write");
    close(c);
  }
}

static int seen_has(struct link_server *srv, const char *request) {
  int n = 0;
  pthread_mutex_lock(&srv->mu);
  for (int i = 0; i < srv->nseen; i++) n += strcmp(srv->seen[i], request) == 0;
  pthread_mutex_unlock(&srv->mu);
  return n;
}

static int seen_count(struct link_server *srv) {
  pthread_mutex_lock(&srv->mu);
  int n = srv->nseen;
  pthread_mutex_unlock(&srv->mu);
  return n;
}

/* External links checked over the network, then from the cache file;
 * offline by default. */
static void external_links(void) {
  struct link_server srv = {.nheld = 0, .nseen = 0};
  pthread_mutex_init(&srv.mu, NULL);
  int port = 0, dead_port = 0;
  srv.fd = listener(&port);
  close(listener(&dead_port)); /* a port nobody listens on */
  pthread_t thread;
  pthread_create(&thread, NULL, serve_links, &srv);
  char dir[64], readme[1024], opts[1024], path[128];
  CHECK(write_tree(NULL, dir) == 0);
  snprintf(readme, sizeof readme,
           "# KB\n\n[ok](http://127.0.0.1:%d/ok) [again](http://127.0.0.1:%d/ok#frag) "
           "[gone](http://127.0.0.1:%d/gone)\n[no head](http://127.0.0.1:%d/no-head) "
           "[stall](http://127.0.0.1:%d/stall)\n[dead](http://127.0.0.1:%d/x)\n",
           port, port, port, port, port, dead_port);
  snprintf(path, sizeof path, "%s/README.md", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs(readme, f);
    fclose(f);
  }
  snprintf(opts, sizeof opts,
           "{\"required_metadata\":[],\"entry_points\":[],\"check_external\":true,\"external\":"
           "{\"timeout_seconds\":1.5,\"per_host_delay_seconds\":0,\"cache_file\":\"%s/links.json\"}}",
           dir);
  char *out = NULL;
  CHECK(opskit_docs_audit(dir, opts, &out) == OPSKIT_OK);
  cJSON *a = cJSON_Parse(out);
  opskit_string_free(out);
  const cJSON *findings = cJSON_GetObjectItemCaseSensitive(a, "findings");
  CHECK(cJSON_GetArraySize(findings) == 3);
  char want[3][128];
  snprintf(want[0], 128, "http://127.0.0.1:%d/gone answered HTTP 404", port);
  snprintf(want[1], 128, "http://127.0.0.1:%d/stall did not answer in time", port);
  snprintf(want[2], 128, "http://127.0.0.1:%d/x ", dead_port);
  const int lines[3] = {3, 4, 5};
  for (int i = 0; i < 3 && i < cJSON_GetArraySize(findings); i++) {
    const cJSON *fi = cJSON_GetArrayItem(findings, i);
    const char *msg = s(fi, "message");
    CHECK(strcmp(s(fi, "rule"), "broken-external-link") == 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(fi, "line")->valuedouble == lines[i]);
    CHECK(msg && strncmp(msg, want[i], strlen(want[i])) == 0 && (i < 2 ? strlen(msg) == strlen(want[i]) : 1));
  }
  CHECK(cJSON_GetObjectItemCaseSensitive(a, "external_checked")->valuedouble == 5);
  /* Each URL once (a fragment is not a new URL); GET only after a failed HEAD. */
  CHECK(seen_count(&srv) == 6);
  CHECK(seen_has(&srv, "HEAD /ok") == 1 && seen_has(&srv, "HEAD /gone") == 1 && seen_has(&srv, "GET /gone") == 1);
  CHECK(seen_has(&srv, "HEAD /no-head") == 1 && seen_has(&srv, "GET /no-head") == 1 && seen_has(&srv, "HEAD /stall") == 1);
  /* Again: the cache file answers, the server sees nothing new. */
  int asked = seen_count(&srv);
  CHECK(opskit_docs_audit(dir, opts, &out) == OPSKIT_OK);
  cJSON *again = cJSON_Parse(out);
  opskit_string_free(out);
  CHECK(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(again, "findings"), findings, 1));
  CHECK(seen_count(&srv) == asked);
  /* Offline by default. */
  CHECK(opskit_docs_audit(dir, "{\"required_metadata\":[],\"entry_points\":[]}", &out) == OPSKIT_OK);
  cJSON *offline = cJSON_Parse(out);
  opskit_string_free(out);
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(offline, "findings")) == 0);
  CHECK(cJSON_GetObjectItemCaseSensitive(offline, "external_checked")->valuedouble == 0);
  CHECK(opskit_docs_audit(dir, "{\"check_external\":true,\"external\":{\"concurrency\":0}}", &out) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "concurrency") != NULL);
  CHECK(seen_count(&srv) == asked);
  shutdown(srv.fd, SHUT_RDWR);
  pthread_join(thread, NULL);
  close(srv.fd);
  for (int i = 0; i < srv.nheld; i++) close(srv.held[i]);
  pthread_mutex_destroy(&srv.mu);
  cJSON_Delete(a);
  cJSON_Delete(again);
  cJSON_Delete(offline);
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
  policy_and_rules();
  external_links();
  if (failures) {
    fprintf(stderr, "FAIL test_docs_cases: %d failure(s)\n", failures);
    return 1;
  }
  printf("PASS test_docs_cases (%d cases, reports, external links)\n", n);
  return 0;
}
