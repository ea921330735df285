/* The cases of tests/cases/health.json through the C API: the fixture
 * snapshot deep-merged with each case's patch crosses as JSON text, results
 * are parsed with cJSON and compared as a subset, like every language does.
 * Usage: test_health_cases tests/cases/health.json */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <cjson/cJSON.h>

#include "cases.h"

static const cJSON *fixture;

static const char *s(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* `patch` deep-merged into `base` (owned): objects merge, anything else replaces. */
static void merge(cJSON *base, const cJSON *patch) {
  const cJSON *p;
  cJSON_ArrayForEach(p, patch) {
    cJSON *b = cJSON_GetObjectItemCaseSensitive(base, p->string);
    if (b && cJSON_IsObject(b) && cJSON_IsObject(p)) {
      merge(b, p);
    } else if (b) {
      cJSON_ReplaceItemInObjectCaseSensitive(base, p->string, cJSON_Duplicate(p, 1));
    } else {
      cJSON_AddItemToObject(base, p->string, cJSON_Duplicate(p, 1));
    }
  }
}

/* The fixture with `patch` (may be NULL or null) as JSON text (cJSON_free it). */
static char *snapshot(const cJSON *patch) {
  cJSON *snap = cJSON_Duplicate(fixture, 1);
  if (patch && cJSON_IsObject(patch)) merge(snap, patch);
  char *text = cJSON_PrintUnformatted(snap);
  cJSON_Delete(snap);
  return text;
}

static char *json_of(const cJSON *v) { return v && !cJSON_IsNull(v) ? cJSON_PrintUnformatted(v) : NULL; }

/* Run one case; the answer in *got (a cJSON tree, or a string for text). */
static opskit_status run(const cJSON *c, cJSON **got) {
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(c, "args");
  const char *call = s(c, "call");
  opskit_status st = OPSKIT_OK;
  char *out = NULL;
  *got = NULL;
  if (strcmp(call, "evaluate") == 0) {
    char *rules = json_of(cJSON_GetObjectItemCaseSensitive(args, "rules"));
    opskit_health_evaluator *e = NULL;
    st = opskit_health_evaluator_new(rules, &e);
    cJSON_free(rules);
    if (st != OPSKIT_OK) return st;
    *got = cJSON_CreateArray();
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(args, "steps")) {
      char *snap = snapshot(cJSON_GetObjectItemCaseSensitive(step, "snapshot"));
      double now = cJSON_GetObjectItemCaseSensitive(step, "now")->valuedouble;
      st = opskit_health_evaluator_evaluate(e, snap, now, &out);
      cJSON_free(snap);
      if (st != OPSKIT_OK) break;
      cJSON_AddItemToArray(*got, cJSON_Parse(out));
      opskit_string_free(out);
    }
    opskit_health_evaluator_free(e);
  } else if (strcmp(call, "health_json") == 0) {
    char *snap = snapshot(cJSON_GetObjectItemCaseSensitive(args, "snapshot"));
    char *checks = json_of(cJSON_GetObjectItemCaseSensitive(args, "checks"));
    uint16_t code = 0;
    st = opskit_health_json(snap, checks, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "draining")), &out,
                            &code);
    if (st == OPSKIT_OK) {
      *got = cJSON_CreateObject();
      cJSON_AddNumberToObject(*got, "status", code);
      cJSON_AddItemToObject(*got, "body", cJSON_Parse(out));
      opskit_string_free(out);
    }
    cJSON_free(snap);
    cJSON_free(checks);
  } else if (strcmp(call, "exposition") == 0) {
    char *snap = snapshot(cJSON_GetObjectItemCaseSensitive(args, "snapshot"));
    char *checks = json_of(cJSON_GetObjectItemCaseSensitive(args, "checks"));
    st = opskit_health_exposition(snap, checks, s(args, "accept"), s(args, "names"), &out, NULL);
    if (st == OPSKIT_OK) {
      *got = cJSON_CreateString(out);
      opskit_string_free(out);
    }
    cJSON_free(snap);
    cJSON_free(checks);
  } else if (strcmp(call, "availability") == 0) {
    char *samples = json_of(cJSON_GetObjectItemCaseSensitive(args, "samples"));
    char *options = json_of(cJSON_GetObjectItemCaseSensitive(args, "options"));
    st = opskit_health_availability(samples, options, &out);
    if (st == OPSKIT_OK) {
      *got = cJSON_Parse(out);
      opskit_string_free(out);
    }
    cJSON_free(samples);
    cJSON_free(options);
  } else if (strcmp(call, "pagerduty") == 0) {
    char *options = json_of(cJSON_GetObjectItemCaseSensitive(args, "options"));
    opskit_health_pagerduty *pd = NULL;
    st = opskit_health_pagerduty_new(&pd);
    *got = cJSON_CreateArray();
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(args, "steps")) {
      if (st != OPSKIT_OK) break;
      char *checks = json_of(cJSON_GetObjectItemCaseSensitive(step, "checks"));
      double time = cJSON_GetObjectItemCaseSensitive(step, "time")->valuedouble;
      st = opskit_health_pagerduty_events(pd, checks, s(args, "host"), time, options, &out);
      cJSON_free(checks);
      if (st == OPSKIT_OK) {
        cJSON_AddItemToArray(*got, cJSON_Parse(out));
        opskit_string_free(out);
      }
    }
    opskit_health_pagerduty_free(pd);
    cJSON_free(options);
  } else if (strcmp(call, "parse_policy") == 0) {
    st = opskit_health_parse_policy(s(args, "toml"), &out);
    if (st == OPSKIT_OK) {
      *got = cJSON_Parse(out);
      opskit_string_free(out);
    }
  } else if (strcmp(call, "validate_event") == 0) {
    char *body = json_of(cJSON_GetObjectItemCaseSensitive(args, "body"));
    st = opskit_health_validate_event(body);
    if (st == OPSKIT_OK) *got = cJSON_CreateNull();
    cJSON_free(body);
  } else if (strcmp(call, "prometheus_rules") == 0) {
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(args, "rules");
    char *rules_json = json_of(rules);
    st = opskit_health_prometheus_rules(rules_json, s(args, "group"), &out);
    if (st == OPSKIT_OK) {
      *got = cJSON_CreateString(out);
      opskit_string_free(out);
    }
    cJSON_free(rules_json);
  } else {
    fprintf(stderr, "unknown call %s\n", call);
    exit(2);
  }
  return st;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s tests/cases/health.json\n", argv[0]);
    return 2;
  }
  char *text = read_file(argv[1]);
  cJSON *doc = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!doc) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  fixture = cJSON_GetObjectItemCaseSensitive(doc, "snapshot");
  int n = 0, failures = 0;
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
      ok = strcmp(opskit_status_name(st), want) == 0 && opskit_last_error_message();
      if (!ok) fprintf(stderr, "%s: got %s, want %s\n", name, opskit_status_name(st), want);
    } else if (st != OPSKIT_OK) {
      ok = 0;
      fprintf(stderr, "%s: %s: %s\n", name, opskit_status_name(st), opskit_last_error_message());
    } else if (cJSON_GetObjectItemCaseSensitive(c, "contains")) {
      ok = cJSON_IsString(got);
      const cJSON *w;
      cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(c, "contains")) {
        if (ok && !strstr(got->valuestring, w->valuestring)) {
          fprintf(stderr, "%s: no %s in the exposition\n", name, w->valuestring);
          ok = 0;
        }
      }
      cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(c, "excludes")) {
        if (ok && strstr(got->valuestring, w->valuestring)) {
          fprintf(stderr, "%s: %s should not be in the exposition\n", name, w->valuestring);
          ok = 0;
        }
      }
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
  if (failures || n < 20) {
    fprintf(stderr, "FAIL test_health_cases: %d of %d cases\n", failures, n);
    return 1;
  }
  printf("PASS test_health_cases (%d cases)\n", n);
  return 0;
}
