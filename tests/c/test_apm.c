/* The APM family through the C API: one counter, histogram and gauge
 * handle shared by 8 pthreads gives exact totals; the series cap folds
 * label sets into "other"; bad input gets the right status and message;
 * SLOs burn and export rules. Run under valgrind (make c-test) and under
 * ASan/UBSan (make sanitize-test). */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define EACH 50000

static int failures = 0;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                    \
    }                                                                \
  } while (0)

#define CHECK_STATUS(call, expected)                                          \
  do {                                                                        \
    opskit_status s_ = (call);                                                \
    if (s_ != (expected)) {                                                   \
      const char *m_ = opskit_last_error_message();                           \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__,  \
              __LINE__, #call, opskit_status_name(s_), opskit_status_name(expected), \
              m_ ? m_ : "no message");                                        \
      failures++;                                                             \
    }                                                                         \
  } while (0)

static opskit_apm_counter *jobs;
static opskit_apm_histogram *took;
static opskit_apm_gauge *busy;

static void *work(void *arg) {
  const char *queue[] = {(const char *)arg};
  for (int i = 0; i < EACH; i++) {
    if (opskit_apm_gauge_add(busy, NULL, 0, 1) != OPSKIT_OK ||
        opskit_apm_counter_inc(jobs, queue, 1, 1) != OPSKIT_OK ||
        opskit_apm_histogram_observe(took, queue, 1, 0.5) != OPSKIT_OK ||
        opskit_apm_gauge_add(busy, NULL, 0, -1) != OPSKIT_OK) {
      return (void *)1;
    }
  }
  return NULL;
}

/* The value of the sample line `<series> <value>` of `text`, or -1. */
static opskit_apm_http_server_metrics *http;

/* One server thread: 1,000 requests of /users/{id}, every tenth a 503. */
static void *serve(void *arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) {
    if (opskit_apm_http_server_metrics_started(http, "GET") != OPSKIT_OK) return (void *)1;
    int status = i % 10 == 0 ? 503 : 200;
    if (opskit_apm_http_server_metrics_finished(http, "GET", "/users/{id}", status, NULL, 0.01, -1, 512) != OPSKIT_OK)
      return (void *)1;
  }
  return NULL;
}

static double value(const char *text, const char *series) {
  size_t n = strlen(series);
  for (const char *at = strstr(text, series); at; at = strstr(at + 1, series)) {
    if ((at == text || at[-1] == '\n') && at[n] == ' ') return atof(at + n + 1);
  }
  return -1;
}

