/* The `history` cases of tests/cases/version.json, through the C API: each
 * case's repository is built with the git CLI (fork + execvp, fixed identity,
 * dates an hour apart), then the function is called and its JSON compared
 * with the expected subset using cJSON (Debian's libcjson-dev). */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <cjson/cJSON.h>

#include "cases.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run git in `dir` with the case environment for step `n`; capture stdout
 * into `out` (up to `cap` bytes) when given. Returns 0 on success. */
static int git(const char *dir, int n, const char *const *args, char *out, size_t cap) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    char date[64];
    snprintf(date, sizeof date, "@%ld +0000", 1767225600L + (long)n * 3600L);
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_AUTHOR_NAME", "Test Author", 1);
    setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "Test Author", 1);
    setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
    setenv("GIT_AUTHOR_DATE", date, 1);
    setenv("GIT_COMMITTER_DATE", date, 1);
    if (chdir(dir) != 0) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const char *argv[16] = {"git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"};
    int a = 5;
    for (int i = 0; args[i] && a < 15; i++) argv[a++] = args[i];
    argv[a] = NULL;
    execvp("git", (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  size_t used = 0;
  char sink[256];
  for (;;) {
    char *dst = out && used + 1 < cap ? out + used : sink;
    size_t room = out && used + 1 < cap ? cap - used - 1 : sizeof sink;
    ssize_t r = read(fds[0], dst, room);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (dst != sink) used += (size_t)r;
  }
  if (out) out[used] = '\0';
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}


/* Replace the first "{HEAD}" in `template` with `head`; the result is malloc'd. */
static char *with_head(const char *template, const char *head) {
  const char *at = strstr(template, "{HEAD}");
  if (!at) return strdup(template);
  size_t len = strlen(template) - 6 + strlen(head) + 1;
  char *msg = malloc(len);
  snprintf(msg, len, "%.*s%s%s", (int)(at - template), template, head, at + 6);
  return msg;
}

static int build_repo(const char *dir, const cJSON *steps) {
  const char *init[] = {"init", "-q", "-b", "main", NULL};
  if (git(dir, 0, init, NULL, 0) != 0) return -1;
  int n = 0;
  const cJSON *step;
  cJSON_ArrayForEach(step, steps) {
    n++;
    const char *op = cJSON_GetArrayItem(step, 0)->valuestring;
    const char *arg = cJSON_GetArrayItem(step, 1)->valuestring;
    if (strcmp(op, "commit") == 0) {
      const cJSON *f = cJSON_GetArrayItem(step, 2);
      const char *file = f ? f->valuestring : "file.txt";
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", dir, file);
      if (mkdirs_for(path) != 0) return -1;
      FILE *out = fopen(path, "w");
      if (!out) return -1;
      fprintf(out, "change %d\n", n);
      fclose(out);
      char head[128] = "";
      if (strstr(arg, "{HEAD}")) {
        const char *rev[] = {"rev-parse", "HEAD", NULL};
        if (git(dir, n, rev, head, sizeof head) != 0) return -1;
        head[strcspn(head, "\n")] = '\0';
      }
      char *msg = with_head(arg, head);
      const char *add[] = {"add", file, NULL};
      const char *commit[] = {"commit", "-q", "--cleanup=verbatim", "-m", msg, NULL};
      int rc = git(dir, n, add, NULL, 0) || git(dir, n, commit, NULL, 0);
      free(msg);
      if (rc) return -1;
    } else if (strcmp(op, "tag") == 0 || strcmp(op, "branch") == 0) {
      const char *a[] = {op, arg, NULL};
      if (git(dir, n, a, NULL, 0) != 0) return -1;
    } else if (strcmp(op, "checkout") == 0) {
      const char *a[] = {"checkout", "-q", arg, NULL};
      if (git(dir, n, a, NULL, 0) != 0) return -1;
    } else if (strcmp(op, "merge") == 0) {
      char msg[256];
      snprintf(msg, sizeof msg, "Merge branch '%s'", arg);
      const char *a[] = {"merge", "-q", "--no-ff", "-m", msg, arg, NULL};
      if (git(dir, n, a, NULL, 0) != 0) return -1;
    } else {
      fprintf(stderr, "unknown step %s\n", op);
      return -1;
    }
  }
  return 0;
}

/* Every key of `want` matches in `got`; arrays element by element. */

static opskit_status call(const char *dir, const char *name, const cJSON *args, char **out) {
  char *options = cJSON_PrintUnformatted(cJSON_GetObjectItem(args, "options"));
  opskit_status s;
  if (strcmp(name, "next_version") == 0) {
    s = opskit_version_next_version(dir, options, out);
  } else if (strcmp(name, "current_release") == 0) {
    s = opskit_version_current_release(dir, options, out);
  } else if (strcmp(name, "rollback_target") == 0) {
    const cJSON *of = cJSON_GetObjectItem(args, "of");
    s = opskit_version_rollback_target(dir, cJSON_IsString(of) ? of->valuestring : NULL, options,
                                       out);
  } else if (strcmp(name, "changelog") == 0) {
    s = opskit_version_changelog(dir, options, out);
  } else {
    fprintf(stderr, "unknown call %s\n", name);
    exit(2);
  }
  cJSON_free(options);
  return s;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s tests/cases/version.json\n", argv[0]);
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
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "history")) {
    n++;
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    char dir[] = "/tmp/opskit-c-case-XXXXXX";
    if (!mkdtemp(dir) || build_repo(dir, cJSON_GetObjectItem(c, "repo")) != 0) {
      fprintf(stderr, "%s: cannot build the repository\n", name);
      failures++;
      continue;
    }
    char *out = NULL;
    opskit_status s = call(dir, cJSON_GetObjectItem(c, "call")->valuestring,
                           cJSON_GetObjectItem(c, "args"), &out);
    const cJSON *error = cJSON_GetObjectItem(c, "error");
    if (cJSON_IsString(error)) {
      /* ERR_OPSKIT_X in the case file is OPSKIT_ERR_X in C. */
      char want[64];
      snprintf(want, sizeof want, "OPSKIT_ERR_%s", error->valuestring + strlen("ERR_OPSKIT_"));
      if (strcmp(opskit_status_name(s), want) != 0 || opskit_last_error_message() == NULL) {
        fprintf(stderr, "%s: got %s, want %s\n", name, opskit_status_name(s), want);
        failures++;
      }
    } else {
      cJSON *got = s == OPSKIT_OK ? cJSON_Parse(out) : NULL;
      if (!got || !subset(got, cJSON_GetObjectItem(c, "result"))) {
        fprintf(stderr, "%s: status %s, got %s\n", name, opskit_status_name(s),
                out ? out : opskit_last_error_message());
        failures++;
      }
      cJSON_Delete(got);
    }
    opskit_string_free(out);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0) fprintf(stderr, "cannot remove %s\n", dir);
  }
  cJSON_Delete(doc);
  if (n < 15) {
    fprintf(stderr, "only %d history cases read\n", n);
    return 1;
  }
  if (failures) {
    fprintf(stderr, "%d of %d history cases failed\n", failures, n);
    return 1;
  }
  printf("PASS test_version_history_cases (%d cases)\n", n);
  return 0;
}
