/* The cases of tests/cases/backup.json through the C API. Trees are written
 * with stdio, results compared with cJSON (subset: every key given must
 * match, arrays element by element; string results exactly).
 * Usage: test_backup_cases tests/cases/backup.json SHARED_CONFORMANCE_DIR */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <cjson/cJSON.h>

#include "cases.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write (string) or delete (null) each file of `files` under `root`. */
static int write_tree(const char *root, const cJSON *files) {
  const cJSON *f;
  cJSON_ArrayForEach(f, files) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, f->string);
    if (cJSON_IsNull(f)) {
      unlink(path);
      continue;
    }
    if (mkdirs_for(path) != 0) return -1;
    FILE *out = fopen(path, "w");
    if (!out) return -1;
    fputs(f->valuestring, out);
    fclose(out);
  }
  return 0;
}

static char *json_of(const cJSON *v) { return v && !cJSON_IsNull(v) ? cJSON_PrintUnformatted(v) : NULL; }

static const char *s(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Build the manifest of `root` with `options` (JSON text or NULL). */
static opskit_status manifest_of(const char *root, const char *options, char **out) {
  return opskit_backup_build_manifest(root, options, NULL, NULL, out);
}

/* Run one case; *out is the result text (opskit-owned) or NULL for a void result. */
static opskit_status run(const cJSON *c, const char *root, const char *conformance, char **out) {
  const char *call = s(c, "call");
  const cJSON *args = cJSON_GetObjectItem(c, "args");
  char *opts = json_of(cJSON_GetObjectItem(args, "options"));
  opskit_status st = OPSKIT_OK;
  *out = NULL;
  if (strcmp(call, "build_manifest") == 0) {
    st = manifest_of(root, opts, out);
  } else if (strcmp(call, "verify_tree") == 0 || strcmp(call, "diff_manifests") == 0) {
    char *before = NULL;
    st = manifest_of(root, NULL, &before);
    if (st == OPSKIT_OK && write_tree(root, cJSON_GetObjectItem(c, "change")) != 0) exit(2);
    if (st == OPSKIT_OK && strcmp(call, "verify_tree") == 0) {
      const cJSON *m;
      cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "chmod")) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", root, m->string);
        if (chmod(path, (mode_t)strtol(m->valuestring, NULL, 8)) != 0) exit(2);
      }
      st = opskit_backup_verify_tree(root, before, opts, NULL, NULL, out);
    } else if (st == OPSKIT_OK) {
      char *after = NULL;
      st = manifest_of(root, NULL, &after);
      if (st == OPSKIT_OK) st = opskit_backup_diff_manifests(before, after, out);
      opskit_string_free(after);
    }
    opskit_string_free(before);
  } else if (strcmp(call, "checksum_lines") == 0) {
    char *m = NULL;
    st = manifest_of(root, opts, &m);
    if (st == OPSKIT_OK) st = opskit_backup_checksum_lines(m, s(args, "format"), out);
    opskit_string_free(m);
  } else if (strcmp(call, "manifest_from_json") == 0) {
    /* The C API validates manifest text on every call; chain_hash is the lightest. */
    char *h = NULL;
    st = opskit_backup_chain_hash(s(args, "text"), &h);
    opskit_string_free(h);
    if (st == OPSKIT_OK) {
      /* Round-trip through a file to return the manifest itself. */
      char file[4200];
      snprintf(file, sizeof file, "%s/../m.json", root);
      st = opskit_backup_write_manifest(s(args, "text"), file);
      if (st == OPSKIT_OK) st = opskit_backup_read_manifest(file, out);
    }
  } else if (strcmp(call, "sign_manifest") == 0) {
    const char *key = s(args, "key");
    st = opskit_backup_sign_manifest(s(args, "manifest"), (const uint8_t *)key, strlen(key), s(args, "key_id"),
                            s(args, "algorithm"), out);
  } else if (strcmp(call, "check_signature") == 0) {
    const char *key = s(args, "key");
    char *sig = json_of(cJSON_GetObjectItem(args, "signature"));
    st = opskit_backup_check_signature(s(args, "manifest"), sig, (const uint8_t *)key, strlen(key));
    cJSON_free(sig);
  } else if (strcmp(call, "plan_retention") == 0) {
    char *snaps = json_of(cJSON_GetObjectItem(args, "snapshots"));
    char *policy = json_of(cJSON_GetObjectItem(args, "policy"));
    st = opskit_backup_plan_retention(snaps, policy ? policy : "{}", s(args, "now"), out);
    cJSON_free(snaps);
    cJSON_free(policy);
  } else if (strcmp(call, "make_bag") == 0) {
    /* Bag in place; the report is checked here, the validation by main. */
    char *made = NULL;
    st = opskit_backup_make_bag(root, opts, &made);
    if (st == OPSKIT_OK) {
      cJSON *got = cJSON_Parse(made);
      const cJSON *want = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "result"), "made");
      if (!got || (want && !subset(got, want))) {
        fprintf(stderr, "%s: made %s\n", s(c, "name"), made);
        exit(1);
      }
      cJSON_Delete(got);
      st = opskit_backup_validate_bag(root, NULL, out);
    }
    opskit_string_free(made);
  } else if (strcmp(call, "validate_bag") == 0) {
    char bag[4096];
    snprintf(bag, sizeof bag, "%s/%s", conformance, s(args, "bag"));
    st = opskit_backup_validate_bag(bag, opts, out);
  } else {
    fprintf(stderr, "unknown call %s\n", call);
    exit(2);
  }
  cJSON_free(opts);
  return st;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s tests/cases/backup.json SHARED_CONFORMANCE_DIR\n", argv[0]);
    return 2;
  }
  char *text = read_file(argv[1]);
  cJSON *doc = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!doc) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  int n = 0, failures = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases")) {
    n++;
    const char *name = s(c, "name");
    char dir[] = "/tmp/opskit-c-bcase-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char root[64];
    snprintf(root, sizeof root, "%s/tree", dir);
    mkdir(root, 0755);
    const cJSON *tree = cJSON_GetObjectItem(c, "tree");
    if (tree && write_tree(root, tree) != 0) return 2;
    char *out = NULL;
    opskit_status st = run(c, root, argv[2], &out);
    const char *error = s(c, "error");
    if (error) {
      char want[64];
      snprintf(want, sizeof want, "OPSKIT_ERR_%s", error + strlen("ERR_OPSKIT_"));
      if (strcmp(opskit_status_name(st), want) != 0 || !opskit_last_error_message()) {
        fprintf(stderr, "%s: got %s, want %s\n", name, opskit_status_name(st), want);
        failures++;
      }
    } else {
      const cJSON *want = cJSON_GetObjectItem(c, "result");
      if (strcmp(s(c, "call"), "make_bag") == 0) want = cJSON_GetObjectItem(want, "validated");
      int ok;
      if (st != OPSKIT_OK) {
        ok = 0;
      } else if (cJSON_IsString(want)) {
        ok = out && strcmp(out, want->valuestring) == 0;
      } else if (cJSON_IsNull(want)) {
        ok = out == NULL;
      } else {
        cJSON *got = cJSON_Parse(out);
        ok = got && subset(got, want);
        cJSON_Delete(got);
      }
      if (!ok) {
        fprintf(stderr, "%s: status %s, got %s\n", name, opskit_status_name(st),
                out ? out : (opskit_last_error_message() ? opskit_last_error_message() : "nothing"));
        failures++;
      }
    }
    opskit_string_free(out);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0) fprintf(stderr, "cannot remove %s\n", dir);
  }
  cJSON_Delete(doc);
  if (n < 25) {
    fprintf(stderr, "only %d backup cases read\n", n);
    return 1;
  }
  if (failures) {
    fprintf(stderr, "%d of %d backup cases failed\n", failures, n);
    return 1;
  }
  printf("PASS test_backup_cases (%d cases)\n", n);
  return 0;
}
