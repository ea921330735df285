/* The health family through the C API: a real collector checked against
 * /proc, rules on a fake clock, health+json and the exposition, probes
 * against real sockets on 127.0.0.1, availability, PagerDuty events,
 * policies, and bad input. Run under valgrind by make c-test. */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

static int failures = 0;
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
              opskit_last_error_message() ? opskit_last_error_message() : "");   \
      failures++;                                                                \
    }                                                                            \
  } while (0)

static cJSON *parse(char *json) {
  cJSON *v = cJSON_Parse(json);
  opskit_string_free(json);
  return v;
}

static double num_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static double meminfo(const char *key) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  double v = -1;
  size_t n = strlen(key);
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, key, n) == 0 && line[n] == ':') {
      v = strtod(line + n + 1, NULL) * 1024.0;
      break;
    }
  }
  if (f) fclose(f);
  return v;
}

/* A one-thread HTTP server answering 503 then 202 to two POSTs; it keeps
 * the second body so the test can compare it with the event sent. */
struct events_server {
  int fd;
  char body[4096];
};

static void *serve_events(void *arg) {
  struct events_server *srv = arg;
  const char *answers[2] = {
      "HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndown",
      "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 53\r\nConnection: close\r\n\r\n"
      "{\"status\":\"success\",\"dedup_key\":\"web-01/disk_full:/\"}",
  };
  for (int i = 0; i < 2; i++) {
    int c = accept(srv->fd, NULL, NULL);
    if (c < 0) return NULL;
    char req[8192];
    size_t got = 0;
    long want = -1;
    while (got < sizeof req - 1) {
      ssize_t n = read(c, req + got, sizeof req - 1 - got);
      if (n <= 0) break;
      got += (size_t)n;
      req[got] = '\0';
      char *end = strstr(req, "\r\n\r\n");
      if (end && want < 0) {
        char *cl = strstr(req, "ontent-Length:");
        if (!cl) cl = strstr(req, "ontent-length:");
        want = cl ? strtol(cl + 14, NULL, 10) : 0;
      }
      if (end && want >= 0 && got - (size_t)(end + 4 - req) >= (size_t)want) {
        snprintf(srv->body, sizeof srv->body, "%s", end + 4);
        break;
      }
    }
    if (write(c, answers[i], strlen(answers[i])) < 0) perror("write");
    close(c);
  }
  return NULL;
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void) {
  char *out = NULL;

  /* Collector: agrees with /proc; the second snapshot has a CPU usage. */
  opskit_health_collector *c = NULL;
  CHECK(opskit_health_collector_new(NULL, &c) == OPSKIT_OK);
  CHECK(opskit_health_collector_snapshot(c, &out) == OPSKIT_OK);
  char *snap_text = out;
  cJSON *snap = cJSON_Parse(snap_text);
  CHECK(snap != NULL);
  cJSON *mem = cJSON_GetObjectItemCaseSensitive(snap, "memory");
  CHECK(num_at(mem, "total_bytes") == meminfo("MemTotal"));
  CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(snap, "first")));
  cJSON *proc = cJSON_GetObjectItemCaseSensitive(snap, "process");
  CHECK(num_at(proc, "pid") == (double)getpid());
  struct timespec pause = {0, 200 * 1000 * 1000};
  nanosleep(&pause, NULL);
  CHECK(opskit_health_collector_snapshot(c, &out) == OPSKIT_OK);
  cJSON *snap2 = parse(out);
  double usage = num_at(cJSON_GetObjectItemCaseSensitive(snap2, "cpu"), "usage_percent");
  CHECK(usage >= 0.0 && usage <= 100.0);
  cJSON_Delete(snap2);
  opskit_health_collector_free(c);
  opskit_health_collector_free(NULL);
  c = NULL;
  CHECK(opskit_health_collector_new("{\"proc_root\":\"/nonexistent\"}", &c) == OPSKIT_ERR_UNSUPPORTED);
  CHECK(c == NULL);
  CHECK(opskit_health_collector_new("{\"proc\":\"/proc\"}", &c) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "unknown field") != NULL);
  CHECK(opskit_health_collector_snapshot(NULL, &out) == OPSKIT_ERR_NULL_ARGUMENT);

  /* Maintenance: the reboot-required flag and its packages. */
  char dir[] = "/tmp/opskit-c-reboot-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char flag[128], pkgs[160], opts[256];
  snprintf(flag, sizeof flag, "%s/reboot-required", dir);
  snprintf(pkgs, sizeof pkgs, "%s.pkgs", flag);
  FILE *f = fopen(flag, "w");
  fputs("*** System restart required ***\n", f);
  fclose(f);
  f = fopen(pkgs, "w");
  fputs("linux-base\nlibc6\n", f);
  fclose(f);
  snprintf(opts, sizeof opts, "{\"reboot_required_file\":\"%s\",\"mount_timeout_seconds\":0.5}", flag);
  CHECK(opskit_health_collector_new(opts, &c) == OPSKIT_OK);
  CHECK(opskit_health_collector_snapshot(c, &out) == OPSKIT_OK);
  cJSON *msnap = parse(out);
  cJSON *maint = cJSON_GetObjectItemCaseSensitive(msnap, "maintenance");
  CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(maint, "reboot_required")));
  cJSON *pkg_list = cJSON_GetObjectItemCaseSensitive(maint, "reboot_packages");
  CHECK(cJSON_GetArraySize(pkg_list) == 2 &&
        strcmp(cJSON_GetArrayItem(pkg_list, 0)->valuestring, "libc6") == 0);
  CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(maint, "upgrades")));
  cJSON_Delete(msnap);
  opskit_health_collector_free(c);
  c = NULL;
  unlink(pkgs);
  unlink(flag);
  rmdir(dir);
  CHECK(opskit_health_collector_new("{\"apt_upgrades\":\"sometimes\"}", &c) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "unknown variant") != NULL);
  CHECK(opskit_health_collector_new("{\"mount_timeout_seconds\":0}", &c) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(c == NULL);

  /* Evaluator: `for` holds a warning back until 5 minutes have passed. */
  opskit_health_evaluator *e = NULL;
  CHECK(opskit_health_evaluator_new(
            "[{\"name\":\"mem\",\"metric\":\"memory.used_percent\",\"warn\":-1,\"critical\":1000,\"for\":\"5m\"}]",
            &e) == OPSKIT_OK);
  CHECK(opskit_health_evaluator_evaluate(e, snap_text, 0.0, &out) == OPSKIT_OK);
  cJSON *checks = parse(out);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(checks, 0), "status"), "pass") == 0);
  cJSON_Delete(checks);
  CHECK(opskit_health_evaluator_evaluate(e, snap_text, 301.0, &out) == OPSKIT_OK);
  char *checks_text = out;
  checks = cJSON_Parse(checks_text);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(checks, 0), "status"), "warn") == 0);
  CHECK(opskit_health_evaluator_evaluate(e, "{}", 1.0, &out) == OPSKIT_ERR_INVALID_INPUT);
  opskit_health_evaluator_free(e);
  CHECK(opskit_health_evaluator_new("[{\"name\":\"x\",\"metric\":\"cpu.bogus\",\"warn\":1}]", &e) ==
        OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "unknown metric") != NULL);

  /* The defaults, evaluated at the snapshot's own time (NAN). */
  CHECK(opskit_health_evaluator_new(NULL, &e) == OPSKIT_OK);
  CHECK(opskit_health_evaluator_evaluate(e, snap_text, NAN, &out) == OPSKIT_OK);
  cJSON *defaults = parse(out);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(defaults, 0), "name"), "cpu_overload") == 0);
  cJSON_Delete(defaults);
  opskit_health_evaluator_free(e);
  CHECK(opskit_health_default_rules(&out) == OPSKIT_OK);
  cJSON *rules = parse(out);
  CHECK(cJSON_GetArraySize(rules) >= 5);
  CHECK(strlen(str_at(cJSON_GetArrayItem(rules, 0), "source")) > 0);
  cJSON_Delete(rules);

  /* health+json and the exposition. */
  uint16_t status = 0;
  CHECK(opskit_health_json(snap_text, checks_text, false, &out, &status) == OPSKIT_OK);
  cJSON *doc = parse(out);
  CHECK(status == 200 && strcmp(str_at(doc, "status"), "warn") == 0);
  cJSON_Delete(doc);
  CHECK(opskit_health_json(snap_text, checks_text, true, &out, &status) == OPSKIT_OK);
  doc = parse(out);
  CHECK(status == 503 && strcmp(str_at(doc, "output"), "draining") == 0);
  cJSON_Delete(doc);
  const char *ctype = NULL;
  CHECK(opskit_health_exposition(snap_text, checks_text, NULL, NULL, &out, &ctype) == OPSKIT_OK);
  CHECK(strstr(out, "# TYPE opskit_cpu_seconds_total counter\n") != NULL);
  CHECK(strstr(out, "opskit_check_level{check=\"mem\"} 1\n") != NULL);
  CHECK(ctype && strncmp(ctype, "text/plain; version=0.0.4", 25) == 0);
  opskit_string_free(out);
  CHECK(opskit_health_exposition(snap_text, checks_text, "application/openmetrics-text;version=1.0.0", NULL, &out,
                                 &ctype) == OPSKIT_OK);
  size_t n = strlen(out);
  CHECK(n > 6 && strcmp(out + n - 6, "# EOF\n") == 0);
  CHECK(ctype && strncmp(ctype, "application/openmetrics-text", 28) == 0);
  opskit_string_free(out);
  CHECK(opskit_health_exposition(snap_text, NULL, NULL, NULL, &out, NULL) == OPSKIT_ERR_NULL_ARGUMENT);
  cJSON_Delete(checks);
  opskit_string_free(checks_text);
  cJSON_Delete(snap);
  opskit_string_free(snap_text);

  /* Probes: a live listener passes, a closed port fails, a silent HTTP
   * server fails at the deadline, not at its own 5 s timeout. */
  int open_port = 0, silent_port = 0, closed_port = 0;
  int open_fd = listener(&open_port);
  int silent_fd = listener(&silent_port);
  int closed_fd = listener(&closed_port);
  close(closed_fd);
  char probes[1024];
  snprintf(probes, sizeof probes,
           "[{\"name\":\"open\",\"type\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":%d},"
           "{\"name\":\"closed\",\"type\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":%d},"
           "{\"name\":\"silent\",\"type\":\"http\",\"url\":\"http://127.0.0.1:%d/\",\"timeout\":\"5s\"}]",
           open_port, closed_port, silent_port);
  double started = now_seconds();
  CHECK(opskit_health_run_probes(probes, 1.0, &out) == OPSKIT_OK);
  double took = now_seconds() - started;
  cJSON *pr = parse(out);
  CHECK(cJSON_GetArraySize(pr) == 3);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(pr, 0), "status"), "pass") == 0);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(pr, 1), "status"), "fail") == 0);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(pr, 2), "status"), "fail") == 0);
  CHECK(took < 4.0); /* generous: valgrind is slow */
  cJSON_Delete(pr);
  close(open_fd);
  close(silent_fd);
  /* The stalled probe's thread was left behind at the deadline (by design:
   * a call never waits past it); closing the listener resets its connection
   * and it ends. Give it a moment so valgrind does not see it mid-request. */
  struct timespec settle = {1, 0};
  nanosleep(&settle, NULL);
  CHECK(opskit_health_run_probes("[]", 0.0, &out) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(opskit_health_run_probes("[{\"name\":\"x\",\"type\":\"smtp\"}]", 1.0, &out) == OPSKIT_ERR_INVALID_INPUT);

  /* Availability: 3 minutes down of 100 → 97 %, MTTR 180 s. */
  char samples[8192] = "[";
  for (int m = 0; m <= 100; m++) {
    char one[64];
    snprintf(one, sizeof one, "%s{\"time\":%d,\"up\":%s}", m ? "," : "", m * 60,
             (m >= 10 && m <= 12) ? "false" : "true");
    strcat(samples, one);
  }
  strcat(samples, "]");
  CHECK(opskit_health_availability(samples, "{\"slo_percent\":99}", &out) == OPSKIT_OK);
  cJSON *a = parse(out);
  CHECK(num_at(a, "uptime_percent") == 97.0 && num_at(a, "mttr_seconds") == 180.0);
  cJSON_Delete(a);
  CHECK(opskit_health_availability(samples, "{\"slo_percent\":100}", &out) == OPSKIT_ERR_INVALID_INPUT);

  /* PagerDuty: trigger, nothing while unchanged, resolve. */
  opskit_health_pagerduty *pd = NULL;
  CHECK(opskit_health_pagerduty_new(&pd) == OPSKIT_OK);
  const char *key = "{\"routing_key\":\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"}";
  const char *failing = "[{\"name\":\"disk_full:/\",\"status\":\"fail\",\"value\":97,\"unit\":\"percent\","
                        "\"threshold\":95,\"since\":null,\"output\":\"disk full\"}]";
  const char *passing = "[{\"name\":\"disk_full:/\",\"status\":\"pass\",\"value\":50,\"unit\":\"percent\","
                        "\"threshold\":95,\"since\":null,\"output\":\"ok\"}]";
  CHECK(opskit_health_pagerduty_events(pd, failing, "web-01", 0.0, key, &out) == OPSKIT_OK);
  cJSON *ev = parse(out);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(ev, 0), "event_action"), "trigger") == 0);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(ev, 0), "dedup_key"), "web-01/disk_full:/") == 0);
  cJSON_Delete(ev);
  CHECK(opskit_health_pagerduty_events(pd, failing, "web-01", 30.0, key, &out) == OPSKIT_OK);
  ev = parse(out);
  CHECK(cJSON_GetArraySize(ev) == 0);
  cJSON_Delete(ev);
  CHECK(opskit_health_pagerduty_events(pd, passing, "web-01", 60.0, key, &out) == OPSKIT_OK);
  ev = parse(out);
  CHECK(strcmp(str_at(cJSON_GetArrayItem(ev, 0), "event_action"), "resolve") == 0);
  cJSON_Delete(ev);
  CHECK(opskit_health_pagerduty_events(pd, passing, "web-01", 60.0, "{}", &out) == OPSKIT_ERR_INVALID_INPUT);
  opskit_health_pagerduty_free(pd);

  /* Sending: a 503 is retried, the 202 accepted, the body arrives intact;
   * a dead endpoint fails without showing the routing key. */
  CHECK(opskit_health_pagerduty_new(&pd) == OPSKIT_OK);
  CHECK(opskit_health_pagerduty_events(pd, failing, "web-01", 0.0, key, &out) == OPSKIT_OK);
  cJSON *events = parse(out);
  char *event = cJSON_PrintUnformatted(cJSON_GetArrayItem(events, 0));
  opskit_health_pagerduty_free(pd);
  struct events_server srv;
  int events_port = 0;
  srv.fd = listener(&events_port);
  srv.body[0] = '\0';
  pthread_t server_thread;
  pthread_create(&server_thread, NULL, serve_events, &srv);
  char send_opts[256];
  snprintf(send_opts, sizeof send_opts,
           "{\"url\":\"http://127.0.0.1:%d/v2/enqueue\",\"initial_backoff_seconds\":0.01}", events_port);
  CHECK(opskit_health_send_event(event, send_opts, &out) == OPSKIT_OK);
  pthread_join(server_thread, NULL);
  close(srv.fd);
  cJSON *report = parse(out);
  CHECK(num_at(report, "attempts") == 2.0 && num_at(report, "status") == 202.0);
  CHECK(strcmp(str_at(report, "dedup_key"), "web-01/disk_full:/") == 0);
  cJSON_Delete(report);
  cJSON *sent = cJSON_Parse(srv.body);
  CHECK(sent && cJSON_Compare(sent, cJSON_GetArrayItem(events, 0), 1));
  cJSON_Delete(sent);
  CHECK(opskit_health_send_event(event, "{\"url\":\"http://127.0.0.1:1/\",\"attempts\":1}", &out) == OPSKIT_ERR_IO);
  CHECK(strstr(opskit_last_error_message(), "kkkkkkkkkkkkkkkk") == NULL);
  cJSON_free(event);
  cJSON_Delete(events);

  /* Policies. */
  CHECK(opskit_health_parse_policy("[[probe]]\nname = \"api\"\ntype = \"tcp\"\nhost = \"127.0.0.1\"\nport = 80\n",
                                   &out) == OPSKIT_OK);
  cJSON *pol = parse(out);
  CHECK(num_at(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(pol, "probe"), 0), "port") == 80.0);
  cJSON_Delete(pol);
  CHECK(opskit_health_parse_policy("colour = 1\n", &out) == OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "unknown field") != NULL);

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("health: all checks passed\n");
  return 0;
}