int main(void) {
  opskit_apm_registry *r = NULL;
  CHECK_STATUS(opskit_apm_registry_new(&r), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_counter_new(r, "jobs", "Jobs.", "{\"labels\":[\"queue\"]}", &jobs), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_histogram_new(r, "job_seconds", "Job time.", "{\"labels\":[\"queue\"],\"buckets\":[0.1,1]}", &took), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_gauge_new(r, "busy", "Busy workers.", NULL, &busy), OPSKIT_OK);

  pthread_t t[THREADS];
  const char *queues[] = {"mail", "sms"};
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, (void *)queues[i % 2]);
  for (int i = 0; i < THREADS; i++) {
    void *res = NULL;
    pthread_join(t[i], &res);
    CHECK(res == NULL);
  }
  char *text = NULL;
  CHECK_STATUS(opskit_apm_registry_exposition(r, NULL, &text), OPSKIT_OK);
  CHECK(value(text, "jobs_total{queue=\"mail\"}") == THREADS / 2 * EACH);
  CHECK(value(text, "jobs_total{queue=\"sms\"}") == THREADS / 2 * EACH);
  CHECK(value(text, "job_seconds_bucket{queue=\"mail\",le=\"1.0\"}") == THREADS / 2 * EACH);
  CHECK(value(text, "job_seconds_sum{queue=\"sms\"}") == THREADS / 2 * EACH * 0.5);
  CHECK(value(text, "busy") == 0);
  opskit_string_free(text);

  /* The cap: 1,000 paths through a metric that keeps 10. */
  opskit_apm_counter *raw = NULL;
  CHECK_STATUS(opskit_apm_counter_new(r, "raw", "Raw paths.", "{\"labels\":[\"path\"],\"max_series\":10}", &raw), OPSKIT_OK);
  for (int i = 0; i < 1000; i++) {
    char path[32];
    snprintf(path, sizeof path, "/users/%d", i);
    const char *l[] = {path};
    CHECK_STATUS(opskit_apm_counter_inc(raw, l, 1, 1), OPSKIT_OK);
  }
  CHECK_STATUS(opskit_apm_registry_exposition(r, "application/openmetrics-text", &text), OPSKIT_OK);
  CHECK(value(text, "raw_total{path=\"other\"}") == 990);
  CHECK(strstr(text, "# EOF\n") != NULL);
  opskit_string_free(text);

  /* Bad input: the status and a message that names the fix. */
  const char *two[] = {"a", "b"};
  CHECK_STATUS(opskit_apm_counter_inc(jobs, two, 2, 1), OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "takes 1 label value(s) (queue), not 2") != NULL);
  CHECK_STATUS(opskit_apm_counter_inc(jobs, NULL, 1, 1), OPSKIT_ERR_NULL_ARGUMENT);
  CHECK_STATUS(opskit_apm_counter_inc(jobs, queues, 1, -1), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_apm_counter_inc(NULL, queues, 1, 1), OPSKIT_ERR_NULL_ARGUMENT);
  opskit_apm_counter *bad = NULL;
  CHECK_STATUS(opskit_apm_counter_new(r, "x_total", "", NULL, &bad), OPSKIT_ERR_INVALID_INPUT);
  CHECK(bad == NULL);
  CHECK_STATUS(opskit_apm_histogram_new(r, "h", "", "{\"bogus\":1}", NULL), OPSKIT_ERR_NULL_ARGUMENT);

  /* SLOs: 20 % of /users/{id} fails for an hour against a 1 % budget. */
  const char *policy = "[[slo]]\nname = \"users\"\nobjective_percent = 99\nroute = \"/users/{id}\"\n";
  opskit_apm_slo_tracker *slo = NULL;
  CHECK_STATUS(opskit_apm_slo_tracker_new(policy, &slo), OPSKIT_OK);
  const double t0 = 1767225600.0;
  for (int m = 0; m < 61; m++)
    for (int i = 0; i < 100; i++)
      CHECK_STATUS(opskit_apm_slo_tracker_record(slo, "/users/{id}", i < 20 ? 503 : 200, 0.01, t0 + m * 60 + i * 0.6), OPSKIT_OK);
  char *state = NULL;
  CHECK_STATUS(opskit_apm_slo_tracker_evaluate(slo, t0 + 61 * 60 - 1, &state), OPSKIT_OK);
  CHECK(strstr(state, "\"status\":\"page\"") != NULL && strstr(state, "\"total\":6100") != NULL);
  /* The state as a check, and the check as one PagerDuty trigger whose
   * dedup key names the SLO. */
  char *checks = NULL;
  CHECK_STATUS(opskit_health_slo_checks(state, &checks), OPSKIT_OK);
  CHECK(strstr(checks, "\"name\":\"slo:users\"") != NULL && strstr(checks, "\"status\":\"fail\"") != NULL);
  opskit_health_pagerduty *pd = NULL;
  CHECK_STATUS(opskit_health_pagerduty_new(&pd), OPSKIT_OK);
  char *events = NULL;
  const char *pd_options = "{\"routing_key\":\"0123456789abcdef0123456789abcdef\",\"source\":\"users-api\"}";
  CHECK_STATUS(opskit_health_pagerduty_events(pd, checks, "web-1", t0 + 61 * 60, pd_options, &events), OPSKIT_OK);
  CHECK(strstr(events, "\"dedup_key\":\"users-api/slo:users\"") != NULL);
  CHECK(strstr(events, "\"event_action\":\"trigger\"") != NULL && strstr(events, "\"severity\":\"critical\"") != NULL);
  opskit_string_free(events);
  CHECK_STATUS(opskit_health_pagerduty_events(pd, checks, "web-1", t0 + 62 * 60, pd_options, &events), OPSKIT_OK);
  CHECK(strcmp(events, "[]") == 0);
  opskit_string_free(events);
  opskit_health_pagerduty_free(pd);
  opskit_string_free(checks);
  CHECK_STATUS(opskit_health_slo_checks("{\"not\":\"a list\"}", &checks), OPSKIT_ERR_INVALID_INPUT);
  opskit_string_free(state);
  char *rules = NULL;
  CHECK_STATUS(opskit_apm_slo_rules(policy, NULL, "[0.1,0.25]", &rules), OPSKIT_OK);
  CHECK(strstr(rules, "alert: OpskitSLOBurnPage") != NULL);
  opskit_string_free(rules);
  CHECK_STATUS(opskit_apm_slo_tracker_new("[[slo]]\nname = \"a\"\nobjective_percent = 100\n", &slo), OPSKIT_ERR_INVALID_INPUT);

  opskit_apm_slo_tracker_free(slo);

  /* HTTP server metrics from a C server: 8 pthreads each serve 1,000
   * requests of /users/{id} (every tenth a 503), then one aborted request
   * and one that failed with a named error; the SLO tracker is fed too. */
  CHECK_STATUS(opskit_apm_slo_tracker_new(policy, &slo), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_http_server_metrics_new(r, NULL, slo, &http), OPSKIT_OK);
  pthread_t h[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&h[i], NULL, serve, NULL);
  for (int i = 0; i < THREADS; i++) {
    void *res = NULL;
    pthread_join(h[i], &res);
    CHECK(res == NULL);
  }
  CHECK_STATUS(opskit_apm_http_server_metrics_started(http, "get"), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_http_server_metrics_finished(http, "get", "/stream", -1, NULL, 2.0, -1, 4096), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_http_server_metrics_started(http, "BREW"), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_http_server_metrics_finished(http, "BREW", NULL, 500, "timeout", 0.5, -1, -1), OPSKIT_OK);
  CHECK_STATUS(opskit_apm_http_server_metrics_finished(http, "GET", "/x", 70000, NULL, 0.1, -1, -1), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_apm_http_server_metrics_started(http, NULL), OPSKIT_ERR_NULL_ARGUMENT);
  CHECK_STATUS(opskit_apm_registry_exposition(r, NULL, &text), OPSKIT_OK);
  const char *d = "http_server_request_duration_seconds_count{http_request_method=";
  char series[256];
  snprintf(series, sizeof series, "%s\"GET\",http_route=\"/users/{id}\",http_response_status_code=\"200\",error_type=\"\"}", d);
  CHECK(value(text, series) == THREADS * 900);
  snprintf(series, sizeof series, "%s\"GET\",http_route=\"/users/{id}\",http_response_status_code=\"503\",error_type=\"503\"}", d);
  CHECK(value(text, series) == THREADS * 100);
  snprintf(series, sizeof series, "%s\"GET\",http_route=\"/stream\",http_response_status_code=\"\",error_type=\"aborted\"}", d);
  CHECK(value(text, series) == 1);
  snprintf(series, sizeof series, "%s\"_OTHER\",http_route=\"\",http_response_status_code=\"500\",error_type=\"timeout\"}", d);
  CHECK(value(text, series) == 1);
  CHECK(value(text, "http_server_active_requests{http_request_method=\"GET\"}") == 0);
  CHECK(value(text, "http_server_active_requests{http_request_method=\"_OTHER\"}") == 0);
  opskit_string_free(text);
  CHECK_STATUS(opskit_apm_slo_tracker_evaluate(slo, -1, &state), OPSKIT_OK);
  CHECK(strstr(state, "\"total\":8000") != NULL && strstr(state, "\"good\":7200") != NULL);
  opskit_string_free(state);
  opskit_apm_http_server_metrics_free(http);
  opskit_apm_slo_tracker_free(slo);
  opskit_apm_counter_free(raw);
  opskit_apm_counter_free(jobs);
  opskit_apm_histogram_free(took);
  opskit_apm_gauge_free(busy);
  opskit_apm_registry_free(r);
  opskit_apm_registry_free(NULL);
  if (failures) {
    fprintf(stderr, "FAIL test_apm: %d failure(s)\n", failures);
    return 1;
  }
  printf("PASS test_apm\n");
  return 0;
}
