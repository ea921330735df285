/* Print the next version and the unreleased changelog of a repository.
 *
 *     cc examples/c/next_version.c $(pkg-config --cflags --libs opskit) -o next_version
 *     ./next_version [PATH]
 */
#include <opskit.h>

#include <stdio.h>
#include <string.h>

/* Print the JSON string value of "key" in a flat spot of `json` (enough for an example). */
static void print_field(const char *json, const char *key) {
  char needle[64];
  snprintf(needle, sizeof needle, "\"%s\":", key);
  const char *p = strstr(json, needle);
  if (!p) return;
  p += strlen(needle);
  if (*p == '"') {
    const char *end = strchr(p + 1, '"');
    printf("%s: %.*s\n", key, (int)(end - p - 1), p + 1);
  } else {
    printf("%s: none\n", key);
  }
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : ".";
  char *json = NULL, *markdown = NULL;

  if (opskit_version_next_version(path, NULL, &json) != OPSKIT_OK) {
    fprintf(stderr, "opskit: %s\n", opskit_last_error_message());
    return 1;
  }
  print_field(json, "current_tag");
  print_field(json, "next_tag");
  opskit_string_free(json);

  if (opskit_version_changelog_markdown(path, NULL, &markdown) != OPSKIT_OK) {
    fprintf(stderr, "opskit: %s\n", opskit_last_error_message());
    return 1;
  }
  printf("\n%s", markdown);
  opskit_string_free(markdown);
  return 0;
}
