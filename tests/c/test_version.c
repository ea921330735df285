/* Tests of the opskit C API (versioning family): every function and every
 * error path. Built with -Wall -Wextra -Werror, linked against the static and
 * the shared library, and run under valgrind by `make test`. */
#define _POSIX_C_SOURCE 200809L
#include <opskit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                               \
    }                                                                           \
  } while (0)

#define CHECK_STATUS(call, expected)                                               \
  do {                                                                             \
    opskit_status s_ = (call);                                                     \
    if (s_ != (expected)) {                                                        \
      const char *m_ = opskit_last_error_message();                                \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__,       \
              __LINE__, #call, opskit_status_name(s_), opskit_status_name(expected), \
              m_ ? m_ : "no message");                                             \
      failures++;                                                                  \
    }                                                                              \
  } while (0)

static void run(const char *cmd) {
  if (system(cmd) != 0) {
    fprintf(stderr, "command failed: %s\n", cmd);
    exit(2);
  }
}

static char repo[256];

static void make_repo(void) {
  char tmpl[] = "/tmp/opskit-c-XXXXXX";
  char *dir = mkdtemp(tmpl);
  char cmd[1024];
  if (dir == NULL) exit(2);
  snprintf(repo, sizeof repo, "%s", dir);
  snprintf(cmd, sizeof cmd,
           "cd %s && git init -q -b main . && "
           "G='git -c user.name=T -c user.email=t@example.com' && "
           "$G commit -q --allow-empty -m 'chore: init' && git tag v1.0.0 && "
           "git branch production && "
           "$G commit -q --allow-empty -m 'feat(api): orders' && git tag v1.1.0-rc.1 && "
           "$G commit -q --allow-empty -m 'fix: cart' && git branch staging",
           repo);
  run(cmd);
}

static void remove_repo(void) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s", repo);
  run(cmd);
}

static void test_library(void) {
  CHECK(strcmp(opskit_version(), OPSKIT_TEST_EXPECTED_VERSION) == 0);
  CHECK(strcmp(opskit_status_name(OPSKIT_OK), "OPSKIT_OK") == 0);
  CHECK(strcmp(opskit_status_name(OPSKIT_ERR_NOT_FOUND), "OPSKIT_ERR_NOT_FOUND") == 0);
  CHECK(strcmp(opskit_status_name(9999), "OPSKIT_UNKNOWN_STATUS") == 0);
  static const uint32_t codes[] = {0, 1, 2, 10, 20, 21, 22, 30, 40, 50, 60};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    CHECK(strncmp(opskit_status_name(codes[i]), "OPSKIT_", 7) == 0);
    CHECK(strcmp(opskit_status_name(codes[i]), "OPSKIT_UNKNOWN_STATUS") != 0);
  }
  opskit_string_free(NULL); /* a no-op */
  CHECK_STATUS(opskit_test_panic(), OPSKIT_ERR_PANIC);
  CHECK(opskit_last_error_message() != NULL &&
        strstr(opskit_last_error_message(), "deliberate panic") != NULL);
}

