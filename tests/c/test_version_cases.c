/* The cross-language cases in tests/cases/version.json, through the C API.
 * Reads the tab-separated form written by tests/cases/to_c.py (argv[1]). */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS 8 /* call, four arguments (the fourth a scheme), status, output, name */

/* Unescape \\t, \\n and \\\\ in place; "\\N" becomes NULL. */
static char *unescape(char *s) {
  if (strcmp(s, "\\N") == 0) return NULL;
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return s;
}

/* Run one case; return its status and put the output (owned) in *out. */
static opskit_status run(const char *call, char **a, char **out) {
  char buf[32];
  *out = NULL;
  /* A case with a scheme runs the _in call; one without, the SemVer call. */
  const char *scheme = a[3];
  if (strcmp(call, "bump") == 0)
    return scheme ? opskit_version_bump_in(a[0], a[1], a[2], scheme, out)
                  : opskit_version_bump(a[0], a[1], a[2], out);
  if (strcmp(call, "parse_version") == 0)
    return scheme ? opskit_version_parse_version_in(a[0], scheme, out)
                  : opskit_version_parse_version(a[0], out);
  if (strcmp(call, "parse_commit_message") == 0) return opskit_version_parse_commit_message(a[0], out);
  if (strcmp(call, "sort_versions") == 0)
    return scheme ? opskit_version_sort_versions_in(a[0], scheme, out)
                  : opskit_version_sort_versions(a[0], out);
  if (strcmp(call, "check_branch") == 0) return opskit_version_check_branch(a[0], a[1], out);
  if (strcmp(call, "compare") == 0) {
    int32_t c = 0;
    opskit_status s = scheme ? opskit_version_compare_in(a[0], a[1], scheme, &c)
                             : opskit_version_compare(a[0], a[1], &c);
    if (s == OPSKIT_OK) {
      snprintf(buf, sizeof buf, "%d", (int)c);
      *out = strdup(buf);
    }
    return s;
  }
  if (strcmp(call, "satisfies") == 0) {
    bool ok = false;
    opskit_status s = opskit_version_satisfies(a[0], a[1], &ok);
    if (s == OPSKIT_OK) *out = strdup(ok ? "true" : "false");
    return s;
  }
  fprintf(stderr, "unknown call %s\n", call);
  exit(2);
}

static int owned_by_opskit(const char *call) {
  return strcmp(call, "compare") != 0 && strcmp(call, "satisfies") != 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CASES.tsv\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  int n = 0, failures = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *fields[FIELDS] = {0};
    int nf = 0;
    char *p = line;
    while (nf < FIELDS) {
      fields[nf++] = p;
      char *tab = strchr(p, '\t');
      if (!tab) break;
      *tab = '\0';
      p = tab + 1;
    }
    if (nf != FIELDS) {
      fprintf(stderr, "malformed case line %d\n", n + 1);
      return 2;
    }
    char *args[4] = {unescape(fields[1]), unescape(fields[2]), unescape(fields[3]),
                     unescape(fields[4])};
    const char *want_status = fields[5];
    const char *want = unescape(fields[6]);
    char *out = NULL;
    opskit_status s = run(fields[0], args, &out);
    const char *got_status = opskit_status_name(s);
    if (strcmp(got_status, want_status) != 0 ||
        (s == OPSKIT_OK && strcmp(out, want ? want : "") != 0)) {
      fprintf(stderr, "case %d (%s): got %s %s, want %s %s\n", n + 1, fields[7], got_status,
              out ? out : "", want_status, want ? want : "");
      failures++;
    }
    if (s != OPSKIT_OK && opskit_last_error_message() == NULL) {
      fprintf(stderr, "case %d (%s): failure without a message\n", n + 1, fields[7]);
      failures++;
    }
    if (owned_by_opskit(fields[0])) {
      opskit_string_free(out);
    } else {
      free(out);
    }
    n++;
  }
  free(line);
  fclose(f);
  if (n < 25) {
    fprintf(stderr, "only %d cases read\n", n);
    return 1;
  }
  if (failures) {
    fprintf(stderr, "%d of %d version cases failed\n", failures, n);
    return 1;
  }
  printf("PASS test_version_cases (%d cases)\n", n);
  return 0;
}
