/* The cross-language SLO cases of tests/cases/apm.json through the C API:
 * the tracker replays each request history minute by minute, and each
 * expectation (page, ticket, state) is compared as a subset of the state
 * JSON, like every language does.
 * Usage: test_apm_cases tests/cases/apm.json */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <cjson/cJSON.h>

#include "cases.h"

static int num(const cJSON *o, const char *key) {
  return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double dbl(const cJSON *o, const char *key) {
  return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The requests of `minute` in every segment of `traffic`. */
static void replay_minute(const opskit_apm_slo_tracker *t, const cJSON *traffic, double start, int minute) {
  const cJSON *seg;
  cJSON_ArrayForEach(seg, traffic) {
    if (minute < num(seg, "from") || minute >= num(seg, "to")) continue;
    const char *route = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "route"));
    int n = num(seg, "per_minute"), bad = num(seg, "bad");
    for (int i = 0; i < n; i++) {
      int b = i < bad;
      double at = start + 60.0 * minute + 60.0 * (i + 0.5) / n;
      opskit_apm_slo_tracker_record(t, route, (uint16_t)num(seg, b ? "bad_status" : "status"),
                                    dbl(seg, b ? "bad_seconds" : "seconds"), at);
    }
  }
}

/* Does the first SLO's state fire an alert pair of `severity`? */
static int fires(const cJSON *state, const char *severity) {
  const cJSON *a;
  cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(state, "alerts")) {
    const char *sev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "severity"));
    if (sev && strcmp(sev, severity) == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "fires"))) return 1;
  }
  return 0;
}

static int run(const cJSON *c, double start) {
  const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
  opskit_apm_slo_tracker *t = NULL;
  if (opskit_apm_slo_tracker_new(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "policy")), &t) != OPSKIT_OK) {
    fprintf(stderr, "FAIL %s: the policy is refused\n", name);
    return 1;
  }
  const cJSON *traffic = cJSON_GetObjectItemCaseSensitive(c, "traffic");
  int failures = 0, minute = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "expect")) {
    int until = num(e, "minute");
    for (; minute < until; minute++) replay_minute(t, traffic, start, minute);
    char *json = NULL;
    if (opskit_apm_slo_tracker_evaluate(t, start + 60.0 * until, &json) != OPSKIT_OK) {
      fprintf(stderr, "FAIL %s: minute %d: evaluate failed\n", name, until);
      failures++;
      continue;
    }
    cJSON *states = cJSON_Parse(json);
    cJSON *got = cJSON_Duplicate(cJSON_GetArrayItem(states, 0), 1);
    cJSON_AddBoolToObject(got, "page", fires(got, "page"));
    cJSON_AddBoolToObject(got, "ticket", fires(got, "ticket"));
    cJSON *want = cJSON_CreateObject();
    cJSON_AddItemToObject(want, "page", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "page"), 1));
    cJSON_AddItemToObject(want, "ticket", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "ticket"), 1));
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(e, "state")) {
      cJSON_AddItemToObject(want, s->string, cJSON_Duplicate(s, 1));
    }
    if (!subset(got, want)) {
      char *w = cJSON_PrintUnformatted(want);
      fprintf(stderr, "FAIL %s: minute %d: want %s, got %s\n", name, until, w, json);
      free(w);
      failures++;
    }
    cJSON_Delete(want);
    cJSON_Delete(got);
    cJSON_Delete(states);
    opskit_string_free(json);
  }
  opskit_apm_slo_tracker_free(t);
  return failures;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s tests/cases/apm.json\n", argv[0]);
    return 2;
  }
  char *text = read_file(argv[1]);
  cJSON *file = text ? cJSON_Parse(text) : NULL;
  if (!file) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  double start = dbl(file, "start");
  int failures = 0, n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(file, "cases")) {
    failures += run(c, start);
    n++;
  }
  printf("%s test_apm_cases (%d cases, %d failing)\n", failures || n < 6 ? "FAIL" : "PASS", n, failures);
  cJSON_Delete(file);
  free(text);
  return failures != 0 || n < 6;
}