static void test_pure(void) {
  char *out = NULL;
  int32_t cmp = 99;
  bool ok = false;

  CHECK_STATUS(opskit_version_parse_version("1.2.3-rc.1+b.5", &out), OPSKIT_OK);
  CHECK(opskit_last_error_message() == NULL); /* cleared by a successful call */
  CHECK(strstr(out, "\"pre\":[\"rc\",\"1\"]") != NULL);
  CHECK(strstr(out, "\"build\":[\"b\",\"5\"]") != NULL);
  opskit_string_free(out);
  out = NULL;
  CHECK_STATUS(opskit_version_parse_version("v1.2.3", &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK(out == NULL); /* out-parameters are written only on success */
  CHECK(strstr(opskit_last_error_message(), "prefix") != NULL);
  CHECK_STATUS(opskit_version_parse_version(NULL, &out), OPSKIT_ERR_NULL_ARGUMENT);
  CHECK_STATUS(opskit_version_parse_version("1.0.0", NULL), OPSKIT_ERR_NULL_ARGUMENT);
  CHECK_STATUS(opskit_version_parse_version("\xff\xfe", &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "UTF-8") != NULL);
  /* The _in calls take a scheme; NULL is SemVer, as the plain calls. */
  CHECK_STATUS(opskit_version_parse_version_in("1!2.0rc1", "pep440", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"epoch\":1") != NULL && strstr(out, "\"scheme\":\"pep440\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_parse_version_in("1.0rc1", NULL, &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_bump_in("2.0.0.post1", "patch", NULL, "pep440", &out), OPSKIT_OK);
  CHECK(strcmp(out, "2.0.1") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_bump_on_channel_in("1.3.0b1", "minor", "beta", "pep440", &out), OPSKIT_OK);
  CHECK(strcmp(out, "1.3.0b2") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_bump_in("1.2.3", "minor", NULL, "calver", &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "semver, pep440 or auto") != NULL);

  CHECK_STATUS(opskit_version_compare("1.0.0-rc.1", "1.0.0", &cmp), OPSKIT_OK);
  CHECK(cmp == -1);
  CHECK_STATUS(opskit_version_compare("1.0.0+a", "1.0.0+b", &cmp), OPSKIT_OK);
  CHECK(cmp == 0);
  CHECK_STATUS(opskit_version_compare("x", "1.0.0", &cmp), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_compare("1.0.0", "1.0.0", NULL), OPSKIT_ERR_NULL_ARGUMENT);

  CHECK_STATUS(opskit_version_sort_versions("[\"1.10.0\",\"1.2.0\",\"1.2.0-rc.1\"]", &out), OPSKIT_OK);
  CHECK(strcmp(out, "[\"1.2.0-rc.1\",\"1.2.0\",\"1.10.0\"]") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_sort_versions("[1,2", &out), OPSKIT_ERR_INVALID_INPUT);
  /* NULL is a missing argument, not an empty list. */
  CHECK_STATUS(opskit_version_sort_versions(NULL, &out), OPSKIT_ERR_NULL_ARGUMENT);

  CHECK_STATUS(opskit_version_bump("1.2.3", "preminor", "rc", &out), OPSKIT_OK);
  CHECK(strcmp(out, "1.3.0-rc.1") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_bump("1.3.0-rc.1", "prerelease", NULL, &out), OPSKIT_OK);
  CHECK(strcmp(out, "1.3.0-rc.2") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_bump("1.2.3", "huge", NULL, &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_bump("1.2.3", "preminor", NULL, &out), OPSKIT_ERR_INVALID_INPUT);

  CHECK_STATUS(opskit_version_bump_on_channel("1.3.0-rc.1", "major", "rc", &out), OPSKIT_OK);
  CHECK(strcmp(out, "2.0.0-rc.1") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_bump_on_channel("1.2.3", "minor", NULL, &out), OPSKIT_ERR_NULL_ARGUMENT);
  CHECK_STATUS(opskit_version_default_groups(&out), OPSKIT_OK);
  CHECK(strstr(out, "{\"title\":\"Features\",\"types\":[\"feat\"]}") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_default_groups(NULL), OPSKIT_ERR_NULL_ARGUMENT);

  CHECK_STATUS(opskit_version_satisfies("1.4.2", "^1.2", &ok), OPSKIT_OK);
  CHECK(ok);
  CHECK_STATUS(opskit_version_satisfies("2.0.0", "^1.2", &ok), OPSKIT_OK);
  CHECK(!ok);
  CHECK_STATUS(opskit_version_satisfies("1.0.0", "nonsense", &ok), OPSKIT_ERR_INVALID_INPUT);

  CHECK_STATUS(opskit_version_parse_commit_message("feat(api)!: drop v1\n\nBREAKING CHANGE: gone", &out),
               OPSKIT_OK);
  CHECK(strstr(out, "\"breaking\":true") != NULL);
  CHECK(strstr(out, "\"scope\":\"api\"") != NULL);
  opskit_string_free(out);

  CHECK_STATUS(opskit_version_check_branch("feature/login", NULL, &out), OPSKIT_OK);
  CHECK(strstr(out, "\"valid\":true") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_check_branch("wip", "{\"allowed\":[\"main\"]}", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"valid\":false") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_check_branch("x", "{\"allowed\":[\"feature/[\"]}", &out),
               OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_check_branch("x", "{\"alowed\":[]}", &out),
               OPSKIT_ERR_INVALID_INPUT);
}

static void test_git(void) {
  char *out = NULL;

  CHECK_STATUS(opskit_version_releases(repo, NULL, &out), OPSKIT_OK);
  CHECK(strstr(out, "\"tag\":\"v1.0.0\"") != NULL && strstr(out, "v1.1.0-rc.1") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_releases(repo, "{\"include_prereleases\":false}", &out), OPSKIT_OK);
  CHECK(strstr(out, "v1.1.0-rc.1") == NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_releases(repo, "{\"tag_pattern\":\"v\"}", &out),
               OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_releases("/nonexistent/opskit", NULL, &out), OPSKIT_ERR_NOT_FOUND);
  CHECK(strstr(opskit_last_error_message(), "/nonexistent/opskit") != NULL);

  CHECK_STATUS(opskit_version_latest_release(repo, NULL, &out), OPSKIT_OK);
  CHECK(strstr(out, "\"tag\":\"v1.1.0-rc.1\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_current_release(repo, "{\"rev\":\"production\"}", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"tag\":\"v1.0.0\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_current_release(repo, "{\"rev\":\"nope\"}", &out),
               OPSKIT_ERR_NOT_FOUND);

  CHECK_STATUS(opskit_version_rollback_target(repo, "v1.1.0-rc.1", NULL, &out), OPSKIT_OK);
  CHECK(strstr(out, "\"tag\":\"v1.0.0\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_rollback_target(repo, "1.0.0", NULL, &out), OPSKIT_OK);
  CHECK(strcmp(out, "null") == 0);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_rollback_target(repo, "9.9.9", NULL, &out), OPSKIT_ERR_NOT_FOUND);

  CHECK_STATUS(opskit_version_next_version(repo, NULL, &out), OPSKIT_OK);
  CHECK(strstr(out, "\"next\":\"1.1.0\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_next_version(repo, "{\"channel\":\"rc\"}", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"next_tag\":\"v1.1.0-rc.2\"") != NULL);
  opskit_string_free(out);
  /* Under PEP 440 the SemVer tag v1.1.0-rc.1 reads as 1.1.0rc1. */
  CHECK_STATUS(opskit_version_next_version(repo, "{\"channel\":\"rc\",\"scheme\":\"pep440\"}", &out),
               OPSKIT_OK);
  CHECK(strstr(out, "\"next_tag\":\"v1.1.0rc2\"") != NULL && strstr(out, "\"scheme\":\"pep440\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_next_version(repo, "{\"scheme\":\"calver\"}", &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_next_version(repo, "{\"preset\":\"nope\"}", &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_next_version(repo, "not json", &out), OPSKIT_ERR_INVALID_INPUT);

  CHECK_STATUS(opskit_version_changelog(repo, "{\"range\":\"all\"}", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"title\":\"Features\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_changelog_markdown(repo, NULL, &out), OPSKIT_OK);
  CHECK(strstr(out, "## [Unreleased]") != NULL && strstr(out, "- cart (") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_changelog_markdown(repo, "{\"range\":{\"release\":\"7.0.0\"}}", &out),
               OPSKIT_ERR_NOT_FOUND);

  CHECK_STATUS(opskit_version_status(repo, NULL, "{\"allowed\":[\"main\"]}", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"branch\":\"main\"") != NULL && strstr(out, "\"next\":\"1.1.0\"") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_status(repo, NULL, "{\"allowed\":[]}", &out), OPSKIT_ERR_INVALID_INPUT);

  CHECK_STATUS(opskit_version_promote_check(repo, "staging", "production", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"fast_forward\":true") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_promote_check(repo, "production", "staging", &out), OPSKIT_OK);
  CHECK(strstr(out, "\"fast_forward\":false") != NULL);
  opskit_string_free(out);
  CHECK_STATUS(opskit_version_promote_check(repo, "staging", NULL, &out), OPSKIT_ERR_NULL_ARGUMENT);
}

/* A release of a small npm package: the dry run writes nothing, the
 * release leaves git a clean tree and an annotated tag, a second is refused. */
static void test_release(void) {
  char tmpl[] = "/tmp/opskit-c-release-XXXXXX";
  char *dir = mkdtemp(tmpl);
  char cmd[2048], *out = NULL;
  if (dir == NULL) exit(2);
  snprintf(cmd, sizeof cmd,
           "cd %s && git init -q -b main . && git config user.name 'Release Bot' && "
           "git config user.email release@example.com && "
           "printf '{\\n  \"name\": \"svc\",\\n  \"version\": \"2.0.0\"\\n}\\n' > package.json && "
           "git add . && git commit -q -m 'feat: svc' && git tag v2.0.0 && "
           "echo x > a.js && git add . && git commit -q -m 'fix(api): retry'",
           dir);
  run(cmd);
  const char *opts = "{\"files\":[{\"path\":\"package.json\"}],\"date\":\"2026-03-01\",\"dry_run\":true}";
  CHECK_STATUS(opskit_version_cut_release(dir, opts, &out), OPSKIT_OK);
  CHECK(out && strstr(out, "\"tag\":\"v2.0.1\"") != NULL && strstr(out, "\"commit\":null") != NULL);
  CHECK(out && strstr(out, "\"old_version\":\"2.0.0\",\"new_version\":\"2.0.1\"") != NULL);
  CHECK(out && strstr(out, "## [2.0.1] - 2026-03-01\\n\\n### Bug Fixes\\n\\n- **api:** retry (") != NULL);
  opskit_string_free(out);
  /* No files named: package.json, at the current release, is found. */
  CHECK_STATUS(opskit_version_cut_release(dir, "{\"dry_run\":true}", &out), OPSKIT_OK);
  CHECK(out && strstr(out, "\"path\":\"package.json\",\"kind\":\"npm\"") != NULL);
  CHECK(out && strstr(out, "\"skipped_files\":[]") != NULL);
  opskit_string_free(out);
  snprintf(cmd, sizeof cmd, "cd %s && test -z \"$(git status --porcelain)\" && ! test -e CHANGELOG.md", dir);
  CHECK(system(cmd) == 0);
  CHECK_STATUS(opskit_version_cut_release(dir, "{\"files\":[{\"path\":\"package.json\"}]}", &out), OPSKIT_OK);
  CHECK(out && strstr(out, "\"dry_run\":false") != NULL && strstr(out, "\"commit\":null") == NULL);
  opskit_string_free(out);
  snprintf(cmd, sizeof cmd,
           "cd %s && test -z \"$(git status --porcelain)\" && test \"$(git cat-file -t v2.0.1)\" = tag && "
           "grep -q '\"version\": \"2.0.1\"' package.json && grep -q '^## \\[2.0.1\\]' CHANGELOG.md",
           dir);
  CHECK(system(cmd) == 0);
  CHECK_STATUS(opskit_version_cut_release(dir, NULL, &out), OPSKIT_ERR_INVALID_INPUT);
  CHECK(strstr(opskit_last_error_message(), "nothing to release") != NULL);
  CHECK_STATUS(opskit_version_cut_release(dir, "{\"files\":[{\"path\":\"x\",\"kind\":\"maven\"}]}", &out),
               OPSKIT_ERR_INVALID_INPUT);
  CHECK_STATUS(opskit_version_cut_release(NULL, NULL, &out), OPSKIT_ERR_NULL_ARGUMENT);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  run(cmd);
}

int main(void) {
  make_repo();
  test_release();
  test_library();
  test_pure();
  test_git();
  remove_repo();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("PASS test_version\n");
  return 0;
}
